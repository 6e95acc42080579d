#!/bin/bash
# The VMM's option-list splitter (vmm/keyval.c) and the parsers on it
# (-fault, -object sev-guest, -serial unix:) under libFuzzer + ASan + UBSan
# for a bounded time (OPTIONS_FUZZ_SECONDS, default 20), from seeds of real
# and malformed lists. Fails on any crash, leak, sanitizer report or broken
# splitting property (tests/fuzz/fuzz-keyval.c).
. "$(dirname "$0")/../lib.sh"
FUZZ=$BUILD/tests/fuzz/fuzz-keyval
if [ ! -x "$FUZZ" ]; then skip "options-fuzz: $FUZZ not built (make test builds it; needs clang)"; exit 0; fi
secs=${OPTIONS_FUZZ_SECONDS:-20}
corpus=$T_TMP/corpus
mkdir -p "$corpus"
seed() { printf '%s' "$1" >"$corpus/$2"; }
seed 'ioctl=KVM_RUN,errno=EINTR,after=3,count=0,fd=vcpu,cpu=1' fault
seed 'ioctl,errno=,=,,,after=-1,fd=host' fault-bad
seed 'id=sev0,policy=0x5,cbitpos=47,reduced-phys-bits=1' sev
seed 'qom-type=sev-guest,id=,policy=4294967296,policy' sev-bad
seed '/tmp/s,server=on,wait=off' unix
seed ',server,,nowait,wait=maybe,=x' unix-bad
seed "$(head -c 1100 /dev/zero | tr '\0' 'a')" too-long
"$FUZZ" -max_total_time="$secs" -max_len=2048 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$T_TMP/" "$corpus" >"$T_TMP/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$T_TMP/fuzz.log")
if [ $rc -eq 0 ] && [ -n "$runs" ]; then
	ok "fuzz-keyval: $runs runs in $secs s, no crash, leak or sanitizer report"
else
	not_ok "fuzz-keyval: exit status $rc"
	grep -E 'ERROR|runtime error|SUMMARY|Test unit written|deadly signal' "$T_TMP/fuzz.log" | head -20 | diag
	for f in "$T_TMP"/crash-* "$T_TMP"/leak-*; do
		[ -f "$f" ] && { echo "input (base64):"; base64 -w0 "$f"; echo; } | diag
	done
fi
echo "1..$T_N"
