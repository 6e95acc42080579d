#!/bin/bash
# GUEST_PANICKED over QMP: a guest writes 1 to pvpanic (port 0x505) on its
# vCPU thread; the event and the deferred stop reach the client in QEMU
# 7.2's order for each panic action (spec 3.6).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/qmp-lib.bash"
need_qmp qmp-panic

# real mode at 0x10000: a delay (8 x 65535 loops, so that the reply to cont
# is out first), then mov dx, 0x505; mov al, 1; out dx, al; cli; hlt; jmp $-3
printf '\xbb\x08\x00\xb9\xff\xff\xe2\xfe\x4b\x75\xf8\xba\x05\x05\xb0\x01\xee\xfa\xf4\xeb\xfd' \
	>"$T_TMP/panic.bin"

# panic NAME ACTIONS: boots the panicking guest with -action ACTIONS and runs
# the QMP script on stdin; transcript without timestamps in NAME.qmp
panic() {
	local name=$1 actions=$2 sock=$T_TMP/$1.sock
	"$VMM" -qmp "unix:$sock,server,nowait" -device "loader,file=$T_TMP/panic.bin,addr=0x10000" \
		-device pvpanic -serial null -S -action "$actions" </dev/null \
		>"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
	local pid=$!
	( sleep 60; kill -KILL "$pid" ) >/dev/null 2>&1 &
	wait_socket "$sock"
	"$QMPC" "$sock" | sed "$QMP_UNTIME" >"$T_TMP/$name.qmp"
	wait "$pid"
	echo $? >"$T_TMP/$name.rc"
}

panic pause panic=pause <<'QMP'
{"execute": "qmp_capabilities"}
{"execute": "cont"}
!event STOP
{"execute": "query-status"}
{"execute": "cont"}
{"execute": "query-status"}
{"execute": "quit"}
QMP
transcript pause "panic=pause: GUEST_PANICKED {pause}, STOP, guest-panicked; cont resumes" <<EXPECTED
$GREETING
{"return": {}}
{"event": "RESUME"}
{"return": {}}
{"event": "GUEST_PANICKED", "data": {"action": "pause"}}
{"event": "STOP"}
{"return": {"status": "guest-panicked", "singlestep": false, "running": false}}
{"event": "RESUME"}
{"return": {}}
{"return": {"status": "running", "singlestep": false, "running": true}}
{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
{"return": {}}
EXPECTED

panic poweroff panic=shutdown <<'QMP'
{"execute": "qmp_capabilities"}
{"execute": "cont"}
!event SHUTDOWN
QMP
transcript poweroff "panic=shutdown (default): GUEST_PANICKED {poweroff}, SHUTDOWN {guest-panic}" <<EXPECTED
$GREETING
{"return": {}}
{"event": "RESUME"}
{"return": {}}
{"event": "GUEST_PANICKED", "data": {"action": "poweroff"}}
{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-panic"}}
EXPECTED
expect_eq "panic=shutdown: exit status 0" "$(cat "$T_TMP/poweroff.rc")" 0

panic failure panic=exit-failure <<'QMP'
{"execute": "qmp_capabilities"}
{"execute": "cont"}
!event SHUTDOWN
QMP
expect_grep "panic=exit-failure: GUEST_PANICKED {poweroff}" "$T_TMP/failure.qmp" '"action": "poweroff"'
expect_eq "panic=exit-failure: exit status 1" "$(cat "$T_TMP/failure.rc")" 1

panic none panic=none <<'QMP'
{"execute": "qmp_capabilities"}
{"execute": "cont"}
!event GUEST_PANICKED
{"execute": "query-status"}
{"execute": "quit"}
QMP
transcript none "panic=none: GUEST_PANICKED {run}, the guest keeps running" <<EXPECTED
$GREETING
{"return": {}}
{"event": "RESUME"}
{"return": {}}
{"event": "GUEST_PANICKED", "data": {"action": "run"}}
{"return": {"status": "running", "singlestep": false, "running": true}}
{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
{"return": {}}
EXPECTED

# the race vm_stop() on the vCPU thread had: the main loop stops for the
# shutdown first; the deferred guest-panicked stop then finds it stopped
panic nosd panic=exit-failure,shutdown=pause <<'QMP'
{"execute": "qmp_capabilities"}
{"execute": "cont"}
!event STOP
{"execute": "query-status"}
{"execute": "quit"}
QMP
transcript nosd "panic=exit-failure + shutdown=pause: SHUTDOWN then STOP, state shutdown, no abort" <<EXPECTED
$GREETING
{"return": {}}
{"event": "RESUME"}
{"return": {}}
{"event": "GUEST_PANICKED", "data": {"action": "poweroff"}}
{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-panic"}}
{"event": "STOP"}
{"return": {"status": "shutdown", "singlestep": false, "running": false}}
{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
{"return": {}}
EXPECTED
