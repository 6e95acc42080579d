#!/bin/bash
# The arm64 virt board under real arm64 KVM, in the arm64 lab (one boot of
# Debian's arm64 6.1 kernel under QEMU TCG, scripts/lab.sh --arch aarch64):
# lab/arm64-cases.sh runs every case there, the checks are made here.
# - hello (Image and ELF, 1 and 2 vCPUs) prints on the PL011 and powers off
#   by PSCI (status 0, SHUTDOWN guest-shutdown);
# - reboot: 3 PSCI resets = 3 RESET events and boots 1..4; -no-reboot and
#   -action reboot=shutdown turn the first into a shutdown;
# - the pmu guest reads PMCR_EL0 and a running cycle counter (GIC probed);
# - gic-version=2 is refused in QEMU 7.2's words, status 1, as Debian's
#   qemu-system-aarch64 refuses it in the same lab;
# - QMP: a -S machine queried, continued, its SHUTDOWN event read;
# - the board's KVM order (vCPU init, vGIC, PMU attributes, vGIC addresses)
#   is QEMU 7.2's, seen from the kernel side (kprobe events on the ioctl
#   handlers, folded by lab/kvm-order.awk);
# - the same order from kvmscope record captures of both VMMs (decoded
#   ioctls, kvm_vgic_create and kvm_arm_pmu_v3_set_attr under them,
#   lab/cap-order.jq);
# - virt-4.1 gives the seed's lines from the kernel's own answers (no
#   -fault): VGIC_V2 ENODEV, the PMU IRQ EINVAL, and with pmu=off the SPI's
#   ENXIO.
# ARM64_LAB_RESULTS=DIR checks the results of an earlier run without a boot.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/arm64-lib.bash"
need_tools "arm64 lab" $CROSS
LAB=$ROOT/scripts/lab.sh
RES=${ARM64_LAB_RESULTS:-}
if [ -z "$RES" ]; then
	if [ ! -x "$LAB" ] || ! "$LAB" --help 2>&1 | grep -q aarch64; then
		skip "arm64 lab: scripts/lab.sh --arch aarch64 is not in this tree"
		echo "1..$T_N"
		exit 0
	fi
	arm64_make
	expect_eq "cross build of the VMM and the arm64 guests" "$?" 0
	RES=$ARM_BUILD/arm64-lab
	"$LAB" --arch aarch64 --timeout 900 -- sh "$ROOT/tests/integration/lab/arm64-cases.sh" \
		"$RES" "$ARM_BUILD/kvmscope-vmm" "$ARM_BUILD/guests/arm64" "$ARM_BUILD/kvmscope" \
		>"$T_TMP/lab.out" 2>"$T_TMP/lab.err"
	rc=$?
	# 126 with lab.sh's error line: a kernel, package or tool missing (no
	# network to Debian's archive...). A lab that did not come up (125) is a
	# failure: on these machines it boots
	if [ "$rc" = 126 ] && grep -q 'error' "$T_TMP/lab.err"; then
		skip "arm64 lab unavailable (status $rc): $(grep 'error' "$T_TMP/lab.err" | tail -1)"
		echo "1..$T_N"
		exit 0
	fi
	expect_eq "the lab booted and ran every case" "$rc:$(cat "$RES/done.txt" 2>/dev/null)" "0:done"
	tail -5 "$T_TMP/lab.err" | diag
fi
r() { cat "$RES/$1.rc" 2>/dev/null; }
boots() { grep -o '^guest: boot [0-9]*' "$RES/$1.out" | tr '\n' , ; }

expect_eq "the lab has /dev/kvm (kernel $(cat "$RES/kernel.txt" 2>/dev/null))" "$(cat "$RES/kvm.txt" 2>/dev/null)" yes
for c in hello hello-elf hello-smp2; do
	expect_eq "$c: status 0" "$(r $c)" 0
	expect_grep "$c: the guest's line on the PL011" "$RES/$c.out" '^guest: hello from arm64 \(EL1'
done
expect_grep "hello: the Image's x0 is the device tree (bootargs read)" "$RES/hello.out" "cmdline 'lab=1'"
expect_grep "hello: PSCI SYSTEM_OFF is a guest shutdown" "$RES/hello.err" \
	'event SHUTDOWN data \{"guest": true, "reason": "guest-shutdown"\}'

expect_eq "reboot: status 0" "$(r reboot)" 0
expect_eq "reboot: boots 1..4, each of the reloaded image" "$(boots reboot)" \
	"guest: boot 1,guest: boot 2,guest: boot 3,guest: boot 4,"
expect_eq "reboot: three RESET guest-reset events" \
	"$(grep -c 'event RESET data {"guest": true, "reason": "guest-reset"}' "$RES/reboot.err")" 3
expect_eq "reboot: runs through the resets" \
	"$(sed -n 's/.*runstate_set .*(\([a-z-]*\)) new_state [0-9]* (\([a-z-]*\)).*/\1>\2/p' "$RES/reboot.err" | tr '\n' ' ')" \
	"prelaunch>running running>shutdown "
for c in noreboot actionreboot; do
	expect_eq "$c: one boot, status 0" "$(boots $c):$(r $c)" "guest: boot 1,:0"
	expect_grep "$c: the reset became SHUTDOWN guest-reset" "$RES/$c.err" \
		'event SHUTDOWN data \{"guest": true, "reason": "guest-reset"\}'
done

expect_eq "pmu: status 0" "$(r pmu)" 0
expect_grep "pmu: PMUv3 offered to the guest" "$RES/pmu.out" '^guest: ID_AA64DFR0_EL1.PMUVer = [1-9]'
expect_grep "pmu: PMCR_EL0 read" "$RES/pmu.out" '^guest: PMCR_EL0 = 0x'
expect_grep "pmu: the cycle counter advances" "$RES/pmu.out" '^guest: cycle counter advances'
expect_eq "pmu: IRQ and INIT set on the probed GICv3" \
	"$(grep -c 'KVM_SET_DEVICE_ATTR group 0 attr [A-Z]* ret 0 errno 0' "$RES/pmu.err")" 2
expect_grep "pmu=off: no PMU in the guest" "$RES/pmu-off.out" '^guest: no PMUv3'
expect_eq "gic-version=host: status 0" "$(r gic-host)" 0

expect_eq "gic-version=2: status 1" "$(r gic2)" 1
expect_eq "gic-version=2: QEMU 7.2's words" "$(cat "$RES/gic2.err")" \
	"kvmscope-vmm: host does not support in-kernel GICv2 emulation"

expect_eq "virt-4.1: SIGABRT, as QEMU 4.1" "$(r seed-pmu)" 134
expect_grep "virt-4.1: the kernel has no GICv2: VGIC_V2 -> ENODEV" "$RES/seed-pmu.err" \
	'kvm_ioctl_exit vm .*\(KVM_CREATE_DEVICE\).*ret -1, errno 19 \(ENODEV\)'
expect_grep "virt-4.1: the kernel's EINVAL for the PMU IRQ" "$RES/seed-pmu.err" \
	'arm_pmu_attr cpu_index 0, KVM_SET_DEVICE_ATTR group 0 attr IRQ ret -1 errno 22'
expect_eq "virt-4.1: the seed's two lines" "$(grep '^kvmscope-vmm:' "$RES/seed-pmu.err")" \
	"kvmscope-vmm: PMU: KVM_SET_DEVICE_ATTR: Invalid argument
kvmscope-vmm: failed to set irq for PMU"
expect_eq "virt-4.1 pmu=off: SIGABRT" "$(r seed-pmu-off)" 134
expect_grep "virt-4.1 pmu=off: the kernel's ENXIO for the first SPI" "$RES/seed-pmu-off.err" \
	'\(KVM_IRQ_LINE\).*ret -1, errno 6 \(ENXIO\)'
expect_grep "virt-4.1 pmu=off: the seed's line" "$RES/seed-pmu-off.err" \
	'^kvm_set_irq: No such device or address$'
expect_eq "no -fault anywhere: the errors are the kernel's" "$(cat "$RES"/seed-*.err | grep -c kvm_fault_inject)" 0

if [ -f "$RES/qmp.rc" ]; then
	expect_eq "QMP: the client and the VMM end with status 0" "$(r qmp):$(r qmp-vmm)" "0:0"
	expect_grep "QMP: a -S machine is in prelaunch" "$RES/qmp.out" '"return": \{"status": "prelaunch"'
	expect_grep "QMP: cont gives RESUME" "$RES/qmp.out" '"event": "RESUME"'
	expect_grep "QMP: PSCI SYSTEM_OFF gives SHUTDOWN guest-shutdown" "$RES/qmp.out" \
		'"event": "SHUTDOWN", "data": \{"guest": true, "reason": "guest-shutdown"\}'
	expect_grep "QMP: the PL011's output went to -serial file:" "$RES/qmp.serial" '^guest: hello from arm64'
else
	skip "QMP: no perl in the lab root for a client"
fi
if [ -s "$RES/order-ours.order" ] && [ -s "$RES/order-qemu.order" ]; then
	AWK=$ROOT/tests/integration/lab/kvm-order.awk
	awk -f "$AWK" "$RES/order-ours.order" >"$T_TMP/order-ours"
	awk -f "$AWK" "$RES/order-qemu.order" >"$T_TMP/order-qemu"
	expect_eq "KVM order, from the kernel's side: vCPU init, vGIC, PMU attributes, vGIC addresses as QEMU 7.2" \
		"$(tr '\n' ';' <"$T_TMP/order-ours")" "$(tr '\n' ';' <"$T_TMP/order-qemu")"
	expect_eq "... both VMMs ran the hello guest" "$(r order-ours):$(r order-qemu)" "0:0"
else
	skip "KVM order against QEMU 7.2: no kprobe events or no qemu-system-aarch64 in the lab"
fi
if [ -s "$RES/rec-ours.cap" ] && [ -s "$RES/rec-qemu.cap" ]; then
	for v in ours qemu; do
		"$BUILD/kvmscope" report --format json "$RES/rec-$v.cap" 2>/dev/null >"$T_TMP/rec-$v.json"
		jq -rs -f "$ROOT/tests/integration/lab/cap-order.jq" "$T_TMP/rec-$v.json" >"$T_TMP/rec-$v.order"
		diag <"$T_TMP/rec-$v.order"
	done
	q() { jq -r "$1" "$T_TMP/rec-qemu.json" | sort -u | tr '\n' ' '; }
	expect_eq "record of QEMU 7.2: its arm64 ioctls decoded by name" \
		"$(q 'select(.kind == "ioctl") | .text | capture("^ioctl\\([0-9]+, (?<n>[A-Z_0-9]+)").n |
			select(. == "KVM_ARM_VCPU_INIT" or . == "KVM_SET_DEVICE_ATTR" or . == "KVM_CREATE_DEVICE")')" \
		"KVM_ARM_VCPU_INIT KVM_CREATE_DEVICE KVM_SET_DEVICE_ATTR "
	expect_eq "record of QEMU 7.2: its kernel functions, each returned 0" \
		"$(q 'select(.kind == "kfunc") | "\(.name)=\(.ret)"')" \
		"kvm_arm_pmu_v3_set_attr=0 kvm_vgic_create=0 "
	expect_eq "KVM order from the two captures: vCPU init, vGIC, PMU attributes as QEMU 7.2" \
		"$(tr '\n' ';' <"$T_TMP/rec-ours.order")" "$(tr '\n' ';' <"$T_TMP/rec-qemu.order")"
	expect_grep "... the order has the three milestones" "$T_TMP/rec-ours.order" '^PMU_SET_ATTR = 0$'
	expect_eq "... both recorded VMMs ran the hello guest" "$(r rec-ours):$(r rec-qemu)" "0:0"
	# kernel functions recorded through kprobes (6.1 arm64 has no BPF
	# trampolines): record says so, and why fentry was refused
	"$BUILD/kvmscope" report "$RES/rec-ours.cap" 2>&1 >/dev/null | grep 'collector: kernel function' >"$T_TMP/rec-ours.notes"
	if jq -se 'any(.[]; .kind == "kfunc" and .attach == "kprobe")' "$T_TMP/rec-ours.json" >/dev/null; then
		expect_grep "record: a NOTE says a function went to kprobes, and the kernel's refusal of fentry" \
			"$T_TMP/rec-ours.notes" 'kernel function kvm_vgic_create: recorded with kprobe/kretprobe instead of fentry/fexit \(fentry: .+\)$'
		diag <"$T_TMP/rec-ours.notes"
	else
		skip "record's kprobe NOTE: this lab kernel took fentry"
	fi
	# with the structs record copies (capture format 1.2): the vCPU features,
	# the vGIC's type and set-up groups, the PMU attribute groups. Left out
	# and shown: what QEMU 7.2 -cpu host does besides (a scratch VM's probe
	# vCPUs, SVE and pointer auth, KVM_ARM_VCPU_PVTIME_CTRL, the ITS, the
	# vGIC's register state at reset, REDIST_REGION for the redistributors)
	# and that our secondaries start with POWER_OFF
	for v in ours qemu; do
		jq -rs --arg mode order -f "$ROOT/tests/integration/lab/cap-order-args.jq" \
			"$T_TMP/rec-$v.json" >"$T_TMP/rec-$v.args"
		# (register-state attributes summed up per group)
		jq -rs --arg mode other -f "$ROOT/tests/integration/lab/cap-order-args.jq" \
			"$T_TMP/rec-$v.json" | sed 's/ attr=[0-9]*$/ attr=(numbers)/' | sort | uniq -c |
			sed "s/^/$v, left out: /" | diag
	done
	diag <"$T_TMP/rec-qemu.args"
	expect_grep "record of QEMU 7.2: KVM_ARM_VCPU_INIT of its vCPUs decoded (PSCI 0.2, PMUv3)" \
		"$T_TMP/rec-qemu.args" '^VCPU_INIT features=PSCI_0_2,PMU_V3$'
	expect_grep "record of QEMU 7.2: the PMU IRQ attribute decoded by name" "$T_TMP/rec-qemu.args" \
		'^PMU_ATTR group=KVM_ARM_VCPU_PMU_V3_CTRL attr=KVM_ARM_VCPU_PMU_V3_IRQ = 0$'
	expect_grep "record of QEMU 7.2: the vGIC's type from KVM_CREATE_DEVICE" "$T_TMP/rec-qemu.args" \
		'^VGIC_CREATE type=KVM_DEV_TYPE_ARM_VGIC_V3$'
	expect_eq "KVM order with the decoded structs: vCPU features, vGIC type and set-up groups, PMU attributes as QEMU 7.2" \
		"$(tr '\n' ';' <"$T_TMP/rec-ours.args")" "$(tr '\n' ';' <"$T_TMP/rec-qemu.args")"
else
	skip "recorded KVM order against QEMU 7.2: no captures (no qemu-system-aarch64 or record in the lab)"
fi
if [ -f "$RES/qemu-gic2.rc" ]; then
	expect_eq "QEMU 7.2 in the lab: gic-version=2 status 1, as ours" "$(r qemu-gic2)" "$(r gic2)"
	expect_eq "QEMU 7.2 in the lab: the same words" \
		"$(sed 's/^qemu-system-aarch64: //' "$RES/qemu-gic2.err")" \
		"$(sed 's/^kvmscope-vmm: //' "$RES/gic2.err")"
	expect_eq "QEMU 7.2 runs the same hello guest to the same lines" \
		"$(cat "$RES/qemu-hello.out"):$(r qemu-hello)" "$(cat "$RES/hello.out"):$(r hello)"
else
	skip "QEMU 7.2 comparison: no qemu-system-aarch64 in the lab root"
fi
echo "1..$T_N"
