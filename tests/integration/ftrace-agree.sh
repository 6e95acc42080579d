#!/bin/bash
# The ftrace collector (tools/collect/ftrace.c) and the eBPF collector (kvmscope
# record) recording the same VMM run agree on every VMM probe hit (arguments
# and strings) and every kernel event (raw entry bytes), thread by thread,
# with timestamps on the same clock; the ftrace capture reads back through
# `kvmscope report`; the collector leaves no instance or uprobe behind; a
# refused function tracer is one line. The ftrace side is driven through the
# test driver (build/tests/unit/test-ftrace record), which calls the same
# ftrace_collector_start/poll/stop API `kvmscope record --ftrace` uses.
. "$(dirname "$0")/../lib.sh"
DRIVER=$BUILD/tests/unit/test-ftrace
KVMSCOPE=$BUILD/kvmscope
if [ "$(id -u)" != 0 ]; then skip "ftrace: needs root"; exit 0; fi
if ! have_kvm; then skip "ftrace: /dev/kvm not usable"; exit 0; fi
if [ ! -x "$DRIVER" ]; then skip "ftrace: $DRIVER not built (make unit-tests)"; exit 0; fi
if [ ! -d /sys/kernel/tracing/events ]; then mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; fi
ulimit -l unlimited 2>/dev/null

run="$VMM -kernel $GUESTS/reboot.elf -append count=2 -serial null"
# the ftrace collector follows the BPF recorder's child (event-fork), so
# both see exactly the same VMM process from its first instruction
timeout -s INT 120 "$DRIVER" record "$T_TMP/ftrace.cap" --binary "$VMM" -- \
	"$KVMSCOPE" record -q -o "$T_TMP/bpf.cap" -- $run >"$T_TMP/rec.out" 2>"$T_TMP/rec.err"
expect_eq "both collectors recorded the run (exit status)" "$?" 0
expect_grep "ftrace collector: probes and kernel events, none lost" "$T_TMP/rec.err" \
	'^ftrace: [1-9][0-9]* probes, [1-9][0-9]* kernel events, [0-9]+ filtered, 0 lost, 0 unparsed$'

expect_sources_agree "ftrace and BPF agree record for record" "$T_TMP/bpf.cap" "$T_TMP/ftrace.cap"

# the report reads the ftrace capture: the seed decision, probes with strings
"$KVMSCOPE" report "$T_TMP/ftrace.cap" >"$T_TMP/report.txt" 2>"$T_TMP/report.err"
expect_eq "kvmscope report reads the ftrace capture" "$?" 0
expect_grep "report shows the run-state change with its strings" "$T_TMP/report.txt" \
	'runstate_set .*prelaunch.*running'
expect_grep "report shows kvm events decoded from the kernel's format" "$T_TMP/report.txt" 'kvm_userspace_exit'
expect_grep "report pairs the KVM ioctls" "$T_TMP/report.txt" 'ioctl\([0-9]+, KVM_RUN'

# nothing left behind
# A collector names its instance kvmscope-PID and its uprobe group
# kvmscope_PID; one whose PID is gone left them behind. Live ones belong to
# collectors running beside this test (a CI wrapper, a parallel test).
orphans() {
	local pid
	for pid in $(ls /sys/kernel/tracing/instances/ 2>/dev/null | sed -n 's/^kvmscope-\([0-9]*\)$/\1/p') \
		   $(sed -n 's/^[a-z]:kvmscope_\([0-9]*\)\/.*/\1/p' /sys/kernel/tracing/uprobe_events | sort -u); do
		kill -0 "$pid" 2>/dev/null || echo "$pid"
	done
}
expect_eq "no kvmscope tracefs instance or uprobe group left behind by a collector that has exited" \
	"$(orphans | sort -u | tr '\n' ' ')" ""

# function tracing: refused here (EPERM) -> one line, the rest recorded
timeout -s INT 120 "$DRIVER" record "$T_TMP/fn.cap" --functions kvm_vcpu_ioctl,kvm_arch_vcpu_ioctl_run -- \
	$run >"$T_TMP/fn.out" 2>"$T_TMP/fn.err"
expect_eq "run with --functions succeeds" "$?" 0
if grep -q 'functions.*refuse\|no function tracer' "$T_TMP/fn.err"; then
	expect_eq "the refusal is exactly one line" "$(grep -c -- '--functions' "$T_TMP/fn.err")" 1
	expect_grep "and everything else was recorded" "$T_TMP/fn.err" '^ftrace: [1-9][0-9]* probes, [1-9][0-9]* kernel events'
else
	"$KVMSCOPE" report "$T_TMP/fn.cap" >"$T_TMP/fn.txt" 2>&1
	expect_grep "function_graph events recorded (host allows it)" "$T_TMP/fn.txt" 'funcgraph|function'
fi

# trace.dat export: trace-cmd report reads the same events the capture holds
if command -v trace-cmd >/dev/null; then
	mkdir -p "$T_TMP/raw"
	timeout -s INT 120 "$DRIVER" record "$T_TMP/raw/t.cap" --raw "$T_TMP/raw" -- $run \
		>/dev/null 2>"$T_TMP/raw.err"
	if grep -q 'trace_dat 1$' "$T_TMP/raw.err"; then
		ok "trace.dat written next to the capture"
		trace-cmd report -i "$T_TMP/raw/trace.dat" >"$T_TMP/raw/report.txt" 2>/dev/null
		events=$(sed -n 's/^ftrace-bench: events \([0-9]*\) .*/\1/p' "$T_TMP/raw.err")
		expect_eq "trace-cmd report shows every event the collector read" \
			"$(grep -c '\[[0-9]*\]' "$T_TMP/raw/report.txt")" "$events"
		expect_grep "trace-cmd report decodes the VMM probes (uprobe events, with strings)" \
			"$T_TMP/raw/report.txt" 'runstate_set: .* s1="prelaunch"'
	else
		not_ok "trace.dat written next to the capture"
		diag <"$T_TMP/raw.err"
	fi
else
	skip "trace.dat: trace-cmd not installed"
fi

# `kvmscope record --ftrace` with the BPF collector: one capture, both sources agree
if "$KVMSCOPE" record --help 2>&1 | grep -q -- '--ftrace'; then
	timeout -s INT 120 "$KVMSCOPE" record -q --ftrace -o "$T_TMP/both.cap" -- $run \
		>"$T_TMP/both.out" 2>"$T_TMP/both.err"
	expect_eq "kvmscope record --ftrace (with BPF) records the run" "$?" 0
	expect_sources_agree "record --ftrace: both sources of one capture agree" "$T_TMP/both.cap"
else
	skip "kvmscope record has no --ftrace yet (tools/collect/record.c calls tools/collect/ftrace.h)"
fi
