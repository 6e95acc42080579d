#!/bin/bash
# Fuzzes the log reader and every diagnosis rule (tests/fuzz/fuzz-qemulog.c)
# with libFuzzer + ASan + UBSan, seeded with the fixtures, for a bounded run
# (FUZZ_SECONDS, default 20). Passes when libFuzzer ends without a crash,
# leak, sanitizer report or invalid JSON (the target aborts on that).
. "$(dirname "$0")/../lib.sh"
SECS=${FUZZ_SECONDS:-20}
if ! command -v clang >/dev/null; then
	skip "diagnose fuzz: clang not installed (scripts/install-deps.sh)"
	echo "1..$T_N"
	exit 0
fi
if [ ! -f "$BUILD/gen/vmm-probes.c" ]; then
	not_ok "diagnose fuzz: $BUILD/gen/vmm-probes.c missing (run make first)"
	echo "1..$T_N"
	exit 0
fi
F=$T_TMP/fuzz-qemulog
cd "$ROOT" || exit 1
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wno-unknown-attributes -Wno-format-zero-length \
	-Itools -Ilib -Iprobes -I"$BUILD/gen" -o "$F" tests/fuzz/fuzz-qemulog.c \
	$(ls tools/analyze/logs/qemulog*.c | grep -v qemulog-capture) tools/analyze/findings.c tools/analyze/benign-errno.c tools/analyze/kvm-ioctl-causes.c tools/analyze/reset-cause.c tools/analyze/diag-kfunc.c tools/analyze/rules/rule-*.c lib/*.c \
	"$BUILD/gen/probe-table.c" -ljansson -lpthread \
	>"$T_TMP/build.log" 2>&1
expect_eq "the fuzz target builds (clang, libFuzzer, ASan+UBSan)" "$?" 0
mkdir -p "$T_TMP/corpus" "$T_TMP/art"
cp tests/fixtures/*.log tests/fixtures/real/*.log "$T_TMP/corpus/"
# inputs that once crashed it: run first, every time
cp tests/fuzz/corpus-qemulog/* "$T_TMP/corpus/"
# a capture-less seed with the VMM's own line shapes
printf '%s\n' '9@[2026-11-22 05:00:00.000100] kvm_fault_inject KVM_SET_DEVICE_ATTR type 0x4018aee1 errno 22 (EINVAL) hit 1' \
	'9@[2026-11-22 05:00:00.000110] kvm_ioctl_exit vcpu cpu_index 0, type 0x4018aee1 (KVM_SET_DEVICE_ATTR), arg 0x7ffd, ret -1, errno 22 (EINVAL)' \
	'9@[2026-11-22 05:00:00.000120] arm_pmu_attr cpu_index 0, KVM_SET_DEVICE_ATTR group 0 attr IRQ ret -1 errno 22' \
	'9@[2026-11-22 05:00:00.000130] qemu_system_reset_request reason=7 (guest-reset) resettable=0 action=shutdown (cpus not resettable)' \
	>"$T_TMP/corpus/vmm.log"
"$F" -max_total_time="$SECS" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$T_TMP/art/" "$T_TMP/corpus" >"$T_TMP/fuzz.log" 2>&1
rc=$?
expect_eq "libFuzzer for ${SECS} s: no crash, leak or sanitizer report" "$rc" 0
if [ "$rc" -ne 0 ]; then
	grep -E 'ERROR|SUMMARY|#[0-9]+ 0x' "$T_TMP/fuzz.log" | head -20 | diag
	mkdir -p /tmp/kvmscope-fuzz-qemulog && cp "$T_TMP"/art/* /tmp/kvmscope-fuzz-qemulog/ 2>/dev/null
	echo "artifacts kept in /tmp/kvmscope-fuzz-qemulog" | diag
fi
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$T_TMP/fuzz.log")
check "the fuzzer ran inputs (${runs:-0} runs)" test "${runs:-0}" -gt 0
echo "1..$T_N"
