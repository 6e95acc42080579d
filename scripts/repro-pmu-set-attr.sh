#!/bin/bash
# The seed-003 PMU failure ("PMU: KVM_SET_DEVICE_ATTR: Invalid argument",
# /work/shared/seeds/003_*), reproduced on this host with the collectors on,
# then explained by `kvmscope diagnose`:
#   1. arm-style, fault-injected: on an arm64 KVM host the virt board with
#      -fault ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL,fd=vcpu. On x86 the board
#      makes no KVM_SET_DEVICE_ATTR call, so that rule never fires (shown);
#      the x86 counterpart, the PMU event filter, is failed the same way
#      (-fault ioctl=KVM_SET_PMU_EVENT_FILTER,errno=EINVAL);
#   2. genuine x86: -cpu host,pmu=on on a host KVM without a vPMU (this one);
#   3. the seed's own log with its function_graph trace, for the arm64 kernel
#      path (arm64 KVM cannot run here).
# Each VMM run is recorded by `kvmscope record` (eBPF; `--ftrace` too when
# record offers it) with the VMM's stderr beside it; diagnose reads both.
#
#   scripts/repro-pmu-set-attr.sh [--keep DIR] [--json]
#   scripts/repro-pmu-set-attr.sh --lab [--json]
#   scripts/repro-pmu-set-attr.sh --help
#   (installed: kvmscope-repro-pmu-set-attr; in the tree BUILD=build-x picks
#   the build directory)
# --lab (source tree only): the seed's cases under real arm64 KVM in the
# arm64 lab instead, no -fault (scripts/repro-pmu-lab/run.bash): virt-4.1 with
# and without the PMU, the healthy GICv3 board, pmu=off, gic-version=2
# refused (and Debian's QEMU 7.2 beside it), and the further genuine causes
# the board provokes itself with -cpu x-pmu-* (a vCPU without PMUv3, a PPI
# that differs, the IRQ after INIT: scripts/repro-pmu-lab/misconfig.bash);
# logs, kernel-function return values and diagnoses in build/repro-pmu/.
# Exit status 0 when every case gave the expected pmu-set-attr finding.
set -u
# Installed (PREFIX/bin/kvmscope-repro-pmu-set-attr, the guests and fixtures in
# PREFIX/share/kvmscope) or in the source tree (scripts/, build/)
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=
if [ -d "$HERE/../share/kvmscope/guests" ]; then
	BIN=$HERE DATA=$(cd "$HERE/../share/kvmscope" && pwd)
	GUESTS=$DATA/guests FIX=$DATA/fixtures MISSING="the installation is incomplete"
else
	ROOT=$(cd "$HERE/.." && pwd)
	BUILD=${BUILD:-build}
	case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
	BIN=$BUILD GUESTS=$BUILD/guests FIX=$ROOT/tests/fixtures MISSING="run make first"
fi
VMM=$BIN/kvmscope-vmm
KVMSCOPE=$BIN/kvmscope
GUEST=$GUESTS/hello.elf
KEEP= FORMAT=text LAB=

while [ $# -gt 0 ]; do
	case $1 in
	--keep) KEEP=${2:?--keep needs a directory}; shift 2 ;;
	--json) FORMAT=json; shift ;;
	--lab) LAB=1; shift ;;
	-h|--help) sed -n '2,/^set -u$/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "repro: unknown argument '$1'" >&2; exit 1 ;;
	esac
done
if [ -n "$LAB" ]; then
	if [ -z "$ROOT" ]; then echo "repro: --lab needs the source tree (scripts/lab.sh)" >&2; exit 1; fi
	# shellcheck source=scripts/repro-pmu-lab/run.bash
	. "$ROOT/scripts/repro-pmu-lab/run.bash"
	results=()
	repro_lab || exit 1
	echo
	echo "== Summary"
	printf '%s\n' "${results[@]}"
	printf '%s\n' "${results[@]}" | grep -q FAIL && exit 1
	exit 0
fi
for f in "$VMM" "$KVMSCOPE" "$GUEST" "$FIX/seed-003-pmu-on.log"; do
	if [ ! -e "$f" ]; then echo "repro: $f is missing: $MISSING" >&2; exit 1; fi
done
if [ ! -c /dev/kvm ]; then echo "repro: /dev/kvm is not available on this host" >&2; exit 1; fi
if [ -n "$KEEP" ]; then
	DIR=$KEEP
	mkdir -p "$DIR"
else
	DIR=$(mktemp -d /tmp/kvmscope-repro-pmu.XXXXXX)
	trap 'rm -rf "$DIR"' EXIT
fi

# ---- which collectors this build and host offer ----
RECORD=(record -q)
COLLECTORS="eBPF"
if [ "$(id -u)" != 0 ]; then
	RECORD=()
	echo "note: not root, so no collector can attach; the VMM's -trace lines stand in"
elif "$KVMSCOPE" record --help 2>&1 | grep -q -- '--ftrace'; then
	RECORD+=(--ftrace)
	COLLECTORS="eBPF + ftrace"
else
	echo "note: this build's 'kvmscope record' has no --ftrace yet: recording with eBPF only"
fi
ulimit -l unlimited 2>/dev/null

# run_case NAME VMM-ARGS...: the VMM under the collectors; its stderr kept
run_case() {
	local name=$1
	shift
	local args=(-kernel "$GUEST" -serial null -msg timestamp=on "$@")
	if [ ${#RECORD[@]} -gt 0 ]; then
		timeout -s KILL 60 "$KVMSCOPE" "${RECORD[@]}" -o "$DIR/$name.capture" -- \
			"$VMM" "${args[@]}" >"$DIR/$name.out" 2>"$DIR/$name.stderr"
		INPUTS=("$DIR/$name.capture" "$DIR/$name.stderr")
		if [ ! -s "$DIR/$name.capture" ]; then
			echo "note: the recording failed ($(tail -1 "$DIR/$name.stderr")); -trace lines instead"
			RECORD=()
		fi
	fi
	if [ ${#RECORD[@]} -eq 0 ]; then
		timeout -s KILL 60 "$VMM" "${args[@]}" -trace 'kvm_ioctl_exit' -trace 'kvm_fault_inject' \
			-trace arm_pmu_attr >"$DIR/$name.out" 2>"$DIR/$name.stderr"
		INPUTS=("$DIR/$name.stderr")
	fi
	echo "\$ kvmscope-vmm ${args[*]}"
	sed 's/^/    /' "$DIR/$name.stderr" | grep -v '^    $' | head -8
}

# diagnose_case NAME: prints the diagnosis; the JSON kept for the checks
diagnose_case() {
	local name=$1
	shift
	echo "\$ kvmscope diagnose $(printf '%s ' "${INPUTS[@]##*/}")"
	"$KVMSCOPE" diagnose --format "$FORMAT" "${INPUTS[@]}"
	"$KVMSCOPE" diagnose --format json "${INPUTS[@]}" >"$DIR/$name.diagnosis.json"
}

# expect NAME JQ-FILTER WHAT: one line of verdict for the summary
results=()
expect() {
	local got
	got=$(jq -r "$2" "$DIR/$1.diagnosis.json" 2>/dev/null)
	if [ "$got" = true ]; then
		results+=("  ok    $3")
	else
		results+=("  FAIL  $3")
	fi
}

echo "== collectors: $COLLECTORS; files in $DIR"
echo
if [ "$(uname -m)" = aarch64 ]; then
	echo "== 1. arm-style, fault-injected: the virt board's PMU IRQ attribute fails with EINVAL"
	run_case arm-fault -machine virt -cpu host -fault ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL,fd=vcpu
	diagnose_case arm-fault
	expect arm-fault '[.findings[] | select(.rule == "pmu-set-attr") | .facts.injected] == [true]' \
		"arm64: injected KVM_SET_DEVICE_ATTR EINVAL diagnosed as injected"
else
	echo "== 1a. arm-style fault rule on this x86 VMM: -fault ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL"
	run_case x86-attr-fault -fault ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL
	diagnose_case x86-attr-fault
	n=$("$KVMSCOPE" diagnose --events --format json "${INPUTS[@]}" |
		jq -s '[.[] | select(.fields.ioctl == "KVM_SET_DEVICE_ATTR")] | length')
	echo "-> the x86 board made $n KVM_SET_DEVICE_ATTR calls: the fault rule never fired, the guest ran to its power-off"
	expect x86-attr-fault '[.findings[] | select(.rule == "pmu-set-attr")] | length == 0' \
		"x86: no KVM_SET_DEVICE_ATTR call, so the injected fault never fires (no PMU finding)"
	echo
	echo "== 1b. the x86 counterpart, fault-injected: the PMU event filter fails with EINVAL"
	run_case x86-filter-fault -cpu host,pmu-filter=deny:0xc0 \
		-fault ioctl=KVM_SET_PMU_EVENT_FILTER,errno=EINVAL
	diagnose_case x86-filter-fault
	expect x86-filter-fault \
		'[.findings[] | select(.rule == "pmu-set-attr") | "\(.facts.ioctl) \(.facts.errno) \(.facts.injected)"] == ["KVM_SET_PMU_EVENT_FILTER EINVAL true"]' \
		"x86: injected KVM_SET_PMU_EVENT_FILTER EINVAL diagnosed as injected"
fi
echo
echo "== 2. genuine x86: -cpu host,pmu=on on a host KVM without a vPMU"
run_case x86-pmu-on -cpu host,pmu=on
diagnose_case x86-pmu-on
expect x86-pmu-on '[.findings[] | select(.rule == "pmu-set-attr") | .facts.arch] == ["x86_64"]' \
	"x86: pmu=on refused, the kernel's KVM_ENABLE_CAP errno named"
if [ ${#INPUTS[@]} -gt 1 ]; then
	expect x86-pmu-on '[.findings[] | select(.rule == "pmu-set-attr") | .facts.kernel_duration_us | type] == ["number"]' \
		"x86: the kernel time of the failing ioctl, from the capture"
fi
echo
echo "== 3. the seed's arm64 log and its function_graph trace (arm64 KVM cannot run here)"
INPUTS=("$FIX/seed-003-pmu-on.log" "$FIX/seed-003-function-graph.log")
diagnose_case seed-003
expect seed-003 '[.findings[] | select(.rule == "pmu-set-attr") | "\(.facts.attr) \(.facts.errno) \(.facts.kernel_duration_us)"] == ["KVM_ARM_VCPU_PMU_V3_IRQ EINVAL 2.77"]' \
	"seed 003: IRQ attribute, EINVAL, 2.77 us in kvm_arm_pmu_v3_set_attr, with the kernel's causes"

echo
echo "== Summary"
printf '%s\n' "${results[@]}"
printf '%s\n' "${results[@]}" | grep -q FAIL && exit 1
exit 0
