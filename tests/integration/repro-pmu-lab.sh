#!/bin/bash
# The seed's PMU failure from its genuine kernel cause: scripts/repro-pmu-set-attr.sh
# --lab runs every case in one boot of the arm64 lab (Debian's 6.1 arm64
# kernel, real KVM, no -fault), each recorded by the arm64 kvmscope's
# record --functions, and prints a verdict per check. Here: it succeeds,
# every verdict is ok, and the captures it names are readable and hold the
# kernel's answers (kvm_arm_pmu_v3_set_attr's -EINVAL in the seed's case).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/arm64-lib.bash"
need_tools "the PMU repro in the arm64 lab" "$CROSS" qemu-system-aarch64 mmdebstrap
[ "$(id -u)" = 0 ] || { skip "the PMU repro in the arm64 lab: needs root (BPF inside it)"; echo "1..$T_N"; exit 0; }

"$ROOT/scripts/repro-pmu-set-attr.sh" --lab >"$T_TMP/repro.out" 2>&1
rc=$?
if grep -q 'repro: the lab run failed (status 126)' "$T_TMP/repro.out" && grep -q 'error' "$T_TMP/repro.out"; then
	skip "the PMU repro in the arm64 lab: a kernel or package is missing ($(grep -m1 'error' "$T_TMP/repro.out"))"
	echo "1..$T_N"
	exit 0
fi
expect_eq "repro-pmu-set-attr.sh --lab: status 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 20 "$T_TMP/repro.out" | diag
sed -n '/^== Summary$/,$p' "$T_TMP/repro.out" >"$T_TMP/summary"
expect_eq "every verdict ok (no FAIL)" "$(grep -c '^  FAIL' "$T_TMP/summary")" 0
grep '^  FAIL' "$T_TMP/summary" | diag
check "... and at least 40 of them ($(grep -c '^  ok' "$T_TMP/summary"))" \
	test "$(grep -c '^  ok' "$T_TMP/summary")" -ge 40
out=$ROOT/build/repro-pmu
"$BUILD/kvmscope" report --format json "$out/seed-pmu.cap" >"$T_TMP/seed.json" 2>/dev/null
expect_eq "the seed's capture: every kvm_arm_pmu_v3_set_attr call returned -22 EINVAL" \
	"$(jq -r 'select(.kind == "kfunc" and .name == "kvm_arm_pmu_v3_set_attr") | "\(.ret) \(.errname)"' "$T_TMP/seed.json" | sort -u)" \
	"-22 EINVAL"
expect_eq "... read by the x86-64 kvmscope: arm64's ioctls named (KVM_ARM_VCPU_INIT)" \
	"$(jq -r 'select(.kind == "ioctl") | .text' "$T_TMP/seed.json" | grep -c 'KVM_ARM_VCPU_INIT' | sed 's/^[1-9][0-9]*$/named/')" named
"$BUILD/kvmscope" diagnose --format json "$out/seed-pmu.cap" >"$T_TMP/seed-diag.json" 2>/dev/null
expect_eq "diagnose of the seed's capture alone: pmu-set-attr with the kernel function" \
	"$(jq -r '.findings[] | select(.rule == "pmu-set-attr") | .facts.kernel_function' "$T_TMP/seed-diag.json")" \
	kvm_arm_pmu_v3_set_attr
# the further causes (-cpu x-pmu-*): each capture, read here, holds the
# kernel's own errno from the PMU attribute function
for c in "no-pmu-feature kvm_arm_pmu_v3_has_attr -6 ENXIO" "no-pmu-feature-set kvm_arm_pmu_v3_set_attr -19 ENODEV" \
	"ppi-differs kvm_arm_pmu_v3_set_attr -22 EINVAL" "irq-after-init kvm_arm_pmu_v3_set_attr -16 EBUSY"; do
	set -- $c
	expect_eq "$1's capture: $2 returned $3 $4 (and nothing else failed there)" \
		"$("$BUILD/kvmscope" report --format json "$out/$1.cap" 2>/dev/null |
			jq -r "select(.kind == \"kfunc\" and .name == \"$2\" and .ret < 0) | \"\\(.ret) \\(.errname)\"" | sort -u)" "$3 $4"
done
