# Helpers for the QMP tests (sourced after tests/lib.sh): the test client,
# the greeting this VMM sends as QEMU 7.2, and transcripts compared whole.
# shellcheck shell=bash
QMPC=$BUILD/tests/qmp-client
# the package string carries the project's version (VERSION, its one source)
KVMSCOPE_VERSION=$(cat "$ROOT/VERSION")
GREETING='{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "kvmscope-vmm '$KVMSCOPE_VERSION'"}, "capabilities": []}}'
# a sed expression that drops an event's timestamp (it differs every run)
QMP_UNTIME='s/{"timestamp": {"seconds": [0-9]*, "microseconds": [0-9]*}, /{/'

# need_qmp NAME: ends the test (SKIP naming the reason, status 0) without a
# usable /dev/kvm or the client
need_qmp() {
	if ! have_kvm; then skip "$1: /dev/kvm not usable"; exit 0; fi
	if [ ! -x "$QMPC" ]; then skip "$1: $QMPC not built (make test builds it)"; exit 0; fi
}

# wait_socket PATH [TRIES]: until the server's socket is there, polled every
# 0.05 s (100 tries unless told); 1 if it never comes
wait_socket() {
	for _ in $(seq "${2:-100}"); do [ -S "$1" ] && return 0; sleep 0.05; done
	return 1
}

# transcript NAME DESCRIPTION: compares NAME.qmp with stdin
transcript() {
	if diff -u - "$T_TMP/$1.qmp" >"$T_TMP/$1.diff"; then
		ok "$2"
	else
		not_ok "$2"
		diag <"$T_TMP/$1.diff"
	fi
}
