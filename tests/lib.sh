# Helpers for integration tests: TAP output, the VMM under a timeout, and
# host-capability checks that SKIP with a reason.
# shellcheck shell=bash
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VMM=$BUILD/kvmscope-vmm
GUESTS=$BUILD/guests
T_N=0
T_TMP=$(mktemp -d /tmp/kvmscope-test.XXXXXX)
# a failed test keeps its files (named in its output) for the post-mortem;
# KEEP_TMP=1 keeps every test's
T_FAILED=
keep_or_remove_tmp() {
	if [ -n "$T_FAILED" ]; then
		echo "# files of the failed checks kept in $T_TMP"
	elif [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$T_TMP"
	fi
}
trap keep_or_remove_tmp EXIT

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=1; echo "not ok $T_N - $*"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N - # SKIP $*"; }
diag() { sed 's/^/#   /'; }

# check NAME COMMAND...: ok if the command succeeds, else not ok
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# skip_all REASON: ends the test here: a SKIP with REASON, the plan, status 0
skip_all() {
	skip "$1"
	echo "1..$T_N"
	exit 0
}

# need_tools NAME TOOL...: ends the test (skip_all naming the first missing
# tool) unless every TOOL is installed
need_tools() {
	local name=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || skip_all "$name: $tool not installed (scripts/install-deps.sh)"
	done
}

# need_kvm: returns 1 (and the caller should skip) when /dev/kvm is unusable
have_kvm() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }

# require_recorder: ends the test (SKIP with the reason, status 0) unless
# kvmscope record can run here and its reports be read: root for BPF, a
# usable /dev/kvm, jq. Lifts the locked-memory limit, which kernels before
# 5.11 charge BPF maps to.
require_recorder() {
	if [ "$(id -u)" != 0 ]; then skip "record: needs root (BPF)"; exit 0; fi
	if ! have_kvm; then skip "record: /dev/kvm not usable"; exit 0; fi
	if ! command -v jq >/dev/null; then skip "record: jq not installed"; exit 0; fi
	ulimit -l unlimited 2>/dev/null
}

# vmm NAME ARGS...: runs the VMM with a 60 s limit; stdout -> $T_TMP/NAME.out,
# stderr -> $T_TMP/NAME.err, exit status -> $T_TMP/NAME.rc
vmm() {
	local name=$1
	shift
	timeout -s KILL 60 "$VMM" "$@" </dev/null >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	echo $? >"$T_TMP/$name.rc"
}
out() { cat "$T_TMP/$1.out"; }
err() { cat "$T_TMP/$1.err"; }
rc() { cat "$T_TMP/$1.rc"; }

# runstates NAME: the run-state sequence from -trace runstate_set lines, e.g.
# "prelaunch>running running>shutdown"
runstates() {
	sed -n 's/.*runstate_set current_run_state [0-9]* (\([a-z-]*\)) new_state [0-9]* (\([a-z-]*\)).*/\1>\2/p' \
		"$T_TMP/$1.err" | tr '\n' ' ' | sed 's/ $//'
}

# expect_eq NAME ACTUAL EXPECTED: ok/not ok with a diff-style note
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf 'expected: %s\nactual:   %s\n' "$3" "$2" | diag
	fi
}

# expect_grep NAME FILE PATTERN (extended regex)
expect_grep() {
	if grep -Eq -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1"
		echo "no line matching /$3/ in $(basename "$2"):" | diag
		head -20 "$2" | diag
	fi
}

# vmm_bg NAME ARGS...: starts the VMM in the background (pid in VMM_PID),
# with a watchdog that kills it after 60 s; vmm_wait NAME [SIGNAL] ends it.
vmm_bg() {
	local name=$1
	shift
	"$VMM" "$@" </dev/null >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
	VMM_PID=$!
	# the watchdog holds no test output open (run-tests.sh would wait for
	# its sleep) and takes its sleep with it when vmm_wait ends it
	( trap 'kill $s 2>/dev/null; exit 0' TERM
	  sleep 60 & s=$!
	  wait $s && kill -KILL "$VMM_PID" 2>/dev/null ) </dev/null >/dev/null 2>&1 &
	WATCHDOG_PID=$!
}
vmm_wait() {
	local name=$1 sig=${2:-}
	[ -n "$sig" ] && kill -"$sig" "$VMM_PID" 2>/dev/null
	wait "$VMM_PID"
	echo $? >"$T_TMP/$name.rc"
	kill "$WATCHDOG_PID" 2>/dev/null
	wait "$WATCHDOG_PID" 2>/dev/null
}
# wait_for NAME REGEX [SECONDS]: until stderr of NAME matches (default 10 s)
wait_for() {
	local i
	for i in $(seq $((${3:-10} * 10))); do
		grep -Eq -- "$2" "$T_TMP/$1.err" && return 0
		sleep 0.1
	done
	return 1
}

# expect_sources_agree NAME BPF_CAPTURE [FTRACE_CAPTURE]: the BPF and the
# ftrace records agree one for one (probes with arguments and strings,
# kernel events byte for byte, pid and tid), as the ftrace test driver
# compares them; one capture holding both sources is given once
expect_sources_agree() {
	local name=$1 bpf=$2 ft=${3:-$2} driver=$BUILD/tests/unit/test-ftrace
	if [ ! -x "$driver" ]; then
		skip "$name: $driver not built (make unit-tests)"
		return
	fi
	if "$driver" compare "$bpf" "$ft" >"$T_TMP/agree.out" 2>&1; then
		ok "$name: $(cat "$T_TMP/agree.out")"
	else
		not_ok "$name: the BPF and ftrace records differ"
		head -20 "$T_TMP/agree.out" | diag
	fi
}
