#!/bin/bash
# The arm64 build of kvmscope: `make ARCH=aarch64 CC=aarch64-linux-gnu-gcc`
# links the collector and analyst against Debian's :arm64 libbpf, libelf,
# libdw, libtraceevent, libtracefs and jansson, with its BPF object built for
# arm64 pt_regs. Under qemu-user it reads the arm64 VMM's probes (arm64
# register specs), diagnoses the seed's log, and reports a capture exactly as
# the x86-64 build does (captures do not depend on the reader's arch).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/arm64-lib.bash"
need_tools "arm64 kvmscope" "$CROSS" qemu-aarch64-static
QEMU_USER=qemu-aarch64-static

arm64_make all
rc=$?
expect_eq "the arm64 cross build (VMM, kvmscope, kvmscope-domain) succeeds" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 5 "$T_TMP/make.log" | diag
for bin in kvmscope kvmscope-domain kvmscope-vmm; do
	expect_grep "$bin is an arm64 executable" <(file -b "$ARM_BUILD/$bin") '^ELF 64-bit LSB .*ARM aarch64'
done
strings -a "$ARM_BUILD/gen/bpf-collector.bpf.o" >"$T_TMP/bpf-strings"
expect_grep "kvmscope's BPF object reads arm64's pt_regs (the USDT argument registers)" \
	"$T_TMP/bpf-strings" 'user_pt_regs'

"$QEMU_USER" "$ARM_BUILD/kvmscope" --help >"$T_TMP/help.out" 2>&1
expect_eq "arm64 kvmscope runs (qemu-user): --help status 0" "$?" 0
"$QEMU_USER" "$ARM_BUILD/kvmscope" probes "$ARM_BUILD/kvmscope-vmm" >"$T_TMP/probes.out" 2>&1
expect_grep "it lists the arm64 VMM's probes with arm64 register specs" "$T_TMP/probes.out" \
	'^vmm +kvm_ioctl_exit +0x[0-9a-f]+ .* 8@x[0-9]+'
expect_eq "... every one of them" \
	"$(awk 'NR > 1' "$T_TMP/probes.out" | wc -l)" "$("$BUILD/kvmscope" probes "$VMM" | awk 'NR > 1' | wc -l)"

"$QEMU_USER" "$ARM_BUILD/kvmscope" diagnose --format json "$ROOT/tests/fixtures/seed-003-pmu-on.log" \
	>"$T_TMP/diag-arm64.json" 2>/dev/null
"$BUILD/kvmscope" diagnose --format json "$ROOT/tests/fixtures/seed-003-pmu-on.log" \
	>"$T_TMP/diag-x86.json" 2>/dev/null
expect_eq "diagnose of the seed's PMU log: the pmu-set-attr finding" \
	"$(jq -r '[.findings[].rule] | unique | join(" ")' "$T_TMP/diag-arm64.json")" "pmu-set-attr"
check "... the same diagnosis as the x86-64 build" cmp -s "$T_TMP/diag-arm64.json" "$T_TMP/diag-x86.json"

cap=$ROOT/tests/fixtures/capture-sev-reboot.capture
"$QEMU_USER" "$ARM_BUILD/kvmscope" report --format json "$cap" >"$T_TMP/rep-arm64.json" 2>/dev/null
"$BUILD/kvmscope" report --format json "$cap" >"$T_TMP/rep-x86.json" 2>/dev/null
check "report of an x86-64 capture: byte for byte the x86-64 build's ($(wc -l <"$T_TMP/rep-x86.json") events)" \
	cmp -s "$T_TMP/rep-arm64.json" "$T_TMP/rep-x86.json"
