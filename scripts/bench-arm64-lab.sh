#!/bin/bash
# scripts/bench-arm64-lab.sh - the arm64 virt board under real arm64 KVM
# (the arm64 lab: Debian's 6.1 arm64 kernel in QEMU TCG), side by side with
# Debian's qemu-system-aarch64 7.2 under the same nested KVM, in one lab
# boot: guest start to first byte (the hello guest's first PL011 byte on
# stdout), and a PSCI reset cycle ((reboot count=K - reboot count=0) / K).
# Medians of BENCH_RUNS (default 7; BENCH_QUICK=1: 3) runs. Nested KVM under
# TCG is slow and noisy: the ratios are the figures; timings are reported,
# never asserted.
#
#   BUILD=build scripts/bench-arm64-lab.sh     (called from bench-arm64.sh)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
ARM_BUILD=${ARM64_BUILD:-$(dirname "$BUILD")/$(basename "$BUILD" | sed 's/-x86pmu$//')-arm64}
case $ARM_BUILD in /*) ;; *) ARM_BUILD=$(realpath -m "$ROOT/$ARM_BUILD") ;; esac
RUNS=${BENCH_RUNS:-7}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=3
K=10
LAB=$ROOT/scripts/lab.sh
OUT=$ARM_BUILD/bench-lab

if [ ! -x "$LAB" ] || ! "$LAB" --help 2>&1 | grep -q aarch64; then
	echo "SKIP bench-arm64-lab: no arm64 lab (scripts/lab.sh --arch aarch64) in this tree"
	exit 0
fi
make -C "$ROOT" -s -j2 ARCH=aarch64 CC=aarch64-linux-gnu-gcc \
	BUILD="$(realpath -m --relative-to="$ROOT" "$ARM_BUILD")" >/dev/null ||
	{ echo "bench-arm64-lab: the arm64 cross build failed" >&2; exit 1; }
mkdir -p "$OUT" && rm -f "$OUT"/*.txt
G=$ARM_BUILD/guests/arm64
T="perl $ROOT/scripts/bench-arm64-lab-time.pl $RUNS"
OURS="$ARM_BUILD/kvmscope-vmm -machine virt -cpu host -m 128 -nographic"
QEMU="qemu-system-aarch64 -machine virt -accel kvm -cpu host -m 128 -nographic -nic none"
cat >"$OUT/cmd.sh" <<EOS
cd /tmp || exit 1
$T $OURS -kernel $G/hello.img >$OUT/ours-hello.txt
$T $QEMU -kernel $G/hello.img >$OUT/qemu-hello.txt
$T $OURS -kernel $G/reboot.img -append count=0 >$OUT/ours-reboot0.txt
$T $OURS -kernel $G/reboot.img -append count=$K >$OUT/ours-rebootK.txt
$T $QEMU -kernel $G/reboot.img -append count=0 >$OUT/qemu-reboot0.txt
$T $QEMU -kernel $G/reboot.img -append count=$K >$OUT/qemu-rebootK.txt
EOS
"$LAB" --arch aarch64 --timeout 1800 -- sh "$OUT/cmd.sh" >"$OUT/lab.out" 2>"$OUT/lab.err"
rc=$?
if [ "$rc" = 125 ] || [ "$rc" = 126 ]; then
	echo "SKIP bench-arm64-lab: the lab is unavailable ($(grep 'lab.sh: error' "$OUT/lab.err" | tail -1))"
	exit 0
fi
[ "$rc" = 0 ] || { echo "bench-arm64-lab: the lab run failed (status $rc)"; tail -5 "$OUT/lab.err"; exit 1; }

# median FILE COLUMN (1: first byte, 2: exit), of the runs with status 0
median() {
	awk -v c="$2" '$3 == 0 { print $c }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print -1 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a > 0 && b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
cycle() { awk -v a="$1" -v b="$2" -v k="$K" 'BEGIN{ printf "%d", (a - b) / k }'; }

echo "== arm64 virt under the arm64 lab's nested KVM ($RUNS runs each, medians, microseconds)"
printf '%-34s %12s %12s %14s\n' "figure" "kvmscope" "qemu-7.2" "qemu/kvmscope"
o=$(median "$OUT/ours-hello.txt" 1) q=$(median "$OUT/qemu-hello.txt" 1)
printf '%-34s %10sus %10sus %14s\n' "start to the guest's first byte" "$o" "$q" "$(ratio "$q" "$o")"
o=$(median "$OUT/ours-hello.txt" 2) q=$(median "$OUT/qemu-hello.txt" 2)
printf '%-34s %10sus %10sus %14s\n' "hello: start to exit" "$o" "$q" "$(ratio "$q" "$o")"
o=$(cycle "$(median "$OUT/ours-rebootK.txt" 2)" "$(median "$OUT/ours-reboot0.txt" 2)")
q=$(cycle "$(median "$OUT/qemu-rebootK.txt" 2)" "$(median "$OUT/qemu-reboot0.txt" 2)")
printf '%-34s %10sus %10sus %14s\n' "PSCI SYSTEM_RESET cycle (K=$K)" "$o" "$q" "$(ratio "$q" "$o")"
echo "  both VMMs inside the same lab boot, same guest images; raw runs in $OUT"
