#!/bin/bash
# 1000 boot-reset cycles of the reboot guest leak no memory and no file
# descriptor: under valgrind for a normal build, under LeakSanitizer for an
# ASan build (make asan).
. "$(dirname "$0")/../lib.sh"
if ! have_kvm; then skip "leaks: /dev/kvm not usable"; exit 0; fi

args=(-kernel "$GUESTS/reboot.elf" -append "count=1000 method=cf9" -serial "file:$T_TMP/com1.txt")
if nm "$VMM" 2>/dev/null | grep -q __asan_init; then
	ASAN_OPTIONS=detect_leaks=1:exitcode=98 timeout -s KILL 300 "$VMM" "${args[@]}" \
		</dev/null >"$T_TMP/run.out" 2>"$T_TMP/run.err"
	expect_eq "1000 resets under ASan+LSan: clean exit" "$?" 0
	skip "open descriptors at exit: valgrind's --track-fds does not run on ASan builds"
elif command -v valgrind >/dev/null; then
	# valgrind runs a copy: a collector around the tests (kvmscope ci) puts
	# uprobe breakpoints in every process of the VMM's file, and valgrind's
	# translated code cannot take them (SIGTRAP). A copy is another inode.
	cp "$VMM" "$T_TMP/kvmscope-vmm"
	timeout -s KILL 600 valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --track-fds=yes \
		"$T_TMP/kvmscope-vmm" "${args[@]}" </dev/null >"$T_TMP/run.out" 2>"$T_TMP/run.err"
	st=$?
	expect_eq "1000 resets under valgrind: no errors, no leaks" "$st" 0
	[ "$st" = 0 ] || tail -30 "$T_TMP/run.err" | diag
	# descriptors valgrind lists at exit that this process opened itself
	leaked=$(awk '/Open (file descriptor|AF_UNIX socket) [0-9]+/ {fd=$0; getline; if ($0 !~ /inherited from parent/) print fd}' "$T_TMP/run.err")
	expect_eq "no descriptor opened by the VMM is still open at exit" "$leaked" ""
else
	skip "leaks: neither an ASan build nor valgrind"
fi
expect_grep "the guest really rebooted 1000 times" "$T_TMP/com1.txt" '^guest: done after 1000 reboots$'
expect_eq "and booted 1001 times" "$(grep -c '^guest: boot [0-9]*$' "$T_TMP/com1.txt")" 1001
