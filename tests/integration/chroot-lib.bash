# Helpers for the tests that run kvmscope in a fresh Debian root (sourced
# after tests/lib.sh): a root made by mmdebstrap, cached as a tarball keyed on
# its package list, unpacked afresh each run with /dev, /proc and /sys bound in.
# shellcheck shell=bash

# fresh_root_tarball DIR SUITE PACKAGES(comma-separated): prints the cached
# tarball's path, made first if missing (log in DIR/mmdebstrap-KEY.log)
fresh_root_tarball() {
	local dir=$1 suite=$2 pkgs=$3 key
	key=$(echo "$suite $pkgs" | sha256sum | cut -c1-16)
	local tarball=$dir/root-$suite-$key.tar
	if [ ! -s "$tarball" ]; then
		mkdir -p "$dir"
		mmdebstrap --variant=apt --format=tar --include="$pkgs" "$suite" "$tarball.tmp" \
			>"$dir/mmdebstrap-$key.log" 2>&1 && mv "$tarball.tmp" "$tarball"
		rm -f "$tarball.tmp"
	fi
	[ -s "$tarball" ] || { tail -10 "$dir/mmdebstrap-$key.log"; return 1; }
	echo "$tarball"
}

# unmount_root R: the bound file systems out of R, then R removed (never
# through a mount left behind)
unmount_root() {
	local r=$1 m _
	for m in sys proc dev; do
		# a process of the chroot may take a moment to go; then detach lazily
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			mountpoint -q "$r/$m" || break
			umount -R "$r/$m" 2>/dev/null || sleep 0.5
		done
		! mountpoint -q "$r/$m" || umount -R -l "$r/$m"
	done
	if ! findmnt -rn -o TARGET | grep -q "^$r/"; then rm -rf --one-file-system "$r"; fi
}

# unpack_root TARBALL R: R afresh from TARBALL, /dev /proc /sys bound in
# (slaves: nothing done inside propagates out); unmounted at exit
unpack_root() {
	local tarball=$1 r=$2 m
	unmount_root "$r"
	mkdir -p "$r" && tar -C "$r" -xf "$tarball" || return 1
	for m in dev proc sys; do
		mount --rbind "/$m" "$r/$m" && mount --make-rslave "$r/$m" || return 1
	done
	CHROOT_ROOTS+=("$r")
	trap 'for r in "${CHROOT_ROOTS[@]}"; do unmount_root "$r"; done; keep_or_remove_tmp' EXIT
}
CHROOT_ROOTS=()
