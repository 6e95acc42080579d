#!/bin/bash
# Runs every test and ends with one summary line: "N passed, N failed, N skipped".
# Unit tests are cmocka programs (TAP output); integration tests are shell
# scripts using tests/lib.sh. Both report TAP lines, counted here.
#   tests/run-tests.sh BUILD_DIR [FILTER]
set -u
BUILD=${1:-build}
FILTER=${2:-}
export BUILD
export CMOCKA_MESSAGE_OUTPUT=TAP

passed=0 failed=0 skipped=0
failures=()

count() { # $1 = label; reads TAP on stdin, echoes it, updates counters
	local label=$1 line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"not ok"*"# SKIP"* | "not ok"*"# skip"*) skipped=$((skipped + 1)) ;;
		"not ok"*) failed=$((failed + 1)); failures+=("$label: ${line#not ok }") ;;
		"ok "*"# SKIP"* | "ok "*"# skip"*) skipped=$((skipped + 1)) ;;
		"ok "*) passed=$((passed + 1)) ;;
		esac
	done
}

for t in "$BUILD"/tests/unit/test-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$FILTER" ] && [[ $name != *$FILTER* ]] && continue
	echo "# --- unit/$name"
	out=$("$t" 2>&1)
	rc=$?
	count "unit/$name" <<<"$out"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
		echo "not ok - unit/$name exited with status $rc"
		failed=$((failed + 1)); failures+=("unit/$name: exit status $rc")
	fi
done

for t in "$(dirname "$0")"/integration/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	[ -n "$FILTER" ] && [[ $name != *$FILTER* ]] && continue
	echo "# --- integration/$name"
	start=$SECONDS
	out=$(bash "$t" 2>&1)
	rc=$?
	count "integration/$name" <<<"$out"
	echo "# integration/$name took $((SECONDS - start)) s"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
		echo "not ok - integration/$name exited with status $rc"
		failed=$((failed + 1)); failures+=("integration/$name: exit status $rc")
	fi
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
