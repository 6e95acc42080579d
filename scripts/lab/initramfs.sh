# shellcheck shell=bash
# The lab's initramfs (sourced by scripts/lab.sh): a static busybox,
# scripts/lab/init and only the modules the init loads, each list in
# dependency order (read from the modules' own .modinfo "depends=", as the
# packages ship no modules.dep). Built once per kernel into KDIR, and
# again when the init or this file change; each run appends a small second
# archive with its command (the kernel unpacks concatenated archives).

LAB_HERE=$(dirname "${BASH_SOURCE[0]}")
# virtio PCI transport and console ports, 9p, overlay; absent ones are
# taken as built in (arm64 builds virtio in); arm64 virt's clock is a
# PL031 RTC, a module the init reads the time from
LAB_BASE_MODULES="virtio_pci virtio_mmio virtio_console 9pnet_virtio 9p overlay rtc_pl031"

# lab_mod_index MODDIR: "name path" per module file, names with _
lab_mod_index() {
	[ -d "$1" ] || return 0
	find -L "$1" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' |
		awk '{ n = $0; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n);
		       gsub(/-/, "_", n); print n, $0 }'
}

# lab_mod_plain PATH OUT: the module uncompressed (busybox insmod reads
# plain ELF)
lab_mod_plain() {
	case $1 in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -qdc "$1" >"$2" ;;
	*.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# lab_mod_closure INDEX OUTDIR NAME...: copies NAME and what it depends on
# into OUTDIR and prints their file names, dependencies first; names in
# LAB_LOADED are skipped (loaded by an earlier list)
lab_mod_closure() {
	local index=$1 out=$2 n path deps
	shift 2
	for n in "$@"; do
		n=${n//-/_}
		case " $LAB_LOADED " in *" $n "*) continue ;; esac
		LAB_LOADED="$LAB_LOADED $n"
		path=$(awk -v n="$n" '$1 == n { print $2; exit }' "$index")
		[ -n "$path" ] || continue
		lab_mod_plain "$path" "$out/$n.ko" || lab_fail 125 "cannot unpack module $path"
		# the .modinfo string; read as bytes, any architecture's ELF
		deps=$(tr '\0' '\n' <"$out/$n.ko" | sed -n 's/^depends=//p' | head -1 | tr ',' ' ')
		# shellcheck disable=SC2086
		[ -n "$deps" ] && lab_mod_closure "$index" "$out" $deps
		echo "$n.ko"
	done
}

# lab_initramfs KDIR BUSYBOX: KDIR/initramfs.cpio, rebuilt when stale
lab_initramfs() {
	local kdir=$1 busybox=$2 img=$1/initramfs.cpio tmp
	if [ -f "$img" ] && [ "$img" -nt "$LAB_HERE/init" ] && [ "$img" -nt "$LAB_HERE/initramfs.sh" ]; then
		return 0
	fi
	tmp=$(mktemp -d "$kdir/initramfs.XXXXXX")
	mkdir -p "$tmp/bin" "$tmp/modules" "$tmp/lab"
	cp "$busybox" "$tmp/bin/busybox" || lab_fail 126 "no static busybox at $busybox"
	cp "$LAB_HERE/init" "$tmp/init"
	chmod 755 "$tmp/init" "$tmp/bin/busybox"
	lab_mod_index "$kdir/modules" >"$tmp/index"
	LAB_LOADED=
	# shellcheck disable=SC2086
	lab_mod_closure "$tmp/index" "$tmp/modules" $LAB_BASE_MODULES >"$tmp/modules/base.list"
	local base=$LAB_LOADED
	lab_mod_closure "$tmp/index" "$tmp/modules" kvm_amd >"$tmp/modules/kvm-amd.list"
	LAB_LOADED=$base
	lab_mod_closure "$tmp/index" "$tmp/modules" kvm_intel >"$tmp/modules/kvm-intel.list"
	rm "$tmp/index"
	(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$img.new" ||
		lab_fail 125 "cpio failed building $img"
	mv "$img.new" "$img"
	rm -rf "$tmp"
}

# lab_run_archive DIR CONF CMDFILE: DIR/run.cpio holding lab/conf and lab/cmd
lab_run_archive() {
	local dir=$1
	mkdir -p "$dir/root/lab"
	cp "$2" "$dir/root/lab/conf"
	cp "$3" "$dir/root/lab/cmd"
	(cd "$dir/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$dir/run.cpio"
}
