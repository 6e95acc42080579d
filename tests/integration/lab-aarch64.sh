#!/bin/bash
# scripts/lab.sh --arch aarch64: ONE boot of bookworm's arm64 6.1 kernel
# (QEMU virt, EL2 with VHE) on the arm64 Debian root, running a script of
# checks - /dev/kvm in VHE mode, the mounts, both output streams, the
# writable repository, Debian's arm64 QEMU running a guest under the lab's
# KVM and refusing a GICv2 - that ends with a known status. The first run
# makes the arm64 root and downloads the kernel into build/lab.
. "$(dirname "$0")/../lib.sh"
LAB=$ROOT/scripts/lab.sh
# shellcheck source=tests/integration/lab-lib.bash
. "$(dirname "$0")/lab-lib.bash"

lab_require qemu-system-aarch64 cpio apt-get dpkg-deb mmdebstrap
GUEST=$GUESTS/arm64/lab-hello.elf

lab_run badcpus --arch aarch64 --cpus 0 -- true
expect_eq "a bad --cpus: status 2" "$(rc badcpus)" 2
expect_grep "... naming it" "$T_TMP/badcpus.err" "^lab\.sh: --cpus must be a positive number, not '0'$"

OUTDIR=$ROOT/build/lab/tests/aarch64
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"
# shellcheck disable=SC2016 # expanded inside the lab
CHECKS='
OUT=$1 REPO=$2 GUEST=$3'"$LAB_CHECKS_COMMON"'
say arch "[ \"\$(uname -m)\" = aarch64 ]"
say vhe "dmesg | grep -q \"VHE mode initialized successfully\""
say tracefs "[ -d /sys/kernel/tracing/events/kvm ]"
say clock "[ \"\$(date +%Y)\" -ge 2024 ]"
if [ -f "$GUEST" ]; then
	for gic in 3 2; do
		timeout 120 qemu-system-aarch64 -machine virt,gic-version=$gic -accel kvm -cpu host \
			-m 128 -nographic -nic none -kernel "$GUEST" >"$OUT/gic$gic.out" 2>"$OUT/gic$gic.err"
		echo $? >"$OUT/gic$gic.rc"
	done
fi
exit 43
'
lab_run boot --arch aarch64 --timeout 300 -- sh -c "$CHECKS" sh "$OUTDIR" "$ROOT" "$GUEST"
lab_skip_unfetched boot
lab_expect_boot 43 "$OUTDIR" "bookworm's arm64 6.1 kernel" '^6\.1\.0-[0-9]+-arm64$' \
	arch kvm-device vhe tracefs bpffs debugfs in-repo clock
if [ ! -f "$GUEST" ]; then
	skip "arm64 QEMU under the lab's KVM: $GUEST not built (aarch64-linux-gnu-gcc; scripts/install-deps.sh)"
else
	expect_eq "arm64 QEMU -accel kvm runs the guest: status 0" "$(cat "$OUTDIR/gic3.rc" 2>/dev/null)" 0
	expect_grep "... which prints through the PL011" "$OUTDIR/gic3.out" '^hello from the arm64 lab guest'
	expect_eq "a GICv2 machine: status 1" "$(cat "$OUTDIR/gic2.rc" 2>/dev/null)" 1
	expect_grep "... and QEMU's own message" "$OUTDIR/gic2.err" \
		'^qemu-system-aarch64: host does not support in-kernel GICv2 emulation$'
fi
echo "1..$T_N"
