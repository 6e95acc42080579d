#!/bin/bash
# No false findings on healthy runs: kvmscope-vmm and real QEMU (7.2 here,
# -M microvm and -M pc) boot the tiny guest under `kvmscope record`, and
# diagnose of each capture with the VMM's stderr must be silent (status 0,
# the inputs understood). Also: every KVM ioctl of the captures is named
# (QEMU's sign-extended requests included) and KVM_CHECK_EXTENSION's
# arguments are named capabilities. The protocol answers of a healthy run
# (E2BIG size probes, EINTR, KVMCLOCK_CTRL EINVAL; tools/analyze/benign-errno.c) are
# counted in the output: they must stay silent.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
QEMU=${QEMU:-qemu-system-x86_64}
require_recorder
if [ ! -f "$GUESTS/hello.elf" ]; then not_ok "guests not built in $GUESTS"; echo "1..$T_N"; exit 0; fi

# healthy NAME VMM ARGS...: record the run, diagnose capture + stderr, expect silence
healthy() {
	local name=$1
	shift
	timeout -s KILL 120 "$KVMSCOPE" record -q -o "$T_TMP/$name.capture" -- "$@" \
		</dev/null >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	if ! grep -q '^guest: powering off' "$T_TMP/$name.out"; then
		not_ok "$name: the guest ran to its power-off under record"
		tail -5 "$T_TMP/$name.err" | diag
		return
	fi
	timeout -s KILL 120 "$KVMSCOPE" diagnose --format json "$T_TMP/$name.capture" "$T_TMP/$name.err" \
		>"$T_TMP/$name.json" 2>"$T_TMP/$name.derr"
	local rc=$? findings
	findings=$(jq -r '[.findings[] | .rule + ": " + .title] | join("; ")' "$T_TMP/$name.json" 2>&1)
	expect_eq "$name: diagnose is silent (status 0, no finding)" "$rc ${findings:-none}" "0 none"
	expect_eq "$name: the capture was understood" \
		"$(jq -r '.input_counts[0].understood > 100' "$T_TMP/$name.json")" true
	"$KVMSCOPE" diagnose --events "$T_TMP/$name.capture" >"$T_TMP/$name.events"
	expect_eq "$name: every KVM ioctl named" \
		"$(grep ' syscall=ioctl' "$T_TMP/$name.events" | grep -vc ' ioctl=')" 0
	expect_eq "$name: KVM_CHECK_EXTENSION arguments named as capabilities" \
		"$(grep 'ioctl=KVM_CHECK_EXTENSION' "$T_TMP/$name.events" | grep -c ' capability=KVM_CAP_' | \
		   awk '{print ($1 > 0)}')" 1
	grep ' errno=[1-9]' "$T_TMP/$name.events" | grep -o 'ioctl=[A-Z_0-9]* .*errname=[A-Z0-9]*' |
		sed 's/ .*errname=/ /' | sort | uniq -c |
		sed "s/^/$name: protocol answers in this healthy run (silent): /" | diag
}

healthy vmm "$VMM" -kernel "$GUESTS/hello.elf" -append "x=1" -serial stdio -msg timestamp=on
if ! command -v "$QEMU" >/dev/null; then
	skip "healthy QEMU runs: $QEMU not installed"
else
	echo "# $($QEMU --version | head -1)"
	# the guest leaves microvm (no ACPI power-off) through isa-debug-exit, as
	# in tests/guests/qemu-check.sh
	QARGS=(-enable-kvm -display none -serial stdio -no-reboot -msg timestamp=on
	       -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$GUESTS/hello.elf" -append "x=1")
	healthy qemu-microvm "$QEMU" -M microvm "${QARGS[@]}"
	healthy qemu-pc "$QEMU" -M pc "${QARGS[@]}"
fi
echo "1..$T_N"
