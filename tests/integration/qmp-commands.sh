#!/bin/bash
# QMP over its real socket: every command in the run states where QEMU 7.2
# treats it differently, and every run-state event (SHUTDOWN, POWERDOWN,
# RESET, STOP, RESUME; GUEST_PANICKED in qmp-panic.sh), as whole transcripts.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/qmp-lib.bash"
need_qmp qmp

# start NAME ARGS...: the VMM in the background with a QMP socket NAME.sock
start() {
	local name=$1
	shift
	rm -f "$T_TMP/$name.sock"
	vmm_bg "$name" -qmp "unix:$T_TMP/$name.sock,server,nowait" "$@"
	wait_socket "$T_TMP/$name.sock"
}
# qmp NAME: runs the script on stdin against NAME.sock; transcript without
# timestamps (and thread ids) in NAME.qmp
qmp() {
	"$QMPC" "$T_TMP/$1.sock" >"$T_TMP/$1.raw"
	sed -e "$QMP_UNTIME" \
		-e 's/"thread-id": [0-9]\{3,\}/"thread-id": TID/g' "$T_TMP/$1.raw" >"$T_TMP/$1.qmp"
}

# --- prelaunch (-S), paused, running, reset while paused, powerdown ignored
start states -kernel "$GUESTS/hello.elf" -append wait=ignore -serial null -S -name guest=vm1 -smp 2
expect_eq "QMP socket is mode 0600" "$(stat -c %a "$T_TMP/states.sock")" 600
qmp states <<'EOF'
{"execute": "query-status", "id": "early"}
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
{"execute": "query-status"}
{"execute": "system_reset"}
{"execute": "query-status"}
{"execute": "cont"}
{"execute": "system_powerdown"}
{"execute": "query-status"}
{"execute": "query-name"}
{"execute": "query-version"}
{"execute": "set-action", "arguments": {"reboot": "reset", "shutdown": "poweroff", "panic": "pause", "watchdog": "none"}}
{"execute": "quit", "id": "bye"}
EOF
vmm_wait states
transcript states "prelaunch/running/paused: stop, cont, system_reset, system_powerdown, quit as QEMU 7.2" <<EOF
$GREETING
{"id": "early", "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}
{"return": {}, "id": 1}
{"id": 2, "error": {"class": "CommandNotFound", "desc": "Capabilities negotiation is already complete, command ignored"}}
{"return": {"status": "prelaunch", "singlestep": false, "running": false}}
{"return": {}}
{"return": {"status": "prelaunch", "singlestep": false, "running": false}}
{"event": "RESUME"}
{"return": {}}
{"return": {"status": "running", "singlestep": false, "running": true}}
{"return": {}}
{"event": "STOP"}
{"return": {}}
{"return": {}}
{"return": {"status": "paused", "singlestep": false, "running": false}}
{"event": "RESET", "data": {"guest": false, "reason": "host-qmp-system-reset"}}
{"return": {}}
{"return": {"status": "prelaunch", "singlestep": false, "running": false}}
{"event": "RESUME"}
{"return": {}}
{"event": "POWERDOWN"}
{"return": {}}
{"return": {"status": "running", "singlestep": false, "running": true}}
{"return": {"name": "vm1"}}
{"return": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "kvmscope-vmm $KVMSCOPE_VERSION"}}
{"return": {}}
{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
{"return": {}, "id": "bye"}
EOF
expect_eq "quit: exit status 0" "$(rc states)" 0
check "quit: the socket is removed at exit" test ! -e "$T_TMP/states.sock"

# --- query-commands, query-cpus-fast: thread-id is the vCPU thread
start cpus -kernel "$GUESTS/hello.elf" -append wait=ignore -serial null -smp 2
"$QMPC" "$T_TMP/cpus.sock" >"$T_TMP/cpus.raw" <<'EOF'
{"execute": "qmp_capabilities"}
{"execute": "query-commands"}
{"execute": "query-cpus-fast"}
{"execute": "query-name"}
EOF
cmds=$(sed -n 3p "$T_TMP/cpus.raw" | jq -r '.return[].name' | sort | tr '\n' ' ')
expect_eq "query-commands lists every command" "$cmds" \
	"cont qmp_capabilities query-commands query-cpus-fast query-name query-status query-version quit set-action stop system_powerdown system_reset "
cpus=$(sed -n 4p "$T_TMP/cpus.raw")
expect_eq "query-cpus-fast: one entry per vCPU with QEMU's members" \
	"$(jq -c '[.return[] | {"cpu-index", "qom-path", target, props}]' <<<"$cpus")" \
	'[{"cpu-index":0,"qom-path":"/machine/unattached/device[0]","target":"x86_64","props":{"core-id":0,"thread-id":0,"socket-id":0}},{"cpu-index":1,"qom-path":"/machine/unattached/device[1]","target":"x86_64","props":{"core-id":0,"thread-id":0,"socket-id":1}}]'
names=""
for tid in $(jq '.return[]."thread-id"' <<<"$cpus"); do
	names="$names$(cat "/proc/$VMM_PID/task/$tid/comm" 2>/dev/null);"
done
expect_eq "query-cpus-fast: thread-id is the vCPU's thread" "$names" "CPU 0/KVM;CPU 1/KVM;"
expect_eq "query-name without -name is {}" "$(sed -n 5p "$T_TMP/cpus.raw")" '{"return": {}}'
vmm_wait cpus TERM

# --- system_powerdown: a guest that polls the power button powers off
start pwr -kernel "$GUESTS/hello.elf" -append wait=powerbutton -serial "file:$T_TMP/pwr.com1"
wait_file() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
wait_file "$T_TMP/pwr.com1" "waiting for power button"
qmp pwr <<'EOF'
{"execute": "qmp_capabilities"}
{"execute": "system_powerdown"}
!event SHUTDOWN
EOF
vmm_wait pwr
transcript pwr "system_powerdown: POWERDOWN, reply, then the guest's SHUTDOWN" <<EOF
$GREETING
{"return": {}}
{"event": "POWERDOWN"}
{"return": {}}
{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}
EOF
expect_grep "guest saw the power button (PM1_STS.PWRBTN)" "$T_TMP/pwr.com1" '^guest: power button pressed$'
expect_eq "guest power-off: exit status 0" "$(rc pwr)" 0

# --- -no-shutdown: shutdown state, cont refused, system_reset, cont again
start noshut -kernel "$GUESTS/hello.elf" -append wait=powerbutton -serial "file:$T_TMP/noshut.com1" -no-shutdown
wait_file "$T_TMP/noshut.com1" "waiting for power button"
qmp noshut <<'EOF'
{"execute": "qmp_capabilities"}
{"execute": "system_powerdown"}
!event STOP
{"execute": "query-status"}
{"execute": "cont", "id": "c1"}
{"execute": "stop"}
{"execute": "system_powerdown"}
{"execute": "system_reset"}
{"execute": "query-status"}
{"execute": "cont"}
{"execute": "query-status"}
{"execute": "quit"}
EOF
vmm_wait noshut
transcript noshut "-no-shutdown: SHUTDOWN+STOP, cont needs a reset, system_reset -> prelaunch, cont, quit still exits" <<EOF
$GREETING
{"return": {}}
{"event": "POWERDOWN"}
{"return": {}}
{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}
{"event": "STOP"}
{"return": {"status": "shutdown", "singlestep": false, "running": false}}
{"id": "c1", "error": {"class": "GenericError", "desc": "Resetting the Virtual Machine is required"}}
{"return": {}}
{"event": "POWERDOWN"}
{"return": {}}
{"event": "RESET", "data": {"guest": false, "reason": "host-qmp-system-reset"}}
{"return": {}}
{"return": {"status": "prelaunch", "singlestep": false, "running": false}}
{"event": "RESUME"}
{"return": {}}
{"return": {"status": "running", "singlestep": false, "running": true}}
{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
{"return": {}}
EOF
expect_eq "quit with -no-shutdown: exit status 0" "$(rc noshut)" 0

# --- guest reboots: RESET guest-reset; set-action reboot=shutdown turns it
# into SHUTDOWN; set-action shutdown=pause keeps the VMM
start reboot -kernel "$GUESTS/reboot.elf" -append count=1 -serial null -S
qmp reboot <<'EOF'
{"execute": "qmp_capabilities"}
{"execute": "cont"}
!event SHUTDOWN
EOF
vmm_wait reboot
transcript reboot "guest reboot: RESET {guest: true, guest-reset}, then its power-off" <<EOF
$GREETING
{"return": {}}
{"event": "RESUME"}
{"return": {}}
{"event": "RESET", "data": {"guest": true, "reason": "guest-reset"}}
{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}
EOF
start noreboot -kernel "$GUESTS/reboot.elf" -append count=1 -serial null -S
qmp noreboot <<'EOF'
{"execute": "qmp_capabilities"}
{"execute": "set-action", "arguments": {"reboot": "shutdown", "shutdown": "pause"}}
{"execute": "cont"}
!event STOP
{"execute": "query-status"}
{"execute": "set-action", "arguments": {"reboot": "sideways"}}
{"execute": "set-action", "arguments": {"shutdown": 1}}
{"execute": "quit"}
EOF
vmm_wait noreboot
transcript noreboot "set-action reboot=shutdown,shutdown=pause: SHUTDOWN guest-reset, STOP; bad values refused" <<EOF
$GREETING
{"return": {}}
{"return": {}}
{"event": "RESUME"}
{"return": {}}
{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-reset"}}
{"event": "STOP"}
{"return": {"status": "shutdown", "singlestep": false, "running": false}}
{"error": {"class": "GenericError", "desc": "Parameter 'reboot' does not accept value 'sideways'"}}
{"error": {"class": "GenericError", "desc": "Invalid parameter type for 'shutdown', expected: string"}}
{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
{"return": {}}
EOF

# --- SIGTERM: SHUTDOWN host-signal reaches the client before exit
start sig -kernel "$GUESTS/hello.elf" -append wait=ignore -serial null
( sleep 0.5; kill -TERM "$VMM_PID" ) &
qmp sig <<'EOF'
{"execute": "qmp_capabilities"}
!event SHUTDOWN
EOF
vmm_wait sig
transcript sig "SIGTERM: SHUTDOWN {guest: false, host-signal}" <<EOF
$GREETING
{"return": {}}
{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-signal"}}
EOF

# --- -chardev socket + -mon mode=control, and two -qmp sockets at once
rm -f "$T_TMP/mon.sock" "$T_TMP/two.sock"
vmm_bg mon -kernel "$GUESTS/hello.elf" -append wait=ignore -serial null \
	-chardev "socket,id=m0,path=$T_TMP/mon.sock,server=on,wait=off" -mon chardev=m0,mode=control \
	-qmp "unix:$T_TMP/two.sock,server=on,wait=off"
wait_socket "$T_TMP/two.sock"
printf '{"execute": "qmp_capabilities"}\n!event STOP\n' | "$QMPC" "$T_TMP/two.sock" >"$T_TMP/two.raw" &
listener=$!
for _ in $(seq 100); do grep -q return "$T_TMP/two.raw" 2>/dev/null && break; sleep 0.05; done
printf '{"execute": "qmp_capabilities"}\n{"execute": "stop"}\n{"execute": "quit"}\n' |
	"$QMPC" "$T_TMP/mon.sock" >"$T_TMP/mon.raw"
wait $listener
vmm_wait mon
expect_grep "-chardev socket + -mon chardev=ID,mode=control serves QMP" "$T_TMP/mon.raw" '"reason": "host-qmp-quit"'
expect_grep "an event reaches a client of the other -qmp socket" "$T_TMP/two.raw" '"event": "STOP"'

# --- -chardev for the COM ports: -serial chardev:ID, -device isa-serial
vmm c2 -kernel "$GUESTS/hello.elf" -append com2=1 -serial null \
	-chardev "file,id=f2,path=$T_TMP/c2.txt" -serial chardev:f2
expect_grep "-serial chardev:ID puts COM2 on a -chardev" "$T_TMP/c2.txt" 'hello from kvmscope guest on COM2'
vmm isa -kernel "$GUESTS/hello.elf" -append com2=1 -device isa-serial,chardev=c1 \
	-chardev "file,id=c1,path=$T_TMP/isa1.txt" -device isa-serial,chardev=c2 \
	-chardev "file,id=c2,path=$T_TMP/isa2.txt"
expect_grep "-device isa-serial,chardev=ID: COM1 then COM2, -chardev given after" \
	"$T_TMP/isa2.txt" 'hello from kvmscope guest on COM2'
vmm badref -kernel "$GUESTS/hello.elf" -serial chardev:nope
expect_eq "unknown chardev id: named in the error, exit 1" "$(rc badref):$(err badref)" \
	"1:kvmscope-vmm: -serial: chardev 'nope' not found"
vmm twice -kernel "$GUESTS/hello.elf" -chardev "null,id=n" -serial chardev:n -mon chardev=n,mode=control
expect_eq "a chardev used twice is refused" "$(rc twice):$(err twice)" \
	"1:kvmscope-vmm: -mon: chardev 'n' is already in use"
vmm hmp -kernel "$GUESTS/hello.elf" -chardev "socket,id=m,path=$T_TMP/h.sock,server=on,wait=off" -mon chardev=m
expect_eq "-mon without mode=control (the human monitor) is refused" "$(rc hmp)" 1
vmm tcp -kernel "$GUESTS/hello.elf" -qmp tcp:127.0.0.1:4444,server,nowait
expect_grep "-qmp tcp: is refused with a clear error" "$T_TMP/tcp.err" "not a valid char driver"
vmm nodir -kernel "$GUESTS/hello.elf" -qmp "unix:$T_TMP/no/such/dir.sock,server,nowait"
expect_eq "a QMP socket that cannot be bound: the path and the reason, exit 1" "$(rc nodir):$(err nodir)" \
	"1:kvmscope-vmm: -qmp: Failed to bind socket $T_TMP/no/such/dir.sock: No such file or directory"
