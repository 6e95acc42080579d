#!/bin/bash
# The kernel's teardown of the VM is handed to a child (vmm/teardown.h): the
# VMM forks exactly one process (not a thread) at its end, on every way out
# (isa-debug-exit's exit(), ACPI power-off through the main loop, a start
# that fails after the VM exists), that child outlives the VMM and exits 0;
# the exit statuses are the same with KVMSCOPE_VMM_SYNC_TEARDOWN=1 (teardown
# in the VMM), and so is the guest's output; the child holds none of the
# VMM's other descriptors (its stdout pipe ends with the VMM).
. "$(dirname "$0")/../lib.sh"
if ! have_kvm; then skip "teardown: /dev/kvm not usable"; exit 0; fi
if ! command -v strace >/dev/null; then skip "teardown: strace not installed"; exit 0; fi

# traced NAME ARGS...: the VMM under strace -f (process events and forks) into NAME.st
traced() {
	local name=$1
	shift
	timeout -s KILL 60 strace -f -q -e trace=clone,clone3,fork,vfork -e signal=none \
		-o "$T_TMP/$name.st" "$VMM" "$@" </dev/null >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	echo $? >"$T_TMP/$name.rc"
}
# check_handed NAME STATUS: the main pid exits STATUS, one process child, exiting 0 after it
check_handed() {
	local name=$1 want=$2 st=$T_TMP/$1.st main helpers helper
	main=$(head -1 "$st" | awk '{ print $1 }')
	expect_eq "$name: the VMM exits $want" "$(rc "$name")" "$want"
	# a process child (a clone without CLONE_THREAD), by whichever thread ended the VMM
	helpers=$(grep -E "^[0-9]+ +clone3?\(" "$st" | grep -v CLONE_THREAD | grep -oE '= [0-9]+$' | awk '{ print $2 }')
	expect_eq "$name: exactly one process forked by the VMM" "$(echo "$helpers" | grep -c .)" 1
	helper=$(echo "$helpers" | head -1)
	expect_grep "$name: it exits 0" "$st" "^$helper +\+\+\+ exited with 0 \+\+\+"
	local main_end helper_end
	main_end=$(grep -nE "^$main +\+\+\+ (exited|killed)" "$st" | cut -d: -f1)
	helper_end=$(grep -nE "^$helper +\+\+\+ exited" "$st" | cut -d: -f1)
	check "$name: ... after the VMM" test "${helper_end:-0}" -gt "${main_end:-999999}"
}

# isa-debug-exit: exit() from a vCPU thread
traced debugexit -kernel "$GUESTS/hello.elf" -append exit=debug -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=4
check_handed debugexit 1
# ACPI power-off: the main loop's way out
traced poweroff -kernel "$GUESTS/hello.elf" -serial stdio
check_handed poweroff 0
expect_grep "the guest's output is all there" "$T_TMP/poweroff.out" 'powering off'

# the same statuses and output with the teardown kept in the VMM
for v in debugexit poweroff; do
	args=(-kernel "$GUESTS/hello.elf" -serial stdio)
	[ $v = debugexit ] && args+=(-append exit=debug -device isa-debug-exit,iobase=0xf4,iosize=4)
	KVMSCOPE_VMM_SYNC_TEARDOWN=1 timeout -s KILL 60 "$VMM" "${args[@]}" </dev/null \
		>"$T_TMP/sync-$v.out" 2>&1
	echo $? >"$T_TMP/sync-$v.rc"
	expect_eq "$v: same status with the teardown in the VMM" "$(rc sync-$v)" "$(rc $v)"
	expect_eq "$v: same output" "$(cat "$T_TMP/sync-$v.out")" "$(cat "$T_TMP/$v.out")"
done

# the child keeps no copy of the VMM's stdout: a reader sees EOF with the VMM
timeout -s KILL 60 "$VMM" -kernel "$GUESTS/hello.elf" -serial stdio </dev/null | cat >"$T_TMP/pipe.out"
expect_eq "a pipe from the VMM closes with it" "${PIPESTATUS[0]}" 0
expect_grep "... carrying all the output" "$T_TMP/pipe.out" 'powering off'

# and KVMSCOPE_VMM_SYNC_TEARDOWN=1 forks nothing
KVMSCOPE_VMM_SYNC_TEARDOWN=1 traced sync -kernel "$GUESTS/hello.elf" -serial null
expect_eq "with the teardown kept in the VMM no process is forked" \
	"$(grep -E '^[0-9]+ +clone3?\(' "$T_TMP/sync.st" | grep -vc CLONE_THREAD)" 0
