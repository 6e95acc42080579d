#!/bin/bash
# scripts/bench-lab.sh - the lab's start-up: `scripts/lab.sh -- true` with a
# warm cache (kernel, initramfs and arm64 root already in build/lab), for
# x86_64 and aarch64, side by side with its floor: a bare QEMU boot of the
# same kernel with the same machine and command line, whose initramfs holds
# only a static busybox and an init that powers off. The ratio is what the
# lab's modules, 9p roots, overlay and ports cost on top of the boot.
#
#   BUILD=build scripts/bench-lab.sh     (called from scripts/bench.sh)
# Knobs: BENCH_LAB_RUNS (default 3), BENCH_QUICK=1 (1 run).
# Timings are reported, never asserted (aims: <= 15 s x86_64, <= 30 s
# aarch64); the status is non-zero only when a lab run failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAB=$ROOT/scripts/lab.sh
LAB_CACHE=${LAB_CACHE:-$ROOT/build/lab}
RUNS=${BENCH_LAB_RUNS:-3}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=1

for tool in qemu-system-x86_64 qemu-system-aarch64 cpio hyperfine jq mmdebstrap; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP bench-lab: $tool not installed (scripts/install-deps.sh)"
		exit 0
	fi
done
TMP=$(mktemp -d /tmp/bench-lab.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# floor_initrd BUSYBOX OUT: busybox and an init that powers off at once
floor_initrd() {
	mkdir -p "$TMP/floor/bin"
	cp "$1" "$TMP/floor/bin/busybox"
	printf '#!/bin/busybox sh\n/bin/busybox poweroff -f\n' >"$TMP/floor/init"
	chmod 755 "$TMP/floor/init"
	(cd "$TMP/floor" && find . | cpio -o -H newc --quiet -R 0:0) >"$2"
	rm -rf "$TMP/floor"
}

median_s() { jq -r ".results[$2].median" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "met" : "missed" }'; }

failed=0
echo "== the lab's start-up to run 'true', warm cache, $RUNS runs each, medians"
printf '%-8s %-16s %10s %14s %10s %10s\n' arch kernel lab.sh bare-boot lab/bare "aim"
for arch in x86_64 aarch64; do
	# the warm-up: fetches and builds what the cache lacks
	if ! "$LAB" --arch "$arch" -- true >"$TMP/warm.out" 2>&1; then
		echo "bench-lab: scripts/lab.sh --arch $arch -- true failed:"
		tail -3 "$TMP/warm.out"
		failed=1
		continue
	fi
	if [ $arch = x86_64 ]; then
		deb=amd64 aim=15 busybox=/bin/busybox
		qemu="qemu-system-x86_64 -M q35 -cpu max -accel tcg,thread=single"
		con=ttyS0
	else
		deb=arm64 aim=30 busybox=$LAB_CACHE/arm64-root/bin/busybox
		qemu="qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on"
		con=ttyAMA0
	fi
	rel=$(cut -d' ' -f2 "$LAB_CACHE/kernels/$deb/bookworm.release")
	# the image lab.sh boots: on x86_64 the PVH vmlinux when there is one
	kernel=$LAB_CACHE/kernels/$deb/$rel/vmlinuz
	[ -f "${kernel%z}x" ] && [ $arch = x86_64 ] && kernel=${kernel%z}x
	floor_initrd "$busybox" "$TMP/floor.cpio"
	# the bare boot: same machine, memory, CPUs and kernel command line
	hyperfine -N --style none --runs "$RUNS" --export-json "$TMP/$arch.json" \
		"$LAB --arch $arch -- true" \
		"$qemu -smp 2 -m 1024M -nodefaults -no-user-config -display none -no-reboot -serial none \
-kernel $kernel -initrd $TMP/floor.cpio \
-append 'console=$con panic=-1 quiet loglevel=5'" >/dev/null 2>"$TMP/err" ||
		{ echo "bench-lab: a run failed:"; tail -3 "$TMP/err"; failed=1; continue; }
	lab=$(median_s "$TMP/$arch.json" 0)
	bare=$(median_s "$TMP/$arch.json" 1)
	printf '%-8s %-16s %9.1fs %13.1fs %10s %10s\n' "$arch" "$rel" "$lab" "$bare" \
		"$(ratio "$lab" "$bare")" "<=${aim}s $(verdict "$lab" "$aim")"
done
echo "  bare-boot: the same QEMU, kernel image (x86_64: the PVH vmlinux lab.sh unpacks from the"
echo "  bzImage) and command line, an initramfs whose init powers off (the floor);"
echo "  lab.sh adds modules (KVM, virtio, 9p, overlay), the 9p root and repository, the ports"
echo "  load average now: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared: TCG times follow it)"
exit $failed
