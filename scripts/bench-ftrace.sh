#!/bin/bash
# scripts/bench-ftrace.sh - the ftrace collector (tools/collect/ftrace.c) against
# trace-cmd on the same events of the same VMM run, side by side:
#
#   `trace-cmd record` cannot run on this host (it writes ftrace_enabled and
#   set_ftrace_filter: EPERM), so the peer gets the very same events another
#   way: the collector keeps the raw sub-buffers it read and turns them into
#   a trace.dat (`trace-cmd restore`), which `trace-cmd report` then parses.
#   Same events, same run, byte for byte what the kernel wrote.
#
#   parse+merge rate: events the collector read, decoded, ordered across
#   CPUs and wrote per second of its own CPU time, against events per CPU
#   second of `trace-cmd report` over its trace.dat (text, its default) -
#   ratio, aim >= 2x; and the event rate of the run with lost events of
#   both (aim: 0 lost at >= 100k events/s).
#
# Run by scripts/bench.sh; alone: BUILD=build scripts/bench-ftrace.sh
# Knobs: BENCH_FTRACE_RUNS (default 3), BENCH_QUICK=1 (one run).
# Timings are reported, never asserted; exit status 1 only when a run failed.
set -u
BUILD=${BUILD:-build}
DRIVER=$BUILD/tests/unit/test-ftrace
VMM=$BUILD/kvmscope-vmm
GUEST=$BUILD/bench/guests/exits.elf
RUNS=${BENCH_FTRACE_RUNS:-3}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=1

echo "== ftrace collector vs trace-cmd (same events, same run) =="
why=""
[ "$(id -u)" = 0 ] || why="needs root"
command -v trace-cmd >/dev/null || why="trace-cmd not installed"
[ -x "$DRIVER" ] || why="$DRIVER not built (make unit-tests)"
[ -f "$GUEST" ] || why="$GUEST not built (make bench builds it)"
[ -c /dev/kvm ] || why="no /dev/kvm"
if [ -n "$why" ]; then
	echo "  skipped: $why"
	exit 0
fi
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null

TMP=$(mktemp -d /tmp/kvmscope-bench-ftrace.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

failed=0
declare -a OUR_RATE TC_RATE RATIO EV_RATE
for run in $(seq "$RUNS"); do
	rm -f "$TMP"/*
	"$DRIVER" record "$TMP/ft.cap" --raw "$TMP" -- "$VMM" -no-reboot -kernel "$GUEST" \
		-serial null -device isa-debug-exit,iobase=0xf4,iosize=4 >"$TMP/rec.out" 2>"$TMP/rec.err"
	line=$(grep '^ftrace-bench:' "$TMP/rec.err")
	sum=$(grep '^ftrace: ' "$TMP/rec.err")
	if [ -z "$line" ] || [ ! -s "$TMP/trace.dat" ]; then
		echo "  run $run FAILED:"; sed 's/^/    /' "$TMP/rec.err" | tail -5
		[ -f "$TMP/trace-cmd.log" ] && sed 's/^/    trace-cmd: /' "$TMP/trace-cmd.log" | tail -5
		failed=1
		continue
	fi
	set -- $line
	ours_ev=$3 ours_cpu=$5 run_s=$7
	ours_lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' <<<"$sum")

	TIMEFORMAT='%U %S'
	{ time trace-cmd report -i "$TMP/trace.dat" >"$TMP/tc.txt" 2>"$TMP/tc.err"; } 2>"$TMP/tc.time"
	read -r tu ts <"$TMP/tc.time"
	tc_cpu=$(awk -v u="$tu" -v s="$ts" 'BEGIN { printf "%.6f", u + s }')
	tc_ev=$(grep -c '\[[0-9]*\]' "$TMP/tc.txt")
	tc_lost=$(grep -o 'LOST [0-9]* EVENTS' "$TMP/tc.txt" | awk '{ n += $2 } END { print n + 0 }')

	OUR_RATE[$run]=$(awk -v e="$ours_ev" -v c="$ours_cpu" 'BEGIN { printf "%.0f", (c > 0 ? e / c : 0) }')
	TC_RATE[$run]=$(awk -v e="$tc_ev" -v c="$tc_cpu" 'BEGIN { printf "%.0f", (c > 0 ? e / c : 0) }')
	RATIO[$run]=$(awk -v a="${OUR_RATE[$run]}" -v b="${TC_RATE[$run]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	EV_RATE[$run]=$(awk -v e="$ours_ev" -v s="$run_s" 'BEGIN { printf "%.0f", (s > 0 ? e / s : 0) }')
	printf '  run %d: collector %s events (%s), %.3f s CPU -> %s ev/s; trace-cmd report %s events, %.3f s CPU -> %s ev/s; ratio %sx\n' \
		"$run" "$ours_ev" "$sum" "$ours_cpu" "${OUR_RATE[$run]}" "$tc_ev" "$tc_cpu" "${TC_RATE[$run]}" "${RATIO[$run]}"
	printf '         run rate %s events/s over %.3f s; lost: collector %s (per_cpu stats), trace-cmd report %s\n' \
		"${EV_RATE[$run]}" "$run_s" "${ours_lost:-?}" "$tc_lost"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }
if [ -n "${RATIO[*]:-}" ]; then
	r=$(median "${RATIO[@]}")
	echo "  summary: parse+merge rate, collector vs trace-cmd report: ${r}x (median of ${#RATIO[@]}), aim >= 2x: $(awk -v r="$r" 'BEGIN { print (r >= 2) ? "met" : "not met" }')"
	echo "           event rate of the run: $(median "${EV_RATE[@]}") events/s (aim: 0 lost at >= 100k/s)"
	echo "           (the collector's CPU includes tracefs set-up, reading the buffers, copying them for"
	echo "            trace.dat and writing the capture; trace-cmd report's includes printing text)"
fi
exit $failed
