#!/bin/bash
# agent.elf against the real thing: Debian's qemu-ga (QEMU 7.2) listening on
# a host unix socket gets the same requests as the guest agent, and every
# reply must be the same bytes. qemu-ga runs on the host here, so every RPC
# but guest-sync(-delimited), guest-ping and guest-info is blocked
# (guest-shutdown would shut the host down).
. "$(dirname "$0")/../lib.sh"
DOMAIN=$BUILD/kvmscope-domain
if ! have_kvm; then skip "agent conformance: /dev/kvm not usable"; exit 0; fi
QGA=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
if [ ! -x "$QGA" ]; then skip "agent conformance: qemu-ga (qemu-guest-agent) not installed"; exit 0; fi
if [ ! -x "$DOMAIN" ] || [ ! -f "$GUESTS/agent.elf" ]; then
	not_ok "agent conformance: $DOMAIN or $GUESTS/agent.elf not built"
	exit 0
fi

REF=$T_TMP/ref.sock OURS=$T_TMP/ours.sock
block=$("$QGA" -b help 2>&1 | grep -vxE 'guest-(sync|sync-delimited|ping|info)' | paste -sd,)
timeout -s KILL 120 "$QGA" -m unix-listen -p "$REF" -t "$T_TMP" -f "$T_TMP/qga.pid" -b "$block" \
	</dev/null >/dev/null 2>"$T_TMP/qga.log" &
qga_pid=$!
timeout -s KILL 120 "$VMM" -kernel "$GUESTS/agent.elf" -serial "file:$T_TMP/con.txt" \
	-serial "unix:$OURS,server,nowait" </dev/null >/dev/null 2>"$T_TMP/vmm.err" &
vmm_pid=$!
for _ in $(seq 100); do [ -S "$REF" ] && [ -S "$OURS" ] && break; sleep 0.1; done

# same NAME LINES REQUEST: both agents, the replies as bytes
same() {
	local name=$1 lines=$2 req=$3 a b
	a=$("$DOMAIN" qga "$REF" --lines "$lines" "$req" 2>&1 | od -An -tx1 | tr -s ' \n' ' ')
	b=$("$DOMAIN" qga "$OURS" --lines "$lines" "$req" 2>&1 | od -An -tx1 | tr -s ' \n' ' ')
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		ok "same bytes as qemu-ga: $name"
	else
		not_ok "same bytes as qemu-ga: $name"
		printf 'qemu-ga: %s\nagent:   %s\n' "$a" "$b" | diag
	fi
}
same "guest-ping" 1 '{"execute":"guest-ping"}'
same "guest-sync" 1 '{"execute":"guest-sync","arguments":{"id":1234}}'
same "guest-sync, negative id, id echoed" 1 '{"execute":"guest-sync","arguments":{"id":-5},"id":[1,2]}'
same "guest-sync, INT64_MIN" 1 '{"execute":"guest-sync","arguments":{"id":-9223372036854775808}}'
same "guest-sync, past INT64_MAX" 1 '{"execute":"guest-sync","arguments":{"id":9223372036854775808}}'
same "guest-sync, string id" 1 '{"execute":"guest-sync","arguments":{"id":"x"}}'
same "guest-sync, no id" 1 '{"execute":"guest-sync"}'
same "0xFF, then guest-sync-delimited" 2 $'\xff{"execute":"guest-sync-delimited","arguments":{"id":99}}'
same "guest-ping with a string id" 1 '{"execute":"guest-ping","id":"abc"}'
same "unknown command with an id" 1 '{"execute":"guest-nope","id":7}'
same "unexpected argument" 1 '{"execute":"guest-ping","arguments":{"x":1}}'
same "arguments not an object" 1 '{"execute":"guest-ping","arguments":[]}'
same "execute not a string" 1 '{"execute":1}'
same "unexpected member" 1 '{"exec":"guest-ping"}'
same "not an object" 1 '[1]'
same "syntax: expected separator in dict" 1 '{"execute":"guest-ping" "x"}'
same "two requests in one write" 2 '{"execute":"guest-ping"}{"execute":"guest-sync","arguments":{"id":2}}'
same "spaces and newlines inside a request" 1 $' {\n "execute" : "guest-sync",\t"arguments": { "id" : 42 } }'
same "escaped string in the id" 1 '{"execute":"guest-ping","id":"a\"b\\c"}'

kill "$qga_pid" "$vmm_pid" 2>/dev/null
wait "$qga_pid" "$vmm_pid" 2>/dev/null
