#!/bin/bash
# kvmscope ci: the wrapped command's exit status passes through (exit codes,
# death by signal, command not found), with and without working collectors;
# the artifacts of a recorded VMM run; --keep=failure; --max-size keeps the
# newest records and every definition (bounded while it runs: record
# --max-size); bad options are named.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
# shellcheck source=tests/integration/ci-lib.bash
. "$(dirname "$0")/ci-lib.bash"
if ! [ -x "$KVMSCOPE" ]; then skip "ci: $KVMSCOPE not built"; exit 0; fi

# ---- exit status, whatever the command does (no collectors needed) ----
ci_status() { # ci_status NAME CI-ARGS... -- CMD...: runs, records the status
	local name=$1
	shift
	timeout -s KILL 120 "$KVMSCOPE" ci "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" </dev/null
	echo $? >"$T_TMP/$name.rc"
}
ci_status st3 --no-record --out "$T_TMP/st3" -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'
expect_eq "exit status 3 passes through" "$(rc st3)" 3
expect_eq "the command's stdout is untouched" "$(out st3)" "to-stdout"
expect_grep "the command's stderr is untouched" "$T_TMP/st3.err" '^to-stderr$'
ci_status sig --no-record --out "$T_TMP/sig" -- sh -c 'kill -TERM $$'
expect_eq "death by SIGTERM passes through as 128+15" "$(rc sig)" 143
ci_status sig9 --no-record --out "$T_TMP/sig9" -- sh -c 'kill -KILL $$'
expect_eq "death by SIGKILL passes through as 128+9" "$(rc sig9)" 137
ci_status nf --no-record --out "$T_TMP/nf" -- /nonexistent/test-suite
expect_eq "a command that does not exist: 127, as from a shell" "$(rc nf)" 127
expect_grep "... and its name in the message" "$T_TMP/nf.err" "/nonexistent/test-suite"

# ci is the subreaper of the command's orphans: one that ends must be gone
# (reaped), not a zombie that kill -0 still finds
ci_status orphan --no-record --out "$T_TMP/orphan" -- bash -c '
	bash -c "sleep 0.3 & echo \$! >$0/orphan.pid"
	p=$(cat $0/orphan.pid)
	for i in $(seq 100); do kill -0 $p 2>/dev/null || exit 0; sleep 0.1; done
	exit 1' "$T_TMP"
expect_eq "an orphan of the command is reaped when it ends" "$(rc orphan)" 0

# ---- bad options are refused by name, status 2 ----
ci_status badkeep --keep=sometimes -- true
expect_eq "--keep=sometimes refused with status 2" "$(rc badkeep)" 2
expect_grep "... naming the value" "$T_TMP/badkeep.err" "--keep: 'sometimes'"
ci_status badsize --max-size 12abc -- true
expect_grep "--max-size 12abc refused, naming the value" "$T_TMP/badsize.err" "--max-size: '12abc'"
ci_status nocmd --out "$T_TMP/x"
expect_eq "no command: status 2" "$(rc nocmd)" 2

# ---- collectors that cannot start: the command still runs, status passes ----
cat >"$T_TMP/broken-kvmscope" <<EOF
#!/bin/sh
# a kvmscope whose collector cannot attach (as on a runner without CAP_BPF)
case "\$1" in
record) [ "\$2" = --help ] && exit 0; echo "kvmscope record: cannot load the BPF programs: Operation not permitted" >&2; exit 1 ;;
*) exec "$KVMSCOPE" "\$@" ;;
esac
EOF
chmod +x "$T_TMP/broken-kvmscope"
KVMSCOPE_CI_TOOL=$T_TMP/broken-kvmscope ci_status broken --out "$T_TMP/broken" -- sh -c 'echo ran; exit 5'
expect_eq "collector fails to attach: the command still runs once" "$(out broken)" "ran"
expect_eq "... and its status 5 passes through" "$(rc broken)" 5
expect_eq "... said in one line" \
	"$(grep -c 'kvmscope ci: the collectors could not attach' "$T_TMP/broken.err")" 1
expect_grep "JUnit: the collectors case is skipped (not failed) with the reason" \
	"$T_TMP/broken/junit.xml" '<skipped message="kvmscope record exited with status 1"'
expect_grep "JUnit: the command case fails with its status" "$T_TMP/broken/junit.xml" \
	'<failure message="exited with status 5" type="exit-status">'

# ---- a recorded VMM run: the artifacts ----
need_recording ci
A=$T_TMP/art
CONF=(-object sev-guest,id=sev0,policy=0x5,cbitpos=51,reduced-phys-bits=1
	-machine pc,confidential-guest-support=sev0)
ci_status conf --out "$A" -- "$VMM" -kernel "$GUESTS/reboot.elf" -append "count=2 method=cf9" \
	-serial null "${CONF[@]}"
expect_eq "recorded run: the VMM's status 0 passes through" "$(rc conf)" 0
for f in kvmscope.capture report.txt diagnosis.txt diagnosis.json junit.xml trace.json \
	timeline.html ci.json; do
	check "artifact $f is there and not empty" test -s "$A/$f"
done
expect_eq "ci.json: recorded, status 0" \
	"$(jq -r '"\(.recorded) \(.status)"' "$A/ci.json" 2>&1)" "true 0"
# the label says what the capture holds: ftrace's part only with its instance
expect_eq "ci.json: the collectors named from the capture" \
	"$(jq -r .collectors "$A/ci.json" 2>&1)" \
	"$("$KVMSCOPE" report --source ftrace --format json "$A/kvmscope.capture" 2>/dev/null | grep -q '"source":"ftrace"' && echo bpf+ftrace || echo bpf)"
expect_grep "report.txt: the run-state change to shutdown" "$A/report.txt" \
	'runstate_set current_run_state [0-9]+ \(running\) new_state [0-9]+ \(shutdown\)'
expect_eq "diagnosis.json: cpus-not-resettable found" \
	"$(jq -r '[.findings[].rule] | index("cpus-not-resettable") != null' "$A/diagnosis.json" 2>&1)" true
expect_eq "trace.json: Chrome trace events with the reset request" \
	"$(jq -r '[.traceEvents[] | select(.name == "qemu_system_reset_request")] | length > 0' \
	"$A/trace.json" 2>&1)" true
expect_grep "junit.xml: the rule fails with its evidence line" "$A/junit.xml" \
	'qemu_system_reset_request reason=7 \(guest-reset\) resettable=0'

# ---- --keep=failure ----
ci_status keep0 --keep=failure --out "$T_TMP/keep0" -- "$VMM" -kernel "$GUESTS/hello.elf" -serial null
expect_eq "--keep=failure, command succeeded: status 0" "$(rc keep0)" 0
check "... and nothing is kept" test ! -e "$T_TMP/keep0/kvmscope.capture" -a ! -e "$T_TMP/keep0/junit.xml"
ci_status keep1 --keep=failure --out "$T_TMP/keep1" -- "$VMM" -kernel "$GUESTS/hello.elf" \
	-append exit=debug -device isa-debug-exit,iobase=0xf4,iosize=4 -serial null
expect_eq "--keep=failure, command failed: its status 1" "$(rc keep1)" 1
check "... and the capture and JUnit are kept" test -s "$T_TMP/keep1/kvmscope.capture" -a -s "$T_TMP/keep1/junit.xml"

# ---- --max-size: the newest records survive, definitions stay ----
ci_status big --max-size 1 --out "$T_TMP/big" -- "$VMM" -kernel "$GUESTS/reboot.elf" \
	-append "count=40 method=cf9" -serial null
expect_eq "--max-size run: status 0" "$(rc big)" 0
size=$(stat -c %s "$T_TMP/big/kvmscope.capture" 2>/dev/null || echo 0)
check "capture bounded to 1 MiB (is $size bytes)" test "$size" -gt 0 -a "$size" -le 1048576
# the newest 1 MiB, not just what record's ring happened to hold (half to all of its bound)
check "... and filled to it: the newest MiB survived (is $size bytes)" test "$size" -ge 983040
dropped=$(jq -r .trimmed_records "$T_TMP/big/ci.json" 2>/dev/null)
check "old records were dropped ($dropped)" test "${dropped:-0}" -gt 0
"$KVMSCOPE" report "$T_TMP/big/kvmscope.capture" >"$T_TMP/big.txt" 2>"$T_TMP/big.rerr"
expect_eq "the trimmed capture still reads" "$?" 0
expect_grep "the newest records survived: the final power-off" "$T_TMP/big.txt" \
	'new_state [0-9]+ \(shutdown\)'
check "the oldest did not: no KVM_CREATE_VM left" bash -c "! grep -q KVM_CREATE_VM '$T_TMP/big.txt'"
expect_grep "the capture says what was dropped (a NOTE record, printed by report)" "$T_TMP/big.rerr" \
	"--max-size 1 MiB: the [0-9]+ oldest event records"
expect_grep "... bounded while the VMM ran: ci passed twice the bound to record's ring" "$T_TMP/big.rerr" \
	"kvmscope record --max-size 2 MiB: the [0-9]+ oldest event records"
check "... and no segment of it left beside the capture" \
	test ! -e "$T_TMP/big/kvmscope.capture.seg0" -a ! -e "$T_TMP/big/kvmscope.capture.seg1"
expect_grep "probe definitions kept: probes still decode by name" "$T_TMP/big.txt" 'qemu_system_reset_request reason='

# ---- a test suite whose VMMs are children of the command ----
ci_status suite --out "$T_TMP/suite" --vmm "$VMM" -- sh -c \
	"'$VMM' -kernel '$GUESTS/hello.elf' -serial null; '$VMM' -kernel '$GUESTS/hello.elf' -serial null"
expect_eq "suite of two VMM runs: status 0" "$(rc suite)" 0
expect_eq "both child VMMs recorded (two KVM_CREATE_VM)" \
	"$(grep -c 'kvm_ioctl .*\[KVM_CREATE_VM\]' "$T_TMP/suite/report.txt")" 2
