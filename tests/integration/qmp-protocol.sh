#!/bin/bash
# QMP wire protocol and bad input over the real socket: every error class
# and desc of QEMU 7.2, JSON limits, lines of several MiB, many clients,
# clients that vanish mid-message or never read -- none of it disturbs the
# guest or the other clients.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/qmp-lib.bash"
need_qmp qmp

sock=$T_TMP/p.sock
"$VMM" -kernel "$GUESTS/hello.elf" -append wait=ignore -serial null -qmp "unix:$sock,server,nowait" \
	</dev/null >"$T_TMP/p.out" 2>"$T_TMP/p.err" &
pid=$!
( sleep 120; kill -KILL "$pid" ) >/dev/null 2>&1 &
wait_socket "$sock"

# qmp NAME: script on stdin -> NAME.out (raw lines)
qmp() { "$QMPC" "$sock" >"$T_TMP/$1.out"; }
# line NAME N: the Nth line received
line() { sed -n "${2}p" "$T_TMP/$1.out"; }

# --- errors of the request shape, the command table and the arguments
qmp errors <<'EOF'
{"execute": "qmp_capabilities"}
{"execute": "no-such-command", "id": 7}
[1, 2]
"just a string"
{"arguments": {}}
{"execute": 1}
{"execute": "stop", "arguments": [1]}
{"execute": "stop", "foo": 1}
{"execute": "stop", "exec-oob": "stop"}
{"execute": "stop", "arguments": {"x": 1}, "id": {"n": [1, "two"]}}
{"execute": "set-action", "arguments": {"panic": true}}
{"execute": "set-action", "arguments": {"panic": "maybe"}}
{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}
EOF
expect_eq "unknown command: CommandNotFound, id echoed first" "$(line errors 3)" \
	'{"id": 7, "error": {"class": "CommandNotFound", "desc": "The command no-such-command has not been found"}}'
expect_eq "non-object input: GenericError" "$(line errors 4)" \
	'{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}'
expect_eq "a string is not an object either" "$(line errors 5)" "$(line errors 4)"
expect_eq "no execute" "$(line errors 6)" \
	'{"error": {"class": "GenericError", "desc": "QMP input lacks member '"'"'execute'"'"'"}}'
expect_eq "execute not a string" "$(line errors 7)" \
	'{"error": {"class": "GenericError", "desc": "QMP input member '"'"'execute'"'"' must be a string"}}'
expect_eq "arguments not an object" "$(line errors 8)" \
	'{"error": {"class": "GenericError", "desc": "QMP input member '"'"'arguments'"'"' must be an object"}}'
expect_eq "unexpected member" "$(line errors 9)" \
	'{"error": {"class": "GenericError", "desc": "QMP input member '"'"'foo'"'"' is unexpected"}}'
expect_eq "exec-oob without OOB is unexpected" "$(line errors 10)" \
	'{"error": {"class": "GenericError", "desc": "QMP input member '"'"'exec-oob'"'"' is unexpected"}}'
expect_eq "unexpected argument; any JSON id is echoed" "$(line errors 11)" \
	'{"id": {"n": [1, "two"]}, "error": {"class": "GenericError", "desc": "Parameter '"'"'x'"'"' is unexpected"}}'
expect_eq "wrong argument type" "$(line errors 12)" \
	'{"error": {"class": "GenericError", "desc": "Invalid parameter type for '"'"'panic'"'"', expected: string"}}'
expect_eq "bad enum value" "$(line errors 13)" \
	'{"error": {"class": "GenericError", "desc": "Parameter '"'"'panic'"'"' does not accept value '"'"'maybe'"'"'"}}'

# --- before negotiation: capabilities we do not offer, then every command
qmp nego <<'EOF'
{"execute": "query-status"}
{"execute": "nonsense"}
{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}
{"execute": "qmp_capabilities", "arguments": {"enable": ["x"]}}
{"execute": "qmp_capabilities", "arguments": {"enable": "oob"}}
{"execute": "qmp_capabilities"}
{"execute": "query-status"}
EOF
expect_eq "a command before negotiation: CommandNotFound" "$(line nego 2)" \
	'{"error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with '"'"'qmp_capabilities'"'"'"}}'
expect_eq "an unknown command before negotiation gets the same" "$(line nego 3)" "$(line nego 2)"
expect_eq "oob is not offered" "$(line nego 4)" \
	'{"error": {"class": "GenericError", "desc": "Capability oob not available"}}'
expect_eq "unknown capability: QEMU 7.2's text for a list element" "$(line nego 5)" \
	'{"error": {"class": "GenericError", "desc": "Parameter '"'"'null'"'"' does not accept value '"'"'x'"'"'"}}'
expect_eq "enable must be a list" "$(line nego 6)" \
	'{"error": {"class": "GenericError", "desc": "Invalid parameter type for '"'"'enable'"'"', expected: array"}}'
expect_eq "negotiation still possible after errors" "$(line nego 7)" '{"return": {}}'
expect_grep "commands work after negotiation" "$T_TMP/nego.out" '"status": "running"'

# --- malformed JSON: QEMU's parse errors, and the connection stays up
{
	echo '{"execute": "qmp_capabilities"}'
	echo '!send {"execute": foo}\n'
	echo '!reply'
	echo '!send {"a" 1}\n'
	echo '!reply'
	echo '!send {"a": 1 "b": 2}\n'
	echo '!reply'
	echo '!send [1 2]\n'
	echo '!reply'
	echo '!send {1: 2}\n'
	echo '!reply'
	echo '!send }\n'
	echo '!reply'
	echo '!send @\n'
	echo '!reply'
	echo '!send \xff\n'
	echo '!reply'
	echo '!send {"a": 1, "a": 2}\n'
	echo '!reply'
	echo '!send {"id": "\xc3"}\n'
	echo '!reply'
	echo '!send {"id": "\\x"}\n'
	echo '!reply'
	echo "!send {'execute': 'query-status', 'id': 'it\\\\'s'}\\n"
	echo '!reply'
	echo '!send {"execute": "query-status"}{"execute": "query-status"}'
	echo '!reply'
	echo '!reply'
	echo '!send {"execute":\n "query-status"\n}\n'
	echo '!reply'
} | qmp parse
expect_eq "invalid keyword" "$(line parse 3)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword '"'"'foo'"'"'"}}'
expect_eq "missing colon" "$(line parse 4)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, missing : in object pair"}}'
expect_eq "missing comma in an object" "$(line parse 5)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, expected separator in dict"}}'
expect_eq "missing comma in a list" "$(line parse 6)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, expected separator in list"}}'
expect_eq "non-string key" "$(line parse 7)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, key is not a string in object"}}'
expect_eq "stray closing brace" "$(line parse 8)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}'
expect_eq "lexical error" "$(line parse 9)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, stray '"'"'@'"'"'"}}'
expect_eq "0xFF resets the parser, reported as U+FFFD" "$(line parse 10)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, stray '"'"'\uFFFD'"'"'"}}'
expect_eq "duplicate key" "$(line parse 11)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, duplicate key"}}'
expect_eq "invalid UTF-8" "$(line parse 12)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, invalid UTF-8 sequence in string"}}'
expect_eq "invalid escape" "$(line parse 13)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, invalid escape sequence in string"}}'
expect_eq "single-quoted strings and \\' are accepted" "$(line parse 14)" \
	'{"return": {"status": "running", "singlestep": false, "running": true}, "id": "it'"'"'s"}'
expect_eq "two values on one line: two replies" "$(line parse 15)$(line parse 16)" \
	'{"return": {"status": "running", "singlestep": false, "running": true}}{"return": {"status": "running", "singlestep": false, "running": true}}'
expect_eq "a value across lines" "$(line parse 17)" "$(line parse 15)"

# --- limits: several MiB are fine, 64 MiB is QEMU's token size limit
deep=$(printf '[%.0s' $(seq 1025))
printf '{"execute": "qmp_capabilities"}\n!big 5M\n!reply\n!send %s\n!reply\n!big 65M\n!reply\n!reply\n!reply\n{"execute": "query-status"}\n' \
	"$deep" | QMP_CLIENT_TIMEOUT=60 qmp limits
prefix='{"return": {"status": "running", "singlestep": false, "running": true}, "id": "'
expect_eq "a 5 MiB line is answered, its id echoed whole" \
	"$(line limits 3 | wc -c)" $((${#prefix} + 5 * 1024 * 1024 + 3))
expect_eq "nesting deeper than 1024: QEMU's limit error" "$(line limits 4)" \
	'{"error": {"class": "GenericError", "desc": "JSON nesting depth limit exceeded"}}'
expect_eq "a 65 MiB value: QEMU's token size limit error" "$(line limits 5)" \
	'{"error": {"class": "GenericError", "desc": "JSON token size limit exceeded"}}'
expect_eq "then the rest of it, as QEMU's lexer restarts mid-string" "$(line limits 6)$(line limits 7)" \
	'{"error": {"class": "GenericError", "desc": "JSON parse error, stray '"'"'A'"'"'"}}{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}'
expect_eq "the connection stays up after the limit errors" "$(line limits 8)" \
	'{"return": {"status": "running", "singlestep": false, "running": true}}'
vmrss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
# the streamer holds at most QEMU's 64 MiB limit (ASan's quarantine adds to it)
check "memory stays bounded after a 65 MiB line (VmRSS ${vmrss} kB < 320 MiB)" test "$vmrss" -lt 327680

# --- many clients; events reach exactly the negotiated ones
many=""
for i in $(seq 20); do
	printf '{"execute": "qmp_capabilities"}\n!event STOP\n!event RESUME\n' |
		"$QMPC" "$sock" >"$T_TMP/many$i.out" &
	many="$many $!"
done
printf '!sleep 3000\n{"execute": "query-status"}\n' | "$QMPC" "$sock" >"$T_TMP/unneg.out" &
unneg=$!
for i in $(seq 20); do
	for _ in $(seq 100); do grep -q return "$T_TMP/many$i.out" 2>/dev/null && break; sleep 0.05; done
done
printf '{"execute": "qmp_capabilities"}\n{"execute": "stop"}\n{"execute": "cont"}\n' | qmp ctl
wait $unneg
# shellcheck disable=SC2086
wait $many
got=0
for i in $(seq 20); do
	grep -q '"event": "STOP"' "$T_TMP/many$i.out" && grep -q '"event": "RESUME"' "$T_TMP/many$i.out" &&
		got=$((got + 1))
done
expect_eq "20 clients at once: every negotiated client gets STOP and RESUME" "$got" 20
check "a client that did not negotiate gets no events" \
	sh -c "! grep -q event '$T_TMP/unneg.out' && grep -q CommandNotFound '$T_TMP/unneg.out'"

# --- bad clients: gone mid-message, never reading, gone with replies pending
printf '!send {"execute": "query-sta\n!close\n' | "$QMPC" "$sock" >/dev/null
printf '{"execute": "qmp_capabilities"}\n!send {"execute": "query-status"}\n!close\n' |
	"$QMPC" "$sock" >/dev/null
# never reads: a 5 MiB reply pauses its input; events then pile up past the
# 8 MiB bound, and it is dropped. Its script comes through a FIFO, so it reads
# nothing from the socket until the flood below has been answered, however
# slow the machine (a fixed sleep let it drain the events under load).
mkfifo "$T_TMP/stuck.in"
QMP_CLIENT_TIMEOUT=60 "$QMPC" "$sock" <"$T_TMP/stuck.in" >"$T_TMP/stuck.out" &
stuck=$!
exec 7>"$T_TMP/stuck.in"
printf '%s\n' '{"execute": "qmp_capabilities"}' '!big 5M' >&7
sleep 1
qmp alive <<'EOF'
{"execute": "qmp_capabilities"}
{"execute": "query-status"}
EOF
expect_grep "other clients are served while one never reads" "$T_TMP/alive.out" '"status": "running"'
{
	echo '{"execute": "qmp_capabilities"}'
	for _ in $(seq 22000); do echo '{"execute": "stop"}'; echo '{"execute": "cont"}'; done
} | qmp flood
expect_eq "44000 commands from one client while another never reads: all answered" \
	"$(grep -c '^{"return": {}}' "$T_TMP/flood.out")" 44001
grep -q '^{"return": {}}' "$T_TMP/flood.out" || tail -3 "$T_TMP/flood.out" | diag
echo '!halfclose' >&7
exec 7>&-
wait $stuck
got=$(grep -c '"event": "STOP"' "$T_TMP/stuck.out")
check "the client that never read was dropped (EOF after $got of 22000 STOP events)" \
	test "$got" -lt 22000
qmp after <<'EOF'
{"execute": "qmp_capabilities"}
{"execute": "query-status"}
EOF
expect_grep "after the bad clients: still serving, guest still running" "$T_TMP/after.out" '"status": "running"'
check "the VMM survived every bad client" kill -0 "$pid"
nfd=$(ls "/proc/$pid/fd" | wc -l)
check "no descriptors leaked by the bad clients ($nfd open)" test "$nfd" -lt 40

printf '{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n' | qmp quit
wait $pid
expect_eq "quit after all that: exit status 0" "$?" 0
