#!/bin/bash
# scripts/bench-lost.sh - records lost under load, side by side in one run:
# the same load (a test suite's shape, small) traced by
#   - kvmscope record --follow          (the BPF collector alone),
#   - kvmscope record --follow --ftrace (both collectors, as kvmscope ci),
#   - bpftrace printing every VMM probe hit (its perf buffer, the peer).
# The load: LOST_VMMS VMMs spinning port-I/O exits in parallel (twice the
# cores: the reader competes with them for the CPU), LOST_ROUNDS times, while
# LOST_SHORT short VMMs run one after the other (thousands of threads in a
# suite; each names itself once in the capture). Prints the records, events
# per second and records lost of each, from their own summaries.
#
# Called by scripts/bench.sh; alone: BUILD=build scripts/bench-lost.sh (root).
# LOST_ROUNDS (10), LOST_VMMS (4), LOST_SHORT (200) size the load; BENCH_QUICK=1:
# 2 rounds, 100 short VMMs. Losses are counts, never asserted (a noisy host).
set -u
BUILD=${BUILD:-build}
KVMSCOPE=$BUILD/kvmscope
VMM_BIN=$(realpath "$BUILD/kvmscope-vmm" 2>/dev/null)
G=$BUILD/bench/guests
VMMS=${LOST_VMMS:-4}
ROUNDS=${LOST_ROUNDS:-10}
SHORT=${LOST_SHORT:-200}
[ "${BENCH_QUICK:-0}" = 1 ] && { ROUNDS=2; SHORT=100; }

echo "== records lost under load ($VMMS VMMs spinning exits x $ROUNDS rounds, $SHORT short VMMs beside them)"
if [ "$(id -u)" != 0 ]; then echo "SKIP lost bench: needs root (BPF, tracefs)"; exit 0; fi
for f in "$VMM_BIN" "$KVMSCOPE" "$G/exits.bin" "$BUILD/guests/hello.elf"; do
	[ -e "$f" ] || { echo "bench-lost: $f is missing (make bench builds it)" >&2; exit 1; }
done
ulimit -l unlimited 2>/dev/null
TMP=$(mktemp -d /tmp/bench-lost.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT

# the load, as a script any tracer can run as its command
cat >"$TMP/load.sh" <<LOAD
#!/bin/bash
for r in \$(seq $ROUNDS); do
	for p in \$(seq $VMMS); do
		"$VMM_BIN" -serial null -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -no-reboot \
			-kernel "$G/exits.bin" &
	done
	wait
done &
for h in \$(seq $SHORT); do "$VMM_BIN" -serial null -m 16 -kernel "$BUILD/guests/hello.elf"; done
wait
exit 0
LOAD
chmod +x "$TMP/load.sh"

printf '%-24s %10s %10s %12s %12s\n' tracer seconds records events/s lost
row() { # label seconds records lost
	awk -v l="$1" -v s="$2" -v n="$3" -v x="$4" \
		'BEGIN { printf "%-24s %10.1f %10d %12.0f %12s\n", l, s, n, (s > 0 ? n / s : 0), x }'
}
run_record() { # label args...
	local label=$1 start end; shift
	start=$(date +%s.%N)
	"$KVMSCOPE" record --follow "$@" -o "$TMP/$label.cap" -- "$TMP/load.sh" 2>"$TMP/$label.err"
	end=$(date +%s.%N)
	local recs lost flost
	recs=$(sed -n 's/^kvmscope record: \([0-9]*\) records.*/\1/p' "$TMP/$label.err")
	lost=$(sed -n 's/^kvmscope record: [0-9]* records.*, \([0-9]*\) lost.*/\1/p' "$TMP/$label.err")
	flost=$(sed -n 's/^kvmscope record: ftrace: .*, \([0-9]*\) lost.*/\1/p' "$TMP/$label.err")
	[ -n "$recs" ] || { echo "bench-lost: $label failed:"; tail -3 "$TMP/$label.err"; return 1; }
	row "$label" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$recs" \
		"${lost}${flost:+ + ftrace $flost}"
	summary="$summary, $label ${lost}${flost:+ + ftrace $flost} of $recs"
}
failed=0
summary=
start=$(date +%s.%N); "$TMP/load.sh"; end=$(date +%s.%N)
row "no tracer" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" 0 -
run_record record-bpf || failed=1
run_record record-bpf+ftrace --ftrace || failed=1
if command -v bpftrace >/dev/null; then
	# every VMM probe hit printed (a record per hit, as record stores), to a
	# file; attached by path (bpftrace -c resolves USDT in its child, a shell)
	bpftrace -o "$TMP/bt.out" -e "usdt:$VMM_BIN:vmm:* { printf(\"%d %s\\n\", tid, probe); }" \
		>"$TMP/bt.err" 2>&1 &
	bt=$!
	for i in $(seq 600); do
		grep -qs '^Attaching' "$TMP/bt.out" "$TMP/bt.err" && break
		kill -0 $bt 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -qs '^Attaching' "$TMP/bt.out" "$TMP/bt.err"; then
		echo "bench-lost: bpftrace did not attach: $(grep -v RLIMIT "$TMP/bt.err" | head -2)"
		kill -INT $bt 2>/dev/null
		wait $bt
		exit $failed
	fi
	start=$(date +%s.%N); "$TMP/load.sh"; end=$(date +%s.%N)
	kill -INT $bt 2>/dev/null
	wait $bt
	lines=$(grep -c '^[0-9]' "$TMP/bt.out")
	btlost=$(cat "$TMP/bt.out" "$TMP/bt.err" | sed -n 's/^Lost \([0-9]*\) events.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	row "bpftrace (probes only)" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$lines" "$btlost"
	summary="$summary, bpftrace $btlost of $lines"
else
	echo "SKIP bpftrace: not installed"
fi
echo "lost records under load: ${summary#, } (aim: 0; every loss is a LOST record in the capture)"
exit $failed
