#!/bin/bash
# scripts/bench-record.sh - the eBPF collector's cost, side by side in one run:
#
#   1. per-event cost on the VMM's probes: the bench guest's port-I/O exits
#      (each KVM_RUN fires kvm_vcpu_ioctl, kvm_ioctl_exit and kvm_run_exit),
#      timed between the guest's first and last serial byte (firstbyte), run
#      interleaved with: no collector, bpftrace counting those probes
#      (count()), kvmscope record storing full records of the probes only,
#      and kvmscope record with its default set (probes + KVM ioctl syscalls
#      + kvm tracepoints). Cost per event = (span - bare span) / events.
#   2. lost records at the full record's event rate (aim: none at 100k/s);
#   3. records per second `kvmscope report` merges and prints (text, json).
#
# Called by scripts/bench.sh; alone: BUILD=build scripts/bench-record.sh
# (needs root for BPF). BENCH_QUICK=1: 3 runs; BENCH_RECORD_RUNS=N otherwise 9.
set -u
BUILD=${BUILD:-build}
FB=$BUILD/bench/firstbyte
G=$BUILD/bench/guests
VMM_BIN=$(realpath "$BUILD/kvmscope-vmm" 2>/dev/null)
KVMSCOPE=$BUILD/kvmscope
RUNS=${BENCH_RECORD_RUNS:-9}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=3
EXITS=20000
for f in "$G"/flags-*; do [ -e "$f" ] && EXITS=${f##*/flags-}; done

echo "== kvmscope record: collector cost ($EXITS exits per run, $RUNS runs each, medians)"
if [ "$(id -u)" != 0 ]; then echo "SKIP record bench: needs root (BPF)"; exit 0; fi
for f in "$FB" "$VMM_BIN" "$KVMSCOPE" "$G/exits.bin"; do
	[ -e "$f" ] || { echo "bench-record: $f is missing (make bench builds it)" >&2; exit 1; }
done
HAVE_BPFTRACE=1
command -v bpftrace >/dev/null || { HAVE_BPFTRACE=0; echo "SKIP bpftrace: not installed"; }
ulimit -l unlimited 2>/dev/null
TMP=$(mktemp -d /tmp/bench-record.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT
# shellcheck source=scripts/bench-firstbyte.sh
. "$(dirname "$(realpath "$0")")/bench-firstbyte.sh"

VMM=("$VMM_BIN" -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -no-reboot
	-kernel "$G/exits.bin")
P="usdt:$VMM_BIN:vmm"
# the probes this guest fires per exit; bpftrace counts exactly these
HOT="kvm_vcpu_ioctl kvm_ioctl_exit kvm_run_exit vcpu_unhandled_io"
BT="$(for p in $HOT; do printf '%s:%s,' "$P" "$p"; done | sed 's/,$//') { @ = count(); }"

set -- @none "${VMM[@]}" \
	@record-probes "$KVMSCOPE" record -q --no-kvm --no-syscalls -o "$TMP/probes.cap" -- "${VMM[@]}" \
	@record-full "$KVMSCOPE" record -o "$TMP/full.cap" -- "${VMM[@]}"
[ $HAVE_BPFTRACE = 1 ] && set -- "$@" @bpftrace bpftrace -q -e "$BT" -c "${VMM[*]}"
firstbyte_runs 120 "$@"

# events per run: the probe records of one capture (the same guest every run)
"$KVMSCOPE" report --format json "$TMP/probes.cap" 2>/dev/null >"$TMP/probes.json"
probes=$(grep -c '"kind":"probe"' "$TMP/probes.json")
hot=$(grep -cE "\"name\":\"($(echo $HOT | tr ' ' '|'))\"" "$TMP/probes.json")
full=$(sed -n 's/^kvmscope record: \([0-9]*\) records.*/\1/p' "$TMP/err" | tail -1)
lost=$(grep -o ', [0-9]* lost' "$TMP/err" | grep -o '[0-9]*' | awk '{s+=$1} END {print s+0}')
lost_runs=$(grep -c 'kvmscope record: ' "$TMP/err")
base=$(val none span_med_us)

printf '%-16s %6s %12s %14s %10s\n' variant ok span_us per_event_ns vs_bpftrace
per_event() { # label events
	awk -v s="$(val "$1" span_med_us)" -v b="$base" -v n="$2" 'BEGIN { if (n > 0 && s != "") printf "%.0f", (s - b) * 1000 / n; else printf "-" }'
}
bt_ns=$( [ $HAVE_BPFTRACE = 1 ] && per_event bpftrace "$hot" || echo -)
for v in none bpftrace record-probes record-full; do
	[ $v = bpftrace ] && [ $HAVE_BPFTRACE = 0 ] && continue
	case $v in
	none) ev=0 ;;
	bpftrace) ev=$hot ;;
	record-full) ev=$full ;;
	*) ev=$probes ;;
	esac
	pe=$( [ $v = none ] && echo - || per_event $v "$ev")
	ratio=$(awk -v a="$pe" -v b="$bt_ns" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2fx", a / b; else printf "-" }')
	[ $v = record-full ] && ratio="($ev events)"
	printf '%-16s %6s %12s %14s %10s\n' $v "$(okruns $v)/$RUNS" "$(val $v span_med_us)" "$pe" "$ratio"
done
echo "events per run: $probes probe hits ($hot of them on the $(echo $HOT | wc -w) probes bpftrace counts); record-full stores $full records"

span_full=$(val record-full span_med_us)
rate=$(awk -v n="$full" -v s="$span_full" 'BEGIN { if (s > 0) printf "%.0f", n / (s / 1e6); else print 0 }')
echo "record-full: ~$rate events/s during the guest's run, $lost records lost over $lost_runs runs (aim: 0 at 100k/s)"

# --- report throughput on the full capture: CPU time (user+sys) is the
# figure on a shared host; elapsed is printed beside it
for fmt in text json chrome; do
	/usr/bin/time -f "%e %U %S" -o "$TMP/time" "$KVMSCOPE" report --format $fmt --color=never \
		-o /dev/null "$TMP/full.cap" 2>/dev/null
	read -r el us sy <"$TMP/time"
	awk -v n="$full" -v el="$el" -v cpu="$(awk -v a="$us" -v b="$sy" 'BEGIN{print a+b}')" -v f=$fmt \
		'BEGIN { printf "report --format %-6s %8d records: %5.2f s CPU -> %.2f M records/s (elapsed %.2f s) (aim: 1 M/s)\n", f, n, cpu, (cpu > 0 ? n / cpu / 1e6 : 0), el }'
done
[ $fbrc = 0 ] || { echo "bench-record: some runs failed (see firstbyte output)"; cat "$TMP/fb.out"; }
exit $fbrc
