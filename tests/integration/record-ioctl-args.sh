#!/bin/bash
# record copies the struct behind a few KVM ioctls (capture format 1.2,
# IOCTL_ARG records) and report names its fields. On this x86 host: QEMU 7.2
# asks /dev/kvm for the guest XSAVE components with KVM_GET_DEVICE_ATTR
# (group KVM_X86_GRP_SYSTEM), decoded by name with its fd told as /dev/kvm;
# our VMM makes none of these ioctls on x86, so its capture holds no
# IOCTL_ARG; a capture of an older format reads as before. The arm64 structs
# (KVM_ARM_VCPU_INIT, the PMU and vGIC attributes) are checked in the arm64
# lab (arm64-lab.sh) and by the decoder's unit test (test-kvm-ioctl-args).
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
QEMU=${QEMU:-qemu-system-x86_64}
require_recorder

# the capture header's format version: u16 major, u16 minor at offset 8
version() { od -An -tu2 -j8 -N4 "$1" | awk '{ print $1 "." $2 }'; }

timeout -s KILL 120 "$KVMSCOPE" record -q -o "$T_TMP/vmm.cap" -- "$VMM" -kernel "$GUESTS/hello.elf" \
	-serial null </dev/null >/dev/null 2>"$T_TMP/vmm.err"
expect_eq "our VMM recorded: the capture is format 1.2" "$(version "$T_TMP/vmm.cap")" 1.2
"$KVMSCOPE" report --format json "$T_TMP/vmm.cap" >"$T_TMP/vmm.json" 2>/dev/null
expect_eq "... x86 board: no ioctl with a copied struct (none of those requests)" \
	"$(jq -r 'select(.kind == "ioctl" and .arg_struct != null) | .text' "$T_TMP/vmm.json" | wc -l)" 0

old=$ROOT/tests/fixtures/capture-x86-pmu-on.capture
check "a capture of an older format ($(version "$old"), tests/fixtures) ..." \
	test "$(version "$old" | tr -d .)" -lt 12
"$KVMSCOPE" report --format json "$old" >"$T_TMP/old.json" 2>"$T_TMP/old.err"
expect_eq "... reads with no argument fields and no complaint" \
	"$(jq -r 'select(.arg_struct != null or .arg_fd != null)' "$T_TMP/old.json" | wc -l):$(grep -c 'do not know' "$T_TMP/old.err")" "0:0"

if ! command -v "$QEMU" >/dev/null; then
	skip "QEMU's KVM_GET_DEVICE_ATTR decoded: $QEMU not installed"
	echo "1..$T_N"
	exit 0
fi
timeout -s KILL 120 "$KVMSCOPE" record -q -o "$T_TMP/qemu.cap" -- "$QEMU" -M pc -enable-kvm -display none \
	-serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$GUESTS/hello.elf" \
	</dev/null >"$T_TMP/qemu.out" 2>"$T_TMP/qemu.err"
expect_grep "QEMU ran the guest under record" "$T_TMP/qemu.out" '^guest: powering off'
"$KVMSCOPE" report --format json "$T_TMP/qemu.cap" >"$T_TMP/qemu.json" 2>/dev/null
jq -r 'select(.kind == "ioctl" and .arg_struct != null) | "\(.arg_fd) \(.text | capture("^ioctl\\([0-9]+, (?<n>[A-Z_0-9]+)").n) \(.arg_struct | sub(" addr=0x[0-9a-f]+"; ""))"' \
	"$T_TMP/qemu.json" | sort | uniq -c >"$T_TMP/qemu.args"
diag <"$T_TMP/qemu.args"
if [ ! -s "$T_TMP/qemu.args" ]; then
	skip "QEMU's device attributes decoded: this QEMU made no KVM_*_DEVICE_ATTR/CREATE_DEVICE (test-kvm-ioctl-args covers the decoder)"
else
	expect_grep "QEMU 7.2's KVM_GET_DEVICE_ATTR on /dev/kvm decoded: the XSAVE components it may give" \
		"$T_TMP/qemu.args" ' system KVM_GET_DEVICE_ATTR group=KVM_X86_GRP_SYSTEM attr=KVM_X86_XCOMP_GUEST_SUPP$'
	expect_grep "... and in report's text, in braces after the pointer" "$T_TMP/qemu.json" \
		'KVM_GET_DEVICE_ATTR, 0x[0-9a-f]* {group=KVM_X86_GRP_SYSTEM attr=KVM_X86_XCOMP_GUEST_SUPP addr=0x[0-9a-f]*}) = 0'
	expect_eq "... every copied struct was readable" \
		"$(jq -r 'select(.arg_struct == "unreadable")' "$T_TMP/qemu.json" | wc -l)" 0
fi
echo "1..$T_N"
