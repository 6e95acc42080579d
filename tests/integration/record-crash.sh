#!/bin/bash
# The collector's edges: kill -9 mid-run leaves a capture readable up to its
# last whole record; a capture cut inside a record is read up to it, with the
# warning; SIGINT ends cleanly (the VMM's own shutdown recorded, END written);
# --pid attaches to a running VMM; a tracepoint the host lacks is named in one
# line and the rest is recorded; bad options and garbage captures get a clear
# error, never a crash.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder

# wait_size FILE BYTES: until FILE is at least BYTES long (20 s at most)
wait_size() {
	local i
	for i in $(seq 200); do
		[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- kill -9 mid-run: the guest spins forever, polling the PM block
cap=$T_TMP/killed.cap
"$KVMSCOPE" record -o "$cap" -- "$VMM" -kernel "$GUESTS/hello.elf" -append wait=ignore -serial null \
	>/dev/null 2>"$T_TMP/killed.err" &
rec=$!
check "capture grows past 100 KB while the guest runs" wait_size "$cap" 100000
vmm_pid=$(pgrep -P "$rec" | head -1)
kill -KILL "$rec"
wait "$rec" 2>/dev/null
[ -n "$vmm_pid" ] && kill -KILL "$vmm_pid" 2>/dev/null
"$KVMSCOPE" report --format json "$cap" >"$T_TMP/killed.json" 2>"$T_TMP/killed.rep"
expect_eq "report reads the killed collector's capture (exit 0)" "$?" 0
expect_grep "report says the collector did not finish" "$T_TMP/killed.rep" \
	'(did not finish cleanly \(no end record after [0-9]+ records\)|capture truncated after [0-9]+ records)'
check "a thousand records read back" [ "$(grep -c . "$T_TMP/killed.json")" -gt 1000 ]
expect_eq "every line of it parses" "$(jq -c . "$T_TMP/killed.json" >/dev/null 2>&1; echo $?)" 0

# --- the same capture cut inside a record
size=$(stat -c %s "$cap")
head -c $((size - 5)) "$cap" >"$T_TMP/cut.cap"
"$KVMSCOPE" report --format json "$T_TMP/cut.cap" >"$T_TMP/cut.json" 2>"$T_TMP/cut.rep"
expect_eq "report reads a capture cut inside a record (exit 0)" "$?" 0
expect_grep "and names the partial record" "$T_TMP/cut.rep" \
	'^kvmscope report: .*cut.cap: capture truncated after [0-9]+ records \([0-9]+ bytes of a partial record ignored\)$'

# --- SIGINT: the collector forwards it, the VMM shuts down, END is written
"$KVMSCOPE" record -o "$T_TMP/int.cap" -- "$VMM" -kernel "$GUESTS/hello.elf" -append wait=ignore -serial null \
	>/dev/null 2>"$T_TMP/int.err" &
rec=$!
wait_size "$T_TMP/int.cap" 50000
kill -INT "$rec"
wait "$rec"
expect_eq "record exits 0 after SIGINT" "$?" 0
"$KVMSCOPE" report --format json "$T_TMP/int.cap" >"$T_TMP/int.json" 2>"$T_TMP/int.rep"
expect_eq "the capture ends cleanly (no warning)" "$(cat "$T_TMP/int.rep")" ""
expect_eq "the VMM's own end is recorded: killed by SIGINT, running -> shutdown" \
	"$(jq -r 'select(.name=="qemu_system_killed" or (.name=="runstate_set" and .args.new_state_str=="shutdown")) | "\(.name) \(.args.signal // .args.new_state_str)"' "$T_TMP/int.json" | tr '\n' ' ')" \
	"qemu_system_killed 2 runstate_set shutdown "

# --- --pid: attach to a VMM waiting in prelaunch (-S), then stop it
vmm_bg pid -kernel "$GUESTS/hello.elf" -serial null -S
sleep 0.3
"$KVMSCOPE" record -o "$T_TMP/pid.cap" --pid "$VMM_PID" -e kvm:no_such_event >/dev/null 2>"$T_TMP/pidrec.err" &
rec=$!
wait_size "$T_TMP/pid.cap" 4096
sleep 1
kill -TERM "$VMM_PID"
vmm_wait pid
wait "$rec"
expect_eq "record --pid exits 0 when the VMM exits" "$?" 0
expect_eq "the missing tracepoint is named in one line" \
	"$(grep -c kvm:no_such_event "$T_TMP/pidrec.err")" 1
expect_grep "  ... as absent" "$T_TMP/pidrec.err" '^kvmscope record: tracepoint kvm:no_such_event is absent on this kernel'
"$KVMSCOPE" report --format json "$T_TMP/pid.cap" >"$T_TMP/pid.json" 2>"$T_TMP/pid.rep"
expect_eq "the rest was recorded: SIGTERM seen by the VMM's probe" \
	"$(jq -r 'select(.name=="qemu_system_killed") | .args.signal' "$T_TMP/pid.json")" 15
expect_grep "report repeats what the collector could not do" "$T_TMP/pid.rep" 'collector: tracepoint kvm:no_such_event is absent'

# --- bad input
"$KVMSCOPE" record -o "$T_TMP/x.cap" >/dev/null 2>"$T_TMP/bad1.err"
expect_eq "record without a command or --pid: exit 2" "$?" 2
expect_grep "  ... and says what to give" "$T_TMP/bad1.err" 'give either -- COMMAND or --pid PID'
"$KVMSCOPE" record --pid 0x12 >/dev/null 2>"$T_TMP/bad2.err"
expect_grep "record --pid with a non-number is named" "$T_TMP/bad2.err" "'0x12' is not a process id"
"$KVMSCOPE" record -o "$T_TMP/x.cap" -- /nonexistent/vmm >/dev/null 2>"$T_TMP/bad3.err"
expect_grep "record of a missing command is named" "$T_TMP/bad3.err" '/nonexistent/vmm: command not found'
"$KVMSCOPE" record -s no_such_probe -- true >/dev/null 2>"$T_TMP/bad4.err"
expect_grep "--stack of an unknown probe is named" "$T_TMP/bad4.err" "no VMM probe 'no_such_probe'"
head -c 4000 /dev/urandom >"$T_TMP/garbage.cap"
"$KVMSCOPE" report "$T_TMP/garbage.cap" >/dev/null 2>"$T_TMP/garbage.err"
expect_eq "report of random bytes: exit 1" "$?" 1
expect_grep "  ... not a capture (bad magic)" "$T_TMP/garbage.err" 'not a kvmscope capture \(bad magic\)'
# a good header followed by random bytes: stops at the first impossible record
head -c 4096 "$cap" >"$T_TMP/mixed.cap"
head -c 8000 /dev/urandom >>"$T_TMP/mixed.cap"
"$KVMSCOPE" report "$T_TMP/mixed.cap" >/dev/null 2>"$T_TMP/mixed.err"
rc=$?
check "report of a capture with garbage after 4 KB ends without a crash" [ "$rc" -lt 128 ]
expect_grep "  ... naming the corrupt record or the partial one" "$T_TMP/mixed.err" '(corrupt record [0-9]+ at offset [0-9]+|capture truncated after|malformed)'
"$KVMSCOPE" report --format xml "$cap" >/dev/null 2>"$T_TMP/fmt.err"
expect_grep "report --format xml is refused by name" "$T_TMP/fmt.err" "'xml' is not text, json, chrome or html"
