#!/bin/sh
# The cases of `scripts/repro-pmu-set-attr.sh --lab`, run inside the arm64
# lab (real arm64 KVM, one boot). No -fault: every error is the kernel's.
# Each VMM's stderr (with its kvm_ioctl_exit and arm_pmu_attr trace lines)
# goes to DIR/NAME.log, its status to DIR/NAME.rc, the guest's output to
# DIR/NAME.out. POSIX sh.
#   repro-pmu-lab-cases.sh DIR VMM GUEST-IMAGE
set -u
DIR=$1 VMM=$2 IMG=$3
mkdir -p "$DIR" && rm -f "$DIR"/*.log "$DIR"/*.rc "$DIR"/*.out
cd /tmp || exit 1

# case NAME CMD...
case_run() {
	name=$1
	shift
	timeout -s KILL 120 "$@" </dev/null >"$DIR/$name.out" 2>"$DIR/$name.log"
	echo $? >"$DIR/$name.rc"
}

T="-msg timestamp=on -trace kvm_ioctl_exit -trace arm_pmu_attr -trace qapi_event"
# shellcheck disable=SC2086
{
# the seed's two command lines, on QEMU 4.1's board
case_run seed-pmu "$VMM" -machine virt-4.1 -cpu host -smp 2 -m 1G -kernel "$IMG" $T
case_run seed-pmu-off "$VMM" -machine virt-4.1 -cpu host,pmu=off -smp 2 -m 1G -kernel "$IMG" $T
# QEMU 7.2's board: the GIC probed (GICv3 here), with and without the PMU
case_run healthy-gicv3 "$VMM" -machine virt -cpu host -smp 2 -m 1G -kernel "$IMG" $T
case_run pmu-off "$VMM" -machine virt -cpu host,pmu=off -smp 2 -m 1G -kernel "$IMG" $T
# the seed's GICv2 asked of QEMU 7.2's board: refused before any vCPU
case_run gicv2-refused "$VMM" -machine virt,gic-version=2 -cpu host -smp 2 -m 1G -kernel "$IMG" $T
}
# (256M: QEMU allocates its RAM before it checks the GIC, and 1G does not fit
# in the lab's 1 GiB)
if command -v qemu-system-aarch64 >/dev/null; then
	case_run qemu72-gicv2 qemu-system-aarch64 -accel kvm -machine virt,gic-version=2 -cpu host \
		-smp 2 -m 256M -nographic -nic none -kernel "$IMG"
fi
uname -r >"$DIR/kernel.txt"
