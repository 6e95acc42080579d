#!/bin/bash
# The main job: a confidential (SEV-ES policy 0x5) guest reboots, and the VMM
# decides what QEMU decides: "cpus are not resettable", shut down with cause
# guest-reset. First in small, with the VMM's own trace lines; then the whole
# seed incident under the libvirt-like control plane
# (scripts/repro-cpus-not-resettable.sh; the seed's 10 s waits, or 1 s with
# DEMO_FAST=1).
#   scripts/demo.sh [--help]   (installed: kvmscope-demo)
set -u
case ${1:-} in
-h|--help) sed -n '2,/^set -u$/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "demo: unknown argument '$1'" >&2; exit 1 ;;
esac
# Installed (PREFIX/bin/kvmscope-demo, the guests in PREFIX/share/kvmscope)
# or in the source tree (scripts/, build/)
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
if [ -d "$HERE/../share/kvmscope/guests" ]; then
	BIN=$HERE GUESTS=$HERE/../share/kvmscope/guests
	REPRO=$BIN/kvmscope-repro-cpus-not-resettable
else
	ROOT=$(cd "$HERE/.." && pwd)
	BUILD=${BUILD:-$ROOT/build}
	BIN=$BUILD GUESTS=$BUILD/guests REPRO=$ROOT/scripts/repro-cpus-not-resettable.sh
fi
VMM=$BIN/kvmscope-vmm
GUEST=$GUESTS/reboot.elf

if [ ! -c /dev/kvm ]; then
	echo "demo: /dev/kvm is not available on this host" >&2
	exit 1
fi

run() {
	echo "\$ kvmscope-vmm $*"
	"$VMM" "$@" 2>&1 | sed 's/^/    /'
	echo "    (exit status ${PIPESTATUS[0]})"
	echo
}

echo "== 1. The same guest without a confidential policy: it reboots twice, then powers off"
run -kernel "$GUEST" -append "count=2 method=cf9" -trace qemu_system_reset_request -trace runstate_set

echo "== 2. With -object sev-guest,policy=0x5 (NODBG|ES): the first reboot ends the VM"
echo "   (the policy drives the decision only: memory is not encrypted here)"
run -kernel "$GUEST" -append "count=2 method=cf9" \
	-object sev-guest,id=sev0,policy=0x5,cbitpos=51,reduced-phys-bits=1 \
	-machine pc,confidential-guest-support=sev0 -msg timestamp=on \
	-trace qemu_system_reset_request -trace runstate_set -trace qapi_event

cat <<'EOT'
== What happened
The guest wrote 0x06 to the reset control register (0xCF9). The VMM turned
that into qemu_system_reset_request(guest-reset). With an SEV-ES policy
(bit 0x4) cpus_are_resettable() is false -- KVM cannot reset an encrypted
vCPU's state -- so, exactly as QEMU 7.2-9.0 does, the request became a
shutdown request: "cpus are not resettable, terminating", then the SHUTDOWN
event {"guest": true, "reason": "guest-reset"} and running -> shutdown.
Under libvirt (which runs QEMU with -no-shutdown) the VM then sits in
"shutdown" until libvirt kills it: the "confidential VM powers off when the
guest reboots" report.
EOT

echo
echo "== 3. The whole seed incident: a control plane reboots the confidential VM"
echo "   through an unresponsive guest agent, then the guest reboots itself"
wait_s=10
[ -n "${DEMO_FAST:-}" ] && wait_s=1
BUILD=${BUILD:-} "$REPRO" --agent-timeout "$wait_s" \
	--powerdown-timeout "$wait_s"
