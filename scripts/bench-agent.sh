#!/bin/bash
# scripts/bench-agent.sh - the guest agent's round trip through the VMM's
# serial port: the same guest (agent.elf, COM2 on a socket chardev), the same
# client (kvmscope-domain qga --repeat), under kvmscope-vmm and under QEMU 7.2
# (-M pc), in one run. What differs is only the VMM: its UART emulation, its
# chardev and its exit handling (the guest polls LSR, one exit per poll).
#
#   BUILD=build scripts/bench-agent.sh      (called by scripts/bench.sh)
# Knobs: BENCH_AGENT_PINGS=500 round trips per request; BENCH_QUICK=1 (50);
# BENCH_NO_QEMU=1; BENCH_QEMU=PATH. Timings are reported, never asserted.
set -u
BUILD=${BUILD:-build}
VMM=$BUILD/kvmscope-vmm
DOMAIN=$BUILD/kvmscope-domain
GUEST=$BUILD/guests/agent.elf
PINGS=${BENCH_AGENT_PINGS:-500}
[ "${BENCH_QUICK:-0}" = 1 ] && PINGS=50
QEMU=${BENCH_QEMU:-$(command -v qemu-system-x86_64 || true)}
[ "${BENCH_NO_QEMU:-0}" = 1 ] && QEMU=

for f in "$VMM" "$DOMAIN" "$GUEST"; do
	[ -e "$f" ] || { echo "bench-agent: $f is missing: run make first" >&2; exit 1; }
done
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP bench-agent: /dev/kvm is not usable here"
	exit 0
fi
TMP=$(mktemp -d /tmp/kvmscope-bench-agent.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

declare -A MED
# measure NAME CMD...: boots the guest with CMD (COM1 to NAME.con, COM2 on
# NAME.sock), waits for the agent (SeaBIOS makes QEMU -M pc slow to boot),
# times PINGS guest-ping and guest-sync round trips
measure() {
	local name=$1 pid req key line
	shift
	"$@" >"$TMP/$name.out" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		grep -q '^guest: agent on COM2' "$TMP/$name.con" 2>/dev/null && break
		sleep 0.1
	done
	for req in ping sync; do
		case $req in
		ping) line='{"execute":"guest-ping"}' ;;
		sync) line='{"execute":"guest-sync","arguments":{"id":1234}}' ;;
		esac
		key=$name.$req
		if "$DOMAIN" qga "$TMP/$name.sock" --timeout 120 --repeat $((PINGS + 1)) "$line" \
			>/dev/null 2>"$TMP/$key.t"; then
			MED[$key]=$(sed -n 's/.* median \([0-9]*\) us.*/\1/p' "$TMP/$key.t")
			printf '  %-10s %-6s %s\n' "$name" "$req" "$(cat "$TMP/$key.t")"
		else
			printf '  %-10s %-6s FAILED: %s\n' "$name" "$req" "$(cat "$TMP/$key.t")"
		fi
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

echo "== guest agent round trip (agent.elf on COM2, $PINGS requests each, one connection)"
measure kvmscope "$VMM" -kernel "$GUEST" -serial "file:$TMP/kvmscope.con" \
	-chardev "socket,id=qga0,path=$TMP/kvmscope.sock,server=on,wait=off" -serial chardev:qga0
if [ -n "$QEMU" ]; then
	measure qemu-pc timeout 600 "$QEMU" -M pc -enable-kvm -display none -nodefaults \
		-kernel "$GUEST" -serial "file:$TMP/qemu-pc.con" \
		-chardev "socket,id=qga0,path=$TMP/qemu-pc.sock,server=on,wait=off" -serial chardev:qga0
fi
ratio() { [ -n "${1:-}" ] && [ -n "${2:-}" ] && awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a/b}' || echo n/a; }
for req in ping sync; do
	printf 'agent-%-5s median kvmscope %s us | qemu-pc %s us   qemu-pc/kvmscope %s\n' "$req" \
		"${MED[kvmscope.$req]:-n/a}" "${MED[qemu-pc.$req]:-n/a}" \
		"$(ratio "${MED[qemu-pc.$req]:-}" "${MED[kvmscope.$req]:-}")"
done
[ -n "${MED[kvmscope.ping]:-}" ] && [ -n "${MED[kvmscope.sync]:-}" ]
