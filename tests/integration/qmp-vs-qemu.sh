#!/bin/bash
# Side by side with QEMU 7.2 on the same guest (hello.elf wait=ignore, -S):
# one QMP script -- commands in prelaunch, running and paused, negotiation,
# shape, argument and JSON errors -- must give the same transcript from both,
# after removing what differs on purpose: timestamps, thread ids, the
# greeting and query-version (QEMU offers "oob" and reports its own version).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/qmp-lib.bash"
QEMU=${QEMU:-qemu-system-x86_64}
need_qmp qmp-vs-qemu
if ! command -v "$QEMU" >/dev/null; then skip "qmp-vs-qemu: $QEMU not installed"; exit 0; fi

cat >"$T_TMP/script" <<'QMP'
{"execute": "query-status", "id": "early"}
{"execute": "nonsense"}
{"execute": "qmp_capabilities", "arguments": {"enable": ["x"]}}
{"execute": "qmp_capabilities", "id": 1}
{"execute": "qmp_capabilities", "id": 2}
{"execute": "query-status"}
{"execute": "stop"}
{"execute": "query-status"}
{"execute": "cont"}
{"execute": "query-status"}
{"execute": "cont"}
{"execute": "stop"}
{"execute": "stop"}
{"execute": "query-status", "id": {"a": [1, 2.5, "\u00e9"]}}
{"execute": "cont"}
{"execute": "system_powerdown"}
{"execute": "query-status"}
{"execute": "query-name"}
{"execute": "query-cpus-fast"}
{"execute": "set-action", "arguments": {"reboot": "reset", "panic": "pause"}}
{"execute": "set-action", "arguments": {"reboot": 1}}
{"execute": "set-action", "arguments": {"panic": "maybe"}}
{"execute": "stop", "arguments": {"x": 1}}
{"execute": "no-such-command", "id": 7}
[1, 2]
{"arguments": {}}
{"execute": 1}
{"execute": "stop", "arguments": [1]}
{"execute": "stop", "foo": 1}
{"execute": "stop", "exec-oob": "stop"}
!send {"execute": foo}\n
!reply
!send {"a" 1}\n
!reply
!send {"a": 1 "b": 2}\n
!reply
!send [1 2]\n
!reply
!send {1: 2}\n
!reply
!send {"a": 1,}\n
!reply
!send }\n
!reply
!send @\n
!reply
!send \xff\n
!reply
!send {"a": 1, "a": 2}\n
!reply
!send {"id": "\xc3"}\n
!reply
!send {"id": "\\x"}\n
!reply
!send {"id": "\\ud800"}\n
!reply
!send {"execute": "query-status", "id": 01}\n
!reply
!reply
!send {'execute': 'query-status', 'id': 'q"uote'}\n
!reply
!send {"execute": "query-status", "id": -9223372036854775809}\n
!reply
{"execute": "quit", "id": "bye"}
QMP

# run NAME COMMAND...: the program with a QMP socket, the script, a transcript
run() {
	local name=$1 sock=$T_TMP/$1.sock
	shift
	"$@" -qmp "unix:$sock,server,nowait" </dev/null >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
	local pid=$!
	( sleep 60; kill -KILL "$pid" ) >/dev/null 2>&1 &
	wait_socket "$sock" 200
	"$QMPC" "$sock" <"$T_TMP/script" >"$T_TMP/$name.raw"
	wait "$pid"
	echo $? >"$T_TMP/$name.rc"
	sed -e "$QMP_UNTIME" \
		-e 's/"thread-id": [0-9]\{3,\}/"thread-id": TID/' \
		-e 's/^{"QMP": .*/GREETING/' \
		-e 's/^{"return": {"qemu": .*/VERSION/' "$T_TMP/$name.raw" >"$T_TMP/$name.qmp"
}

run qemu "$QEMU" -M pc -accel kvm -display none -nodefaults -no-user-config -S -name guest=vm1 \
	-kernel "$GUESTS/hello.elf" -append wait=ignore -serial null
run ours "$VMM" -S -name guest=vm1 -kernel "$GUESTS/hello.elf" -append wait=ignore -serial null

expect_eq "QEMU 7.2 answered the whole script" "$(tail -1 "$T_TMP/qemu.qmp")" '{"return": {}, "id": "bye"}'
if diff -u "$T_TMP/qemu.qmp" "$T_TMP/ours.qmp" >"$T_TMP/diff"; then
	ok "same transcript as QEMU 7.2 ($(wc -l <"$T_TMP/ours.qmp") lines)"
else
	not_ok "same transcript as QEMU 7.2"
	diag <"$T_TMP/diff"
fi
expect_eq "both exit 0 after quit" "$(cat "$T_TMP/qemu.rc") $(cat "$T_TMP/ours.rc")" "0 0"
