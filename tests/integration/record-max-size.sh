#!/bin/bash
# record --max-size: the capture is bounded while the VMM runs, not after. A
# run that produces ten times the bound never takes more than the bound on
# disk (segments included, sampled every 50 ms), and the capture left keeps
# the newest records (the power-off), not the oldest (KVM_CREATE_VM), with
# every probe definition, and a NOTE saying what was dropped. SIGINT ends
# with the same capture; kill -9 leaves the two segments, each readable.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder
MIB=1048576

# ---- bad values are refused by name ----
"$KVMSCOPE" record --max-size 0 -o "$T_TMP/x.cap" -- true >/dev/null 2>"$T_TMP/bad.err"
expect_eq "--max-size 0 refused with status 2" "$?" 2
expect_grep "... naming the value" "$T_TMP/bad.err" "--max-size: '0'"
check "record --help documents --max-size" bash -c "'$KVMSCOPE' record --help | grep -q -- --max-size"

# disk_bytes CAPTURE: blocks allocated to it and its segments, in bytes
disk_bytes() {
	local f b s=0
	for f in "$1" "$1.seg0" "$1.seg1"; do
		b=$(stat -c '%b*%B' "$f" 2>/dev/null) && s=$((s + b))
	done
	echo "$s"
}
# sample CAPTURE OUT: every 50 ms, the disk bytes and which files exist, until killed
sample() {
	while :; do
		echo "$(disk_bytes "$1") $(ls "$1"* 2>/dev/null | tr '\n' ' ')"
		sleep 0.05
	done >"$2"
}

# ---- a run of ~10 MiB of records through a 1 MiB bound ----
cap=$T_TMP/big.cap
sample "$cap" "$T_TMP/samples" &
sampler=$!
timeout -s KILL 120 "$KVMSCOPE" record --max-size 1 -o "$cap" -- "$VMM" -kernel "$GUESTS/reboot.elf" \
	-append count=200 -serial null >/dev/null 2>"$T_TMP/big.err"
rc=$?
kill "$sampler"
wait "$sampler" 2>/dev/null
expect_eq "record --max-size 1 exits 0" "$rc" 0
max=$(sort -n "$T_TMP/samples" | tail -1 | cut -d' ' -f1)
echo "# on disk at most $max bytes over $(wc -l <"$T_TMP/samples") samples"
# the bound holds while recording; assembling the capture at the end may
# hold a 64 KiB chunk and the definitions more (half the bound more where
# the filesystem cannot punch holes): one segment is the slack allowed
check "never more than 1 MiB + one segment (0.5 MiB) on disk (at most $max bytes)" \
	test "${max:-0}" -gt 0 -a "${max:-0}" -le $((MIB + MIB / 2))
check "the second segment was in use while the VMM ran (the ring turned)" \
	grep -q "big.cap.seg1" "$T_TMP/samples"
check "after a clean end only the capture is left" \
	test -s "$cap" -a ! -e "$cap.seg0" -a ! -e "$cap.seg1"
size=$(stat -c %s "$cap")
check "the capture is within the bound ($size bytes)" test "$size" -le $MIB
recorded=$(sed -n 's/^kvmscope record: \([0-9]*\) records.*/\1/p' "$T_TMP/big.err")
check "... of a run that wrote far more (${recorded:-?} records)" test "${recorded:-0}" -gt 50000

"$KVMSCOPE" report "$cap" >"$T_TMP/big.txt" 2>"$T_TMP/big.rerr"
expect_eq "report reads the bounded capture" "$?" 0
expect_grep "the newest records survived: the final power-off" "$T_TMP/big.txt" \
	'new_state [0-9]+ \(shutdown\)'
check "the oldest did not: no KVM_CREATE_VM left" bash -c "! grep -q KVM_CREATE_VM '$T_TMP/big.txt'"
expect_grep "probe definitions kept: probes still decode by name" "$T_TMP/big.txt" \
	'qemu_system_reset_request reason='
expect_grep "a NOTE says what was dropped" "$T_TMP/big.rerr" \
	'kvmscope record --max-size 1 MiB: the [0-9]+ oldest event records \([0-9]+ bytes\) were dropped'
check "the capture ended cleanly (END record)" \
	bash -c "! grep -q 'did not finish cleanly' '$T_TMP/big.rerr'"

# ---- a guest that never stops: SIGINT, then kill -9 ----
# until_seg1 CAPTURE: the ring has turned (20 s at most)
until_seg1() {
	local i
	for i in $(seq 200); do
		[ -s "$1.seg1" ] && return 0
		sleep 0.1
	done
	return 1
}
cap=$T_TMP/int.cap
"$KVMSCOPE" record --max-size 1 -o "$cap" -- "$VMM" -kernel "$GUESTS/hello.elf" -append wait=ignore \
	-serial null >/dev/null 2>"$T_TMP/int.err" &
rec=$!
check "SIGINT run: the ring turns" until_seg1 "$cap"
kill -INT "$rec"
wait "$rec"
expect_eq "record exits 0 on SIGINT" "$?" 0
check "... leaving only the capture" test -s "$cap" -a ! -e "$cap.seg0" -a ! -e "$cap.seg1"
"$KVMSCOPE" report "$cap" >"$T_TMP/int.txt" 2>"$T_TMP/int.rerr"
expect_eq "... which reads" "$?" 0
expect_grep "... with its NOTE" "$T_TMP/int.rerr" 'kvmscope record --max-size 1 MiB: the [0-9]+ oldest'
check "... and a clean end" bash -c "! grep -q 'did not finish cleanly' '$T_TMP/int.rerr'"

cap=$T_TMP/killed.cap
"$KVMSCOPE" record --max-size 1 -o "$cap" -- "$VMM" -kernel "$GUESTS/hello.elf" -append wait=ignore \
	-serial null >/dev/null 2>"$T_TMP/killed.err" &
rec=$!
check "kill -9 run: the ring turns" until_seg1 "$cap"
vmm_pid=$(pgrep -P "$rec" | head -1)
kill -KILL "$rec"
wait "$rec" 2>/dev/null
[ -n "$vmm_pid" ] && kill -KILL "$vmm_pid" 2>/dev/null
check "a killed collector leaves the two segments, no capture" \
	test -s "$cap.seg0" -a -s "$cap.seg1" -a ! -e "$cap"
for k in 0 1; do
	"$KVMSCOPE" report "$cap.seg$k" >"$T_TMP/seg$k.txt" 2>"$T_TMP/seg$k.rerr"
	expect_eq "segment $k reads as a capture of its own" "$?" 0
	expect_grep "... its probes decode by name (definitions at its start)" "$T_TMP/seg$k.txt" \
		'kvm_run_exit cpu_index 0, reason [0-9]+'
done
