#!/bin/bash
# The QMP input path under libFuzzer + ASan + UBSan for a bounded time
# (QMP_FUZZ_SECONDS, default 30), from a seed corpus of real requests and
# known-bad input. Fails on any crash, leak or sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fuzz-lib.bash"
fuzz_need qmp-fuzz "$BUILD/tests/fuzz/fuzz-qmp"
# first byte: bit 0 = negotiated; second: feed piece size
seed() { printf "$1" >"$FUZZ_CORPUS/$2"; }
seed '\x00\x10{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}, "id": 1}' caps
seed '\x01\x03{"execute": "set-action", "arguments": {"reboot": "shutdown", "panic": "pause"}}' action
seed '\x01\x07{"execute": "query-status", "id": [1, 2.5e3, "\\u00e9\\ud83d\\ude00"]}{"execute": "stop"}' status
seed "\\x01\\x01{'execute': 'cont', 'id': 'it\\\\'s'}\\xff[1, {\"a\": null}]" quotes
seed '\x01\x02{"execute": "quit", "foo": 1}{"a" 1}{"a": 1 "b": 2}[1 2]{1: 2}}@\x01' bad
seed '\x00\x05[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' deep
seed '\x01\x04{"execute": "query-cpus-fast", "id": 99999999999999999999999, "arguments": {}}' bigint
fuzz_run fuzz-qmp "${QMP_FUZZ_SECONDS:-30}" 4096
