#!/bin/bash
# scripts/lab.sh: runs a command as root under a real Debian kernel with KVM,
# booted in QEMU's software emulation (TCG, -cpu max: nested SVM on x86_64,
# EL2 with VHE on arm64), with the repository at its own path, writable.
# See `scripts/lab.sh --help` and README.md "The lab".
set -u
# In the source tree the shared directory is the repository and the cache its
# build/lab; installed (kvmscope-lab, its parts in PREFIX/share/kvmscope/lab)
# it is the directory the command is started from, the cache the user's.
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -f "$HERE/lab/kernels.sh" ]; then
	LAB_LIB=$HERE/lab
	LAB_ROOT=$(cd "$HERE/.." && pwd)
	LAB_CACHE=${LAB_CACHE:-$LAB_ROOT/build/lab}
else
	LAB_LIB=$(cd "$HERE/../share/kvmscope/lab" 2>/dev/null && pwd) ||
		{ echo "lab: its parts are not in $HERE/../share/kvmscope/lab" >&2; exit 126; }
	LAB_ROOT=$PWD
	LAB_CACHE=${LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvmscope/lab}
fi
# shellcheck source=scripts/lab/kernels.sh
. "$LAB_LIB/kernels.sh"
# shellcheck source=scripts/lab/initramfs.sh
. "$LAB_LIB/initramfs.sh"
# shellcheck source=scripts/lab/arm64-root.sh
. "$LAB_LIB/arm64-root.sh"

usage() {
	cat <<'EOF'
usage: scripts/lab.sh [OPTIONS] -- COMMAND [ARGS...]
       scripts/lab.sh [OPTIONS] --matrix -- COMMAND [ARGS...]

Boots a Debian kernel under QEMU (TCG, -cpu max, nested KVM inside) and runs
COMMAND there as root, in the repository root, with the repository mounted
read-write at the same path; /dev/kvm, tracefs, debugfs and bpffs are there.
COMMAND's stdout and stderr stream back separately; stdin is /dev/null.

  --arch x86_64|aarch64  the lab's architecture (default: x86_64). x86_64
                         runs on the host's root (read-only, tmpfs overlay);
                         aarch64 on an arm64 Debian root cached in build/lab
  --kernel SPEC          a suite (bookworm, trixie, sid; default bookworm),
                         a release (6.1.0-57-amd64, 7.2.13+deb14) or a kernel
                         image file (modules beside it or in ../lib/modules)
  --cpus N               virtual CPUs (default 2)
  --mem SIZE             memory, as QEMU's -m takes it (default 1024M)
  --timeout SEC          kill the lab after SEC seconds (default 600)
  --matrix               run COMMAND on the bookworm, trixie and sid kernels
                         and print a table; exit 0 only if all passed
  --verbose              copy the kernel's console to stderr
  -h, --help             this text

Exit status: COMMAND's own, or
  2    bad usage
  124  the timeout expired (the first oops, BUG or RCU stall the kernel
       reported on its console is named)
  125  the lab did not come up (kernel panic, boot or mount failure, QEMU
       error); the console log is kept and named
  126  a kernel, package or host tool is missing (apt-get download failed)
  130  interrupted (SIGINT, SIGTERM or SIGHUP; QEMU is stopped)
Kernels and roots are cached under build/lab (LAB_CACHE=DIR for another);
LAB_APPEND adds kernel command line words (e.g. loglevel=7 for the console
--verbose shows).
EOF
}

lab_note() { echo "lab.sh: $*" >&2; }
lab_fail() {
	local rc=$1
	shift
	echo "lab.sh: error: $*" >&2
	exit "$rc"
}
lab_usage_error() {
	echo "lab.sh: $*" >&2
	echo "Try 'scripts/lab.sh --help'." >&2
	exit 2
}

# lab_need TOOL...: 126 naming the first missing host tool
lab_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null ||
			lab_fail 126 "$t is not installed (scripts/install-deps.sh installs it)"
	done
}

# lab_quote WORD...: the words as one line of POSIX sh, each single-quoted
lab_quote() {
	local w out=
	for w in "$@"; do
		out="$out '${w//\'/\'\\\'\'}'"
	done
	echo "${out# }"
}

ARCH=x86_64 KERNEL=bookworm CPUS=2 MEM=1024M TIMEOUT=600 MATRIX='' VERBOSE=''
parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--arch | --kernel | --cpus | --mem | --timeout)
			[ $# -ge 2 ] || lab_usage_error "option $1 needs a value"
			case $1 in
			--arch) ARCH=$2 ;;
			--kernel) KERNEL=$2 ;;
			--cpus) CPUS=$2 ;;
			--mem) MEM=$2 ;;
			--timeout) TIMEOUT=$2 ;;
			esac
			shift 2 ;;
		--arch=* | --kernel=* | --cpus=* | --mem=* | --timeout=*)
			parse_args "${1%%=*}" "${1#*=}"
			shift ;;
		--matrix) MATRIX=1; shift ;;
		--verbose) VERBOSE=1; shift ;;
		-h | --help) usage; exit 0 ;;
		--) shift; break ;;
		*) lab_usage_error "unknown option '$1'" ;;
		esac
	done
	ARGS=("$@")
}

check_args() {
	case $ARCH in
	x86_64 | amd64) ARCH=x86_64 DEBARCH=amd64 ;;
	aarch64 | arm64) ARCH=aarch64 DEBARCH=arm64 ;;
	*) lab_usage_error "--arch must be x86_64 or aarch64, not '$ARCH'" ;;
	esac
	[[ $CPUS =~ ^[1-9][0-9]*$ ]] || lab_usage_error "--cpus must be a positive number, not '$CPUS'"
	[[ $MEM =~ ^[1-9][0-9]*[MG]?$ ]] || lab_usage_error "--mem must be like 1024M or 2G, not '$MEM'"
	[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || lab_usage_error "--timeout must be a number of seconds, not '$TIMEOUT'"
	[ ${#ARGS[@]} -gt 0 ] || lab_usage_error "no COMMAND given (scripts/lab.sh [OPTIONS] -- COMMAND)"
}

# prepare: KDIR/initramfs.cpio for the chosen kernel, the arm64 root;
# one preparation at a time per cache (runs share it)
prepare() {
	local busybox=/bin/busybox
	mkdir -p "$LAB_CACHE" || lab_fail 126 "cannot create $LAB_CACHE"
	exec 9>"$LAB_CACHE/lock"
	flock 9
	if [ "$ARCH" = aarch64 ]; then
		lab_arm64_root
		busybox=$LAB_ARM64_ROOT/bin/busybox
	elif readelf -l "$busybox" 2>/dev/null | grep -q INTERP || [ ! -x "$busybox" ]; then
		lab_fail 126 "no static busybox at /bin/busybox (busybox-static; scripts/install-deps.sh)"
	fi
	if [ -e "$KERNEL" ] || [[ $KERNEL == */* ]]; then
		lab_kernel_file "$KERNEL"
	else
		lab_fetch "$KERNEL" "$DEBARCH"
	fi
	lab_initramfs "$KDIR" "$busybox"
	LAB_KERNEL_IMAGE=$KDIR/vmlinuz
	if [ "$ARCH" = x86_64 ]; then
		lab_pvh "$KDIR"
		[ -f "$KDIR/vmlinux" ] && LAB_KERNEL_IMAGE=$KDIR/vmlinux
	fi
	exec 9>&-
}

# qemu_args RUNDIR: the QEMU command line (LAB_QEMU array)
qemu_args() {
	# loglevel 5: warnings, oopses and RCU stall reports reach the console,
	# so a lab that hangs says why (with 3 a livelocked kernel left it empty)
	local run=$1 append="panic=-1 quiet loglevel=5 ${LAB_APPEND:-}"
	if [ "$ARCH" = x86_64 ]; then
		# One host thread runs the vCPUs in turn. With a thread each (MTTCG),
		# QEMU 7.2 let a vCPU keep running a stale translation of a kernel text
		# site that another vCPU live-patched (static keys and jump labels,
		# toggled whenever BPF attaches or detaches), still holding the
		# patch's temporary int3. The kernel's int3 handler sees no int3 in
		# memory and backs up to retry, forever: both vCPUs soft-locked in
		# finish_task_switch and the lab's command never finished.
		# shellcheck disable=SC2054 # commas belong to QEMU
		LAB_QEMU=(qemu-system-x86_64 -M q35 -cpu max -accel tcg,thread=single)
		append="console=ttyS0 $append"
	else
		# shellcheck disable=SC2054 # commas belong to QEMU
		LAB_QEMU=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on)
		append="console=ttyAMA0 $append"
	fi
	# shellcheck disable=SC2054
	LAB_QEMU+=(-smp "$CPUS" -m "$MEM" -nodefaults -no-user-config -display none -no-reboot
		-kernel "$LAB_KERNEL_IMAGE" -initrd "$run/initrd" -append "$append"
		-chardev "file,id=con,path=$run/console"
		-serial chardev:con
		-device virtio-serial-pci,id=vs
		-chardev "file,id=out,path=$run/out"
		-device virtserialport,bus=vs.0,chardev=out,name=lab.out
		-chardev "file,id=err,path=$run/err"
		-device virtserialport,bus=vs.0,chardev=err,name=lab.err
		-chardev "file,id=ctl,path=$run/ctl"
		-device virtserialport,bus=vs.0,chardev=ctl,name=lab.ctl
		-fsdev "local,id=root,path=$LAB_USERROOT,security_model=none,readonly=on,multidevs=remap"
		-device virtio-9p-pci,fsdev=root,mount_tag=labroot
		-fsdev "local,id=repo,path=$LAB_ROOT,security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=repo,mount_tag=labrepo)
}

# verdict RUNDIR QEMU_STATUS: exits with COMMAND's status or the lab's error
verdict() {
	local run=$1 q=$2 line
	line=$(grep -a -m1 '^lab-status: ' "$run/ctl" 2>/dev/null)
	if [ -n "$line" ]; then
		rm -rf "$run"
		exit "${line#lab-status: }"
	fi
	LAB_KEEP=1
	[ -n "${LAB_INTR:-}" ] && lab_fail 130 "interrupted (console: $run/console)"
	if [ "$q" = 124 ] || [ "$q" = 137 ]; then
		line=$(grep -a -m1 -o -E '(BUG: |Oops|rcu: INFO: |int3: |general protection).*' "$run/console" | tr -d '\r')
		lab_fail 124 "timed out after $TIMEOUT s${line:+; the kernel reported: $line} (console: $run/console)"
	fi
	line=$(grep -a -m1 -o 'Kernel panic - not syncing:.*' "$run/console" | tr -d '\r')
	[ -n "$line" ] && lab_fail 125 "kernel $KREL: $line (console: $run/console)"
	line=$(cat "$run/ctl" "$run/console" 2>/dev/null | grep -a -m1 '^lab-init: ' | tr -d '\r')
	[ -n "$line" ] && lab_fail 125 "kernel $KREL: ${line#lab-init: } (console: $run/console)"
	[ "$q" != 0 ] &&
		lab_fail 125 "QEMU failed (status $q): $(tail -1 "$run/qemu.err") (console: $run/console)"
	lab_fail 125 "kernel $KREL stopped before the command ran (console: $run/console)"
}

run_lab() {
	local run q qpid tailpid='' catout caterr
	check_args
	lab_need "qemu-system-$ARCH" cpio apt-get dpkg-deb flock timeout
	prepare
	LAB_USERROOT=/
	[ "$ARCH" = aarch64 ] && LAB_USERROOT=$LAB_ARM64_ROOT
	run=$(mktemp -d "${TMPDIR:-/tmp}/kvmscope-lab.XXXXXX")
	LAB_KEEP=
	trap '[ -n "$LAB_KEEP" ] || rm -rf "$run"; [ -n "$tailpid" ] && kill $tailpid 2>/dev/null' EXIT
	printf "REPO=%s\nROOT_TAG=labroot\nREPO_TAG=labrepo\n" "$(lab_quote "$LAB_ROOT")" >"$run/conf"
	printf 'cd %s || { echo "lab.sh: error: the shared directory is not at its path inside the lab" >&2; exit 125; }\nexec %s\n' \
		"$(lab_quote "$LAB_ROOT")" "$(lab_quote "${ARGS[@]}")" >"$run/cmd"
	lab_run_archive "$run" "$run/conf" "$run/cmd"
	cat "$KDIR/initramfs.cpio" "$run/run.cpio" >"$run/initrd"
	qemu_args "$run"
	: >"$run/console"
	if [ -n "$VERBOSE" ]; then
		tail -f "$run/console" >&2 &
		tailpid=$!
	fi
	# the ports write into FIFOs that cat copies to our own stdout and
	# stderr: QEMU opening /proc/self/fd/N would get a file description of
	# its own, with its own offset, and overwrite what a caller's >FILE has
	mkfifo "$run/out" "$run/err"
	cat "$run/out" &
	catout=$!
	cat "$run/err" >&2 &
	caterr=$!
	# held open here too, so the cats end when we close them even if QEMU
	# never opened the FIFOs (a bad option)
	exec 7>"$run/out" 8>"$run/err"
	# in the background, so an interrupt reaches it: timeout(1) runs in a
	# process group of its own, which a terminal's ^C does not reach
	timeout -k 5 "$TIMEOUT" "${LAB_QEMU[@]}" </dev/null 2>"$run/qemu.err" 7>&- 8>&- &
	qpid=$!
	trap 'LAB_INTR=1; kill -TERM $qpid 2>/dev/null' INT TERM HUP
	while wait "$qpid"; q=$?; kill -0 "$qpid" 2>/dev/null; do :; done
	exec 7>&- 8>&-
	wait "$catout" "$caterr"
	verdict "$run" "$q"
}

# run_matrix: COMMAND on each suite's kernel, then a table
run_matrix() {
	local suite rc start secs rel all=0 table=
	for suite in $LAB_SUITES; do
		lab_note "--- $suite"
		start=$(date +%s.%N)
		"$0" --arch "$ARCH" --kernel "$suite" --cpus "$CPUS" --mem "$MEM" --timeout "$TIMEOUT" \
			${VERBOSE:+--verbose} -- "${ARGS[@]}"
		rc=$?
		secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		rel=$(cut -d' ' -f2 "$LAB_CACHE/kernels/$DEBARCH/$suite.release" 2>/dev/null)
		[ "$rc" = 0 ] || all=1
		table+=$(printf '%-10s %-24s %-6s %6.1f' "$suite" "${rel:--}" "$rc" "$secs")$'\n'
	done
	printf '%-10s %-24s %-6s %6s\n' kernel version status seconds
	printf '%s' "$table"
	exit $all
}

parse_args "$@"
if [ -n "$MATRIX" ]; then
	check_args
	run_matrix
fi
run_lab
