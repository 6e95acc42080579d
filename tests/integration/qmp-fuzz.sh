#!/bin/bash
# The QMP input path under libFuzzer + ASan + UBSan for a bounded time
# (QMP_FUZZ_SECONDS, default 30), from a seed corpus of real requests and
# known-bad input. Fails on any crash, leak or sanitizer report.
. "$(dirname "$0")/../lib.sh"
FUZZ=$BUILD/tests/fuzz/fuzz-qmp
if [ ! -x "$FUZZ" ]; then skip "qmp-fuzz: $FUZZ not built (make test builds it; needs clang)"; exit 0; fi
secs=${QMP_FUZZ_SECONDS:-30}
corpus=$T_TMP/corpus
mkdir -p "$corpus"
# first byte: bit 0 = negotiated; second: feed piece size
seed() { printf "$1" >"$corpus/$2"; }
seed '\x00\x10{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}, "id": 1}' caps
seed '\x01\x03{"execute": "set-action", "arguments": {"reboot": "shutdown", "panic": "pause"}}' action
seed '\x01\x07{"execute": "query-status", "id": [1, 2.5e3, "\\u00e9\\ud83d\\ude00"]}{"execute": "stop"}' status
seed "\\x01\\x01{'execute': 'cont', 'id': 'it\\\\'s'}\\xff[1, {\"a\": null}]" quotes
seed '\x01\x02{"execute": "quit", "foo": 1}{"a" 1}{"a": 1 "b": 2}[1 2]{1: 2}}@\x01' bad
seed '\x00\x05[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' deep
seed '\x01\x04{"execute": "query-cpus-fast", "id": 99999999999999999999999, "arguments": {}}' bigint
"$FUZZ" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$T_TMP/" "$corpus" >"$T_TMP/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$T_TMP/fuzz.log")
if [ $rc -eq 0 ] && [ -n "$runs" ]; then
	ok "fuzz-qmp: $runs runs in $secs s, no crash, leak or sanitizer report"
else
	not_ok "fuzz-qmp: exit status $rc"
	grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$T_TMP/fuzz.log" | head -20 | diag
	for f in "$T_TMP"/crash-* "$T_TMP"/leak-*; do
		[ -f "$f" ] && { echo "input (base64):"; base64 -w0 "$f"; echo; } | diag
	done
fi
