#!/bin/bash
# scripts/bench-suite.sh - records lost while `kvmscope ci` wraps the whole
# test suite, as CI runs it (.ci/run: make test CI_ARTIFACTS=DIR): the BPF
# ring's losses and ftrace's overruns, each counted into the capture as LOST
# records, summed into ci.json's "lost". Takes minutes (the whole suite), so
# it is `make bench-suite`, not part of `make bench`.
#   BENCH_SUITE_ARTIFACTS=DIR  read DIR/ci.json of a suite already run instead
set -u
BUILD=${BUILD:-build}
DIR=${BENCH_SUITE_ARTIFACTS:-}
if [ -z "$DIR" ]; then
	DIR=$BUILD/bench-suite-artifacts
	if [ "$(id -u)" != 0 ]; then echo "SKIP bench-suite: needs root (collectors)"; exit 0; fi
	start=$SECONDS
	make --no-print-directory test BUILD="$BUILD" CI_ARTIFACTS="$DIR" >"$BUILD/bench-suite.log" 2>&1
	echo "  make test under kvmscope ci: $(tail -1 "$BUILD/bench-suite.log") ($((SECONDS - start)) s)"
fi
J=$DIR/ci.json
[ -r "$J" ] || { echo "bench-suite: no $J (the suite ran without kvmscope ci?)"; exit 1; }
lost=$(jq -r '.lost // "n/a (ci.json without a lost count)"' "$J")
records=$(jq -r .records "$J")
trimmed=$(jq -r .trimmed_records "$J")
echo "  collectors $(jq -r .collectors "$J"), $records records kept, $trimmed oldest dropped by --max-size"
grep -h 'lost\|overrun' <(jq -r '.notes[]?' "$J") | sed 's/^/  note: /' | head -5
printf 'lost-under-suite   kvmscope ci: %s records lost while it wrapped make test\n' "$lost"
