#!/bin/bash
# scripts/bench-arm64.sh - the arm64 virt board's host-independent path,
# side by side with its peer: building and writing the device tree with
# `-machine virt,dumpdtb=FILE`, kvmscope-vmm (the arm64 build, run by
# qemu-aarch64-static on this x86 host) against QEMU 7.2's
# qemu-system-aarch64 (native x86-64 binary, TCG), same -smp/-m/gic-version.
# Both numbers include process start-up; ours also pays qemu-user's
# translation, so the ratio understates the VMM itself. As a floor, the
# same qemu-user start-up with `--version` (no tree) is measured too.
#
#   BUILD=build scripts/bench-arm64.sh     (called from scripts/bench.sh)
# Knobs: BENCH_RUNS (default 21), BENCH_QUICK=1 (3 runs), ARM64_BUILD
# (default: $BUILD's sibling build-arm64, built here if missing).
# Timings are reported, never asserted.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
ARM_BUILD=${ARM64_BUILD:-$(dirname "$BUILD")/$(basename "$BUILD" | sed 's/-x86pmu$//')-arm64}
RUNS=${BENCH_RUNS:-21}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=3

for tool in aarch64-linux-gnu-gcc qemu-aarch64-static qemu-system-aarch64 hyperfine jq; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP bench-arm64: $tool not installed (scripts/install-deps.sh)"
		exit 0
	fi
done
make -C "$ROOT" -s -j2 ARCH=aarch64 CC=aarch64-linux-gnu-gcc \
	BUILD="$(realpath -m --relative-to="$ROOT" "$ARM_BUILD")" >/dev/null ||
	{ echo "bench-arm64: the arm64 cross build failed" >&2; exit 1; }
VMM=$ARM_BUILD/kvmscope-vmm
case $VMM in /*) ;; *) VMM=$ROOT/$VMM ;; esac
TMP=$(mktemp -d /tmp/bench-arm64.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# median in microseconds of hyperfine's runs for command index $2 in $1
median_us() { jq -r ".results[$2].median * 1e6 | floor" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

echo "== arm64 virt: device tree build + write (dumpdtb), $RUNS runs each, medians"
printf '%-28s %12s %12s %12s %16s\n' "case" "kvmscope" "qemu-7.2" "qemu-user" "qemu/kvmscope"
for c in "smp2-gicv2:-smp 2 -m 256 -machine virt,gic-version=2" "smp8-gicv3:-smp 8 -m 2G -machine virt,gic-version=3"; do
	name=${c%%:*}
	args=${c#*:}
	hyperfine -N --style none --runs "$RUNS" --warmup 1 --export-json "$TMP/$name.json" \
		"qemu-aarch64-static $VMM $args,dumpdtb=$TMP/ours.dtb -cpu host" \
		"qemu-system-aarch64 $args,dumpdtb=$TMP/qemu.dtb -cpu cortex-a57 -nographic" \
		"qemu-aarch64-static $VMM --version" >/dev/null 2>"$TMP/err" ||
		{ echo "bench-arm64: a run failed:"; cat "$TMP/err"; exit 1; }
	ours=$(median_us "$TMP/$name.json" 0)
	qemu=$(median_us "$TMP/$name.json" 1)
	floor=$(median_us "$TMP/$name.json" 2)
	printf '%-28s %10sus %10sus %10sus %16s\n' "$name" "$ours" "$qemu" "$floor" "$(ratio "$qemu" "$ours")"
done
echo "  kvmscope runs under qemu-aarch64-static (column 'qemu-user': its start-up alone);"
echo "  qemu-7.2 is the native x86-64 qemu-system-aarch64 building its full virt tree."
