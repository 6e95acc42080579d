#!/bin/bash
# kvmscope diff: where two captures of the same scenario part ways. Two runs
# of the same guest are the same; an ioctl failed by -fault, or a second vCPU,
# is the first difference, named with both sides' context; bad input is
# refused with status 2 and a truncated capture is read up to its last record.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder

rec() { # $1 = capture, then VMM options
	local cap=$1
	shift
	timeout -s KILL 120 "$KVMSCOPE" record -q -o "$cap" -- "$VMM" -kernel "$GUESTS/hello.elf" \
		-serial null "$@" >/dev/null 2>>"$T_TMP/rec.err"
}
rec "$T_TMP/a.cap"
rec "$T_TMP/a2.cap"
rec "$T_TMP/fault.cap" -fault ioctl=KVM_CHECK_EXTENSION,errno=ENOTTY,after=1,count=1
rec "$T_TMP/smp2.cap" -smp 2

"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/a2.cap" >"$T_TMP/same.txt" 2>&1
expect_eq "two runs of the same guest: status 0" "$?" 0
expect_grep "... and said so" "$T_TMP/same.txt" \
	'^kvmscope diff: the same KVM ioctls with the same outcomes in every thread \(2 threads\)$'

"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/fault.cap" >"$T_TMP/fault.txt" 2>&1
expect_eq "an injected ENOTTY: status 1" "$?" 1
expect_grep "the first difference is in the VMM's main thread" "$T_TMP/fault.txt" \
	'^first difference: thread "kvmscope-vmm", step [0-9]+ \(after [0-9]+ equal steps\)$'
expect_grep "A's side: the capability check answered" "$T_TMP/fault.txt" \
	'^  > +[0-9.]+  KVM_CHECK_EXTENSION\((KVM_CAP_[A-Z0-9_]+|cap [0-9]+)\) = [0-9]+$'
expect_grep "B's side: the same check failed with ENOTTY" "$T_TMP/fault.txt" \
	'^  > +[0-9.]+  KVM_CHECK_EXTENSION\((KVM_CAP_[A-Z0-9_]+|cap [0-9]+)\) = -1 ENOTTY$'
expect_eq "the runs go on alike after it (context line after the marked one on both sides)" \
	"$(grep -A1 '^  > ' "$T_TMP/fault.txt" | grep -v '^  > ' | grep -v '^--$' | sed 's/^ *[0-9.]* *//' | sort -u | wc -l)" 1
expect_eq "json: the same step, both sides" \
	"$("$KVMSCOPE" diff --format json "$T_TMP/a.cap" "$T_TMP/fault.cap" |
		jq -r '.same, (.differences[0] | .thread, (.b.step | test("ENOTTY$")), (.a.step == (.b.step | sub(" = -1 ENOTTY$"; "")) + " = " + (.a.step | sub(".* = "; ""))))')" \
	"$(printf 'false\nkvmscope-vmm\ntrue\ntrue')"

"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/smp2.cap" >"$T_TMP/smp.txt" 2>&1
expect_eq "a second vCPU: status 1" "$?" 1
expect_grep "... the thread only B has is named" "$T_TMP/smp.txt" \
	'thread "CPU 1/KVM" is only in .*smp2\.cap \([0-9]+ ioctl steps\)$'

# a capture made under load, whose vCPU thread the recorder could not name
# (it read the comm before the VMM set it): the thread pairs by creation order
UNNAMED=$ROOT/tests/fixtures/capture-hello-vcpu-unnamed.capture
"$KVMSCOPE" report "$UNNAMED" | grep -q 'CPU 0/KVM'
expect_eq "the fixture's vCPU thread is unnamed" "$?" 1
"$KVMSCOPE" diff "$UNNAMED" "$T_TMP/a.cap" >"$T_TMP/unnamed.txt" 2>&1
expect_eq "an unnamed vCPU thread pairs with the named one: status 0" "$?" 0
"$KVMSCOPE" diff "$UNNAMED" "$T_TMP/smp2.cap" >"$T_TMP/unnamed-smp.txt" 2>&1
expect_grep "... and with CPU 0, not CPU 1, of a two-vCPU run" "$T_TMP/unnamed-smp.txt" \
	'thread "CPU 1/KVM" is only in .*smp2\.cap'

"$KVMSCOPE" diff "$T_TMP/a.cap" >"$T_TMP/one.txt" 2>&1
expect_eq "one capture: status 2" "$?" 2
expect_grep "... named" "$T_TMP/one.txt" '^kvmscope diff: two captures, please \(1 given\)$'
"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/none.cap" >"$T_TMP/none.txt" 2>&1
expect_eq "a missing capture: status 2" "$?" 2
expect_grep "... named with the reason" "$T_TMP/none.txt" "^kvmscope diff: $T_TMP/none.cap: "
"$KVMSCOPE" diff --format xml "$T_TMP/a.cap" "$T_TMP/a2.cap" >"$T_TMP/fmt.txt" 2>&1
expect_eq "a bad --format: status 2" "$?" 2
expect_grep "... names itself" "$T_TMP/fmt.txt" "^kvmscope diff: --format: 'xml' is not text or json$"
size=$(stat -c %s "$T_TMP/fault.cap")
head -c $((size - 7)) "$T_TMP/fault.cap" >"$T_TMP/cut.cap"
"$KVMSCOPE" diff "$T_TMP/a.cap" "$T_TMP/cut.cap" >"$T_TMP/cut.txt" 2>&1
expect_eq "a truncated capture is compared all the same: status 1" "$?" 1
expect_grep "... with a warning" "$T_TMP/cut.txt" "^kvmscope diff: warning: $T_TMP/cut.cap: read up to its last whole record"
expect_grep "... and the same first difference" "$T_TMP/cut.txt" 'KVM_CHECK_EXTENSION\((KVM_CAP_[A-Z0-9_]+|cap [0-9]+)\) = -1 ENOTTY$'
