#!/bin/sh
# Installs every Debian package kvmscope's build, tests and benchmarks need.
# Idempotent and quick when everything is present:
#   scripts/install-deps.sh           install what is missing
#   scripts/install-deps.sh --check   exit 1 if anything is missing, install nothing
set -eu

# build
PKGS="build-essential pkg-config clang llvm libjansson-dev libcmocka-dev libfdt1
device-tree-compiler libelf-dev libdw-dev libbpf-dev bpftool libtraceevent-dev
libtracefs-dev systemtap-sdt-dev binutils"
# cross build of the arm64 paths, and qemu-user to run its host-independent
# modes (dumpdtb). libfdt-dev is not Multi-Arch: same, so the arm64 one is
# installed; its headers serve both builds, which link libfdt1's soname.
# The cross C library is only a Recommends of gcc-aarch64-linux-gnu, so it
# is named (installs here skip recommends).
PKGS="$PKGS gcc-aarch64-linux-gnu libc6-dev-arm64-cross libfdt-dev:arm64 libfdt1:arm64
systemtap-sdt-dev:arm64 libjansson-dev:arm64 libcmocka-dev:arm64 qemu-user-static"
# tests and peers the benchmarks compare with
PKGS="$PKGS valgrind socat qemu-system-x86 qemu-system-arm bpftrace trace-cmd qemu-guest-agent hyperfine
libclang-rt-14-dev procps psmisc jq"
# scripts/lab.sh: initramfs (cpio, a static busybox), the arm64 root
# (mmdebstrap), its QEMUs are above; file locking comes with util-linux
PKGS="$PKGS cpio busybox-static mmdebstrap xz-utils zstd"
# kvmscope ci's tests: JUnit schema check, the HTML timeline in headless Chromium
PKGS="$PKGS libxml2-utils chromium"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "missing packages:$missing" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Debian multiarch for the :arm64 packages (once; apt-get update follows)
case $missing in *:arm64*)
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64 ;;
esac
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
