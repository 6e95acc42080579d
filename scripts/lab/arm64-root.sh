# shellcheck shell=bash
# The arm64 lab's userspace (sourced by scripts/lab.sh): an arm64 Debian
# bookworm root made once with mmdebstrap --variant=extract (packages
# unpacked, no maintainer scripts, so no binfmt is needed) into
# $LAB_CACHE/arm64-root. It holds the static busybox the initramfs takes,
# a shell and core tools, Debian's arm64 QEMU, and the libraries the
# project's arm64 builds load. It is shared read-only into the lab, under a
# tmpfs overlay, with the repository at its own path.

LAB_ARM64_PACKAGES="busybox-static dash bash coreutils grep sed gawk findutils diffutils
procps util-linux mount jq qemu-system-arm libjansson4 libfdt1 libbpf1 libtraceevent1 libtracefs1
libdw1 libelf1 libcmocka0"

# lab_arm64_root: sets LAB_ARM64_ROOT, making it on first use; a changed
# package list makes it again
lab_arm64_root() {
	local want stamp tmp
	LAB_ARM64_ROOT=$LAB_CACHE/arm64-root
	stamp=$LAB_ARM64_ROOT/.lab-packages
	want=$(xargs <<<"$LAB_ARM64_PACKAGES")
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
	lab_need mmdebstrap
	lab_note "making the arm64 root in $LAB_ARM64_ROOT (mmdebstrap, once)"
	tmp=$LAB_ARM64_ROOT.new
	rm -rf "$tmp" "$LAB_ARM64_ROOT"
	mmdebstrap --quiet --variant=extract --arch=arm64 --include="${want// /,}" \
		bookworm "$tmp" >"$LAB_CACHE/arm64-root.log" 2>&1 ||
		lab_fail 126 "mmdebstrap of the arm64 root failed (see $LAB_CACHE/arm64-root.log)"
	# extract does not run maintainer scripts: the links they would make
	[ -e "$tmp/bin/sh" ] || ln -s dash "$tmp/bin/sh"
	[ -x "$tmp/bin/busybox" ] || lab_fail 126 "no busybox in the arm64 root"
	echo "$want" >"$tmp/.lab-packages"
	mv "$tmp" "$LAB_ARM64_ROOT"
}
