# shellcheck shell=bash
# The lab's kernels (sourced by scripts/lab.sh): resolves a suite
# (bookworm, trixie, sid) or a release (6.1.0-57-amd64, 7.2.13+deb14) to
# Debian's kernel packages, downloads them with apt-get download and unpacks
# the image and modules into $LAB_CACHE/kernels/ARCH/RELEASE/. bookworm
# comes from the host's apt; trixie and sid from apt pointed at a list and
# state directory of their own under $LAB_CACHE/apt/SUITE, so the host's
# sources stay untouched. Failures call lab_fail 126 (missing kernel).

LAB_SUITES="bookworm trixie sid"

# lab_apt SUITE apt-get|apt-cache ARGS...
lab_apt() {
	local suite=$1 tool=$2 d
	shift 2
	if [ "$suite" = bookworm ]; then
		"$tool" -o APT::Sandbox::User=root "$@"
		return
	fi
	d=$LAB_CACHE/apt/$suite
	"$tool" -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o Dir::State::status="$d/status" \
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64 \
		-o Acquire::Languages=none -o APT::Sandbox::User=root "$@"
}

# lab_apt_lists SUITE: the suite's package lists, fetched once
lab_apt_lists() {
	local suite=$1 d=$LAB_CACHE/apt/$1
	[ "$suite" = bookworm ] && return 0
	[ -f "$d/updated" ] && return 0
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	: >"$d/status"
	echo "deb http://deb.debian.org/debian $suite main" >"$d/sources.list"
	lab_note "fetching the $suite package lists"
	lab_apt "$suite" apt-get -q update >"$d/update.log" 2>&1 ||
		lab_fail 126 "apt-get update for $suite failed (see $d/update.log)"
	touch "$d/updated"
}

# lab_releases SUITE DEBARCH: the suite's plain kernel releases for the
# architecture (no cloud, rt, 16k or dbg flavours), oldest first
lab_releases() {
	local suite=$1 arch=$2
	lab_apt_lists "$suite"
	lab_apt "$suite" apt-cache pkgnames linux- 2>/dev/null |
		sed -nE "s/^linux-(image|binary)-([0-9][0-9.]*(-[0-9]+|\+deb[0-9]+)-$arch)(-unsigned)?\$/\2/p" |
		sort -uV
}

# lab_packages SUITE RELEASE DEBARCH: the packages holding RELEASE's image
# and modules: sid's split linux-binary + linux-modules, or the unsigned image
lab_packages() {
	local suite=$1 rel=$2 arch=$3 p
	for p in "linux-binary-$rel" "linux-image-$rel-unsigned"; do
		if lab_apt "$suite" apt-cache show "$p:$arch" >/dev/null 2>&1; then
			case $p in
			linux-binary-*) echo "$p:$arch linux-modules-$rel:$arch" ;;
			*) echo "$p:$arch" ;;
			esac
			return 0
		fi
	done
	return 1
}

# lab_resolve SPEC DEBARCH: prints "SUITE RELEASE" for a suite name or a
# release (with or without the -ARCH suffix), searching the suites in order
lab_resolve() {
	local spec=$1 arch=$2 suite rel
	case " $LAB_SUITES " in *" $spec "*)
		# the suite's own kernel, the one its meta package depends on (the
		# host's bookworm lists may hold backports' newer ones too)
		rel=$(lab_apt "$spec" apt-cache depends "linux-image-$arch:$arch" 2>/dev/null |
			sed -nE "s/^ *Depends: linux-image-([0-9][^ :]*-$arch)(-unsigned)?(:$arch)?\$/\1/p" | head -1)
		[ -n "$rel" ] || lab_fail 126 "no $arch kernel found in $spec"
		echo "$spec $rel"
		return ;;
	esac
	spec=${spec%-"$arch"}
	for suite in $LAB_SUITES; do
		rel=$(lab_releases "$suite" "$arch" | grep -Fx -- "$spec-$arch")
		[ -n "$rel" ] && { echo "$suite $rel"; return; }
	done
	lab_fail 126 "no Debian kernel $spec-$arch in $LAB_SUITES (--kernel takes a suite, a release or a file)"
}

# lab_fetch SPEC DEBARCH: sets KREL and KDIR, the unpacked kernel
# (KDIR/vmlinuz, KDIR/modules/ as the package ships them). A suite's
# resolution is remembered in KDIR's parent; delete it to look again.
lab_fetch() {
	local spec=$1 arch=$2 memo=$LAB_CACHE/kernels/$2/$1.release suite pkgs p tmp found
	mkdir -p "$LAB_CACHE/kernels/$arch" "$LAB_CACHE/debs"
	if [ ! -s "$memo" ]; then
		# the lists first, here: a failure in $(...) would end only that
		for suite in $LAB_SUITES; do
			case $spec in bookworm | trixie | sid) [ "$suite" = "$spec" ] || continue ;; esac
			lab_apt_lists "$suite"
		done
		found=$(lab_resolve "$spec" "$arch") || exit $?
		echo "$found" >"$memo"
	fi
	read -r suite KREL <"$memo"
	KDIR=$LAB_CACHE/kernels/$arch/$KREL
	[ -f "$KDIR/vmlinuz" ] && return 0
	pkgs=$(lab_packages "$suite" "$KREL" "$arch") ||
		lab_fail 126 "no image package for $KREL in $suite"
	lab_note "downloading $pkgs ($suite)"
	# shellcheck disable=SC2086 # a list of package names
	(cd "$LAB_CACHE/debs" && lab_apt "$suite" apt-get -q download $pkgs) >"$LAB_CACHE/debs/download.log" 2>&1 ||
		lab_fail 126 "apt-get download $pkgs failed (see $LAB_CACHE/debs/download.log)"
	tmp=$(mktemp -d "$LAB_CACHE/kernels/unpack.XXXXXX")
	for p in $pkgs; do
		p=${p%:*}
		# shellcheck disable=SC2012 # Debian's file names have no blanks
		dpkg-deb -x "$(ls -t "$LAB_CACHE/debs/${p}"_*_"$arch".deb | head -1)" "$tmp" ||
			lab_fail 126 "cannot unpack $p"
	done
	lab_unpacked "$tmp" "$KREL" "$tmp.k" && rm -rf "$tmp" && mv "$tmp.k" "$KDIR"
	[ -f "$KDIR/vmlinuz" ] || lab_fail 126 "no kernel image in $pkgs"
}

# lab_unpacked TREE RELEASE OUT: OUT/vmlinuz and OUT/modules from an
# unpacked package tree (boot/vmlinuz-R + lib/modules/R, or the usrmerged
# usr/lib/modules/R/vmlinuz)
lab_unpacked() {
	local tree=$1 rel=$2 out=$3 m
	mkdir -p "$out"
	for m in "$tree/boot/vmlinuz-$rel" "$tree/usr/lib/modules/$rel/vmlinuz" "$tree/lib/modules/$rel/vmlinuz"; do
		[ -f "$m" ] && { cp "$m" "$out/vmlinuz"; break; }
	done
	for m in "$tree/lib/modules/$rel" "$tree/usr/lib/modules/$rel"; do
		[ -d "$m" ] && { mv "$m" "$out/modules"; break; }
	done
	[ -f "$out/vmlinuz" ]
}

# lab_kernel_file FILE: sets KREL and KDIR for a kernel image the user
# names; its modules are looked for beside it (usr/lib/modules/R/vmlinuz)
# or in ../lib/modules/R for boot/vmlinuz-R. Without them the kernel must
# have virtio, 9p and overlay built in.
lab_kernel_file() {
	local f dir
	f=$(realpath -- "$1") || lab_fail 126 "no kernel file $1"
	[ -f "$f" ] || lab_fail 126 "no kernel file $1"
	dir=$(dirname "$f")
	KREL=$(basename "$f")
	KREL=${KREL#vmlinuz-}
	[ "$KREL" = vmlinuz ] && KREL=$(basename "$dir")
	KDIR=$LAB_CACHE/files/$(printf '%s' "$f" | md5sum | cut -c1-12)
	mkdir -p "$KDIR"
	ln -sf "$f" "$KDIR/vmlinuz"
	rm -f "$KDIR/modules"
	if [ -f "$dir/modules.order" ] || [ -d "$dir/kernel" ]; then
		ln -s "$dir" "$KDIR/modules"
	elif [ -d "$dir/../lib/modules/$KREL" ]; then
		ln -s "$(realpath "$dir/../lib/modules/$KREL")" "$KDIR/modules"
	fi
}
