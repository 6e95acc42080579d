# Helpers for the control-plane tests (sourced after tests/lib.sh): one
# kvmscope-domain daemon per test in $T_TMP/dom, its story in $T_TMP/story.
# shellcheck shell=bash
DOMAIN=$BUILD/kvmscope-domain
DOM=$T_TMP/dom
STORY=$T_TMP/story

need_domain() {
	if ! have_kvm; then skip "$1: /dev/kvm not usable"; exit 0; fi
	if [ ! -x "$DOMAIN" ] || [ ! -f "$GUESTS/agent.elf" ]; then
		not_ok "$1: $DOMAIN or $GUESTS/agent.elf not built"
		exit 0
	fi
}

# domain_start APPEND [DAEMON OPTIONS...] [-- MORE VMM ARGS...]: agent.elf with
# COM1 on the daemon's console pipe and the agent on a qga0 chardev; waits
# for the guest's "agent on COM2" (DAEMON_PID, TIMEOUT_PID)
domain_start() {
	local append=$1 opts=() more=()
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
	[ $# -gt 0 ] && shift && more=("$@")
	rm -rf "$DOM"
	mkdir -p "$DOM"
	timeout -s KILL 120 "$DOMAIN" run --name vm --dir "$DOM" --agent-socket "$DOM/qga.sock" \
		--kill-timeout 2 "${opts[@]}" -- \
		-kernel "$GUESTS/agent.elf" -append "$append" -serial stdio \
		-chardev "socket,id=qga0,path=$DOM/qga.sock,server=on,wait=off" -serial chardev:qga0 \
		"${more[@]}" </dev/null >"$STORY" 2>&1 &
	TIMEOUT_PID=$!
	story_has '^guest: agent on COM2'
	# the daemon itself (timeout(1) is its parent): the pid the VMM names
	DAEMON_PID=$(sed -n 's/.*kvmscope-domain: domain vm: daemon pid \([0-9]*\),.*/\1/p' "$STORY")
}

# story_has REGEX [COUNT]: waits (20 s at most) until COUNT lines match
story_has() {
	local i
	for i in $(seq 200); do
		[ "$(grep -Ec -- "$1" "$STORY" 2>/dev/null)" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

# in_order FILE REGEX...: each pattern matches a line after the previous one's
in_order() {
	local file=$1 line=0 found re
	shift
	for re in "$@"; do
		found=$(tail -n +$((line + 1)) "$file" | grep -nE -m1 -- "$re" | cut -d: -f1)
		if [ -z "$found" ]; then
			{ echo "not found after line $line: /$re/; the lines after it:"
			  tail -n +$((line + 1)) "$file" | cut -c1-200 | head -25; } | diag
			return 1
		fi
		line=$((line + found))
	done
}

# domain_end: waits for the daemon; its status in DAEMON_RC
domain_end() {
	wait "$TIMEOUT_PID"
	DAEMON_RC=$?
}
