#!/bin/bash
# The command-line prologue the kvmscope commands share (tools/cli.c):
# --help on stdout with status 0, an unknown option named with the usage on
# stderr and status 2, --version where a command has it; record and ci have
# no --version of their own (so ci's --v still abbreviates --vmm), and a bad
# option value stops them before the command runs. Needs no root: nothing is
# recorded.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
VERSION=$(cat "$ROOT/VERSION")
cd "$T_TMP" || exit 1

# call NAME ARGS...: kvmscope ARGS into NAME.out, NAME.err, NAME.rc
call() {
	local name=$1
	shift
	"$KVMSCOPE" "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	echo $? >"$T_TMP/$name.rc"
}

for c in diagnose report probes diff record ci; do
	call "$c-help" "$c" --help
	expect_eq "$c --help: status 0, nothing on stderr" "$(rc "$c-help"):$(err "$c-help")" 0:
	expect_grep "... the usage on stdout" "$T_TMP/$c-help.out" "^usage: kvmscope $c "
	call "$c-bad" "$c" --no-such-option
	expect_eq "$c --no-such-option: status 2, nothing on stdout" "$(rc "$c-bad"):$(out "$c-bad")" 2:
	expect_grep "... the option named" "$T_TMP/$c-bad.err" "^$c: unrecognized option '--no-such-option'$"
	expect_grep "... then the usage" "$T_TMP/$c-bad.err" "^usage: kvmscope $c "
done

for c in diagnose report probes diff; do
	call "$c-version" "$c" --version
	expect_eq "$c --version: status 0, the project's version" \
		"$(rc "$c-version") $(head -1 "$T_TMP/$c-version.out" | cut -d' ' -f1-3)" "0 kvmscope version $VERSION"
done
for c in record ci; do
	call "$c-version" "$c" --version
	expect_eq "$c has no --version of its own: status 2" "$(rc "$c-version")" 2
	expect_grep "... named as unrecognized" "$T_TMP/$c-version.err" "^$c: unrecognized option '--version'$"
done
call ci-v ci --v /bin/true
expect_eq "ci --v PATH is --vmm (no --version to make it ambiguous): then no command, status 2" \
	"$(rc ci-v) $(err ci-v)" "2 kvmscope ci: no command given (kvmscope ci [OPTIONS] -- COMMAND...)"

# a bad value stops before the command starts: the file is not made
call rec-nice record --nice 5 -- touch "$T_TMP/rec-ran"
expect_eq "record --nice 5: status 2, named" "$(rc rec-nice) $(err rec-nice)" \
	"2 kvmscope record: --nice: '5' is not a niceness from -20 to 0"
check "... and the command did not run" test ! -e "$T_TMP/rec-ran"
call ci-keep ci --out "$T_TMP/art" --keep=sometimes -- touch "$T_TMP/ci-ran"
expect_eq "ci --keep=sometimes: status 2, named" "$(rc ci-keep) $(err ci-keep)" \
	"2 kvmscope ci: --keep: 'sometimes' is neither 'always' nor 'failure'"
check "... and the command did not run, no artifact directory made" \
	test ! -e "$T_TMP/ci-ran" -a ! -e "$T_TMP/art"
call rec-missing record --output
expect_eq "record --output without its value: status 2" "$(rc rec-missing)" 2
expect_grep "... named" "$T_TMP/rec-missing.err" "^record: option '--output' requires an argument$"
call ci-both ci --cleanup -- true
expect_eq "ci --cleanup with a command: status 2, said" "$(rc ci-both) $(err ci-both)" \
	"2 kvmscope ci: --cleanup takes no command"
call rec-both record --pid 1 -- true
expect_eq "record with both --pid and a command: status 2" "$(rc rec-both)" 2
expect_grep "... says what to give" "$T_TMP/rec-both.err" '^kvmscope record: give either -- COMMAND or --pid PID$'
