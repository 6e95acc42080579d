#!/bin/bash
# record --ftrace-keep (tools/collect/ftrace-kept.h): the kept tracefs instance and
# its uprobe group are set up by the first run and reused by the next, whose
# ftrace records still agree with BPF's one for one; a copy of the VMM (a
# different file, as a rebuilt binary is) gets a group of its own and the old
# group is removed, never reused; a touched binary (new mtime) is not reused
# either; while another process holds the instance a run records through a
# private one; `kvmscope ci` records through it; `kvmscope ci --cleanup`
# removes the instance and every kept uprobe event, and a second cleanup has
# nothing left to do.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder
if [ ! -d /sys/kernel/tracing/events ]; then mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; fi
TR=/sys/kernel/tracing
INST=$TR/instances/kvmscope-kept
if [ ! -w "$TR/uprobe_events" ]; then skip "ftrace: no writable uprobe_events"; exit 0; fi
# a kvmscope ci around the tests records through it: this test would wait for the suite
if [ -d "$INST" ] && ! flock -n -x "$INST" true; then
	skip "the kept instance is held by another collector (a kvmscope ci around the tests?)"
	exit 0
fi

# kept_groups: the kept uprobe groups and how many events each has
kept_groups() { sed -n 's/^p:\(kvmscope_kept_[0-9a-f]*\)\/.*/\1/p' "$TR/uprobe_events" | sort | uniq -c; }
# rec NAME [BINARY]: record --ftrace-keep of hello.elf run from BINARY (default the VMM)
rec() {
	timeout -s INT 120 "$KVMSCOPE" record --ftrace-keep -o "$T_TMP/$1.cap" -- "${2:-$VMM}" \
		-kernel "$GUESTS/hello.elf" -serial null >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
	echo $? >"$T_TMP/$1.rc"
}

"$KVMSCOPE" record --cleanup >/dev/null 2>&1
check "record --help documents --ftrace-keep and --cleanup" \
	bash -c "'$KVMSCOPE' record --help | grep -q -- --ftrace-keep && '$KVMSCOPE' record --help | grep -q -- --cleanup"

# ---- first run defines, second reuses ----
rec first
expect_eq "first kept run succeeds" "$(rc first)" 0
expect_grep "... and defines the probes" "$T_TMP/first.err" \
	'^kvmscope record: ftrace: [1-9][0-9]* probes, [1-9][0-9]* kernel events, 0 lost \(kept instance, probes defined\)$'
check "the kept instance is left in place" test -d "$INST"
groups1=$(kept_groups)
expect_eq "one kept uprobe group is left, with every probe" "$(echo "$groups1" | wc -l) $(echo "$groups1" | awk '{ print ($1 > 20) }')" "1 1"
check "the instance's tracing is off between runs" grep -qx 0 "$INST/tracing_on"

rec second
expect_eq "second kept run succeeds" "$(rc second)" 0
expect_grep "... and reuses the probes" "$T_TMP/second.err" '\(kept instance, probes reused\)$'
expect_eq "the same group, unchanged" "$(kept_groups)" "$groups1"
expect_sources_agree "second run: ftrace (kept) and BPF agree record for record" "$T_TMP/second.cap"
"$KVMSCOPE" report --source ftrace "$T_TMP/second.cap" >"$T_TMP/second.txt" 2>&1
expect_grep "the reused probes decode their strings" "$T_TMP/second.txt" 'runstate_set .*prelaunch.*running'

# ---- another binary (a copy: another inode) is never served by the old group ----
cp "$VMM" "$T_TMP/vmm-copy"
rec copy "$T_TMP/vmm-copy"
expect_eq "a run of a copy of the VMM succeeds" "$(rc copy)" 0
expect_grep "... and defines its own probes" "$T_TMP/copy.err" '\(kept instance, probes defined\)$'
groups2=$(kept_groups)
expect_eq "one kept group again (the old one removed)" "$(echo "$groups2" | wc -l)" 1
check "... and it is another group" test "$groups2" != "$groups1"
check "... pointing at the copy" grep -q "^p:kvmscope_kept_[0-9a-f]*/runstate_set $T_TMP/vmm-copy:" "$TR/uprobe_events"
expect_sources_agree "the copy's run: ftrace and BPF agree" "$T_TMP/copy.cap"
touch -d '2001-01-01' "$T_TMP/vmm-copy"
rec touched "$T_TMP/vmm-copy"
expect_grep "a binary with another mtime is not reused" "$T_TMP/touched.err" '\(kept instance, probes defined\)$'

# ---- held by someone else: a private instance this run ----
exec {held}<"$INST"
flock -x "$held"
rec busy {held}<&- # the lock is this shell's, not the collector's
"$KVMSCOPE" record --cleanup {held}<&- >"$T_TMP/busyclean.out" 2>&1
expect_eq "a cleanup while the instance is held fails (status 1)" "$?" 1
expect_grep "... saying why" "$T_TMP/busyclean.out" 'kvmscope-kept: in use by another collector'
check "... and leaves it in place" test -d "$INST"
exec {held}<&-
expect_eq "a run while the instance is held succeeds" "$(rc busy)" 0
expect_grep "... says it records through a private instance" "$T_TMP/busy.err" \
	'kvmscope-kept: in use by another collector: a private instance this run'
expect_grep "... and records" "$T_TMP/busy.err" '^kvmscope record: ftrace: [1-9][0-9]* probes, [1-9][0-9]* kernel events, 0 lost$'

# ---- kvmscope ci records through it ----
"$KVMSCOPE" ci --quiet --out "$T_TMP/ci" -- "$VMM" -kernel "$GUESTS/hello.elf" -serial null \
	>/dev/null 2>"$T_TMP/ci.err"
expect_eq "kvmscope ci succeeds" "$?" 0
expect_eq "... with both collectors" "$(jq -r .collectors "$T_TMP/ci/ci.json")" "bpf+ftrace"
check "... through the kept instance" bash -c "tr '\\0' '\\n' <'$T_TMP/ci/kvmscope.capture' | grep -qx ftrace_kept"

# ---- cleanup removes everything ----
"$KVMSCOPE" ci --cleanup >"$T_TMP/clean.out" 2>&1
expect_eq "kvmscope ci --cleanup succeeds" "$?" 0
expect_grep "... says what it removed" "$T_TMP/clean.out" '^removed tracefs instance kvmscope-kept$'
check "no kept instance is left" test ! -e "$INST"
expect_eq "no kept uprobe event is left" "$(grep -c ':kvmscope_kept_' "$TR/uprobe_events")" 0
"$KVMSCOPE" record --cleanup >"$T_TMP/clean2.out" 2>&1
expect_eq "a second cleanup succeeds with nothing to say" "$?:$(cat "$T_TMP/clean2.out")" "0:"
"$KVMSCOPE" record --cleanup -- true >/dev/null 2>"$T_TMP/clean3.err"
expect_eq "--cleanup with a command is refused (status 2)" "$?" 2
