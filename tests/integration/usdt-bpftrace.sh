#!/bin/bash
# The VMM's USDT probes, checked with a real consumer: bpftrace lists every
# probe of probes/vmm.probes, attaches to all of them at once (semaphores
# included) and sees the arguments of the ones a reboot run fires.
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" != 0 ]; then skip "usdt: bpftrace needs root"; exit 0; fi
if ! command -v bpftrace >/dev/null; then skip "usdt: bpftrace not installed"; exit 0; fi
if ! have_kvm; then skip "usdt: /dev/kvm not usable"; exit 0; fi
ulimit -l unlimited 2>/dev/null

expected=$(sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' "$ROOT/probes/vmm.probes" | sort)
listed=$(timeout 60 bpftrace -l "usdt:$VMM:*" 2>/dev/null | sed 's/.*:vmm://' | sort)
expect_eq "bpftrace -l lists exactly the probes of probes/vmm.probes" "$listed" "$expected"
expect_eq "one stapsdt note per probe (one call site each)" \
	"$(readelf -n "$VMM" | grep -c 'Provider: vmm')" "$(echo "$expected" | wc -l)"

# every probe at once: bpftrace must accept and attach all of them
script=""
for p in $expected; do
	script+="usdt:$VMM:vmm:$p { @[\"$p\"] = count(); } "
done
script+="usdt:$VMM:vmm:runstate_set { printf(\"STATE %s>%s\\n\", str(arg1), str(arg3)); } "
script+="usdt:$VMM:vmm:qemu_system_reset_request { printf(\"RESET %s %d %s\\n\", str(arg1), arg2, str(arg3)); }"
timeout -s INT 120 bpftrace -e "$script" -c "$VMM -kernel $GUESTS/reboot.elf -append count=2 -serial null" \
	>"$T_TMP/bt.out" 2>"$T_TMP/bt.err"
expect_eq "bpftrace attached to all $(echo "$expected" | wc -l) probes at once and ran the VMM" "$?" 0
expect_grep "all probes attached" "$T_TMP/bt.out" "^Attaching $(($(echo "$expected" | wc -l) + 2)) probes"
expect_eq "run-state changes seen through USDT with string arguments" \
	"$(grep '^STATE' "$T_TMP/bt.out" | tr '\n' ' ')" "STATE prelaunch>running STATE running>shutdown "
expect_eq "both reset requests seen: guest-reset, resettable, action reset" \
	"$(grep -c '^RESET guest-reset 1 reset$' "$T_TMP/bt.out")" 2

# Each probe the run reaches, attached on its own. (bpftrace 0.17 attached to
# all 24 at once misses some semaphore-gated probes: see bpftrace #612.)
run="$VMM -kernel $GUESTS/reboot.elf -append count=1 -serial null -fault ioctl=KVM_CHECK_EXTENSION,errno=ENOTTY,after=1,count=1"
timeout -s INT 60 bpftrace -e "usdt:$VMM:vmm:kvm_ioctl_exit /(int32)arg1 < 0/ { printf(\"FAIL %s %d %d\\n\", str(arg0), (int32)arg1, arg2); }" \
	-c "$run" >"$T_TMP/fail.out" 2>&1
expect_grep "the injected failure seen at the ioctl exit probe (name, ret, errno)" "$T_TMP/fail.out" '^FAIL KVM_CHECK_EXTENSION -1 25$'
for p in runstate_set vm_state_notify qemu_system_reset_request qemu_system_reset kvm_ioctl \
	kvm_vm_ioctl kvm_vcpu_ioctl kvm_ioctl_exit kvm_run_exit kvm_fault_inject kvm_init_vcpu \
	qapi_event guest_exit_request qemu_system_shutdown_request main_loop_should_exit_shutdown; do
	timeout -s INT 60 bpftrace -e "usdt:$VMM:vmm:$p { @hits = count(); }" -c "$run" >"$T_TMP/$p.out" 2>&1
	expect_grep "probe $p fires" "$T_TMP/$p.out" '^@hits: [1-9]'
done
