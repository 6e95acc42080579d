#!/bin/bash
# Reboots by every method, the reboot/shutdown actions, and the seed incident:
# a confidential (SEV-ES policy) guest that reboots is shut down.
. "$(dirname "$0")/../lib.sh"
if ! have_kvm; then skip "vmm reboot: /dev/kvm not usable"; exit 0; fi

for method in cf9 i8042 triple; do
	vmm "$method" -kernel "$GUESTS/reboot.elf" -append "count=3 method=$method" \
		-trace runstate_set -trace qapi_event -trace qemu_system_reset_request
	expect_eq "$method: exit 0 after 3 reboots" "$(rc "$method")" 0
	expect_eq "$method: boots 1..4 each ran the reloaded image" \
		"$(grep -o '^guest: boot [0-9]*' "$T_TMP/$method.out" | tr '\n' ,)" \
		"guest: boot 1,guest: boot 2,guest: boot 3,guest: boot 4,"
	expect_eq "$method: three RESET guest-reset events" \
		"$(grep -c 'event RESET data {"guest": true, "reason": "guest-reset"}' "$T_TMP/$method.err")" 3
	expect_eq "$method: stays running through resets" "$(runstates "$method")" \
		"prelaunch>running running>shutdown"
done

vmm noreboot -kernel "$GUESTS/reboot.elf" -append "count=3" -no-reboot -trace runstate_set -trace qapi_event
expect_eq "-no-reboot: one boot only" "$(grep -c '^guest: boot' "$T_TMP/noreboot.out")" 1
expect_grep "-no-reboot: SHUTDOWN guest-reset" "$T_TMP/noreboot.err" 'event SHUTDOWN data \{"guest": true, "reason": "guest-reset"\}'
expect_eq "-no-reboot: exit status 0" "$(rc noreboot)" 0

vmm actionreboot -kernel "$GUESTS/reboot.elf" -append "count=3" -action reboot=shutdown -trace qapi_event
expect_grep "-action reboot=shutdown = -no-reboot" "$T_TMP/actionreboot.err" 'event SHUTDOWN data \{"guest": true, "reason": "guest-reset"\}'

SEV="-object sev-guest,id=sev0,policy=0x5,cbitpos=51,reduced-phys-bits=1 -machine pc,confidential-guest-support=sev0"
# shellcheck disable=SC2086
vmm sev -kernel "$GUESTS/reboot.elf" -append "count=3" $SEV -trace runstate_set -trace qapi_event -msg timestamp=on
expect_grep "SEV-ES policy 0x5: QEMU's message on guest reboot" "$T_TMP/sev.err" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z kvmscope-vmm: cpus are not resettable, terminating$'
expect_eq "SEV-ES: message, SHUTDOWN guest-reset, running->shutdown, in that order" \
	"$(grep -oE 'cpus are not resettable, terminating|SHUTDOWN data \{"guest": true, "reason": "guest-reset"\}|new_state 11 \(shutdown\)' "$T_TMP/sev.err" | tr '\n' '|')" \
	'cpus are not resettable, terminating|SHUTDOWN data {"guest": true, "reason": "guest-reset"}|new_state 11 (shutdown)|'
expect_eq "SEV-ES: the guest booted once" "$(grep -c '^guest: boot' "$T_TMP/sev.out")" 1
expect_grep "SEV-ES: the VMM says memory is not encrypted" "$T_TMP/sev.err" 'memory is NOT encrypted'

vmm sevnoes -kernel "$GUESTS/reboot.elf" -append "count=2" \
	-object sev-guest,id=s,policy=0x1,cbitpos=51,reduced-phys-bits=1 -machine confidential-guest-support=s
expect_eq "SEV without ES (policy 0x1): reboots work" "$(grep -c '^guest: boot' "$T_TMP/sevnoes.out")" 3

# -no-shutdown: the guest's power-off pauses the VM (STOP), a signal ends it
# shellcheck disable=SC2086
vmm_bg keep -kernel "$GUESTS/reboot.elf" -append "count=3" $SEV -no-shutdown \
	-trace runstate_set -trace qapi_event -trace vm_state_notify
wait_for keep 'event STOP'
vmm_wait keep TERM
expect_eq "seed sequence with -no-shutdown (libvirt's way), then SIGTERM" \
	"$(grep -oE 'cpus are not resettable, terminating|event [A-Z]+ data \{[^}]*\}|event STOP|vm_state_notify running 0 reason 11 \(shutdown\)|terminating on signal 15 from pid [0-9]+' "$T_TMP/keep.err" | sed 's/pid [0-9]*/pid P/' | tr '\n' '|')" \
	'event RESUME data {}|cpus are not resettable, terminating|event SHUTDOWN data {"guest": true, "reason": "guest-reset"}|vm_state_notify running 0 reason 11 (shutdown)|event STOP data {}|terminating on signal 15 from pid P|event SHUTDOWN data {"guest": false, "reason": "host-signal"}|'
expect_eq "-no-shutdown: a signal still ends the VMM with status 0" "$(rc keep)" 0
