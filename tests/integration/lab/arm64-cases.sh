#!/bin/sh
# The commands tests/integration/arm64-lab.sh runs inside the arm64 lab (one
# boot, real arm64 KVM): each case's stdout, stderr and status go to
# OUT/NAME.{out,err,rc}; the checks are made on the host afterwards. POSIX sh.
#   arm64-cases.sh OUT VMM GUESTS [KVMSCOPE]   (GUESTS: build-arm64/guests/arm64,
#   KVMSCOPE: the arm64 build's, for the recorded order against QEMU 7.2)
set -u
OUT=$1 VMM=$2 G=$3 KVMSCOPE=${4:-}
mkdir -p "$OUT" && rm -f "$OUT"/*.out "$OUT"/*.err "$OUT"/*.rc "$OUT"/*.cap
cd /tmp || exit 1

# run NAME CMD...: under a 120 s limit, stdin empty
run() {
	name=$1
	shift
	timeout -s KILL 120 "$@" </dev/null >"$OUT/$name.out" 2>"$OUT/$name.err"
	echo $? >"$OUT/$name.rc"
}

uname -r >"$OUT/kernel.txt"
[ -c /dev/kvm ] && echo yes >"$OUT/kvm.txt"
T="-trace runstate_set -trace qapi_event"
# shellcheck disable=SC2086
{
run hello "$VMM" -machine virt -cpu host -m 128 -nographic -kernel "$G/hello.img" -append "lab=1" $T
run hello-elf "$VMM" -machine virt -cpu host -m 128 -kernel "$G/hello.elf"
run hello-smp2 "$VMM" -machine virt -cpu host -smp 2 -m 128 -kernel "$G/hello.img"
run reboot "$VMM" -machine virt -cpu host -m 128 -kernel "$G/reboot.img" -append count=3 $T
run noreboot "$VMM" -machine virt -cpu host -m 128 -kernel "$G/reboot.img" -append count=3 -no-reboot $T
run actionreboot "$VMM" -machine virt -cpu host -m 128 -kernel "$G/reboot.img" -append count=3 \
	-action reboot=shutdown -trace qapi_event
run pmu "$VMM" -machine virt -cpu host -m 128 -kernel "$G/pmu.img" -trace arm_pmu_attr
run pmu-off "$VMM" -machine virt -cpu host,pmu=off -m 128 -kernel "$G/pmu.img"
run gic-host "$VMM" -machine virt,gic-version=host -cpu host -m 128 -kernel "$G/hello.img"
run gic2 "$VMM" -machine virt,gic-version=2 -cpu host -m 128 -kernel "$G/hello.img"
run seed-pmu "$VMM" -machine virt-4.1 -cpu host -smp 2 -m 1G -kernel "$G/hello.img" \
	-trace kvm_ioctl_exit -trace arm_pmu_attr
run seed-pmu-off "$VMM" -machine virt-4.1 -cpu host,pmu=off -smp 2 -m 1G -kernel "$G/hello.img" \
	-trace kvm_ioctl_exit
}
# QMP as on x86: a client in perl (perl-base is in the lab root) asks for
# capabilities and the status of a -S machine, continues it, reads events
# up to SHUTDOWN
if command -v perl >/dev/null; then
	cat >/tmp/qmp-client.pl <<'PERL'
use IO::Socket::UNIX;
my $s;
for (1..600) { $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) and last; select(undef, undef, undef, 0.1) }
$s or die "qmp: cannot connect to $ARGV[0]: $!\n";
$s->autoflush(1);
sub rd { my $l = <$s>; print $l if defined $l; $l }
rd();
for my $c (@ARGV[1..$#ARGV]) {
	print $s "{\"execute\": \"$c\"}\n";
	while (defined(my $l = rd())) { last if $l =~ /"return"|"error"/ }
}
while (defined(my $l = rd())) { last if $l =~ /"SHUTDOWN"/ }
PERL
	rm -f /tmp/qmp.sock
	timeout -s KILL 120 "$VMM" -machine virt -cpu host -m 128 -kernel "$G/hello.img" -S \
		-qmp unix:/tmp/qmp.sock,server,nowait -serial "file:$OUT/qmp.serial" \
		</dev/null >"$OUT/qmp-vmm.out" 2>"$OUT/qmp-vmm.err" &
	vmm_pid=$!
	run qmp perl /tmp/qmp-client.pl /tmp/qmp.sock qmp_capabilities query-status cont
	wait "$vmm_pid"
	echo $? >"$OUT/qmp-vmm.rc"
fi
# Debian's QEMU 7.2 in the lab root, the peer
if command -v qemu-system-aarch64 >/dev/null; then
	Q="qemu-system-aarch64 -accel kvm -cpu host -m 128 -nographic -nic none"
	# shellcheck disable=SC2086
	{
	run qemu-hello $Q -machine virt -kernel "$G/hello.img" -append "lab=1"
	run qemu-gic2 $Q -machine virt,gic-version=2 -kernel "$G/hello.img"
	}
fi
# The board's KVM order against QEMU 7.2's, from the kernel's side: kprobe
# events on the vCPU, VM and device ioctl handlers with the ioctl number and
# the user structure's fields (kvm_create_device type/flags, kvm_device_attr
# group/attr), for `-machine virt -cpu host -smp 2` in both VMMs
TR=/sys/kernel/tracing
if [ -w "$TR/kprobe_events" ] && command -v qemu-system-aarch64 >/dev/null; then
	order() { # NAME CMD...
		name=$1
		shift
		: >"$TR/trace"
		echo 1 >"$TR/events/kvmscope_order/enable"
		run "$name" "$@"
		echo 0 >"$TR/events/kvmscope_order/enable"
		grep -E 'kvmscope_order|: (vcpu|vm|dev): ' "$TR/trace" | grep -v '^#' >"$OUT/$name.order"
	}
	for e in vcpu vm dev; do echo "-:kvmscope_order/$e" >>"$TR/kprobe_events" 2>/dev/null; done
	A='ioctl=$arg2:x32 u0=+u0($arg3):u32 u4=+u4($arg3):u32 u8=+u8($arg3):u64'
	echo "p:kvmscope_order/vcpu kvm_vcpu_ioctl $A" >>"$TR/kprobe_events" &&
		echo "p:kvmscope_order/vm kvm_vm_ioctl $A" >>"$TR/kprobe_events" &&
		echo "p:kvmscope_order/dev kvm_device_ioctl $A" >>"$TR/kprobe_events" && {
		order order-ours "$VMM" -machine virt -cpu host -smp 2 -m 128 -kernel "$G/hello.img"
		order order-qemu qemu-system-aarch64 -machine virt -accel kvm -cpu host -smp 2 -m 128 \
			-nographic -nic none -kernel "$G/hello.img"
	}
	for e in vcpu vm dev; do echo "-:kvmscope_order/$e" >>"$TR/kprobe_events" 2>/dev/null; done
fi
# The same order from kvmscope record captures of both VMMs: their decoded
# ioctls and the kernel functions under them (kvm_vgic_create under the
# vGIC's KVM_CREATE_DEVICE, kvm_arm_pmu_v3_set_attr under a PMU attribute)
if [ -n "$KVMSCOPE" ] && command -v qemu-system-aarch64 >/dev/null; then
	F=kvm_vgic_create,kvm_arm_pmu_v3_set_attr
	run rec-ours "$KVMSCOPE" record -q -o "$OUT/rec-ours.cap" --functions $F -- \
		"$VMM" -machine virt -cpu host -smp 2 -m 128 -kernel "$G/hello.img"
	run rec-qemu "$KVMSCOPE" record -q -o "$OUT/rec-qemu.cap" --functions $F -- \
		qemu-system-aarch64 -accel kvm -machine virt -cpu host -smp 2 -m 128 -nographic \
		-nic none -kernel "$G/hello.img"
fi
echo done >"$OUT/done.txt"
