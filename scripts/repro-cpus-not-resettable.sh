#!/bin/bash
# The seed incident (/work/shared/seeds/000_*), end to end:
#   1. the control plane reboots a confidential VM (sev-guest policy 0x5):
#      guest-shutdown through an unresponsive agent, system_powerdown after
#      the agent timeout (POWERDOWN; the guest ignores the button), SIGTERM
#      after the powerdown timeout ("terminating on signal 15 from pid P",
#      SHUTDOWN host-signal, "shutting down, reason=destroyed"), and the same
#      command line again ("starting up ...");
#   2. someone types `reboot` inside the guest: "cpus are not resettable,
#      terminating", SHUTDOWN guest=true reason=guest-reset, and the control
#      plane ends the VMM ("shutting down, reason=shutdown").
# The story is printed as it happens, then checked: each milestone must
# appear, in the seed's order.
#
#   scripts/repro-cpus-not-resettable.sh [--agent-timeout S] [--powerdown-timeout S] [--keep DIR]
#   scripts/repro-cpus-not-resettable.sh --help
#   (installed: kvmscope-repro-cpus-not-resettable; in the tree BUILD=build-x
#   picks the build directory; the seed's waits are 10 s each)
set -u
# Installed (PREFIX/bin/kvmscope-repro-cpus-not-resettable, the guests and fixtures in
# PREFIX/share/kvmscope) or in the source tree (scripts/, build/)
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
if [ -d "$HERE/../share/kvmscope/guests" ]; then
	BIN=$HERE DATA=$(cd "$HERE/../share/kvmscope" && pwd)
	GUESTS=$DATA/guests MISSING="the installation is incomplete"
else
	ROOT=$(cd "$HERE/.." && pwd)
	BUILD=${BUILD:-build}
	case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
	BIN=$BUILD GUESTS=$BUILD/guests MISSING="run make first"
fi
DOMAIN=$BIN/kvmscope-domain
GUEST=$GUESTS/agent.elf
AGENT_TIMEOUT=10 POWERDOWN_TIMEOUT=10 KEEP=

while [ $# -gt 0 ]; do
	case $1 in
	--agent-timeout) AGENT_TIMEOUT=${2:?}; shift 2 ;;
	--powerdown-timeout) POWERDOWN_TIMEOUT=${2:?}; shift 2 ;;
	--keep) KEEP=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,/^set -u$/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "repro: unknown argument '$1'" >&2; exit 1 ;;
	esac
done
for f in "$DOMAIN" "$BIN/kvmscope-vmm" "$GUEST"; do
	if [ ! -e "$f" ]; then echo "repro: $f is missing: $MISSING" >&2; exit 1; fi
done
if [ ! -c /dev/kvm ]; then echo "repro: /dev/kvm is not available on this host" >&2; exit 1; fi

if [ -n "$KEEP" ]; then
	DIR=$KEEP
	mkdir -p "$DIR" && rm -f "$DIR"/*.log "$DIR"/story.txt
else
	DIR=$(mktemp -d /tmp/kvmscope-repro.XXXXXX)
	trap 'rm -rf "$DIR"' EXIT
fi
STORY=$DIR/story.txt
DOMLOG=$DIR/confidential-vm.log

echo "== The domain: agent.elf with an unresponsive agent (hang=1) that also ignores"
echo "   the power button, sev-guest policy 0x5 (NODBG|ES), agent on COM2 (qga0)"
"$DOMAIN" run --name confidential-vm --dir "$DIR" --agent-socket "$DIR/qga.sock" \
	--agent-timeout "$AGENT_TIMEOUT" --powerdown-timeout "$POWERDOWN_TIMEOUT" -- \
	-kernel "$GUEST" -append "hang=1 powerbutton=ignore" \
	-object sev-guest,id=lsec0,cbitpos=51,reduced-phys-bits=1,policy=0x5 \
	-machine pc,confidential-guest-support=lsec0 \
	-serial stdio \
	-chardev "socket,id=qga0,path=$DIR/qga.sock,server=on,wait=off" -serial chardev:qga0 \
	-trace handle_qmp_command -trace qemu_system_powerdown_request \
	-trace qemu_system_reset_request -trace runstate_set -trace vm_state_notify \
	-trace main_loop_should_exit_shutdown \
	>"$STORY" 2>&1 &
daemon=$!
tail -n +1 -f --pid="$daemon" "$STORY" &
tailer=$!

# wait_story REGEX [COUNT]: until the story has COUNT lines matching (60 s at most)
wait_story() {
	local i
	for i in $(seq 600); do
		[ "$(grep -Ec -- "$1" "$STORY")" -ge "${2:-1}" ] && return 0
		kill -0 "$daemon" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
fail() {
	echo "repro: $*" >&2
	kill "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null
	kill "$tailer" 2>/dev/null
	exit 1
}

wait_story '^guest: agent on COM2' || fail "the guest did not start"
echo "== virsh reboot, as the seed's control plane does it"
"$DOMAIN" reboot "$DIR" >"$DIR/reboot.reply" || fail "reboot failed: $(cat "$DIR/reboot.reply")"
wait_story '^guest: agent on COM2' 2 || fail "the guest did not start again"
echo "== inside the guest: reboot"
"$DOMAIN" console "$DIR" reboot >/dev/null || fail "cannot type on the console"
wait "$daemon"
daemon_status=$?
sleep 0.2
kill "$tailer" 2>/dev/null
wait "$tailer" 2>/dev/null

echo
echo "== The domain log ($DOMLOG), as libvirt's /var/log/libvirt/qemu/NAME.log"
sed 's/^/    /' "$DOMLOG"
echo

# The seed's milestones, in its order; each is searched after the previous one.
milestones=(
	'agent: sent \{"execute":"guest-shutdown","arguments":\{"mode":"powerdown"\}\}|guest-shutdown sent through the agent (1)'
	'qmp: sent \{"execute": "system_powerdown"\}|system_powerdown after the agent timeout (2)'
	'"event": "POWERDOWN"|POWERDOWN event (3)'
	"terminating on signal 15 from pid $daemon \\(.*kvmscope-domain\\)|SIGTERM from the control plane's pid $daemon"
	'"event": "SHUTDOWN", "data": \{"guest": false, "reason": "host-signal"\}|SHUTDOWN host-signal'
	'shutting down, reason=destroyed$|domain log: shutting down, reason=destroyed (4)'
	'starting up kvmscope-domain version: |domain log: starting up again (5)'
	'^guest: console .reboot.$|a reboot from inside the guest'
	'cpus are not resettable, terminating$|cpus are not resettable, terminating (6)'
	'"event": "SHUTDOWN", "data": \{"guest": true, "reason": "guest-reset"\}|SHUTDOWN guest=true reason=guest-reset'
	'shutting down, reason=shutdown$|domain log: shutting down, reason=shutdown (7)'
)
echo "== Milestones of the seed log, in order"
line=0 missing=0
for m in "${milestones[@]}"; do
	re=${m%%|*} what=${m#*|}
	found=$(tail -n +$((line + 1)) "$STORY" | grep -nE -m1 -- "$re" | cut -d: -f1)
	if [ -n "$found" ]; then
		line=$((line + found))
		printf '  ok    %-60s story line %d\n' "$what" "$line"
	else
		printf '  MISSING %s (after story line %d)\n' "$what" "$line"
		missing=$((missing + 1))
	fi
done
if [ "$missing" -ne 0 ] || [ "$daemon_status" -ne 0 ]; then
	echo "repro: $missing milestone(s) missing; control plane exit status $daemon_status" >&2
	exit 1
fi
echo "repro: the seed incident reproduced, every milestone in order"
