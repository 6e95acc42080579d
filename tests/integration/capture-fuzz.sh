#!/bin/bash
# The capture reader, the merge and the three report formats under libFuzzer
# + ASan + UBSan (tests/fuzz/fuzz-capture.c) for a bounded time
# (CAPTURE_FUZZ_SECONDS, default 20), seeded with the fixture captures (the
# fuzzer cuts them to the length limit). Fails on any crash, leak or
# sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fuzz-lib.bash"
fuzz_need capture-fuzz "$BUILD/fuzz-capture"
cp "$ROOT"/tests/fixtures/*.capture "$FUZZ_CORPUS/"
# a format unlike this host's is tried in a forked child, whose crash is the
# expected answer: the sanitizer must leave that child's signal to it
ASAN_OPTIONS=allow_user_segv_handler=1 fuzz_run fuzz-capture "${CAPTURE_FUZZ_SECONDS:-20}" 16384
echo "1..$T_N"
