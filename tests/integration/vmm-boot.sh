#!/bin/bash
# Boot each bundled guest under KVM; check serial output, exit status and the
# run-state sequence from -trace.
. "$(dirname "$0")/../lib.sh"
if ! have_kvm; then skip "vmm boot: /dev/kvm not usable"; exit 0; fi

vmm hello -kernel "$GUESTS/hello.elf" -append "x=1" -trace runstate_set -trace qapi_event
expect_eq "hello: exit status 0 after guest power-off" "$(rc hello)" 0
expect_grep "hello: greeting on COM1" "$T_TMP/hello.out" '^guest: hello from kvmscope guest$'
expect_grep "hello: multiboot cmdline is 'FILE ARGS' as QEMU passes it" "$T_TMP/hello.out" \
	"^guest: cmdline '.*hello.elf x=1'$"
expect_eq "hello: run states" "$(runstates hello)" "prelaunch>running running>shutdown"
expect_grep "hello: SHUTDOWN guest-shutdown event" "$T_TMP/hello.err" \
	'qapi_event event SHUTDOWN data \{"guest": true, "reason": "guest-shutdown"\}'
expect_grep "hello: seed-log trace line format" "$T_TMP/hello.err" \
	'^[0-9]+@\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\] runstate_set current_run_state 6 \(prelaunch\) new_state 9 \(running\)$'

vmm upstream -kernel "$GUESTS/hello.elf" -trace enable=runstate_set,format=upstream
expect_grep "upstream trace format TID@SECONDS.USECS:name" "$T_TMP/upstream.err" \
	'^[0-9]+@[0-9]+\.[0-9]{6}:runstate_set current_run_state 6 \(prelaunch\) new_state 9 \(running\)$'

vmm logfile -kernel "$GUESTS/hello.elf" -trace runstate_set -D "$T_TMP/trace.log"
expect_grep "-D sends trace lines to the log file" "$T_TMP/trace.log" 'runstate_set current_run_state 9 \(running\) new_state 11 \(shutdown\)'

vmm ioctls -kernel "$GUESTS/hello.elf" -trace 'kvm_*ioctl*' -trace kvm_run_exit
expect_grep "KVM_RUN traced with QEMU's kvm_vcpu_ioctl format" "$T_TMP/ioctls.err" \
	'kvm_vcpu_ioctl cpu_index 0, type 0xae80, arg \(nil\)$'
expect_grep "ioctl exit line carries name, ret and errno" "$T_TMP/ioctls.err" \
	'kvm_ioctl_exit vm cpu_index -1, type 0x4020ae46 \(KVM_SET_USER_MEMORY_REGION\), arg 0x[0-9a-f]+, ret 0, errno 0 \(OK\)$'
expect_grep "kvm_run_exit reports the exit reason (2 = KVM_EXIT_IO)" "$T_TMP/ioctls.err" \
	'kvm_run_exit cpu_index 0, reason 2$'

vmm pmu_off -kernel "$GUESTS/pmu.elf" -cpu host,pmu=off
expect_eq "pmu guest exits 0" "$(rc pmu_off)" 0
expect_grep "pmu=off: guest sees CPUID 0xA version 0" "$T_TMP/pmu_off.out" '^guest: pmu version=0 '
expect_grep "pmu guest survives #GP on a PMU MSR" "$T_TMP/pmu_off.out" '^guest: rdmsr 0x38f'

vmm smp -kernel "$GUESTS/hello.elf" -smp 4 -trace kvm_init_vcpu
expect_eq "-smp 4: four vCPUs created" "$(grep -c 'kvm_init_vcpu index: ' "$T_TMP/smp.err")" 4
expect_eq "-smp 4: guest still boots and powers off" "$(rc smp)" 0

# -smp 2 threads are named as QEMU names them
vmm_bg threads -kernel "$GUESTS/hello.elf" -append "wait=ignore" -smp 2 -serial null
threads=""
for _ in $(seq 50); do
	threads=$(cat /proc/$VMM_PID/task/*/comm 2>/dev/null | grep -c '^CPU [0-9]/KVM$')
	[ "$threads" = 2 ] && break
	sleep 0.1
done
vmm_wait threads TERM
expect_eq "vCPU threads are named 'CPU n/KVM'" "$threads" 2

if [ -f "$GUESTS/flat16.bin" ]; then
	vmm flat -kernel "$GUESTS/flat16.bin"
	expect_grep "flat binary runs in real mode at 0x10000" "$T_TMP/flat.out" '^guest: hello from real mode$'
	vmm loader -device "loader,file=$GUESTS/flat16.bin,addr=0x10000"
	expect_grep "-device loader,file=,addr= loads a flat binary" "$T_TMP/loader.out" '^guest: hello from real mode$'
else
	skip "flat binary guest not built"
fi

if [ -f "$GUESTS/linux64.bzImage" ]; then
	printf 'kvmscope-initrd-payload' >"$T_TMP/initrd"
	vmm linux -kernel "$GUESTS/linux64.bzImage" -initrd "$T_TMP/initrd" -append "console=ttyS0 quiet"
	expect_grep "bzImage: entered at startup_64 by the 64-bit boot protocol" "$T_TMP/linux.out" '^guest: linux boot protocol ok$'
	expect_grep "bzImage: command line in boot_params" "$T_TMP/linux.out" "^guest: cmdline 'console=ttyS0 quiet'$"
	expect_grep "bzImage: initrd placed and described" "$T_TMP/linux.out" "^guest: initrd 23 bytes: 'kvmscope-initrd-payload'$"
else
	skip "linux64.bzImage guest not built"
fi
