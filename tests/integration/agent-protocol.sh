#!/bin/bash
# The guest agent (agent.elf) over its real socket: kvmscope-vmm's COM2 as a
# unix server, driven by `kvmscope-domain qga`. Replies byte for byte,
# guest-sync-delimited's 0xFF sentinel, errors, guest-shutdown acted on in
# each mode, and the two ways to make the agent unresponsive.
. "$(dirname "$0")/../lib.sh"
DOMAIN=$BUILD/kvmscope-domain
if ! have_kvm; then skip "agent: /dev/kvm not usable"; exit 0; fi
if [ ! -x "$DOMAIN" ] || [ ! -f "$GUESTS/agent.elf" ]; then
	not_ok "agent: $DOMAIN or $GUESTS/agent.elf not built"
	exit 0
fi

SOCK=$T_TMP/qga.sock
# agent_vm NAME APPEND [VMM ARGS...]: boots agent.elf, COM1 to NAME.con,
# COM2 on $SOCK, in the background (VMM_PID), under timeout(1) rather than
# a sleeping watchdog, which would hold the test's output open after it ends
agent_vm() {
	local name=$1 append=$2
	shift 2
	rm -f "$SOCK"
	timeout -s KILL 120 "$VMM" -kernel "$GUESTS/agent.elf" -append "$append" \
		-serial "file:$T_TMP/$name.con" -serial "unix:$SOCK,server,nowait" \
		-trace qapi_event "$@" </dev/null >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
	VMM_PID=$!
}
# vm_end NAME [SIGNAL]: signals the VM (timeout(1) passes it on), waits for it
vm_end() {
	[ -n "${2:-}" ] && kill -"$2" "$VMM_PID" 2>/dev/null
	wait "$VMM_PID"
	echo $? >"$T_TMP/$1.rc"
}
# q ARGS...: one request through kvmscope-domain qga; reply on stdout
q() { "$DOMAIN" qga "$SOCK" "$@" 2>"$T_TMP/qga.err"; }
con_has() { # NAME REGEX: the guest's console shows it (waits up to 10 s)
	local i
	for i in $(seq 100); do
		grep -Eq -- "$2" "$T_TMP/$1.con" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- the protocol, one VM -------------------------------------------------
agent_vm proto ""
check "agent boots and serves COM2" con_has proto '^guest: agent on COM2$'
expect_eq "guest-ping" "$(q '{"execute":"guest-ping"}')" '{"return": {}}'
expect_eq "guest-sync returns its id" "$(q '{"execute":"guest-sync","arguments":{"id":1234}}')" \
	'{"return": 1234}'
expect_eq "guest-sync id at int64's edge" \
	"$(q '{"execute":"guest-sync","arguments":{"id":-9223372036854775808}}')" \
	'{"return": -9223372036854775808}'
expect_eq "guest-sync id past int64 is not an integer" \
	"$(q '{"execute":"guest-sync","arguments":{"id":9223372036854775808}}')" \
	'{"error": {"class": "GenericError", "desc": "Invalid parameter type for '"'id'"', expected: integer"}}'
expect_eq "0xFF + guest-sync-delimited: parse error for the 0xFF, then 0xFF and the return" \
	"$(q --lines 2 $'\xff{"execute":"guest-sync-delimited","arguments":{"id":77}}' | od -An -c | tr -s ' \n' ' ')" \
	"$(printf '%s\n\xff%s\n' '{"error": {"class": "GenericError", "desc": "JSON parse error, stray '"'"'\uFFFD'"'"'"}}' '{"return": 77}' | od -An -c | tr -s ' \n' ' ')"
expect_eq "a request after a --sync handshake" "$(q --sync '{"execute":"guest-ping"}')" '{"return": {}}'
expect_eq "id is echoed after the return" "$(q '{"execute":"guest-ping","id":["a", 1,{"b":null}]}')" \
	'{"return": {}, "id": ["a", 1, {"b": null}]}'
expect_eq "unknown command: CommandNotFound, id first" "$(q '{"execute":"guest-nope","id":7}')" \
	'{"id": 7, "error": {"class": "CommandNotFound", "desc": "The command guest-nope has not been found"}}'
expect_eq "missing id" "$(q '{"execute":"guest-sync"}')" \
	'{"error": {"class": "GenericError", "desc": "Parameter '"'id'"' is missing"}}'
expect_eq "unexpected argument" "$(q '{"execute":"guest-ping","arguments":{"x":1}}')" \
	'{"error": {"class": "GenericError", "desc": "Parameter '"'x'"' is unexpected"}}'
expect_eq "unexpected member" "$(q '{"exec":"guest-ping"}')" \
	'{"error": {"class": "GenericError", "desc": "QMP input member '"'exec'"' is unexpected"}}'
expect_eq "not an object" "$(q '[1]')" \
	'{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}'
expect_eq "syntax error" "$(q '{"execute":"guest-ping" "x"}')" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, expected separator in dict"}}'
expect_eq "two requests in one write, two replies in order" \
	"$(q --lines 2 '{"execute":"guest-sync","arguments":{"id":1}}{"execute":"guest-sync","arguments":{"id":2}}' | tr '\n' ' ')" \
	'{"return": 1} {"return": 2} '
long=$(printf 'a%.0s' $(seq 1500))
expect_eq "a request over the guest's 1024-byte limit: an error, nothing else" \
	"$(q "{\"execute\":\"guest-ping\",\"id\":\"$long\"}")" \
	'{"error": {"class": "GenericError", "desc": "JSON token size limit exceeded"}}'
expect_eq "and the next request is fine" "$(q '{"execute":"guest-ping"}')" '{"return": {}}'
# 4 KiB of random bytes (no NUL, no DC3): whatever it answers, the 0xFF of
# the next sync handshake resets the parser and the agent answers again
garbage=$(head -c 4096 /dev/urandom | tr -d '\000\023')
q --timeout 1 "$garbage" >/dev/null
expect_eq "after 4 KiB of garbage: a --sync handshake and a ping still work" \
	"$(q --sync '{"execute":"guest-ping"}')" '{"return": {}}'
info=$(q '{"execute":"guest-info"}')
for c in guest-sync-delimited guest-sync guest-ping guest-info; do
	expect_grep "guest-info lists $c" <(echo "$info") "\{\"enabled\": true, \"name\": \"$c\", \"success-response\": true\}"
done
expect_grep "guest-info: guest-shutdown has no success response" <(echo "$info") \
	'"name": "guest-shutdown", "success-response": false'
expect_eq "guest-shutdown with a bad mode (QEMU's text, no closing parenthesis)" \
	"$(q '{"execute":"guest-shutdown","arguments":{"mode":"sleep"}}')" \
	'{"error": {"class": "GenericError", "desc": "mode is invalid (valid values are: halt|powerdown|reboot"}}'
q --timeout 1 '{"execute":"guest-shutdown"}' >"$T_TMP/shut.reply"
expect_eq "guest-shutdown (default powerdown) sends no reply" "$(cat "$T_TMP/shut.reply")" ""
vm_end proto
expect_eq "the VM powered off: exit status 0" "$(rc proto)" 0
expect_grep "the guest logged the mode" "$T_TMP/proto.con" '^guest: guest-shutdown called, mode: powerdown$'
expect_grep "SHUTDOWN guest-shutdown" "$T_TMP/proto.err" 'qapi_event .*SHUTDOWN.*"guest": true, "reason": "guest-shutdown"'

# --- reboot: a real reset, the agent serves again after it ----------------
agent_vm reboot "reset=i8042"
con_has reboot '^guest: agent on COM2$'
q --timeout 1 '{"execute":"guest-shutdown","arguments":{"mode":"reboot"}}' >/dev/null
check "mode reboot: the guest resets via i8042" con_has reboot '^guest: rebooting via i8042$'
check "mode reboot: the agent starts again" \
	bash -c "for i in \$(seq 100); do [ \$(grep -c '^guest: agent starting' '$T_TMP/reboot.con') -ge 2 ] && exit 0; sleep 0.1; done; exit 1"
expect_eq "mode reboot: the agent answers after the reset" "$(q '{"execute":"guest-ping"}')" '{"return": {}}'
vm_end reboot TERM
expect_grep "mode reboot: RESET guest-reset" "$T_TMP/reboot.err" 'qapi_event .*RESET.*"guest": true, "reason": "guest-reset"'

# --- halt: the vCPU stops, the VM stays ------------------------------------
agent_vm halt ""
con_has halt '^guest: agent on COM2$'
q --timeout 1 '{"execute":"guest-shutdown","arguments":{"mode":"halt"}}' >/dev/null
check "mode halt: the guest halts" con_has halt '^guest: halting$'
q --timeout 1 '{"execute":"guest-ping"}' >/dev/null
expect_eq "mode halt: nobody answers any more (no reply: status 2)" "$?" 2
check "mode halt: the VM is still there" kill -0 "$VMM_PID"
vm_end halt TERM
expect_eq "mode halt: no SHUTDOWN from the guest" "$(grep -c '"reason": "guest-' "$T_TMP/halt.err")" 0

# --- unresponsive agents ---------------------------------------------------
agent_vm hang "hang=1"
check "hang=1: the guest says so" con_has hang 'not answering \(hang=1\)'
q --timeout 1 '{"execute":"guest-ping"}' >/dev/null
expect_eq "hang=1: guest-ping gets no reply" "$?" 2
q --timeout 1 --sync '{"execute":"guest-ping"}' >/dev/null
expect_eq "hang=1: the sync handshake fails" "$?" 2
vm_end hang TERM

agent_vm dc3 ""
con_has dc3 '^guest: agent on COM2$'
expect_eq "before DC3: answers" "$(q '{"execute":"guest-ping"}')" '{"return": {}}'
q --timeout 0.5 $'\x13' >/dev/null
check "a DC3 byte makes the agent hang" con_has dc3 '^guest: agent hangs \(DC3 received\)$'
q --timeout 1 '{"execute":"guest-ping"}' >/dev/null
expect_eq "after DC3: no reply" "$?" 2
vm_end dc3 TERM
