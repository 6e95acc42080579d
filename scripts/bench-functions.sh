#!/bin/bash
# scripts/bench-functions.sh - what record --functions costs per kernel
# function call, side by side with bpftrace, in the x86-64 lab (this host
# refuses fentry and kprobes; scripts/lab.sh boots a kernel that has them).
#
# A guest does N port-I/O exits; each is one KVM_RUN, so one call of
# kvm_vcpu_ioctl. Timed between its first and last serial byte (firstbyte),
# interleaved, medians:
#   record          kvmscope record --no-kvm --no-syscalls (the VMM's probes)
#   record-fentry   the same + --functions kvm_vcpu_ioctl (fentry/fexit)
#   record-kprobe   the same through kprobe/kretprobe (KVMSCOPE_FUNCTIONS_VIA)
#   none            the VMM alone
#   bpftrace        kprobe+kretprobe on kvm_vcpu_ioctl, entry time per thread,
#                   a count per return value (about what record keeps)
# Per call: (record-X - record) / calls, and (bpftrace - none) / calls.
#
# Called by scripts/bench.sh; alone: BUILD=build scripts/bench-functions.sh
# (needs root). BENCH_FUNCTIONS_RUNS=N (default 5, 3 with BENCH_QUICK=1),
# BENCH_FUNCTIONS_EXITS=N exits per run (default 2000: the lab's nested KVM
# runs under TCG, where an exit costs about a millisecond).
set -u
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
RUNS=${BENCH_FUNCTIONS_RUNS:-5}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=3
EXITS=${BENCH_FUNCTIONS_EXITS:-2000}

if [ "${1:-}" != --inside ]; then
	echo "== record --functions: cost per kernel function call, in the x86-64 lab ($EXITS exits, $RUNS runs each, medians)"
	lab=$(dirname "$0")/lab.sh
	if [ ! -x "$lab" ]; then echo "SKIP functions bench: scripts/lab.sh is not in this tree"; exit 0; fi
	if [ "$(id -u)" != 0 ]; then echo "SKIP functions bench: needs root (BPF)"; exit 0; fi
	exec "$lab" --arch x86_64 -- env BUILD="$BUILD" BENCH_FUNCTIONS_RUNS="$RUNS" \
		BENCH_FUNCTIONS_EXITS="$EXITS" "$(realpath "$0")" --inside
fi

FB=$BUILD/bench/firstbyte
KVMSCOPE=$BUILD/kvmscope
VMM_BIN=$BUILD/kvmscope-vmm
for f in "$FB" "$VMM_BIN" "$KVMSCOPE"; do
	[ -e "$f" ] || { echo "bench-functions: $f is missing (make bench builds it)" >&2; exit 1; }
done
ulimit -l unlimited 2>/dev/null
TMP=$(mktemp -d /tmp/bench-functions.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT
# shellcheck source=scripts/bench-firstbyte.sh
. "$(dirname "$(realpath "$0")")/bench-firstbyte.sh"

# the bench guest with this many exits, built here (make bench's own has 20000)
gcc -m32 -DFIRST_BYTE -DLAST_BYTE -DEXITS="$EXITS" -DPORT=0x80 -c -o "$TMP/exits.o" \
	"$(dirname "$(realpath "$0")")/../tests/bench/exitloop.S" &&
	ld -m elf_i386 --build-id=none --oformat binary -Ttext=0 -e _start -o "$TMP/exits.bin" "$TMP/exits.o" ||
	{ echo "bench-functions: cannot build the guest" >&2; exit 1; }

VMM=("$VMM_BIN" -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -no-reboot
	-kernel "$TMP/exits.bin")
REC=("$KVMSCOPE" record -q --no-kvm --no-syscalls)
BT='kprobe:kvm_vcpu_ioctl { @s[tid] = nsecs; }
kretprobe:kvm_vcpu_ioctl /@s[tid]/ { @r[retval] = count(); @d = sum(nsecs - @s[tid]); delete(@s[tid]); }'
set -- @none "${VMM[@]}" \
	@record "${REC[@]}" -o "$TMP/r.cap" -- "${VMM[@]}" \
	@record-fentry "${REC[@]}" --functions kvm_vcpu_ioctl -o "$TMP/f.cap" -- "${VMM[@]}" \
	@record-kprobe env KVMSCOPE_FUNCTIONS_VIA=kprobe "${REC[@]}" --functions kvm_vcpu_ioctl \
		-o "$TMP/k.cap" -- "${VMM[@]}"
command -v bpftrace >/dev/null && set -- "$@" @bpftrace bpftrace -q -e "$BT" -c "${VMM[*]}"
firstbyte_runs 600 "$@"
"$KVMSCOPE" report --format json "$TMP/f.cap" 2>/dev/null >"$TMP/f.json"
calls=$(grep -c '"kind":"kfunc","name":"kvm_vcpu_ioctl"' "$TMP/f.json")
per_call() { # label base
	awk -v s="$(val "$1" span_med_us)" -v b="$(val "$2" span_med_us)" -v n="$calls" \
		'BEGIN { if (n > 0 && s != "" && b != "") printf "%.0f", (s - b) * 1000 / n; else printf "-" }'
}
printf '%-14s %6s %12s %12s\n' variant ok span_us per_call_ns
for v in none record record-fentry record-kprobe bpftrace; do
	case $v in
	none|record) pc=- ;;
	bpftrace) pc=$(per_call bpftrace none) ;;
	*) pc=$(per_call $v record) ;;
	esac
	[ -n "$(okruns $v)" ] && printf '%-14s %6s %12s %12s\n' $v "$(okruns $v)/$RUNS" "$(val $v span_med_us)" "$pc"
done
echo "calls of kvm_vcpu_ioctl per run: $calls (the guest's $EXITS exits and the VMM's own vCPU ioctls)"
[ $fbrc = 0 ] || { echo "bench-functions: some runs failed (see firstbyte output)"; cat "$TMP/fb.out"; }
exit $fbrc
