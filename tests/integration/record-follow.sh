#!/bin/bash
# kvmscope record --follow: the VMMs a command starts (a test suite's) are
# recorded, each under its own pid; a VMM of the same binary that is not a
# descendant of the command is not, though it runs during the recording.
# Without --follow the children stay unrecorded (the old behaviour).
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
if ! [ -x "$KVMSCOPE" ]; then skip "record --follow: $KVMSCOPE not built"; exit 0; fi

# bad --binary: named, before anything runs
"$KVMSCOPE" record --follow --binary "$T_TMP/nope" -o "$T_TMP/x.cap" -- true >/dev/null 2>"$T_TMP/bad1.err"
expect_eq "--binary missing file: exit 1" "$?" 1
expect_grep "... named with the reason" "$T_TMP/bad1.err" "--binary $T_TMP/nope: No such file or directory"
"$KVMSCOPE" record --follow --binary /bin/true -o "$T_TMP/x.cap" -- true >/dev/null 2>"$T_TMP/bad2.err"
expect_eq "--binary without VMM probes: exit 1" "$?" 1
expect_grep "... named with the reason" "$T_TMP/bad2.err" '^kvmscope record: --binary /bin/true: not a VMM with probes: '

if [ "$(id -u)" != 0 ]; then skip "record --follow: needs root (BPF)"; exit 0; fi
if ! have_kvm; then skip "record --follow: /dev/kvm not usable"; exit 0; fi
if ! command -v jq >/dev/null; then skip "record --follow: jq not installed"; exit 0; fi
ulimit -l unlimited 2>/dev/null

# The command starts two VMMs in turn, each in the background so its pid is
# known. Before them it waits (bounded) until an outsider VMM, started by
# this script and so no descendant of the command, has run to its end.
S=$T_TMP/sync
mkdir -p "$S"
CMD="touch '$S/started'; for i in \$(seq 600); do [ -e '$S/outsider-done' ] && break; sleep 0.1; done
'$VMM' -kernel '$GUESTS/hello.elf' -serial null & echo \$! >'$S/pid1'; wait
'$VMM' -kernel '$GUESTS/reboot.elf' -append count=2 -serial null & echo \$! >'$S/pid2'; wait"
timeout -s KILL 120 "$KVMSCOPE" record --follow --binary "$VMM" -o "$T_TMP/follow.cap" -- bash -c "$CMD" \
	>"$T_TMP/rec.out" 2>"$T_TMP/rec.err" &
REC=$!
for i in $(seq 600); do [ -e "$S/started" ] && break; sleep 0.1; done
check "the command started under record" test -e "$S/started"
vmm_bg outsider -kernel "$GUESTS/reboot.elf" -append count=1 -serial null
OUTSIDER=$VMM_PID
vmm_wait outsider
touch "$S/outsider-done"
wait $REC
expect_eq "record --follow exits 0" "$?" 0
expect_eq "the outsider VMM ran to its end meanwhile" "$(rc outsider)" 0
if grep -q 'not attached\|absent\|cannot\|no VMM probe' "$T_TMP/rec.err"; then
	not_ok "every probe attached to the --binary"; diag <"$T_TMP/rec.err"
else ok "every probe attached to the --binary"; fi

"$KVMSCOPE" report --format json "$T_TMP/follow.cap" >"$T_TMP/follow.json" 2>"$T_TMP/rep.err"
expect_eq "report exits 0" "$?" 0
p1=$(cat "$S/pid1") p2=$(cat "$S/pid2")
expect_eq "runstate_set from both child VMMs, each under its own pid" \
	"$(jq -r 'select(.name=="runstate_set") | .pid' "$T_TMP/follow.json" | sort -un | tr '\n' ' ')" \
	"$(printf '%s\n' "$p1" "$p2" | sort -n | tr '\n' ' ')"
expect_eq "the first child (hello): its run states" \
	"$(jq -r "select(.name==\"runstate_set\" and .pid==$p1) | \"\(.args.current_state_str)>\(.args.new_state_str)\"" "$T_TMP/follow.json" | tr '\n' ' ')" \
	"prelaunch>running running>shutdown "
expect_eq "the second child (reboot count=2): two guest resets" \
	"$(jq -r "select(.name==\"qemu_system_reset_request\" and .pid==$p2) | .args.reason_str" "$T_TMP/follow.json" | tr '\n' ' ')" \
	"guest-reset guest-reset "
expect_eq "each child's KVM ioctls recorded (one KVM_CREATE_VM syscall per child)" \
	"$(jq -r 'select(.kind=="ioctl" and (.text | contains("KVM_CREATE_VM"))) | .pid' "$T_TMP/follow.json" | sort -n | tr '\n' ' ')" \
	"$(printf '%s\n' "$p1" "$p2" | sort -n | tr '\n' ' ')"
expect_grep "kvm tracepoints of the children recorded" "$T_TMP/follow.json" '"kind":"kernel","system":"kvm"'
expect_eq "nothing at all from the outsider VMM (pid $OUTSIDER), same binary, same time" \
	"$(jq -r "select(.pid==$OUTSIDER) | .name // .kind" "$T_TMP/follow.json" | sort -u | tr '\n' ' ')" ""
expect_eq "only the command's processes appear" \
	"$(jq -r 'select(.pid != null) | .pid' "$T_TMP/follow.json" | sort -un | grep -cvx -e "$p1" -e "$p2")" 0

# --follow without --binary, the command a shell: the kvmscope-vmm beside kvmscope
timeout -s KILL 60 "$KVMSCOPE" record --follow -o "$T_TMP/dflt.cap" -- bash -c \
	"'$VMM' -kernel '$GUESTS/hello.elf' -serial null; true" >/dev/null 2>"$T_TMP/dflt.err"
expect_eq "--follow, no --binary: exit 0" "$?" 0
expect_eq "... the VMM beside kvmscope is the probe binary" \
	"$("$KVMSCOPE" report --format json "$T_TMP/dflt.cap" 2>/dev/null | jq -r 'select(.name=="runstate_set") | .args.new_state_str' | tr '\n' ' ')" \
	"running shutdown "
# a kvmscope with no VMM beside it: one line says so, not one per probe
mkdir -p "$T_TMP/alone"
cp "$KVMSCOPE" "$T_TMP/alone/kvmscope"
timeout -s KILL 60 "$T_TMP/alone/kvmscope" record --follow -o "$T_TMP/alone.cap" -- bash -c \
	"'$VMM' -kernel '$GUESTS/hello.elf' -serial null; true" >/dev/null 2>"$T_TMP/alone.err"
expect_eq "--follow, command and kvmscope without a VMM: exit 0" "$?" 0
expect_eq "... one line about the probes, naming the command's binary" \
	"$(grep -v 'records (' "$T_TMP/alone.err" | grep -ci probe) $(grep -c 'has no VMM probes .* and no --binary was given' "$T_TMP/alone.err")" "1 1"
expect_grep "... its kernel events still recorded" \
	<("$KVMSCOPE" report --format json "$T_TMP/alone.cap" 2>/dev/null) '"kind":"ioctl".*KVM_CREATE_VM'

# --stack with --follow: each child's stacks symbolized against its own process
timeout -s KILL 60 "$KVMSCOPE" record -q --follow --binary "$VMM" -s runstate_set -o "$T_TMP/stk.cap" -- bash -c \
	"'$VMM' -kernel '$GUESTS/hello.elf' -serial null & echo \$! >'$S/spid1'; wait
	'$VMM' -kernel '$GUESTS/hello.elf' -serial null & echo \$! >'$S/spid2'; wait" >/dev/null 2>"$T_TMP/stk.err"
expect_eq "--follow --stack: exit 0" "$?" 0
sp1=$(cat "$S/spid1") sp2=$(cat "$S/spid2")
expect_eq "... every runstate_set stack of both children symbolized (two per child)" \
	"$("$KVMSCOPE" report --format json "$T_TMP/stk.cap" 2>/dev/null | jq -r 'select(.name=="runstate_set") | "\(.pid) \(.stack[0].symbol // "raw")"' | sed 's/ (.*//' | sort | uniq -c | awk '{printf "%s:%s:%s ", $1, $2, $3}')" \
	"$(printf '%s\n' "$sp1" "$sp2" | sort | awk '{printf "2:%s:trace_runstate_set_fire ", $1}')"

# --stack for a child gone before its records were read (the recorder held
# with SIGSTOP while it runs and is reaped): its frames in the VMM are still
# symbolized, from the probe's address; a NOTE says the rest stayed raw
timeout -s KILL 60 "$KVMSCOPE" record -q --follow --binary "$VMM" -s runstate_set -o "$T_TMP/gone.cap" -- bash -c \
	"kill -STOP \$PPID; '$VMM' -kernel '$GUESTS/hello.elf' -serial null & echo \$! >'$S/gpid'; wait; kill -CONT \$PPID" \
	>/dev/null 2>"$T_TMP/gone.err"
expect_eq "--stack, a child gone before its stacks were read: exit 0" "$?" 0
expect_eq "... its runstate_set stacks symbolized all the same, in the VMM's own functions" \
	"$("$KVMSCOPE" report --format json "$T_TMP/gone.cap" 2>/dev/null | jq -r 'select(.name=="runstate_set") | "\(.pid) \(.stack[0].symbol // "raw") \(.stack[2].symbol // "raw")"' | sed 's/ ([^)]*)//g' | sort | uniq -c | awk '{printf "%s:%s:%s:%s ", $1, $2, $3, $4}')" \
	"1:$(cat "$S/gpid"):trace_runstate_set_fire:vm_shutdown 1:$(cat "$S/gpid"):trace_runstate_set_fire:vm_start "
expect_grep "... a NOTE says how, and that other frames stayed raw" \
	<("$KVMSCOPE" report "$T_TMP/gone.cap" 2>&1) "pid $(cat "$S/gpid") had exited before its stacks were read: its frames in .*kvmscope-vmm symbolized from the probe's address, others left raw"

# --ftrace with --follow: the ftrace collector follows too (event-fork), each
# entry under its thread's own process, and agrees with the BPF side
timeout -s KILL 60 "$KVMSCOPE" record --follow --ftrace --binary "$VMM" -o "$T_TMP/ft.cap" -- bash -c \
	"'$VMM' -kernel '$GUESTS/hello.elf' -serial null & echo \$! >'$S/fpid1'; wait
	'$VMM' -kernel '$GUESTS/reboot.elf' -append count=1 -serial null & echo \$! >'$S/fpid2'; wait" \
	>/dev/null 2>"$T_TMP/ft.err"
expect_eq "--follow --ftrace: exit 0" "$?" 0
expect_eq "... nothing refused: stderr holds the two summary lines only" \
	"$(grep -vc '^kvmscope record: \(ftrace: [0-9]* probes\|[0-9]* records\)' "$T_TMP/ft.err")" 0
fp1=$(cat "$S/fpid1") fp2=$(cat "$S/fpid2")
expect_eq "... ftrace saw both children's run-state changes, each under its own pid" \
	"$("$KVMSCOPE" report --source ftrace --format json "$T_TMP/ft.cap" 2>/dev/null | jq -r 'select(.name=="runstate_set") | "\(.pid):\(.args.new_state_str)"' | tr '\n' ' ')" \
	"$fp1:running $fp1:shutdown $fp2:running $fp2:shutdown "
expect_eq "... and their kvm events, under the same two pids" \
	"$("$KVMSCOPE" report --source ftrace --format json "$T_TMP/ft.cap" 2>/dev/null | jq -r 'select(.kind=="kernel") | .pid' | sort -u | tr '\n' ' ')" \
	"$(printf '%s\n' "$fp1" "$fp2" | sort | tr '\n' ' ')"
expect_sources_agree "... BPF and ftrace agree record for record, pids included" "$T_TMP/ft.cap"

# the old behaviour without --follow: the command's own process only
timeout -s KILL 60 "$KVMSCOPE" record -o "$T_TMP/nofollow.cap" -- bash -c \
	"'$VMM' -kernel '$GUESTS/hello.elf' -serial null; true" >/dev/null 2>"$T_TMP/nofollow.err"
expect_eq "without --follow: exit 0" "$?" 0
expect_eq "... the child VMM is not recorded" \
	"$("$KVMSCOPE" report --format json "$T_TMP/nofollow.cap" 2>/dev/null | jq -r 'select(.name=="runstate_set" or .kind=="ioctl") | .pid' | wc -l)" 0
expect_grep "record --help lists --follow and --binary" <("$KVMSCOPE" record --help) '--follow.*' 
expect_grep "... --binary" <("$KVMSCOPE" record --help) '--binary PATH'
