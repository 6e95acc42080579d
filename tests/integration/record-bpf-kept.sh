#!/bin/bash
# record --bpf-keep (tools/collect/bpf-kept.h): the BPF collector's maps and
# links, pinned in bpffs by the first run, are reused by the next, which
# records the same events with nothing attached; nothing is recorded between
# runs, and neither a run killed midway nor a VMM run meanwhile leaks into
# the next capture; --follow works through a reused set; what the host
# refused when the set was made is said again by a run that reuses it; a
# copy of the VMM (another file) or another ring size gets a set of its own
# and the old one goes; while another process holds the directory a run
# records privately and a cleanup refuses; `kvmscope ci` records through it;
# `kvmscope ci --cleanup` removes it. Under a kvmscope ci around the tests
# the outer ci holds kvmscope-kept: the checks then run on a second
# directory beside it (KVMSCOPE_KEPT_INSTANCE), which leaves the outer alone.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder
ROOT=/sys/fs/bpf
if ! grep -q " $ROOT bpf " /proc/mounts && ! mount -t bpf bpf "$ROOT" 2>/dev/null; then
	skip "bpffs is not mounted at $ROOT and cannot be"
	exit 0
fi
NAME=kvmscope-kept beside=
if [ -d "$ROOT/$NAME" ] && ! flock -n -x "$ROOT/$NAME" true; then
	export KVMSCOPE_KEPT_INSTANCE=kvmscope-kept-test
	NAME=$KVMSCOPE_KEPT_INSTANCE beside=1
	outer=$(ls "$ROOT/kvmscope-kept")
	echo "# $ROOT/kvmscope-kept is held (a kvmscope ci around the tests?): testing $NAME beside it"
fi
DIR=$ROOT/$NAME

# rec NAME [ARGS...] -- COMMAND: record --bpf-keep into NAME.cap
rec() {
	local name=$1
	shift
	timeout -s INT 120 "$KVMSCOPE" record --bpf-keep -o "$T_TMP/$name.cap" "$@" \
		>"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	echo $? >"$T_TMP/$name.rc"
}
HELLO=("$VMM" -kernel "$GUESTS/hello.elf" -serial null)
# kept_state NAME: the capture's bpf_kept metadata (made, reused, held ...)
kept_state() { tr '\0' '\n' <"$T_TMP/$1.cap" | grep -a -A1 -x bpf_kept | tail -1; }
sets() { ls "$DIR" 2>/dev/null | grep '^set-'; }
pins() { ls "$DIR/$(sets | head -1)" | grep -c "^link:$1"; }
# events NAME: which probes and kernel events the capture has (how many of
# each varies with the vCPU threads' timing at exit), and the run states
events() {
	"$KVMSCOPE" report --format json "$T_TMP/$1.cap" |
		jq -r 'select(.kind == "probe" or .kind == "kernel") | .name' | sort -u
	"$KVMSCOPE" report --format json "$T_TMP/$1.cap" |
		jq -r 'select(.name == "runstate_set") | .text'
}
pids() { "$KVMSCOPE" report --format json "$T_TMP/$1.cap" | jq -r .pid | sort -u | tr '\n' ' '; }

"$KVMSCOPE" record --cleanup >/dev/null 2>&1
check "record --help documents --bpf-keep" bash -c "'$KVMSCOPE' record --help | grep -q -- --bpf-keep"

# ---- the first run makes the set, the second reuses it ----
rec first -- "${HELLO[@]}"
expect_eq "first kept run succeeds" "$(rc first)" 0
expect_eq "... and makes the set" "$(kept_state first)" made
expect_eq "one set is left in $DIR" "$(sets | wc -l)" 1
check "... pinning a link per VMM probe site (20 or more)" test "$(pins usdt:)" -ge 20
check "... and per kvm tracepoint and KVM ioctl syscall (10 or more)" test "$(pins tp:)" -ge 10
check "... and the fork tracking a later --follow needs" test "$(pins follow:fork)" = 1
set1=$(sets)
rec second -- "${HELLO[@]}"
expect_eq "second kept run succeeds" "$(rc second)" 0
expect_eq "... and reuses the set" "$(kept_state second)" reused
expect_eq "the same set, still one" "$(sets)" "$set1"
events first >"$T_TMP/first.ev"
events second >"$T_TMP/second.ev"
check "the first capture has probes and kernel events" test "$(wc -l <"$T_TMP/first.ev")" -gt 10
expect_eq "the reused set records the same probes, kernel events and run states" \
	"$(diff "$T_TMP/first.ev" "$T_TMP/second.ev" | wc -l)" 0
"$KVMSCOPE" report "$T_TMP/second.cap" >"$T_TMP/second.txt" 2>&1
expect_grep "... their arguments and strings decoded" "$T_TMP/second.txt" 'runstate_set .*prelaunch.*running'
expect_grep "... and its probe semaphores set" "$T_TMP/second.txt" 'probe semaphores set ([0-9]+)/\1'

# ---- nothing between runs: a VMM run meanwhile, a run killed midway ----
"${HELLO[@]}" >/dev/null 2>&1
(timeout -s KILL 3 "$KVMSCOPE" record --bpf-keep -o "$T_TMP/killed.cap" -- "$VMM" \
	-kernel "$GUESTS/reboot.elf" -append count=987654 -serial null >/dev/null 2>&1; true) 2>/dev/null
pkill -KILL -f 'count=987654' 2>/dev/null
rec after -- "${HELLO[@]}"
expect_eq "a run after a killed one succeeds" "$(rc after)" 0
expect_eq "... reusing the set" "$(kept_state after)" reused
expect_eq "... and records its own VMM only" "$(pids after | wc -w)" 1
expect_eq "... the same events as the first run" "$(events after | diff - "$T_TMP/first.ev" | wc -l)" 0
expect_grep "... none lost" "$T_TMP/after.err" ', 0 lost -> '

# ---- --follow through a reused set ----
rec follow --follow -- sh -c "'$VMM' -kernel '$GUESTS/hello.elf' -serial null"
expect_eq "a --follow run succeeds" "$(rc follow)" 0
expect_eq "... reusing the set" "$(kept_state follow)" reused
expect_eq "... and records the child VMM's events" "$(events follow | diff - "$T_TMP/first.ev" | wc -l)" 0

# ---- what the host refused is said again by each reuse ----
rec refused -e nosuch:event -- "${HELLO[@]}"
expect_eq "another configuration (an extra event) makes its own set" "$(kept_state refused)" made
expect_eq "... and the previous set is gone" "$(sets | wc -l)" 1
expect_grep "... saying what is absent" "$T_TMP/refused.err" 'tracepoint nosuch:event is absent'
rec refused2 -e nosuch:event -- "${HELLO[@]}"
expect_eq "reusing that set" "$(kept_state refused2)" reused
expect_grep "... says it again" "$T_TMP/refused2.err" 'tracepoint nosuch:event is absent'
check "... and keeps it as a NOTE" bash -c "'$KVMSCOPE' report '$T_TMP/refused2.cap' 2>&1 >/dev/null | grep -q 'collector: tracepoint nosuch:event is absent'"
# a run's own problems after its set is made (--functions) are not kept in it
rec fn1 -e nosuch:other --functions kvmscope_no_such_function -- "${HELLO[@]}"
expect_eq "a run making a set with --functions names its absent function once" \
	"$(kept_state fn1) $(grep -c 'kvmscope_no_such_function: absent' "$T_TMP/fn1.err")" "made 1"
rec fn2 -e nosuch:other -- "${HELLO[@]}"
expect_eq "... and the next run, without --functions, not at all" \
	"$(kept_state fn2) $(grep -c 'kvmscope_no_such_function' "$T_TMP/fn2.err")" "reused 0"
expect_grep "... while it says the set's own refusal again" "$T_TMP/fn2.err" 'tracepoint nosuch:other is absent'

# ---- another binary or ring size is never served by the old set ----
cp "$VMM" "$T_TMP/vmm-copy"
rec copy -- "$T_TMP/vmm-copy" -kernel "$GUESTS/hello.elf" -serial null
expect_eq "a copy of the VMM gets a set of its own" "$(kept_state copy)" made
expect_eq "... the old one removed" "$(sets | wc -l)" 1
expect_eq "... recording the same events" "$(events copy | diff - "$T_TMP/first.ev" | wc -l)" 0
rec ring --ring-size 8192 -- "$T_TMP/vmm-copy" -kernel "$GUESTS/hello.elf" -serial null
expect_eq "another ring size gets a set of its own" "$(kept_state ring)" made

# ---- held by someone else: a private collector this run ----
exec {held}<"$DIR"
flock -x "$held"
rec busy -- "${HELLO[@]}" {held}<&-
"$KVMSCOPE" record --cleanup {held}<&- >"$T_TMP/busyclean.out" 2>&1
expect_eq "a cleanup while the directory is held fails (status 1)" "$?" 1
expect_grep "... saying why" "$T_TMP/busyclean.out" "$NAME: in use by another collector"
expect_eq "... and leaves the set in place" "$(sets | wc -l)" 1
exec {held}<&-
expect_eq "a run while the directory is held succeeds" "$(rc busy)" 0
expect_eq "... recording privately" "$(kept_state busy)" "held by another collector: private"
expect_eq "... the same events" "$(events busy | diff - "$T_TMP/first.ev" | wc -l)" 0

# ---- kvmscope ci records through it ----
"$KVMSCOPE" ci --quiet --out "$T_TMP/ci" -- "${HELLO[@]}" >/dev/null 2>"$T_TMP/ci.err"
expect_eq "kvmscope ci succeeds" "$?" 0
check "... through the kept set" bash -c "tr '\\0' '\\n' <'$T_TMP/ci/kvmscope.capture' | grep -a -A1 -x bpf_kept | grep -qE '^(made|reused)$'"

# ---- cleanup removes it ----
"$KVMSCOPE" ci --cleanup >"$T_TMP/clean.out" 2>&1
expect_eq "kvmscope ci --cleanup succeeds" "$?" 0
expect_grep "... says what it removed" "$T_TMP/clean.out" "^removed 1 kept BPF set \\($DIR\\)\$"
check "no kept directory is left" test ! -e "$DIR"
"$KVMSCOPE" record --cleanup >"$T_TMP/clean2.out" 2>&1
expect_eq "a second cleanup succeeds with nothing to say" "$?:$(cat "$T_TMP/clean2.out")" "0:"
if [ -n "$beside" ]; then
	expect_eq "the outer kept set is left in place" "$(ls "$ROOT/kvmscope-kept")" "$outer"
fi
