#!/bin/bash
# kvmscope ci's junit.xml: valid against a strict JUnit schema
# (ci-junit.xsd, what GitLab/Jenkins/GitHub reporters read), totals that
# match the cases, one case per diagnosis rule with the findings' evidence in
# the failures, and any bytes (control characters, invalid UTF-8, markup)
# escaped so the file stays well-formed.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
# shellcheck source=tests/integration/ci-lib.bash
. "$(dirname "$0")/ci-lib.bash"
XSD=$(dirname "$0")/ci-junit.xsd
if ! [ -x "$KVMSCOPE" ]; then skip "ci-junit: $KVMSCOPE not built"; exit 0; fi
if ! command -v xmllint >/dev/null; then skip "ci-junit: xmllint not installed (libxml2-utils)"; exit 0; fi

validate() { # validate NAME FILE: schema + totals == cases
	local name=$1 f=$2 err
	if err=$(xmllint --noout --schema "$XSD" "$f" 2>&1); then
		ok "$name: valid against the JUnit schema"
	else
		not_ok "$name: valid against the JUnit schema"
		echo "$err" | head -20 | diag
	fi
	local x="xmllint --xpath"
	expect_eq "$name: tests= counts the test cases" \
		"$($x 'string(/testsuites/testsuite/@tests)' "$f")" "$($x 'count(//testcase)' "$f")"
	expect_eq "$name: failures= counts the failures" \
		"$($x 'string(/testsuites/testsuite/@failures)' "$f")" "$($x 'count(//testcase/failure)' "$f")"
	expect_eq "$name: skipped= counts the skipped cases" \
		"$($x 'string(/testsuites/@skipped)' "$f")" "$($x 'count(//testcase/skipped)' "$f")"
}

# ---- nasty bytes in what is reported: the command line of a failing command ----
nasty=$'ctl\x01\x1b[31m <tag> & "q" \'a\' ]]> \xff\xfe bad-utf8 \xc3\x28 ok-utf8 \xc3\xa9 \xef\xbf\xbf'
timeout 60 "$KVMSCOPE" ci --no-record --out "$T_TMP/nasty" -- sh -c 'exit 7' "$nasty" \
	>/dev/null 2>"$T_TMP/nasty.err"
expect_eq "nasty command: status 7 passes through" "$?" 7
validate "nasty bytes" "$T_TMP/nasty/junit.xml"
expect_eq "markup and quotes come back as text" \
	"$(xmllint --xpath 'string(//testcase[@name="command"]/failure)' "$T_TMP/nasty/junit.xml" |
		grep -o '<tag> & "q" '"'"'a'"'"' ]]>')" '<tag> & "q" '"'"'a'"'"' ]]>'
expect_grep "control and invalid bytes written as \\xNN" "$T_TMP/nasty/junit.xml" \
	'ctl\\x01\\x1b\[31m .* \\xff\\xfe bad-utf8 \\xc3\( ok-utf8 é \\xef\\xbf\\xbf'
expect_grep "the failure message says the status" "$T_TMP/nasty/junit.xml" \
	'<failure message="exited with status 7" type="exit-status">'

# ---- a recorded run with findings: one case per rule, evidence in the failure ----
need_recording ci-junit
A=$T_TMP/conf
ci_confidential_reboot "$A" "$T_TMP/conf.err"
expect_eq "recorded run: status 0" "$?" 0
validate "recorded run" "$A/junit.xml"
rules=$(jq -r '.rules[].name' "$A/diagnosis.json" | sort | tr '\n' ' ')
cases=$(xmllint --xpath '//testcase[@classname="kvmscope.diagnose"]/@name' "$A/junit.xml" |
	grep -o 'name="[^"]*"' | sed 's/name="\(.*\)"/\1/' | sort | tr '\n' ' ')
check "diagnose lists rules" test -n "$rules"
expect_eq "one test case per diagnosis rule" "$cases" "$rules"
failed_rules=$(jq -r '[.findings[].rule] | unique | .[]' "$A/diagnosis.json" | sort | tr '\n' ' ')
junit_failed=$(xmllint --xpath '//testcase[@classname="kvmscope.diagnose"][failure]/@name' "$A/junit.xml" |
	grep -o 'name="[^"]*"' | sed 's/name="\(.*\)"/\1/' | sort | tr '\n' ' ')
expect_eq "exactly the rules with findings fail" "$junit_failed" "$failed_rules"
expect_grep "cpus-not-resettable fails" "$A/junit.xml" \
	'<failure message="guest reboot became a shutdown: cpus are not resettable[^"]*" type="cpus-not-resettable">'
body=$(xmllint --xpath 'string(//testcase[@name="cpus-not-resettable"]/failure)' "$A/junit.xml")
check "... carrying its evidence (the reset request record)" \
	grep -q 'kvmscope.capture:[0-9]*: .*qemu_system_reset_request reason=7 (guest-reset) resettable=0' <<<"$body"
check "... and its decision chain" grep -q '^decision chain:' <<<"$body"
expect_grep "kvm-ioctl-error fails with the injected ENOTTY" "$A/junit.xml" \
	'<failure message="KVM ioctl failed: KVM_CHECK_EXTENSION -&gt; ENOTTY'
expect_eq "a passing rule is a test case without failure" \
	"$(xmllint --xpath 'count(//testcase[@name="pmu-set-attr"]/failure)' "$A/junit.xml")" 0
expect_eq "the collectors case passes" \
	"$(xmllint --xpath 'count(//testcase[@name="collectors"][not(failure) and not(skipped)])' "$A/junit.xml")" 1
