#!/bin/bash
# kvmscope diagnose on logs: the seed fixtures and their variants (each
# finding, text and JSON), the options, the exit statuses, and input that is
# missing, empty, binary or cut anywhere (a clear error or a diagnosis, never
# a crash; JSON output always parses).
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
FIX=$ROOT/tests/fixtures
if [ ! -x "$KVMSCOPE" ]; then not_ok "diagnose: $KVMSCOPE not built"; echo "1..$T_N"; exit 0; fi
if ! command -v jq >/dev/null; then skip "diagnose: jq not installed (scripts/install-deps.sh)"; echo "1..$T_N"; exit 0; fi

# dg NAME ARGS...: kvmscope diagnose ARGS; stdout -> $T_TMP/NAME.out, stderr .err, status .rc
dg() {
	local name=$1
	shift
	timeout -s KILL 60 "$KVMSCOPE" diagnose "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	echo $? >"$T_TMP/$name.rc"
}
# jqv NAME FILTER: the filter applied to NAME's JSON output
jqv() { jq -r "$2" "$T_TMP/$1.out" 2>&1; }

# ---- seed 000: the confidential VM that powers off when it reboots ----
dg s0 "$FIX/seed-000-confidential-reboot.log"
expect_eq "seed 000: exit status 1 (findings)" "$(rc s0)" 1
expect_grep "seed 000: cpus-not-resettable fails" "$T_TMP/s0.out" '^  rule cpus-not-resettable +FAIL \(1 finding\)'
expect_grep "seed 000: pmu-set-attr passes" "$T_TMP/s0.out" '^  rule pmu-set-attr +pass'
expect_grep "seed 000: the verdict" "$T_TMP/s0.out" \
	'^\[1\] cpus-not-resettable: guest reboot became a shutdown: cpus are not resettable'
expect_grep "seed 000: evidence as file:line and text" "$T_TMP/s0.out" \
	'^    seed-000-confidential-reboot.log:22  2025-09-22T09:39:29.644657Z qemu-system-x86_64: cpus are not resettable, terminating$'
expect_grep "seed 000: local trace time placed at UTC+08:00" "$T_TMP/s0.out" 'local time UTC\+08:00'
dg s0j --format json "$FIX/seed-000-confidential-reboot.log"
expect_eq "seed 000 JSON: rule statuses" \
	"$(jqv s0j '[.rules[] | .name + "=" + .status] | join(" ")')" \
	"cpus-not-resettable=fail pmu-set-attr=pass agent-escalation=fail runstate-transition=fail kvm-ioctl-error=pass kvm-internal-error=pass confidential-launch=pass"
expect_eq "seed 000 JSON: escalation killer pid and command" \
	"$(jqv s0j '.findings[] | select(.rule == "agent-escalation") | "\(.facts.killer_pid) \(.facts.killer_command)"')" \
	"14261 /usr/sbin/libvirtd"
expect_eq "seed 000 JSON: escalation steps" \
	"$(jqv s0j '.findings[] | select(.rule == "agent-escalation") | .facts.steps | join(">")')" \
	"guest-agent>acpi-powerdown>host-signal"
expect_eq "seed 000 JSON: agent -> powerdown after 10.014 s" \
	"$(jqv s0j '.findings[] | select(.rule == "agent-escalation") | .facts.agent_to_powerdown_s * 1000 | round')" \
	"10014"
expect_eq "seed 000 JSON: evidence lines of the escalation" \
	"$(jqv s0j '[.findings[] | select(.rule == "agent-escalation") | .evidence[].line] | join(",")')" \
	"2,6,7,9,11,12,13,16"
expect_eq "seed 000 JSON: runstate finding names running -> shutdown, cause guest-reset" \
	"$(jqv s0j '.findings[] | select(.rule == "runstate-transition") | "\(.facts.from)>\(.facts.to) \(.facts.cause)"')" \
	"running>shutdown guest-reset"

# ---- seed 003: the arm64 PMU failure, with the function_graph trace ----
dg s3 --format json "$FIX/seed-003-pmu-on.log" "$FIX/seed-003-function-graph.log"
expect_eq "seed 003: one finding, pmu-set-attr" "$(jqv s3 '[.findings[].rule] | join(" ")')" "pmu-set-attr"
expect_eq "seed 003: attribute, errno, kernel time" \
	"$(jqv s3 '.findings[0].facts | "\(.attr) \(.errno) \(.kernel_duration_us)"')" \
	"KVM_ARM_VCPU_PMU_V3_IRQ EINVAL 2.77"
expect_eq "seed 003: the kernel's three EINVAL checks for IRQ come first" \
	"$(jqv s3 '.findings[0].facts.causes[0:3] | map(split(":")[0]) | join("|")')" \
	"no in-kernel irqchip|the IRQ number is neither a PPI (16-31) nor an SPI (32-1019) (QEMU passes INTID 23, PPI 7)|the PPI differs from the one another vCPU uses, or the SPI is already used by another vCPU"
dg s3a "$FIX/seed-003-pmu-on.log"
expect_grep "seed 003 alone: the kernel time is not in the log" "$T_TMP/s3a.out" 'how long the kernel path took is not in the log'
dg s3off --format json "$FIX/seed-003-pmu-off.log"
expect_eq "seed 003 pmu=off: kvm_set_irq ENXIO, aborted" \
	"$(jqv s3off '.findings[] | "\(.rule) \(.facts.function) \(.facts.errno) \(.facts.aborted)"')" \
	"kvm-ioctl-error kvm_set_irq ENXIO true"

# ---- variants ----
dg v1 --format json "$FIX/variant-upstream-sev-es-reboot.log"
expect_eq "upstream 7.2 / libvirt: policy bits from the JSON -object" \
	"$(jqv v1 '.findings[] | select(.rule == "cpus-not-resettable") | "\(.facts.policy) \(.facts.policy_bits | join("|"))"')" \
	"0x7 NODBG|NOKS|ES"
dg v2 --format json "$FIX/variant-arm64-pmu-init-enodev.log"
expect_eq "arm64 on 6.6: INIT ENODEV with the kernel named" \
	"$(jqv v2 '.findings[0].facts | "\(.attr) \(.errno) \(.kernel)"')" \
	"KVM_ARM_VCPU_PMU_V3_INIT ENODEV 6.6.31-arm64-generic"
dg v3 --format json "$FIX/variant-invalid-transition.log"
expect_eq "invalid transition: paused -> shutdown not allowed" \
	"$(jqv v3 '.findings[] | "\(.rule) \(.facts.from)>\(.facts.to) \(.facts.allowed)"')" \
	"runstate-transition paused>shutdown false"

# ---- captures kept as fixtures (kvmscope record, eBPF) with the VMM's stderr ----
dg c1 --format json "$FIX/capture-sev-reboot.capture" "$FIX/capture-sev-reboot.stderr"
expect_eq "capture + stderr: cpus-not-resettable, policy 0x5, evidence from both inputs" \
	"$(jqv c1 '.findings[] | select(.rule == "cpus-not-resettable") | "\(.facts.policy) \([.evidence[].source] | unique | join(","))"')" \
	"0x5 capture,stderr"
expect_eq "capture + stderr: the reset request record is evidence" \
	"$(jqv c1 '[.findings[] | select(.rule == "cpus-not-resettable") | .evidence[] | select(.text | startswith("qemu_system_reset_request reason=7 (guest-reset) resettable=0"))] | length')" \
	1
dg c2 --format json "$FIX/capture-x86-pmu-on.capture" "$FIX/capture-x86-pmu-on.stderr"
expect_eq "capture + stderr: x86 pmu=on, KVM_ENABLE_CAP EINVAL with its syscall time" \
	"$(jqv c2 '.findings[] | "\(.rule) \(.facts.arch) \(.facts.errno) \(.facts.kernel_duration_us | type)"')" \
	"pmu-set-attr x86_64 EINVAL number"
dg c3 --format json "$FIX/capture-x86-pmu-on.capture"
expect_eq "the capture alone: the failed ioctl, its time, no vPMU verdict without the message" \
	"$(jqv c3 '.findings[] | "\(.rule) \(.facts.ioctl) \(.facts.errno) \(.facts.kernel_duration_us | type)"')" \
	"kvm-ioctl-error KVM_ENABLE_CAP EINVAL number"
bad=0
size=$(stat -c %s "$FIX/capture-sev-reboot.capture")
for cut in $(seq 0 4999 "$size"); do
	head -c "$cut" "$FIX/capture-sev-reboot.capture" >"$T_TMP/cut.capture"
	"$KVMSCOPE" diagnose --format json "$T_TMP/cut.capture" >"$T_TMP/cut.json" 2>"$T_TMP/cut.err"
	r=$?
	if [ $r -gt 3 ] || { [ $r -ne 2 ] && ! jq -e .version "$T_TMP/cut.json" >/dev/null 2>&1; }; then
		bad=$((bad + 1))
		echo "capture cut at $cut: status $r" | diag
	fi
done
expect_eq "the capture cut every 4999 bytes: a diagnosis, a clear error or 'nothing understood' (3) each time" "$bad" 0
head -c 64 "$FIX/capture-sev-reboot.capture" >"$T_TMP/header.capture"
dg hdr "$T_TMP/header.capture"
expect_eq "a capture with only its header: no finding" "$(rc hdr)" 0

# ---- options ----
dg rule --rule pmu-set-attr "$FIX/seed-000-confidential-reboot.log"
expect_eq "--rule runs only that rule (and finds nothing: status 0)" \
	"$(rc rule) $(grep -c '^  rule ' "$T_TMP/rule.out")" "0 1"
dg list --list-rules
expect_eq "--list-rules names the seven rules" "$(cut -d' ' -f1 "$T_TMP/list.out" | tr '\n' ' ')" \
	"cpus-not-resettable pmu-set-attr agent-escalation runstate-transition kvm-ioctl-error kvm-internal-error confidential-launch "
dg ev --events --format json "$FIX/seed-000-confidential-reboot.log"
expect_eq "--events: one JSON object per line of input" "$(jq -s length "$T_TMP/ev.out")" 36
expect_eq "--events: line 25 is a run-state change" \
	"$(jq -r 'select(.line == 25) | "\(.kind) \(.fields.from)>\(.fields.to) \(.time)"' "$T_TMP/ev.out")" \
	"runstate running>shutdown 2025-09-22T09:39:29.644800Z"
dg stdin - <"$FIX/seed-003-pmu-off.log"
expect_grep "- reads stdin" "$T_TMP/stdin.out" 'kvm-ioctl-error: KVM ioctl failed: kvm_set_irq -> ENXIO'

# ---- bad usage and bad input ----
dg missing "$T_TMP/nope.log"
expect_eq "a missing file: status 2" "$(rc missing)" 2
expect_grep "... and the error names it" "$T_TMP/missing.err" "cannot open '.*/nope.log': No such file or directory"
dg fmt --format xml "$FIX/seed-000-confidential-reboot.log"
expect_grep "--format xml: status 2, named" "$T_TMP/fmt.err" "--format: 'xml' is not text or json"
dg norule --rule nope "$FIX/seed-000-confidential-reboot.log"
expect_grep "--rule nope: named" "$T_TMP/norule.err" '--rule nope: no such rule'
dg noinput
expect_eq "no input: status 2" "$(rc noinput)" 2
dg empty --format json /dev/null
expect_eq "an empty log: no finding, status 3 (nothing understood), valid JSON" \
	"$(rc empty) $(jqv empty '.findings | length')" "3 0"
head -c 65536 /dev/urandom >"$T_TMP/random.bin"
dg random --format json "$T_TMP/random.bin"
expect_eq "64 KiB of random bytes: status 3 or a diagnosis, valid JSON" \
	"$(case $(rc random) in 0|1|3) echo ok ;; esac) $(jq -e .version "$T_TMP/random.out" >/dev/null 2>&1 && echo json)" "ok json"
printf 'hello world\nfoo: bar\nerror: something went wrong\n' >"$T_TMP/prose.log"
dg prose "$T_TMP/prose.log"
expect_eq "prose: status 3, each input's lines read and understood" \
	"$(rc prose) $(grep -c 'prose.log: 3 lines read, 0 understood' "$T_TMP/prose.out")" "3 1"
expect_grep "prose: says nothing was understood" "$T_TMP/prose.err" 'nothing in the input was understood'
dg proseplus --format json "$T_TMP/prose.log" "$FIX/seed-003-pmu-on.log"
expect_eq "prose beside a log: per-input counts in JSON, status from the findings" \
	"$(rc proseplus) $(jqv proseplus '[.input_counts[] | .understood > 0] | map(tostring) | join(",")')" \
	"1 false,true"

# every cut of the seed logs: never a crash, JSON always parses
bad=0
for f in seed-000-confidential-reboot.log seed-003-pmu-on.log variant-upstream-sev-es-reboot.log; do
	size=$(stat -c %s "$FIX/$f")
	for cut in $(seq 1 97 "$size"); do
		head -c "$cut" "$FIX/$f" >"$T_TMP/cut.log"
		"$KVMSCOPE" diagnose --format json "$T_TMP/cut.log" >"$T_TMP/cut.json" 2>"$T_TMP/cut.err"
		r=$?
		if [ $r = 2 ] || [ $r -gt 3 ] || ! jq -e .version "$T_TMP/cut.json" >/dev/null 2>&1; then
			bad=$((bad + 1))
			echo "$f cut at $cut: status $r" | diag
		fi
	done
done
expect_eq "seed logs cut every 97 bytes: status 0/1/3 and valid JSON each time" "$bad" 0

echo "1..$T_N"
