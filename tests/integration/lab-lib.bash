# Helpers for the lab tests (sourced after tests/lib.sh): scripts/lab.sh
# runs with its output in $T_TMP/NAME.out, .err and .rc; the one boot each
# lab test makes shares its mount, stream and repository checks from here.
# shellcheck shell=bash

# lab_require TOOL...: ends the test (SKIP naming the first missing tool,
# then the plan, status 0) unless every TOOL is installed and BUILD lies
# inside the repository the lab shares
lab_require() {
	need_tools lab "$@"
	case $BUILD in "$ROOT"/*) ;; *)
		skip_all "lab: BUILD ($BUILD) is outside the repository the lab shares" ;;
	esac
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
		skip_all "lab: $(grep -m1 'error:' "$T_TMP/$1.err")"
	fi
}

# The start of the one boot's script of checks (sh, after the test's own line
# setting OUT and REPO): each check prints "name: ok|FAIL"; the common ones
# (kvm-device bpffs debugfs in-repo) and the files lab_expect_boot reads.
# shellcheck disable=SC2016 # expanded inside the lab
LAB_CHECKS_COMMON='
say() { if eval "$2" >/dev/null 2>&1; then echo "$1: ok"; else echo "$1: FAIL"; fi; }
say kvm-device "[ -c /dev/kvm ]"
say bpffs "[ \"\$(stat -f -c %T /sys/fs/bpf)\" = bpf_fs ]"
say debugfs "[ \"\$(stat -f -c %T /sys/kernel/debug)\" = debugfs ]"
say in-repo "[ \"\$(pwd)\" = \"\$REPO\" ] && [ -x ./scripts/lab.sh ]"
uname -r >"$OUT/release"
echo written-inside >"$OUT/written"
echo lab-stderr-marker >&2
'

# lab_expect_boot STATUS OUTDIR KERNEL RELEASE-RE CHECK...: the checks of the
# boot run as `lab_run boot`: the script's STATUS came out as lab.sh's, each
# named CHECK said ok, stderr came back apart from stdout, the repository was
# writable, and KERNEL (its uname -r matching RELEASE-RE) ran it
lab_expect_boot() {
	local status=$1 outdir=$2 kernel=$3 release=$4 c
	shift 4
	expect_eq "the command's status comes out ($status)" "$(rc boot)" "$status"
	for c in "$@"; do
		expect_grep "inside: $c" "$T_TMP/boot.out" "^$c: ok\$"
	done
	expect_grep "stderr streams back" "$T_TMP/boot.err" '^lab-stderr-marker$'
	if grep -q 'lab-stderr-marker' "$T_TMP/boot.out"; then
		not_ok "stdout and stderr are apart"
	else
		ok "stdout and stderr are apart"
	fi
	expect_eq "the repository is writable at its path" "$(cat "$outdir/written" 2>/dev/null)" written-inside
	expect_grep "$kernel ran it" "$outdir/release" "$release"
}
