# Helpers for the kvmscope ci tests (sourced after tests/lib.sh, with
# KVMSCOPE set).
# shellcheck shell=bash

# need_recording NAME: ends the test (SKIP with the reason, status 0) unless
# kvmscope ci can record here: root for BPF, a usable /dev/kvm. Lifts the
# locked-memory limit, which kernels before 5.11 charge BPF maps to.
need_recording() {
	if [ "$(id -u)" != 0 ]; then skip "$1: recording needs root"; exit 0; fi
	if ! have_kvm; then skip "$1: /dev/kvm not usable"; exit 0; fi
	ulimit -l unlimited 2>/dev/null
}

# ci_confidential_reboot DIR ERRFILE: kvmscope ci --out DIR around a
# confidential guest that reboots twice by CF9, with one KVM_CHECK_EXTENSION
# failing (ENOTTY) so the diagnosis has findings; stderr in ERRFILE, ci's
# status returned
ci_confidential_reboot() {
	timeout -s KILL 120 "$KVMSCOPE" ci --out "$1" -- "$VMM" -kernel "$GUESTS/reboot.elf" \
		-append "count=2 method=cf9" -serial null \
		-object sev-guest,id=sev0,policy=0x5,cbitpos=51,reduced-phys-bits=1 \
		-machine pc,confidential-guest-support=sev0 \
		-fault ioctl=KVM_CHECK_EXTENSION,errno=ENOTTY,after=1,count=1 >/dev/null 2>"$2"
}
