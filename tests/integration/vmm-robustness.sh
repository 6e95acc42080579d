#!/bin/bash
# Bad options name themselves; injected KVM faults and garbage-executing
# guests end in a defined run state with a message; signals are reported
# with the sender's pid and command, as QEMU reports them.
. "$(dirname "$0")/../lib.sh"

bad() { # NAME EXPECTED-STDERR-REGEX ARGS...
	local name=$1 pattern=$2
	shift 2
	vmm "$name" "$@"
	if [ "$(rc "$name")" = 1 ] && grep -Eq -- "$pattern" "$T_TMP/$name.err"; then
		ok "bad option: $name"
	else
		not_ok "bad option: $name (status $(rc "$name"))"
		err "$name" | diag
	fi
}
bad unknown '^kvmscope-vmm: -bogus: invalid option$' -bogus
bad noarg '^kvmscope-vmm: -m: requires an argument$' -m
bad ramsize "^kvmscope-vmm: -m: invalid RAM size '12x'$" -m 12x
bad smp "^kvmscope-vmm: -smp: Invalid SMP CPUs 99" -smp 99
bad action "^kvmscope-vmm: -action: Parameter 'reboot' does not accept value 'sometimes'$" -action reboot=sometimes
bad serial "^kvmscope-vmm: -serial: 'tcp:1' is not a valid char driver$" -serial tcp:1
bad cpu "^kvmscope-vmm: -cpu: unable to find CPU model 'qemu64'" -cpu qemu64
bad device "^kvmscope-vmm: -device: 'e1000' is not a valid device model name$" -device e1000
bad fault "^kvmscope-vmm: -fault: unknown errno 'ENOTHING'$" -fault ioctl=KVM_RUN,errno=ENOTHING
bad trace "^kvmscope-vmm: -trace: trace event 'nope' does not exist$" -trace nope
bad cgs "confidential-guest-support=x: object 'x' not found" -kernel "$GUESTS/hello.elf" -machine confidential-guest-support=x
bad rpb "sev_kvm_init: reduced_phys_bits check failed, it should be >=1, requested '0'" \
	-kernel "$GUESTS/hello.elf" -object sev-guest,id=s,policy=5 -machine confidential-guest-support=s
bad nokernel '^kvmscope-vmm: no guest image' -m 64
bad missingfile "^kvmscope-vmm: could not load '/nonexistent': No such file or directory$" -kernel /nonexistent

vmm help --help
expect_grep "--help says memory is not encrypted" "$T_TMP/help.out" 'memory is NOT'
vmm traces -trace help
expect_grep "-trace help lists the probes" "$T_TMP/traces.out" '^qemu_system_reset_request$'

if ! have_kvm; then skip "faults, garbage, signals: /dev/kvm not usable"; exit 0; fi

vmm cpuid -kernel "$GUESTS/hello.elf" -fault ioctl=KVM_SET_CPUID2,errno=EINVAL -trace kvm_fault_inject
expect_eq "fault on KVM_SET_CPUID2: start fails with status 1" "$(rc cpuid)" 1
expect_grep "fault on KVM_SET_CPUID2: errno named in the message" "$T_TMP/cpuid.err" '^kvmscope-vmm: KVM_SET_CPUID2 \(cpu 0\): Invalid argument$'
expect_grep "fault probe fired" "$T_TMP/cpuid.err" 'kvm_fault_inject KVM_SET_CPUID2 type 0x4008ae90 errno 22 \(EINVAL\) hit 1'

vmm vcpu2 -kernel "$GUESTS/hello.elf" -smp 2 -fault ioctl=KVM_CREATE_VCPU,errno=ENOMEM,after=1
expect_grep "after=1: the second KVM_CREATE_VCPU fails" "$T_TMP/vcpu2.err" 'kvm_init_vcpu: kvm_get_vcpu failed \(1\): Cannot allocate memory'

vmm pmuon -kernel "$GUESTS/pmu.elf" -cpu host,pmu=on
if grep -q 'offers no vPMU' "$T_TMP/pmuon.err"; then
	expect_eq "pmu=on on a host without vPMU: clear failure, status 1" "$(rc pmuon)" 1
else
	skip "pmu=on: this host has a vPMU"
fi

# KVM_RUN failing: QEMU's message, register dump, internal-error; SIGTERM ends it
vmm_bg run -kernel "$GUESTS/hello.elf" -append "wait=ignore" -serial null \
	-fault ioctl=KVM_RUN,errno=EFAULT,after=5 -trace runstate_set -trace qapi_event
wait_for run 'internal-error'
vmm_wait run TERM
expect_grep "KVM_RUN failure: QEMU's message" "$T_TMP/run.err" '^kvmscope-vmm: error: kvm run failed Bad address$'
expect_grep "KVM_RUN failure: registers dumped" "$T_TMP/run.err" '^RIP=[0-9a-f]{16} '
expect_eq "KVM_RUN failure: internal-error, then the signal ends it" "$(runstates run)" \
	"prelaunch>running running>internal-error"
expect_grep "KVM_RUN failure: STOP event" "$T_TMP/run.err" 'event STOP'

# garbage: every seed ends in a defined state, never a VMM crash. A guest
# either shuts down (triple fault -> reset -> -no-reboot), stops in
# internal-error with KVM's message, or keeps running; the last two are then
# ended by SIGTERM, which must give a clean exit.
bad_ends=0
for seed in $(seq 1 12); do
	vmm_bg "g$seed" -kernel "$GUESTS/garbage.elf" -append "seed=$seed" -no-reboot -serial null \
		-trace runstate_set
	wait_for "g$seed" 'new_state (2|11) ' 3
	vmm_wait "g$seed" TERM
	status=$(rc "g$seed")
	last=$(sed -n 's/.*new_state [0-9]* (\([a-z-]*\)).*/\1/p' "$T_TMP/g$seed.err" | tail -1)
	case "$status:$last" in
	0:shutdown) ;;
	0:internal-error) grep -q '^kvmscope-vmm: KVM' "$T_TMP/g$seed.err" || last="internal-error without a message" ;;
	*) last="status $status, last state '$last'" ;;
	esac
	case $last in
	shutdown | internal-error) ;;
	*) bad_ends=$((bad_ends + 1)); echo "seed $seed: $last" | diag; tail -5 "$T_TMP/g$seed.err" | diag ;;
	esac
done
expect_eq "garbage guests (12 seeds) end in a defined run state with a message" "$bad_ends" 0

for sig in TERM INT HUP; do
	vmm_bg "sig$sig" -kernel "$GUESTS/hello.elf" -append "wait=ignore" -serial null -trace qapi_event
	wait_for "sig$sig" 'event RESUME'
	# the sender is this shell: its pid and argv[0] must be named
	vmm_wait "sig$sig" "$sig"
	st=$(rc "sig$sig")
	num=$(kill -l "$sig")
	expect_grep "SIG$sig: QEMU's line with the sender's pid and command" "$T_TMP/sig$sig.err" \
		"^kvmscope-vmm: terminating on signal $num from pid $$ \(.*bash\)$"
	expect_grep "SIG$sig: SHUTDOWN host-signal" "$T_TMP/sig$sig.err" 'event SHUTDOWN data \{"guest": false, "reason": "host-signal"\}'
	expect_eq "SIG$sig: exit status 0" "$st" 0
done
