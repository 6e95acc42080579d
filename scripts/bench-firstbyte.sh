# scripts/bench-firstbyte.sh - sourced by the collector benches (bench-record,
# bench-functions): firstbyte's interleaved runs of labelled commands, and
# the figures of its output. Needs FB (the firstbyte binary), RUNS and TMP.
# shellcheck shell=bash

# firstbyte_runs TIMEOUT @LABEL CMD... [@LABEL CMD...]: every labelled command
# RUNS times, interleaved, one warm-up, at most TIMEOUT s a run; its report
# in $TMP/fb.out, its stderr in $TMP/err, its status in fbrc
firstbyte_runs() {
	local timeout=$1
	shift
	"$FB" -n "$RUNS" -w 1 -t "$timeout" -p 200 -e "$TMP/err" -- "$@" >"$TMP/fb.out"
	fbrc=$?
}

# val LABEL FIELD: the figure FIELD (e.g. span_med_us) of LABEL's runs
val() { sed -n "s/.*label=$1 .*$2=\([0-9.]*\).*/\1/p" "$TMP/fb.out"; }
# okruns LABEL: how many of LABEL's runs succeeded
okruns() { sed -n "s/.*label=$1 .*ok=\([0-9]*\).*/\1/p" "$TMP/fb.out"; }
