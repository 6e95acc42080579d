#!/bin/bash
# scripts/ci-capture.sh, the recipe for projects that do not build kvmscope:
# --check lists each requirement as ok/missing and fails without privileges;
# a run passes the command's status through and collects the artifacts, as
# root (recorded) and as an unprivileged user (not recorded, still run).
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
S=$ROOT/scripts/ci-capture.sh
if ! [ -x "$KVMSCOPE" ]; then skip "ci-capture: $KVMSCOPE not built"; exit 0; fi
export KVMSCOPE

"$S" --check >"$T_TMP/check.out" 2>&1
rc=$?
check "--check: every line is ok/missing/info or the verdict" \
	bash -c "! grep -Ev '^(ok|missing|info) +[^ ]|^ci-capture: ' '$T_TMP/check.out'"
for what in "CAP_BPF|privileges" "tracefs" "kernel.perf_event_paranoid" \
	"kernel.unprivileged_bpf_disabled" "/sys/kernel/btf/vmlinux" "kvmscope"; do
	expect_grep "--check covers $what" "$T_TMP/check.out" "^(ok|missing|info) +($what)"
done
if [ "$(id -u)" = 0 ]; then
	expect_eq "--check as root on this host: all met (status 0)" "$rc" 0
	expect_grep "... saying so" "$T_TMP/check.out" '^ci-capture: every requirement is met'
else
	skip "--check as root: not root"
fi

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
	"${NOBODY[@]}" "$S" --check >"$T_TMP/check-nobody.out" 2>&1
	expect_eq "--check as an unprivileged user: status 1" "$?" 1
	expect_grep "... CAP_BPF missing" "$T_TMP/check-nobody.out" '^missing +CAP_BPF'
	expect_grep "... tracefs not usable" "$T_TMP/check-nobody.out" '^missing +tracefs'
	expect_grep "... the verdict counts them" "$T_TMP/check-nobody.out" \
		'^ci-capture: [0-9]+ requirement\(s\) missing'
	# outside T_TMP (mode 0700): a directory the unprivileged user can write
	D=$(mktemp -d /tmp/kvmscope-ci-nobody.XXXXXX)
	chmod 777 "$D"
	"${NOBODY[@]}" "$S" --out "$D/a" -- sh -c 'echo suite-ran; exit 4' >"$T_TMP/nb.out" 2>"$T_TMP/nb.err"
	expect_eq "unprivileged run: the suite's status 4 passes through" "$?" 4
	expect_eq "... the suite ran once" "$(cat "$T_TMP/nb.out")" "suite-ran"
	expect_grep "... one line says the collectors could not attach" "$T_TMP/nb.err" \
		'^kvmscope ci: the collectors could not attach'
	check "... junit.xml and ci.json collected anyway" test -s "$D/a/junit.xml" -a -s "$D/a/ci.json"
	check "... and no false-start capture left" test ! -e "$D/a/kvmscope.capture"
	rm -rf "$D"
else
	skip "ci-capture unprivileged: needs root and setpriv to drop privileges"
fi

"$S" >/dev/null 2>&1
expect_eq "no arguments: usage, status 0" "$?" 0
"$S" --out "$T_TMP/x" >/dev/null 2>"$T_TMP/nocmd.err"
expect_eq "no command: status 2" "$?" 2
KVMSCOPE=/nonexistent/kvmscope "$S" --out "$T_TMP/y" -- sh -c 'exit 6' 2>"$T_TMP/nok.err"
expect_eq "no kvmscope at all: the suite still runs, status 6" "$?" 6
expect_grep "... saying kvmscope was not found" "$T_TMP/nok.err" 'kvmscope not found'

if [ "$(id -u)" = 0 ] && have_kvm; then
	ulimit -l unlimited 2>/dev/null
	"$S" --out "$T_TMP/r" --max-size 64 -- "$VMM" -kernel "$GUESTS/hello.elf" -serial null \
		>/dev/null 2>"$T_TMP/r.err"
	expect_eq "recorded run through the script: status 0" "$?" 0
	for f in kvmscope.capture junit.xml trace.json timeline.html diagnosis.json; do
		check "collected $f" test -s "$T_TMP/r/$f"
	done
else
	skip "ci-capture recorded run: needs root and /dev/kvm"
fi
