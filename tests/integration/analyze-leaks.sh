#!/bin/bash
# kvmscope report, diagnose and diff over the capture and log fixtures make no
# memory error and leak nothing: under valgrind for a normal build (every
# process, the child forked to try a capture's foreign tracepoint format
# included), under ASan+UBSan+LeakSanitizer for an ASan build (make asan).
# A capture of two VMMs is recorded when root and /dev/kvm allow.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
FIX=$ROOT/tests/fixtures
# libtraceevent's own leak (see the file), not kvmscope's
SUPP=$ROOT/tests/integration/analyze-leaks.supp
# the variable that skips the child (kvmscope ci's own capture)
unset KVMSCOPE_CAPTURE_FORMATS_LOCAL

if nm "$KVMSCOPE" 2>/dev/null | grep -q __asan_init; then
	MODE=asan
elif command -v valgrind >/dev/null; then
	MODE=valgrind
else
	skip_all "analyze-leaks: neither an ASan build nor valgrind (scripts/install-deps.sh)"
fi

# A capture whose sys_exit format is not this host's tracefs text: the reader
# tries such a format in a forked child before it trusts it. One letter
# changed (in each collector's copy), so every record stays whole.
LC_ALL=C sed 's/"NR %ld = %ld"/"nr %ld = %ld"/' "$FIX/capture-x86-pmu-on.capture" \
	>"$T_TMP/foreign.capture"
check "the foreign-format capture differs from the fixture" \
	test "$(cmp -l "$FIX/capture-x86-pmu-on.capture" "$T_TMP/foreign.capture" | wc -l)" -gt 0

# run NAME STATUS ARGS...: kvmscope ARGS under the checker; ok when it exits
# with STATUS (the command's own answer) and the checker reported nothing.
# Sets PROCS to the number of processes valgrind followed.
run() {
	local name=$1 want=$2 st logs
	shift 2
	mkdir -p "$T_TMP/$name"
	if [ $MODE = valgrind ]; then
		timeout -s KILL 600 valgrind -q --leak-check=full --num-callers=40 \
			--show-leak-kinds=definite,indirect,possible \
			--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
			--suppressions="$SUPP" --log-file="$T_TMP/$name/vg.%p" \
			"$KVMSCOPE" "$@" >"$T_TMP/$name/out" 2>"$T_TMP/$name/err"
		st=$?
		logs=$(find "$T_TMP/$name" -name 'vg.*' -size +0)
		PROCS=$(find "$T_TMP/$name" -name 'vg.*' | wc -l)
	else
		ASAN_OPTIONS=detect_leaks=1:exitcode=98 timeout -s KILL 600 \
			"$KVMSCOPE" "$@" >"$T_TMP/$name/out" 2>"$T_TMP/$name/err"
		st=$?
		logs=$(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T_TMP/$name/err")
	fi
	if [ "$st" = "$want" ] && [ -z "$logs" ]; then
		ok "$name under $MODE: status $want, no memory error, no leak"
		return
	fi
	not_ok "$name under $MODE: status $st (want $want)${logs:+; the checker reported errors}"
	for f in $logs "$T_TMP/$name/err"; do head -40 "$f" | diag; done
}

for cap in "$FIX/capture-sev-reboot.capture" "$T_TMP/foreign.capture"; do
	c=$(basename "$cap" .capture)
	for f in text json chrome html; do
		run "report-$f-$c" 0 report --format "$f" "$cap"
		[ "$c-$f" = foreign-text ] && [ $MODE = valgrind ] &&
			check "the foreign format was tried in a child, which valgrind followed" \
				test "$PROCS" -gt 1
	done
	for f in text json; do run "diagnose-$f-$c" 1 diagnose --format "$f" "$cap"; done
done
run diagnose-log-seed-000 1 diagnose "$FIX/seed-000-confidential-reboot.log"
run diagnose-log-arm64-enodev 1 diagnose --format json "$FIX/variant-arm64-pmu-init-enodev.log"
run diagnose-log-ovmf 1 diagnose "$FIX/real/internal-error-emulation-ovmf.log"
run diagnose-log-healthy 0 diagnose "$FIX/real/healthy-tdx-guest-boot.log"
for f in text json; do
	run "diff-$f" 1 diff --format "$f" "$FIX/capture-sev-reboot.capture" "$FIX/capture-x86-pmu-on.capture"
done
run diff-same 0 diff "$FIX/capture-sev-reboot.capture" "$FIX/capture-sev-reboot.capture"

# A capture of two VMMs (record --follow): diagnose splits it by process, and
# a finding's evidence lives in that process's stream until it is printed.
if [ "$(id -u)" != 0 ] || ! have_kvm; then
	skip "diagnose of a two-VMM capture: recording it needs root (BPF) and /dev/kvm"
else
	ulimit -l unlimited 2>/dev/null
	timeout -s KILL 120 "$KVMSCOPE" record -q --follow --binary "$VMM" -o "$T_TMP/two.capture" -- \
		sh -c "'$VMM' -kernel '$GUESTS/hello.elf' -serial null && exec '$VMM' -kernel \
			'$GUESTS/hello.elf' -serial null -fault ioctl=KVM_CHECK_EXTENSION,errno=ENOTTY,after=1,count=1" \
		>/dev/null 2>"$T_TMP/two.err"
	expect_eq "record --follow: two VMMs, the second with an injected ENOTTY" "$?" 0
	for f in text json; do run "diagnose-$f-two-vmms" 1 diagnose --format "$f" "$T_TMP/two.capture"; done
	expect_grep "... the finding's evidence printed from its process's stream" \
		"$T_TMP/diagnose-text-two-vmms/out" 'kvm_ioctl_exit system .*\(KVM_CHECK_EXTENSION\).*errno 25 \(ENOTTY\)$'
fi
echo "1..$T_N"
