#!/bin/bash
# scripts/bench-qmp.sh - QMP side by side: kvmscope-vmm and QEMU 7.2 (-M pc),
# the same guest (hello.elf wait=ignore: running, polling the PM block), the
# same client (tests/bench/qmp-client.c), one after the other:
#   1. query-status round trip, 1 client, and 50 clients at once
#   2. 50 clients x 1000 pipelined query-status: replies lost, time per command
#   3. event latency (STOP/RESUME from stop/cont on another connection, time of
#      receipt minus the event's own timestamp), 1 and 50 listening clients
# QEMU's socket chardev serves one client per socket, so QEMU gets one -qmp
# socket per client; kvmscope-vmm serves all clients on one socket.
#   BUILD=build scripts/bench-qmp.sh     (make bench runs it)
# Knobs: BENCH_QUICK=1 (fewer round trips), BENCH_NO_QEMU=1, BENCH_QEMU=PATH.
# Timings are reported, never asserted; the exit status is non-zero only when
# kvmscope-vmm lost replies or failed to run.
set -u
BUILD=${BUILD:-build}
QMPC=$BUILD/tests/qmp-client
VMM_BIN=$BUILD/kvmscope-vmm
GUEST=$BUILD/guests/hello.elf
QEMU=${BENCH_QEMU:-qemu-system-x86_64}
RTT_N=2000 EV_N=200 FLOOD_N=1000 CLIENTS=50
if [ "${BENCH_QUICK:-0}" = 1 ]; then RTT_N=200 EV_N=20 FLOOD_N=200; fi
DIR=$(mktemp -d /tmp/kvmscope-bench-qmp.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
failed=0

echo "== QMP: kvmscope-vmm vs QEMU 7.2 (-M pc), hello.elf wait=ignore ============================"
for f in "$QMPC" "$VMM_BIN" "$GUEST"; do
	[ -e "$f" ] || { echo "bench-qmp: $f is missing: run 'make bench'" >&2; exit 1; }
done
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then echo "SKIP bench-qmp: /dev/kvm is not usable"; exit 0; fi
have_qemu=1
if [ "${BENCH_NO_QEMU:-0}" = 1 ] || ! command -v "$QEMU" >/dev/null; then have_qemu=0; fi

# start WHO: the VMM (one socket s.sock) or QEMU (sockets q0..q50.sock)
start() {
	if [ "$1" = ours ]; then
		"$VMM_BIN" -kernel "$GUEST" -append wait=ignore -serial null \
			-qmp "unix:$DIR/s.sock,server,nowait" </dev/null >/dev/null 2>"$DIR/ours.err" &
		PID=$!
		SOCK_ONE=$DIR/s.sock SOCK_PAT=$DIR/s.sock
		wait_sock "$DIR/s.sock"
	else
		local args=()
		for i in $(seq 0 "$CLIENTS"); do args+=(-qmp "unix:$DIR/q$i.sock,server,nowait"); done
		"$QEMU" -M pc -accel kvm -display none -nodefaults -no-user-config \
			-kernel "$GUEST" -append wait=ignore -serial null "${args[@]}" \
			</dev/null >/dev/null 2>"$DIR/qemu.err" &
		PID=$!
		SOCK_ONE=$DIR/q0.sock SOCK_PAT=$DIR/q%d.sock
		wait_sock "$DIR/q$CLIENTS.sock"
	fi
}
wait_sock() { for _ in $(seq 200); do [ -S "$1" ] && return 0; sleep 0.05; done; return 1; }
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }

# measure WHO: fills M[WHO.*] (nanoseconds)
declare -A M
measure() {
	local who=$1
	start "$who" || { echo "bench-qmp: $who did not start" >&2; return 1; }
	M[$who.rtt1]=$("$QMPC" "$SOCK_ONE" rtt "$RTT_N" | awk '{print $2}')
	local pids=() i
	for i in $(seq 0 $((CLIENTS - 1))); do
		local p=$SOCK_PAT
		[ "$who" = qemu ] && p=$DIR/q$i.sock
		"$QMPC" "$p" rtt $((RTT_N / 10)) >"$DIR/rtt.$who.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	M[$who.rtt50]=$(cat "$DIR"/rtt."$who".* | awk '{print $2}' | sort -n |
		awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }')
	local fl
	fl=$("$QMPC" "$SOCK_PAT" flood "$CLIENTS" "$FLOOD_N")
	M[$who.lost]=$(awk '{print $6}' <<<"$fl")
	M[$who.flood]=$(awk '{print $10}' <<<"$fl")
	M[$who.ev1]=$("$QMPC" "$SOCK_PAT" events 1 "$EV_N" | awk '{print $2}')
	M[$who.ev50]=$("$QMPC" "$SOCK_PAT" events "$CLIENTS" $((EV_N / 4)) | awk '{print $2}')
	stop
}

us() { awk -v n="${1:-}" 'BEGIN { if (n == "") print "n/a"; else printf "%.1f us", n / 1000 }'; }
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b <= 0) print "n/a"; else printf "%.2fx", a / b }'; }

measure ours || failed=1
[ $have_qemu = 1 ] && measure qemu

printf '  %-44s %14s %14s %10s\n' "" "kvmscope-vmm" "QEMU 7.2" "QEMU/ours"
row() { printf '  %-44s %14s %14s %10s\n' "$1" "$(us "${M[ours.$2]:-}")" "$(us "${M[qemu.$2]:-}")" \
	"$(ratio "${M[qemu.$2]:-}" "${M[ours.$2]:-}")"; }
row "query-status round trip, 1 client (median)" rtt1
row "round trip, $CLIENTS clients at once (median)" rtt50
row "$CLIENTS x $FLOOD_N pipelined: time per command" flood
printf '  %-44s %14s %14s\n' "$CLIENTS x $FLOOD_N pipelined: replies lost" "${M[ours.lost]:-n/a}" "${M[qemu.lost]:-n/a}"
row "event latency, 1 listener (median)" ev1
row "event latency, $CLIENTS listeners (median)" ev50
r=$(ratio "${M[qemu.rtt1]:-}" "${M[ours.rtt1]:-}")
echo "  round trip vs QEMU: $r   aim >= 5x: $(awk -v r="${r%x}" 'BEGIN { if (r == "n/a") print "n/a"; else print (r >= 5 ? "met" : "not met") }')"
if [ "${M[ours.lost]:-x}" != 0 ]; then
	echo "  kvmscope-vmm LOST replies under $CLIENTS x $FLOOD_N"
	failed=1
else
	echo "  no lost replies under $CLIENTS x $FLOOD_N: met"
fi
echo "  (one socket per client for QEMU, whose socket chardev serves one client at a time)"
exit $failed
