#!/bin/bash
# Builds the USDT note reader's libFuzzer target with ASan+UBSan (clang),
# seeds it with crafted ELF images and a small real ELF, and runs it for
# SECONDS (default 60). Crashes land in $OUT/crash-*; exit status is libFuzzer's.
#   tests/fuzz/run-usdt-notes.sh [SECONDS] [OUT_DIR]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_RUN=${1:-60}
OUT=${2:-/tmp/kvmscope-fuzz-usdt}
mkdir -p "$OUT/corpus"
cd "$ROOT"
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Itools -Ilib \
	-o "$OUT/fuzz-usdt-notes" tests/fuzz/fuzz-usdt-notes.c tools/collect/usdt-notes.c lib/errtext.c -lelf
cc -O1 -Itests/fuzz -o "$OUT/gen-usdt-seeds" tests/fuzz/gen-usdt-seeds.c
"$OUT/gen-usdt-seeds" "$OUT/corpus"
# a real, small ELF with stapsdt notes (compiled here, no semaphores needed)
printf '#include <sys/sdt.h>\nint main(int c, char **v) { DTRACE_PROBE2(seed, hit, c, v[0]); return 0; }\n' |
	cc -O1 -x c -o "$OUT/corpus/real.elf" - 2>/dev/null || true
exec "$OUT/fuzz-usdt-notes" -max_total_time="$SECONDS_TO_RUN" -max_len=16384 \
	-artifact_prefix="$OUT/" "$OUT/corpus"
