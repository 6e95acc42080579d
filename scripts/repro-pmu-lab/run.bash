# shellcheck shell=bash
# `scripts/repro-pmu-set-attr.sh --lab` (sourced by it): the seed-003 cases
# under real arm64 KVM in the arm64 lab (scripts/lab.sh --arch aarch64,
# Debian's 6.1 arm64 kernel), with no -fault, then `kvmscope diagnose` of each
# case's log here. Files in build/repro-pmu/.
#
# The further genuine causes (the board's -cpu x-pmu-* misconfigurations) are
# in scripts/repro-pmu-lab/misconfig.bash.
#
# Evidence: each run of our VMM recorded by the arm64 build's kvmscope
# record --functions into build/repro-pmu/NAME.cap (or, without it, the VMM's
# own kvm_ioctl_exit / arm_pmu_attr trace lines): its KVM ioctls and, on the
# kernel's side, each call of kvm_vm_ioctl, kvm_vgic_create,
# kvm_arm_pmu_v3_set_attr and kvm_vm_ioctl_irq_line with its return value.

# shellcheck source=scripts/repro-pmu-lab/misconfig.bash
. "$(dirname "${BASH_SOURCE[0]}")/misconfig.bash"

repro_lab() {
	local arm=$ROOT/build-arm64 out=$ROOT/build/repro-pmu lab=$ROOT/scripts/lab.sh
	if [ ! -x "$lab" ] || ! "$lab" --help 2>&1 | grep -q aarch64; then
		echo "repro: the arm64 lab (scripts/lab.sh --arch aarch64) is not in this tree" >&2
		return 1
	fi
	[ -x "$KVMSCOPE" ] || { echo "repro: $KVMSCOPE is missing: run make first" >&2; return 1; }
	echo "== cross build: the arm64 VMM and guests (build-arm64)"
	make -C "$ROOT" -s -j2 ARCH=aarch64 CC=aarch64-linux-gnu-gcc BUILD=build-arm64 >/dev/null ||
		{ echo "repro: the arm64 cross build failed" >&2; return 1; }
	echo "== one arm64 lab boot: every case (no -fault); files in $out"
	"$lab" --arch aarch64 --timeout 900 -- sh "$ROOT/scripts/repro-pmu-lab/cases.sh" "$out" \
		"$arm/kvmscope-vmm" "$arm/guests/arm64/hello.img" "$arm/kvmscope" || {
		echo "repro: the lab run failed (status $?)" >&2
		return 1
	}
	repro_lab_report "$out"
}

# repro_lab_report DIR: each case's lines, diagnosis and verdicts
repro_lab_report() {
	local out=$1
	echo "   kernel $(cat "$out/kernel.txt"); evidence: kvmscope record --functions captures (or the VMM's trace lines)"
	sed 's/^/   function /' "$out/functions.txt"
	lab_case "$out" seed-pmu "the seed, with PMU: virt-4.1 -cpu host"
	lab_recorded "$out" seed-pmu
	lab_expect "$out" seed-pmu 134 'KVM_CREATE_DEVICE.*errno 19 \(ENODEV\)' \
		"seed: VGIC_V2 -> ENODEV (no GICv2 emulation), taken as 'no vGIC'"
	lab_expect "$out" seed-pmu 134 'attr IRQ ret -1 errno 22' \
		"seed: then the kernel's EINVAL for the PMU IRQ, the seed's lines, SIGABRT"
	lab_kfunc_expect "$out" seed-pmu kvm_vm_ioctl -19 \
		"seed, kernel side: the VM ioctl returned -ENODEV for KVM_CREATE_DEVICE(VGIC_V2)"
	lab_kfunc_absent "$out" seed-pmu kvm_vgic_create \
		"seed, kernel side: ... before kvm_vgic_create: no VGIC_V2 device type registered (GICv3 host without GICV)"
	lab_kfunc_expect "$out" seed-pmu kvm_arm_pmu_v3_set_attr -22 \
		"seed, kernel side: kvm_arm_pmu_v3_set_attr returned -EINVAL (no in-kernel vGIC)"
	# (unique: a capture and its VMM's stderr can each give the finding)
	lab_diag_expect "$out" seed-pmu '[.findings[] | select(.rule == "pmu-set-attr") | "\(.facts.attr) \(.facts.errno) \(.facts.vgic)"] | unique == ["KVM_ARM_VCPU_PMU_V3_IRQ EINVAL refused by the kernel"]' \
		"seed: diagnose names the IRQ attribute, EINVAL, and the vGIC the kernel refused before"
	lab_diag_expect "$out" seed-pmu '[.findings[] | select(.rule == "pmu-set-attr" and .facts.kernel_function != null) | "\(.facts.kernel_function) \(.facts.vgic_kernel_function) \(.facts.fix)"] | unique == ["kvm_arm_pmu_v3_set_attr kvm_vm_ioctl gic-version=3 or host, or QEMU >= 5.1"]' \
		"seed: diagnose, from the kernel functions: kvm_vm_ioctl's ENODEV for the vGIC, then kvm_arm_pmu_v3_set_attr's EINVAL, and the fix"
	lab_case "$out" seed-pmu-off "the seed, pmu=off: virt-4.1 -cpu host,pmu=off"
	lab_recorded "$out" seed-pmu-off
	lab_expect "$out" seed-pmu-off 134 'KVM_IRQ_LINE.*errno 6 \(ENXIO\)' \
		"seed pmu=off: the first SPI -> ENXIO, 'kvm_set_irq: No such device or address', SIGABRT"
	lab_kfunc_expect "$out" seed-pmu-off kvm_vm_ioctl_irq_line -6 \
		"seed pmu=off, kernel side: kvm_vm_ioctl_irq_line returned -ENXIO"
	lab_kfunc_expect "$out" seed-pmu-off kvm_vm_ioctl -19 \
		"seed pmu=off, kernel side: the same ENODEV for KVM_CREATE_DEVICE(VGIC_V2) before it"
	lab_diag_expect "$out" seed-pmu-off '[.findings[] | select(.facts.ioctl == "KVM_IRQ_LINE") | "\(.facts.kernel_function) \(.explanation | test("no in-kernel irqchip"))"] == ["kvm_vm_ioctl_irq_line true"]' \
		"seed pmu=off: diagnose names kvm_vm_ioctl_irq_line's ENXIO and, first, no in-kernel irqchip"
	lab_case "$out" healthy-gicv3 "QEMU 7.2's board, GIC probed: virt -cpu host"
	lab_recorded "$out" healthy-gicv3
	lab_expect "$out" healthy-gicv3 0 'attr INIT ret 0 errno 0' \
		"healthy: GICv3, PMU IRQ and INIT set, the guest runs and powers off"
	lab_kfunc_only "$out" healthy-gicv3 kvm_arm_pmu_v3_set_attr 0 \
		"healthy, kernel side: every kvm_arm_pmu_v3_set_attr returned 0"
	lab_kfunc_expect "$out" healthy-gicv3 kvm_vgic_create 0 \
		"healthy, kernel side: kvm_vgic_create (GICv3) returned 0"
	lab_kfunc_only "$out" healthy-gicv3 kvm_vm_ioctl_irq_line 0 \
		"healthy, kernel side: every kvm_vm_ioctl_irq_line returned 0 (the vGIC exists)"
	lab_diag_expect "$out" healthy-gicv3 '.findings == []' \
		"healthy: no finding (the GICv2 probe's ENODEV, answered by the GICv3 created after it, is no failure)"
	lab_case "$out" pmu-off "QEMU 7.2's board, pmu=off"
	lab_recorded "$out" pmu-off
	lab_expect "$out" pmu-off 0 'SHUTDOWN' "pmu=off on GICv3: the guest runs and powers off"
	lab_diag_expect "$out" pmu-off '.findings == []' "pmu=off on GICv3: no finding"
	lab_case "$out" gicv2-refused "QEMU 7.2's board asked for GICv2"
	lab_recorded "$out" gicv2-refused
	lab_expect "$out" gicv2-refused 1 'host does not support in-kernel GICv2 emulation' \
		"gic-version=2: refused in QEMU 7.2's words, status 1"
	repro_lab_misconfig "$out"
	if [ -f "$out/qemu72-gicv2.rc" ]; then
		lab_case "$out" qemu72-gicv2 "Debian's qemu-system-aarch64 7.2, gic-version=2"
		lab_expect "$out" qemu72-gicv2 1 'host does not support in-kernel GICv2 emulation' \
			"QEMU 7.2 itself: the same words and status"
	fi
}

# lab_case DIR NAME TITLE: the case's VMM lines and diagnosis. A recorded
# case (NAME.cap) takes its VMM's status from the capture (record itself
# exits 0) and its trace lines from the capture's report: NAME.evidence
lab_case() {
	local inputs=("$1/$2.log")
	echo
	echo "== $2: $3"
	cp "$1/$2.log" "$1/$2.evidence"
	if [ -s "$1/$2.cap" ]; then
		inputs=("$1/$2.cap" "$1/$2.log")
		"$KVMSCOPE" report "$1/$2.cap" >>"$1/$2.evidence" 2>&1
		"$KVMSCOPE" report --format json "$1/$2.cap" 2>/dev/null |
			jq -r 'select(.kind == "kfunc") | "\(.name) \(.ret) \(.attach)"' >"$1/$2.kfunc.all"
		cut -d' ' -f1,2 "$1/$2.kfunc.all" >"$1/$2.kfunc"
		local st
		st=$(grep -m1 '^# capture:' "$1/$2.evidence" |
			sed -n 's/.*, exit \([0-9]*\)\(,.*\)\{0,1\}$/\1/p; s/.*, signal \([0-9]*\)\(,.*\)\{0,1\}$/S\1/p')
		case $st in S*) echo $((128 + ${st#S})) >"$1/$2.rc" ;; [0-9]*) echo "$st" >"$1/$2.rc" ;; esac
		echo "   recorded: $2.cap; its failing KVM ioctls:"
		grep -E 'kvm_ioctl_exit .*ret -1' "$1/$2.evidence" | sed 's/^ */    /' | head -4
	fi
	echo "   status $(cat "$1/$2.rc"); guest: $(head -1 "$1/$2.out")"
	grep -Ev 'errno 0 \(OK\)|qapi_event event RESUME|^kvmscope record:' "$1/$2.log" | sed 's/^/    /' | tail -8
	if [ -s "$1/$2.kfunc" ]; then
		echo "   the kernel's functions (record --functions, through $(cut -d' ' -f3 "$1/$2.kfunc.all" |
			sort -u | paste -sd,); calls, return value):"
		sort "$1/$2.kfunc" | uniq -c | awk '{ printf "      %dx %s() = %s\n", $1, $2, $3 }'
	fi
	# the first finding: its title, decision chain and explanation
	"$KVMSCOPE" diagnose --format "$FORMAT" "${inputs[@]}" |
		awk '/^\[2\]/ { exit } /^\[1\]/ { on = 1 } /^  evidence:/ { ev = 1; next }
			/^  decision/ { ev = 0 } on && !ev'
	"$KVMSCOPE" diagnose --format json "${inputs[@]}" >"$1/$2.diagnosis.json"
}

# lab_recorded DIR NAME: the case's capture holds record --functions calls
# (NAME.kfunc: "function ret" per call, from its json report)
lab_recorded() {
	if [ ! -s "$1/$2.cap" ]; then
		results+=("  FAIL  $2: no capture $2.cap (record did not run in the lab)")
	elif [ ! -s "$1/$2.kfunc" ]; then
		results+=("  FAIL  $2: $2.cap holds no kernel function calls (record --functions)")
	else
		results+=("  ok    $2: $2.cap holds $(wc -l <"$1/$2.kfunc") kernel function calls")
	fi
}

# lab_kfunc_expect DIR NAME FUNCTION RET WHAT: a recorded call returned RET
lab_kfunc_expect() {
	if grep -qx -- "$3 $4" "$1/$2.kfunc" 2>/dev/null; then
		results+=("  ok    $5")
	else
		results+=("  FAIL  $5")
	fi
}

# lab_kfunc_only DIR NAME FUNCTION RET WHAT: FUNCTION was called and every
# call returned RET
lab_kfunc_only() {
	if [ "$(grep "^$3 " "$1/$2.kfunc" 2>/dev/null | sort -u)" = "$3 $4" ]; then
		results+=("  ok    $5")
	else
		results+=("  FAIL  $5")
	fi
}

# lab_kfunc_absent DIR NAME FUNCTION WHAT: FUNCTION was recorded (attached:
# no NOTE that it is absent or could not attach) and never called
lab_kfunc_absent() {
	if [ ! -s "$1/$2.kfunc" ] || grep -Eq "kernel function $3: (absent|cannot attach)" "$1/$2.evidence"; then
		results+=("  FAIL  $4 (not recorded)")
	elif grep -q "^$3 " "$1/$2.kfunc"; then
		results+=("  FAIL  $4")
	else
		results+=("  ok    $4")
	fi
}

# lab_expect DIR NAME STATUS PATTERN WHAT
lab_expect() {
	if [ "$(cat "$1/$2.rc")" = "$3" ] && grep -Eq -- "$4" "$1/$2.evidence"; then
		results+=("  ok    $5")
	else
		results+=("  FAIL  $5")
	fi
}

# lab_diag_expect DIR NAME JQ WHAT
lab_diag_expect() {
	if [ "$(jq -r "$3" "$1/$2.diagnosis.json" 2>/dev/null)" = true ]; then
		results+=("  ok    $4")
	else
		results+=("  FAIL  $4")
	fi
}
