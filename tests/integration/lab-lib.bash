# Helpers for the lab tests (sourced after tests/lib.sh): scripts/lab.sh
# runs with its output in $T_TMP/NAME.out, .err and .rc.
# shellcheck shell=bash

# lab_require TOOL...: ends the test (SKIP naming the first missing tool,
# then the plan, status 0) unless every TOOL is installed
lab_require() {
	local tool
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			skip "lab: $tool not installed (scripts/install-deps.sh)"
			echo "1..$T_N"
			exit 0
		fi
	done
}

# lab_run NAME LAB-ARGS...: scripts/lab.sh with stdin from /dev/null
lab_run() {
	local name=$1
	shift
	"$LAB" "$@" </dev/null >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	echo $? >"$T_TMP/$name.rc"
}

# lab_skip_unfetched NAME: ends the test with a SKIP when the lab could not
# get its kernel or root (status 126 with lab.sh's own error line: no network
# to Debian's archive, ...); a 126 without that line is the command's own and
# no reason to skip
lab_skip_unfetched() {
	if [ "$(rc "$1")" = 126 ] && grep -q 'error:' "$T_TMP/$1.err"; then
		skip "lab: $(grep -m1 'error:' "$T_TMP/$1.err")"
		echo "1..$T_N"
		exit 0
	fi
}
