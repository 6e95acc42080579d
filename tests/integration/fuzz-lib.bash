# Helper for the integration tests that run a built libFuzzer target (sourced
# after tests/lib.sh).
# shellcheck shell=bash

# fuzz_need TEST BINARY: ends the test (SKIP, status 0) unless BINARY is
# built; sets FUZZ to it and FUZZ_CORPUS to an empty folder for the seeds.
fuzz_need() {
	if [ ! -x "$2" ]; then
		skip "$1: $2 not built (make test builds it; needs clang)"
		exit 0
	fi
	FUZZ=$2
	FUZZ_CORPUS=$T_TMP/corpus
	mkdir -p "$FUZZ_CORPUS"
}

# fuzz_run NAME SECONDS MAX_LEN: runs $FUZZ on $FUZZ_CORPUS for a bounded
# time with ASan's limits; one TAP line: ok with the run count, or not_ok
# with the sanitizer's summary and the failing input in base64.
fuzz_run() {
	local name=$1 secs=$2 max_len=$3 rc runs f
	"$FUZZ" -max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$T_TMP/" "$FUZZ_CORPUS" >"$T_TMP/fuzz.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$T_TMP/fuzz.log")
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		ok "$name: $runs runs in $secs s, no crash, leak or sanitizer report"
		return
	fi
	not_ok "$name: exit status $rc"
	grep -E 'ERROR|runtime error|SUMMARY|Test unit written|deadly signal' "$T_TMP/fuzz.log" |
		head -20 | diag
	for f in "$T_TMP"/crash-* "$T_TMP"/leak-*; do
		[ -f "$f" ] && { echo "input (base64):"; base64 -w0 "$f"; echo; } | diag
	done
}
