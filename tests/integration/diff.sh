#!/bin/bash
# kvmscope diff: where two runs of one scenario part ways. Two clean runs of
# the same guest are the same (KVM_RUN loops count once, their EINTR at the
# stop is timing); a run whose KVM_SET_CPUID2 fails parts ways right there,
# both sides shown, and its vCPU thread, which never came, is named.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder

rec() { # NAME VMM-ARGS...
	local name=$1
	shift
	timeout -s KILL 120 "$KVMSCOPE" record -q -o "$T_TMP/$name.cap" -- "$VMM" -kernel "$GUESTS/hello.elf" \
		-serial null "$@" >/dev/null 2>"$T_TMP/$name.err"
}
rec a
rec b
rec fail -fault ioctl=KVM_SET_CPUID2,errno=EINVAL

"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/a.cap" >"$T_TMP/same.out"
expect_eq "a capture against itself: no difference, status 0" "$?" 0
expect_grep "... said" "$T_TMP/same.out" '^no difference'
"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/b.cap" >"$T_TMP/ab.out"
expect_eq "two clean runs of the same guest: no difference" "$?" 0
diag <"$T_TMP/ab.out"

"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/fail.cap" >"$T_TMP/fail.out"
expect_eq "a run whose KVM_SET_CPUID2 failed: they differ (status 1)" "$?" 1
expect_grep "the main thread parts ways at KVM_SET_CPUID2: A's side" "$T_TMP/fail.out" '^  A> +[0-9.]+  KVM_SET_CPUID2 = 0$'
expect_grep "... B's side, with its errno" "$T_TMP/fail.out" '^  B> +[0-9.]+  KVM_SET_CPUID2 = -1 EINVAL$'
expect_grep "... after the steps both made" "$T_TMP/fail.out" '^  =  +[0-9.]+  KVM_CREATE_VCPU = [0-9]+$'
expect_grep "the vCPU thread B never started is named" "$T_TMP/fail.out" \
	'^thread "CPU 0/KVM": the runs part ways at step 1$'

"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/nonexistent.cap" 2>"$T_TMP/bad.err" >/dev/null
expect_eq "a missing capture is an input error (status 2)" "$?" 2
expect_grep "... named" "$T_TMP/bad.err" 'nonexistent.cap'
