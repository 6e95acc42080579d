#!/bin/bash
# Records the BPF ring cannot hold are counted and shown, never silently
# dropped. A 4 KiB ring holds about six probe records, and the BPF side wakes
# the reader only once 256 KiB have gathered, so the reader sees the ring
# only on its 10 ms timer: a VMM's start-up, over a thousand records within
# that time, cannot fit. The count must reach the summary line, the capture
# (LOST records) and report; with the default ring the same run loses none.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder

cap=$T_TMP/small.cap
"$KVMSCOPE" record --ring-size 4 -o "$cap" -- "$VMM" -kernel "$GUESTS/hello.elf" -serial null \
	>/dev/null 2>"$T_TMP/small.err"
expect_eq "record with a 4 KiB ring exits 0" "$?" 0
lost=$(sed -n 's/^kvmscope record: [0-9]* records.*, \([0-9]*\) lost -> .*/\1/p' "$T_TMP/small.err")
check "the summary counts records lost (got '${lost:-none}')" test "${lost:-0}" -gt 0
"$KVMSCOPE" report --format json "$cap" >"$T_TMP/small.json" 2>"$T_TMP/small.rerr"
expect_eq "report reads it" "$?" 0
expect_eq "the capture's LOST records (ring full) add up to the summary's count" \
	"$(jq -s '[.[] | select(.kind == "lost" and .lost_kind == 1) | .count] | add // 0' "$T_TMP/small.json")" \
	"${lost:-none}"
expect_grep "report says how many were lost" "$T_TMP/small.rerr" \
	"^kvmscope report: .*: ${lost:-none} records were lost by the collector$"

"$KVMSCOPE" record -o "$T_TMP/big.cap" -- "$VMM" -kernel "$GUESTS/hello.elf" -serial null \
	>/dev/null 2>"$T_TMP/big.err"
expect_eq "the default ring: record exits 0" "$?" 0
expect_grep "... and loses nothing of the same run" "$T_TMP/big.err" \
	'^kvmscope record: [0-9]+ records .*, 0 lost -> '

"$KVMSCOPE" record --ring-size 6 -- true >/dev/null 2>"$T_TMP/bad.err"
expect_eq "a ring size that is not a power of two: exit 2" "$?" 2
expect_grep "... named" "$T_TMP/bad.err" "^kvmscope record: --ring-size: '6' is not a power of two"
