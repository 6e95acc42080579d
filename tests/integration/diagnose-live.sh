#!/bin/bash
# kvmscope diagnose on what this tree produces itself: kvmscope-vmm's stderr
# (-trace lines, error_report), a `kvmscope record` capture of the same run,
# the control plane's escalation (kvmscope-domain, via the seed-000 repro),
# and scripts/repro-pmu-set-attr.sh end to end.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
finish() { echo "1..$T_N"; exit 0; }
if ! have_kvm; then skip "diagnose live: /dev/kvm not usable"; finish; fi
if ! command -v jq >/dev/null; then skip "diagnose live: jq not installed"; finish; fi
CONF=(-object sev-guest,id=sev0,policy=0x5,cbitpos=51,reduced-phys-bits=1
      -machine pc,confidential-guest-support=sev0)
REBOOT=(-kernel "$GUESTS/reboot.elf" -append "count=2 method=cf9" -serial null -msg timestamp=on)

# ---- 1. the VMM's own log: a confidential guest that reboots ----
vmm conf "${REBOOT[@]}" "${CONF[@]}" -trace qemu_system_reset_request -trace runstate_set \
	-trace qapi_event
"$KVMSCOPE" diagnose --format json "$T_TMP/conf.err" >"$T_TMP/conf.json"
expect_eq "VMM log: cpus-not-resettable with policy 0x5 = NODBG|ES (from the VMM's warning)" \
	"$(jq -r '.findings[] | select(.rule == "cpus-not-resettable") | "\(.facts.policy) \(.facts.policy_bits | join("|"))"' "$T_TMP/conf.json")" \
	"0x5 NODBG|ES"
expect_eq "VMM log: the evidence includes the reset request decision (resettable=0)" \
	"$(jq -r '[.findings[] | select(.rule == "cpus-not-resettable") | .evidence[].text | select(test("qemu_system_reset_request reason=7 \\(guest-reset\\) resettable=0"))] | length' "$T_TMP/conf.json")" \
	1
expect_eq "VMM log: running -> shutdown flagged with cause guest-reset" \
	"$(jq -r '.findings[] | select(.rule == "runstate-transition") | .facts.cause' "$T_TMP/conf.json")" \
	"guest-reset"

# the same guest without the confidential policy reboots twice and powers off: nothing to say
vmm plain "${REBOOT[@]}" -trace qemu_system_reset_request -trace runstate_set -trace qapi_event
"$KVMSCOPE" diagnose "$T_TMP/plain.err" >"$T_TMP/plain.out"
expect_eq "VMM log without a policy: reboots then power-off, no finding (status 0)" "$?" 0

# ---- 2. the same incident from a capture alone ----
if [ "$(id -u)" != 0 ]; then
	skip "diagnose live: recording needs root"
else
	ulimit -l unlimited 2>/dev/null
	timeout -s KILL 60 "$KVMSCOPE" record -q -o "$T_TMP/conf.capture" -- \
		"$VMM" "${REBOOT[@]}" "${CONF[@]}" >/dev/null 2>"$T_TMP/rec.err"
	expect_eq "record: the confidential reboot recorded" "$?" 0
	"$KVMSCOPE" diagnose --format json "$T_TMP/conf.capture" >"$T_TMP/cap.json"
	expect_eq "capture: cpus-not-resettable, policy from the recorded command line" \
		"$(jq -r '.findings[] | select(.rule == "cpus-not-resettable") | .facts.policy' "$T_TMP/cap.json")" \
		"0x5"
	expect_eq "capture: its evidence are capture records" \
		"$(jq -r '[.findings[] | select(.rule == "cpus-not-resettable") | .evidence[] | select(.source == "capture")] | length > 0' "$T_TMP/cap.json")" \
		"true"
	# an injected failure the VMM survives shows up with its kernel-less timing;
	# the first KVM_GET_SUPPORTED_CPUID answers E2BIG, as on a host with more than
	# 64 CPUID entries (on such a host the kernel says it too): the VMM's retry
	# is a size probe, never a finding, whatever the host
	timeout -s KILL 60 "$KVMSCOPE" record -q -o "$T_TMP/fault.capture" -- \
		"$VMM" -kernel "$GUESTS/hello.elf" -serial null -msg timestamp=on \
		-fault ioctl=KVM_GET_SUPPORTED_CPUID,errno=E2BIG,count=1 \
		-fault ioctl=KVM_CHECK_EXTENSION,errno=ENOTTY,after=1,count=1 >/dev/null 2>"$T_TMP/fault.err"
	expect_eq "record: the VMM retried the E2BIG size probe and ran" "$?" 0
	"$KVMSCOPE" diagnose --format json "$T_TMP/fault.capture" "$T_TMP/fault.err" >"$T_TMP/fault.json"
	expect_eq "capture + stderr: injected KVM_CHECK_EXTENSION ENOTTY is a kvm-ioctl-error, marked injected" \
		"$(jq -r '.findings[] | select(.rule == "kvm-ioctl-error") | "\(.facts.ioctl) \(.facts.errno) \(.facts.injected)"' "$T_TMP/fault.json")" \
		"KVM_CHECK_EXTENSION ENOTTY true"
	expect_eq "... and the E2BIG size probe is no finding" \
		"$(jq -r '[.findings[] | select(.title | test("KVM_GET_SUPPORTED_CPUID"))] | length' "$T_TMP/fault.json")" 0
	expect_eq "... though the capture holds it" \
		"$("$KVMSCOPE" report --format json "$T_TMP/fault.capture" 2>/dev/null | jq -r 'select(.name=="kvm_ioctl_exit" and .args.name=="KVM_GET_SUPPORTED_CPUID" and .args.errname=="E2BIG") | .args.name' | head -n 1)" \
		KVM_GET_SUPPORTED_CPUID
	# a suite's capture (--follow): a guest's ACPI power-off in one VMM, then the
	# confidential reboot in the next; each finding's evidence stays in its VMM
	timeout -s KILL 60 "$KVMSCOPE" record -q --follow --binary "$VMM" -o "$T_TMP/suite.capture" -- \
		sh -c "'$VMM' -kernel '$GUESTS/hello.elf' -serial null && exec '$VMM' $(printf "'%s' " "${REBOOT[@]}" "${CONF[@]}")" \
		>/dev/null 2>"$T_TMP/suite.err"
	expect_eq "record --follow: a power-off, then a confidential reboot" "$?" 0
	"$KVMSCOPE" diagnose --format json "$T_TMP/suite.capture" >"$T_TMP/suite.json"
	expect_eq "suite capture: one cpus-not-resettable" \
		"$(jq -r '[.findings[] | select(.rule == "cpus-not-resettable")] | length' "$T_TMP/suite.json")" 1
	expect_eq "... its evidence holds nothing of the other VMM (its ACPI power-off write)" \
		"$(jq -r '[.findings[] | select(.rule == "cpus-not-resettable") | .evidence[].text | select(test("acpi-pm1-cnt"))] | length' "$T_TMP/suite.json")" 0
fi

# ---- 3. the control plane's escalation (kvmscope-domain, seed 000 repro) ----
if [ ! -x "$ROOT/scripts/repro-cpus-not-resettable.sh" ] || [ ! -x "$BUILD/kvmscope-domain" ]; then
	skip "diagnose live: scripts/repro-cpus-not-resettable.sh or kvmscope-domain missing"
else
	BUILD=$BUILD timeout -s KILL 120 "$ROOT/scripts/repro-cpus-not-resettable.sh" --agent-timeout 1 \
		--powerdown-timeout 1 --keep "$T_TMP/dom" >"$T_TMP/dom.out" 2>&1
	expect_eq "seed 000 repro ran" "$?" 0
	"$KVMSCOPE" diagnose --format json "$T_TMP/dom/story.txt" >"$T_TMP/dom.json"
	pid=$(sed -n 's/.*terminating on signal 15 from pid \([0-9]*\) .*/\1/p' "$T_TMP/dom/story.txt" | head -1)
	expect_eq "escalation: agent -> ACPI -> signal, killed by kvmscope-domain's pid" \
		"$(jq -r '.findings[] | select(.rule == "agent-escalation") | "\(.facts.steps | join(">")) \(.facts.killer_pid) \(.facts.killer_command | split("/") | last)"' "$T_TMP/dom.json")" \
		"guest-agent>acpi-powerdown>host-signal $pid kvmscope-domain"
	expect_eq "escalation: then the in-guest reboot of the confidential VM" \
		"$(jq -r '.findings[] | select(.rule == "cpus-not-resettable") | .facts.policy' "$T_TMP/dom.json")" \
		"0x5"
	"$KVMSCOPE" diagnose --format json "$T_TMP/dom/confidential-vm.log" >"$T_TMP/domlog.json"
	expect_eq "the domain log alone: ACPI powerdown -> signal" \
		"$(jq -r '.findings[] | select(.rule == "agent-escalation") | .facts.steps | join(">")' "$T_TMP/domlog.json")" \
		"acpi-powerdown>host-signal"
fi

# ---- 4. scripts/repro-pmu-set-attr.sh ----
BUILD=$BUILD timeout -s KILL 300 "$ROOT/scripts/repro-pmu-set-attr.sh" --keep "$T_TMP/pmu" \
	>"$T_TMP/pmu.out" 2>&1
expect_eq "repro-pmu-set-attr.sh: every case diagnosed as expected" "$?" 0
grep -E '^  (ok|FAIL) ' "$T_TMP/pmu.out" | diag
expect_grep "... the genuine x86 failure named" "$T_TMP/pmu.out" \
	'^\[1\] pmu-set-attr: x86: -cpu host,pmu=on refused: the host KVM offers no vPMU$'
finish
