#!/bin/sh
# The cases of `scripts/repro-pmu-set-attr.sh --lab`, run inside the arm64
# lab (real arm64 KVM, one boot). No -fault: every error is the kernel's.
# Each VMM's stderr (with its kvm_ioctl_exit and arm_pmu_attr trace lines)
# goes to DIR/NAME.log, its status to DIR/NAME.rc, the guest's output to
# DIR/NAME.out; with KVMSCOPE (the arm64 build's) each of our VMM's runs is
# recorded into DIR/NAME.cap with record --functions (the kernel functions'
# return values) instead of traced with -trace. POSIX sh.
#   scripts/repro-pmu-lab/cases.sh DIR VMM GUEST-IMAGE [KVMSCOPE]
set -u
DIR=$1 VMM=$2 IMG=$3 KVMSCOPE=${4:-}
mkdir -p "$DIR" && rm -f "$DIR"/*.log "$DIR"/*.rc "$DIR"/*.out "$DIR"/*.cap "$DIR"/*.kfunc "$DIR"/*.kfunc.all
cd /tmp || exit 1

# The kernel's side: record --functions on each function the seed's path
# goes through, with its return value: the VM ioctl (kvm_vm_ioctl, where
# KVM_CREATE_DEVICE of an unregistered device type ends: 6.1's
# kvm_ioctl_create_device is static and inlined, so it is a NOTE if absent),
# the vGIC creation (kvm_vgic_create), the PMU attribute
# (kvm_arm_pmu_v3_set_attr, and kvm_arm_pmu_v3_has_attr for QEMU's
# KVM_HAS_DEVICE_ATTR before it), the IRQ line (kvm_vm_ioctl_irq_line). Which of
# them this kernel can trace goes to DIR/functions.txt.
FUNCS=kvm_arm_pmu_v3_set_attr,kvm_arm_pmu_v3_has_attr,kvm_vm_ioctl,kvm_ioctl_create_device,kvm_vgic_create,kvm_vm_ioctl_irq_line
AFF=/sys/kernel/tracing/available_filter_functions
: >"$DIR/functions.txt"
for f in $(echo "$FUNCS" | tr , ' '); do
	if [ -r "$AFF" ] && grep -Eq "^$f( |\$)" "$AFF"; then
		echo "$f traceable" >>"$DIR/functions.txt"
	else
		echo "$f absent (or inlined)" >>"$DIR/functions.txt"
	fi
done
[ -r "$AFF" ] && grep -E '(create_device|vgic_create|irq_line)' "$AFF" | sed 's/^/available: /' >>"$DIR/functions.txt"

# case NAME CMD...
case_run() {
	name=$1
	shift
	timeout -s KILL 120 "$@" </dev/null >"$DIR/$name.out" 2>"$DIR/$name.log"
	echo $? >"$DIR/$name.rc"
}

T="-msg timestamp=on -trace kvm_ioctl_exit -trace arm_pmu_attr -trace qapi_event"
# vmm_case NAME VMM-ARGS...: recorded when the recorder runs here, else traced
vmm_case() {
	name=$1
	shift
	if [ -n "$KVMSCOPE" ] && "$KVMSCOPE" record -q -o "$DIR/$name.probe.cap" -- /bin/true 2>/dev/null; then
		rm -f "$DIR/$name.probe.cap"
		# shellcheck disable=SC2086
		case_run "$name" "$KVMSCOPE" record -q -o "$DIR/$name.cap" --functions "$FUNCS" -- \
			"$VMM" -msg timestamp=on "$@"
	else
		rm -f "$DIR/$name.probe.cap"
		# shellcheck disable=SC2086
		case_run "$name" "$VMM" "$@" $T
	fi
}
{
# the seed's two command lines, on QEMU 4.1's board
vmm_case seed-pmu -machine virt-4.1 -cpu host -smp 2 -m 1G -kernel "$IMG"
vmm_case seed-pmu-off -machine virt-4.1 -cpu host,pmu=off -smp 2 -m 1G -kernel "$IMG"
# QEMU 7.2's board: the GIC probed (GICv3 here), with and without the PMU
vmm_case healthy-gicv3 -machine virt -cpu host -smp 2 -m 1G -kernel "$IMG"
vmm_case pmu-off -machine virt -cpu host,pmu=off -smp 2 -m 1G -kernel "$IMG"
# the seed's GICv2 asked of QEMU 7.2's board: refused before any vCPU
vmm_case gicv2-refused -machine virt,gic-version=2 -cpu host -smp 2 -m 1G -kernel "$IMG"
# the further genuine causes on the healthy board, each a misconfiguration
# the board makes itself (-cpu x-pmu-*, docs/man/kvmscope-vmm.1.scd): vCPU 1
# without the PMUv3 feature (QEMU's HAS first, then SET alone), a PMU PPI that
# differs on vCPU 1, vCPU 0's IRQ again after INIT
vmm_case no-pmu-feature -machine virt -cpu host,x-pmu-feature-off=1 -smp 2 -m 1G -kernel "$IMG"
vmm_case no-pmu-feature-set -machine virt -cpu host,x-pmu-feature-off=1,x-pmu-has-probe=off \
	-smp 2 -m 1G -kernel "$IMG"
vmm_case ppi-differs -machine virt -cpu host,x-pmu-irq-last=22 -smp 2 -m 1G -kernel "$IMG"
vmm_case irq-after-init -machine virt -cpu host,x-pmu-irq-after-init=on -smp 2 -m 1G -kernel "$IMG"
}
# (256M: QEMU allocates its RAM before it checks the GIC, and 1G does not fit
# in the lab's 1 GiB)
if command -v qemu-system-aarch64 >/dev/null; then
	case_run qemu72-gicv2 qemu-system-aarch64 -accel kvm -machine virt,gic-version=2 -cpu host \
		-smp 2 -m 256M -nographic -nic none -kernel "$IMG"
fi
uname -r >"$DIR/kernel.txt"
