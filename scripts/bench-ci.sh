#!/bin/bash
# scripts/bench-ci.sh - the overhead of `kvmscope ci` on what it wraps, side
# by side with running the same thing bare and under trace-cmd (the peer that
# records the same kernel events), in one run. Called by scripts/bench.sh.
#
#   1. a test subset: tests/run-tests.sh BUILD vmm-serial, bare vs under
#      kvmscope ci (the suite's VMMs are children of the wrapped command)
#   2. one VMM run with many probe hits and kvm events: reboot.elf
#      count=N (cf9), bare / kvmscope record / kvmscope ci (record + report,
#      diagnose, JUnit, trace.json, HTML) / bpftrace printing the same
#      events (every vmm USDT probe, kvm:*, the VMM's syscall exits).
#      (trace-cmd record -- CMD cannot run on this host: the function tracer
#      is refused, and trace-cmd stops at "Can't enable ftrace".)
#   3. the fixed cost: hello.elf (a few hundred events) bare / record /
#      record --bpf-keep / ci (which records through the kept BPF set and
#      ftrace instance) / bpftrace, twice: spaced (each run once the previous run's BPF detach,
#      which record leaves to a background child, is over, and BENCH_CI_GAP s
#      more) and back to back (BENCH_CI_B2B runs in a row, as a CI job
#      wrapping many short commands runs them). A detach costs a grace period
#      per uprobe and tracepoint link under one kernel mutex, which the next
#      run's attaches and tracefs writes wait for.
#   4. what the kept sets cost the VMMs nobody records (their probes stay
#      armed): reboot.elf bare with the kept sets in place, and after
#      kvmscope record --cleanup.
# Medians of BENCH_CI_RUNS runs (default 3; BENCH_QUICK=1: 1). Timings are
# reported, never asserted; the status is non-zero only when a wrapped run
# did not end with the status it has bare. BENCH_CI_PARTS=fixed runs [3] only.
set -u
BUILD=${BUILD:-build}
K=$BUILD/kvmscope
VMM=$BUILD/kvmscope-vmm
RUNS=${BENCH_CI_RUNS:-3}
REBOOTS=${BENCH_CI_REBOOTS:-100}
GAP=${BENCH_CI_GAP:-2}
B2B=${BENCH_CI_B2B:-5}
PARTS=${BENCH_CI_PARTS:-all}
if [ "${BENCH_QUICK:-0}" = 1 ]; then RUNS=1 REBOOTS=20 B2B=3; fi
W=$(mktemp -d /tmp/kvmscope-bench-ci.XXXXXX)
trap 'rm -rf "$W"' EXIT
failed=0

for f in "$K" "$VMM" "$BUILD/guests/reboot.elf"; do
	[ -e "$f" ] || { echo "bench-ci: $f is missing (run make bench)"; exit 1; }
done
if [ "$(id -u)" != 0 ] || ! [ -r /dev/kvm ]; then
	echo "SKIP bench-ci: needs root (collectors) and /dev/kvm"
	exit 0
fi
ulimit -l unlimited 2>/dev/null

# timeit EXPECTED_STATUS CMD...: wall seconds on stdout; status mismatch -> failed
timeit() {
	local want=$1 t0 t1 rc
	shift
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>>"$W/bench.err" </dev/null
	rc=$?
	t1=$(date +%s.%N)
	if [ "$rc" != "$want" ]; then
		echo "bench-ci: '$*' exited $rc, expected $want" >>"$W/bench.err"
		failed=1
	fi
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 <= 0) print "n/a"; else printf "%.2fx", a / b }'; }
# measure KEY EXPECTED CMD...: RUNS runs, median in M[KEY]
declare -A M
measure() {
	local key=$1 want=$2 i
	shift 2
	for i in $(seq "$RUNS"); do timeit "$want" "$@"; done >"$W/$key.t"
	M[$key]=$(median <"$W/$key.t")
}
# quiet: no earlier run of this kvmscope is still detaching in the background
# (a fork of it, so the same executable; at most 120 s), then GAP s more
quiet() {
	local exe p n
	exe=$(realpath "$K")
	for n in $(seq 600); do
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/exe" 2>/dev/null)" = "$exe" ] && break
			p=
		done
		[ -z "$p" ] && break
		sleep 0.2
	done
	sleep "$GAP"
}
# settled: no link release is pending in the kernel (a replaced kept set's
# links are released by a kernel worker, under the event_mutex that a tracefs
# format read takes too): such a read returns within 20 ms (at most 30 s)
settled() {
	local f=/sys/kernel/tracing/events/sched/sched_process_fork/format i t0 t1
	for i in $(seq 150); do
		t0=$(date +%s%N)
		cat "$f" >/dev/null 2>&1
		t1=$(date +%s%N)
		[ $(((t1 - t0) / 1000000)) -lt 20 ] && return
		sleep 0.2
	done
}
# spaced KEY CMD...: RUNS runs, each after quiet; median in M[KEY]
spaced() {
	local key=$1 i
	shift
	for i in $(seq "$RUNS"); do quiet; timeit 0 "$@"; done >"$W/$key.t"
	M[$key]=$(median <"$W/$key.t")
}
# b2b KEY CMD...: after quiet, one run (which sets up what is kept: its time
# in M[KEY.first]), then B2B more back to back, as a CI job's commands follow
# one another; their median in M[KEY], every run in M[KEY.all] (a backlog
# shows as a rising series). KEPT_SETUP=1 (the kept collectors): the series
# starts once the kernel has settled after the first run, whose set-up may
# have replaced another configuration's kept set (this bench alternates
# record --bpf-keep and ci, whose ring sizes differ; a CI job does not)
b2b() {
	local key=$1 i
	shift
	quiet
	M[$key.first]=$(timeit 0 "$@")
	[ -n "${KEPT_SETUP:-}" ] && settled
	for i in $(seq "$B2B"); do timeit 0 "$@"; done >"$W/$key.t"
	M[$key]=$(median <"$W/$key.t")
	M[$key.all]="first ${M[$key.first]}; then $(tr '\n' ' ' <"$W/$key.t")"
}
# over A B: A - B, "n/a" when either is missing
over() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%.2f", a - b }'; }

echo "== kvmscope ci overhead ($RUNS runs each, medians) ================================"
if [ "$PARTS" != fixed ]; then
SUITE=${BENCH_CI_SUITE:-vmm-serial}
printf '  %-58s' "[1] test subset: run-tests.sh $SUITE, bare" >&2
measure suite.bare 0 tests/run-tests.sh "$BUILD" "$SUITE"
echo " ${M[suite.bare]} s" >&2
printf '  %-58s' "[1] the same under kvmscope ci" >&2
measure suite.ci 0 "$K" ci --quiet --no-ftrace --out "$W/suite-art" --vmm "$PWD/$VMM" -- \
	tests/run-tests.sh "$BUILD" "$SUITE"
echo " ${M[suite.ci]} s" >&2
followed=no
"$K" record --help 2>&1 | grep -q -- --follow && followed=yes

# cf9 is reboot.elf's default method: one word for -append, as bpftrace -c splits on spaces
REBOOT=("$VMM" -kernel "$BUILD/guests/reboot.elf" -append "count=$REBOOTS" -serial null)
printf '  %-58s' "[2] reboot.elf count=$REBOOTS, bare" >&2
measure vmm.bare 0 "${REBOOT[@]}"
echo " ${M[vmm.bare]} s" >&2
printf '  %-58s' "[2] under kvmscope record" >&2
measure vmm.record 0 "$K" record -q -o "$W/r.capture" -- "${REBOOT[@]}"
echo " ${M[vmm.record]} s" >&2
printf '  %-58s' "[2] under kvmscope ci (record + all artifacts)" >&2
measure vmm.ci 0 "$K" ci --quiet --out "$W/vmm-art" -- "${REBOOT[@]}"
echo " ${M[vmm.ci]} s" >&2
cmd_s=$(jq -r .seconds "$W/vmm-art/ci.json" 2>/dev/null)
records=$(jq -r .records "$W/vmm-art/ci.json" 2>/dev/null)
cap_kb=$(( $(stat -c %s "$W/vmm-art/kvmscope.capture" 2>/dev/null || echo 0) / 1024 ))
if command -v bpftrace >/dev/null; then
	V=$(realpath "$VMM")
	BT="usdt:$V:vmm:* { printf(\"%llu %d %s\\n\", nsecs, tid, probe); }
tracepoint:kvm:* { printf(\"%llu %d %s\\n\", nsecs, tid, probe); }
tracepoint:raw_syscalls:sys_exit /pid == cpid/ { printf(\"%llu %d exit %d\\n\", nsecs, tid, args->ret); }"
	printf '  %-58s' "[2] under bpftrace (same probes and kvm events, printed)" >&2
	measure vmm.bpftrace 0 bpftrace -o "$W/bt.out" -e "$BT" -c "${REBOOT[*]}"
	echo " ${M[vmm.bpftrace]} s" >&2
fi
fi
HELLO=("$VMM" -kernel "$BUILD/guests/hello.elf" -serial null)
printf '  %-58s' "[3] hello.elf, bare" >&2
measure hello.bare 0 "${HELLO[@]}"
echo " ${M[hello.bare]} s" >&2
printf '  %-58s' "[3] under kvmscope record --ftrace (a private instance)" >&2
spaced hello.ftrace "$K" record -q --ftrace -o "$W/h.capture" -- "${HELLO[@]}"
echo " ${M[hello.ftrace]} s" >&2
# the kept instance: set up by one run, then what every later run pays
"$K" record -q --ftrace-keep -o "$W/h.capture" -- "${HELLO[@]}" >/dev/null 2>&1
printf '  %-58s' "[3] under kvmscope record --ftrace-keep (kept instance)" >&2
spaced hello.kept "$K" record -q --ftrace-keep -o "$W/h.capture" -- "${HELLO[@]}"
echo " ${M[hello.kept]} s" >&2
BT_HELLO=(bpftrace -o "$W/bt-hello.out" -e "usdt:$(realpath "$VMM"):vmm:* { @[probe] = count(); }" -c "${HELLO[*]}")
"$K" record -q --bpf-keep -o "$W/h.capture" -- "${HELLO[@]}" >/dev/null 2>&1
for mode in spaced b2b; do
	printf '  %-58s' "[3] $mode: under kvmscope record (bpf)" >&2
	$mode hello.record.$mode "$K" record -q -o "$W/h.capture" -- "${HELLO[@]}"
	echo " ${M[hello.record.$mode]} s ${M[hello.record.$mode.all]:+(${M[hello.record.$mode.all]% })}" >&2
	printf '  %-58s' "[3] $mode: under kvmscope record --bpf-keep (kept set)" >&2
	KEPT_SETUP=1 $mode hello.kbpf.$mode "$K" record -q --bpf-keep -o "$W/h.capture" -- "${HELLO[@]}"
	echo " ${M[hello.kbpf.$mode]} s ${M[hello.kbpf.$mode.all]:+(${M[hello.kbpf.$mode.all]% })}" >&2
	printf '  %-58s' "[3] $mode: under kvmscope ci (kept bpf + kept ftrace, artifacts)" >&2
	KEPT_SETUP=1 $mode hello.ci.$mode "$K" ci --quiet --out "$W/hello-art" -- "${HELLO[@]}"
	echo " ${M[hello.ci.$mode]} s ${M[hello.ci.$mode.all]:+(${M[hello.ci.$mode.all]% })}" >&2
	if command -v bpftrace >/dev/null; then
		printf '  %-58s' "[3] $mode: under bpftrace, every vmm USDT probe attached" >&2
		$mode hello.bpftrace.$mode "${BT_HELLO[@]}"
		echo " ${M[hello.bpftrace.$mode]} s ${M[hello.bpftrace.$mode.all]:+(${M[hello.bpftrace.$mode.all]% })}" >&2
	fi
done
# what a kept set costs the VMMs nobody records: their probes stay armed
REBOOT_IDLE=("$VMM" -kernel "$BUILD/guests/reboot.elf" -append "count=$REBOOTS" -serial null)
printf '  %-58s' "[4] reboot.elf count=$REBOOTS, bare, kept sets idle" >&2
measure idle.kept 0 "${REBOOT_IDLE[@]}"
echo " ${M[idle.kept]} s" >&2
"$K" record --cleanup >/dev/null 2>&1
quiet
printf '  %-58s' "[4] the same after kvmscope record --cleanup" >&2
measure idle.none 0 "${REBOOT_IDLE[@]}"
echo " ${M[idle.none]} s" >&2
if command -v bpftrace >/dev/null; then
	printf '  %-58s' "[3] bpftrace -e 'BEGIN { exit(); }' (its start-up alone)" >&2
	measure bt.begin 0 bpftrace -e 'BEGIN { exit(); }'
	echo " ${M[bt.begin]} s" >&2
fi

if [ "$PARTS" != fixed ]; then
echo "  test subset (tests/run-tests.sh $SUITE):"
printf '    bare %s s | kvmscope ci %s s   ci/bare %s\n' "${M[suite.bare]}" "${M[suite.ci]}" \
	"$(ratio "${M[suite.ci]}" "${M[suite.bare]}")"
if [ $followed = no ]; then
	echo "    (kvmscope record follows no children yet: the suite's VMMs ran unrecorded, so this"
	echo "     is the cost of the wrapper, the collector start-up and the artifacts alone)"
fi
echo "  one VMM run, reboot.elf count=$REBOOTS ($records records, $cap_kb KiB capture):"
printf '    bare %s s | kvmscope record %s s | kvmscope ci %s s (the command itself %.3f s) | bpftrace %s s\n' \
	"${M[vmm.bare]}" "${M[vmm.record]}" "${M[vmm.ci]}" "${cmd_s:-0}" "${M[vmm.bpftrace]:-n/a}"
fi
printf '  fixed cost, hello.elf: bare %s s | record --ftrace %s s | record --ftrace-keep %s s (spaced)\n' \
	"${M[hello.bare]}" "${M[hello.ftrace]}" "${M[hello.kept]}"
for mode in spaced b2b; do
	printf '    %-6s kvmscope record %s s | record --bpf-keep %s s | kvmscope ci %s s | bpftrace usdt %s s\n' \
		"$mode" "${M[hello.record.$mode]}" "${M[hello.kbpf.$mode]}" "${M[hello.ci.$mode]}" \
		"${M[hello.bpftrace.$mode]:-n/a}"
done
printf '  idle cost of the kept sets (probes armed, nothing recorded), reboot.elf count=%s: %s s against %s s without   kept/none %s\n' \
	"$REBOOTS" "${M[idle.kept]}" "${M[idle.none]}" "$(ratio "${M[idle.kept]}" "${M[idle.none]}")"
printf '  peer: bpftrace start-up (BEGIN { exit(); }) %s s\n' "${M[bt.begin]:-n/a}"
for mode in spaced b2b; do
	f_ci=$(over "${M[hello.ci.$mode]}" "${M[hello.bare]}")
	f_rec=$(over "${M[hello.record.$mode]}" "${M[hello.bare]}")
	f_kbpf=$(over "${M[hello.kbpf.$mode]}" "${M[hello.bare]}")
	f_bt=$(over "${M[hello.bpftrace.$mode]:-}" "${M[hello.bare]}")
	[ $mode = b2b ] && fixed=$f_ci
	printf 'fixed-cost %-6s  ci +%s s | record +%s s | record --bpf-keep +%s s | bpftrace usdt +%s s (start-up %s s) | ci/bpftrace %s, record/bpftrace %s, ci/bpftrace start-up %s   aim ci <= 0.5 s: %s\n' \
		"$mode" "$f_ci" "$f_rec" "$f_kbpf" "$f_bt" "${M[bt.begin]:-n/a}" "$(ratio "$f_ci" "$f_bt")" \
		"$(ratio "$f_rec" "$f_bt")" "$(ratio "$f_ci" "${M[bt.begin]:-}")" \
		"$(awk -v f="$f_ci" 'BEGIN { print (f <= 0.5) ? "met" : "not met" }')"
done

[ "$PARTS" = fixed ] || printf 'ci-overhead        suite ci/bare %s | vmm ci/bare %s, record/bare %s, bpftrace/bare %s, ci/bpftrace %s | fixed +%s s per run\n' \
	"$(ratio "${M[suite.ci]}" "${M[suite.bare]}")" "$(ratio "${M[vmm.ci]}" "${M[vmm.bare]}")" \
	"$(ratio "${M[vmm.record]}" "${M[vmm.bare]}")" "$(ratio "${M[vmm.bpftrace]:-}" "${M[vmm.bare]}")" \
	"$(ratio "${M[vmm.ci]}" "${M[vmm.bpftrace]:-}")" "$fixed"
[ $failed = 0 ] || { echo "bench-ci: some wrapped runs did not pass their status through:"; cat "$W/bench.err"; }
exit $failed
