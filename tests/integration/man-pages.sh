#!/bin/bash
# The man pages (docs/man/*.scd, built by make) against the binaries and the
# scripts installed as commands: every option each --help lists is in the
# page - kvmscope's per subcommand, in that subcommand's section - and each
# page renders without a warning. A missing page fails (make builds them all).
. "$(dirname "$0")/../lib.sh"
MAN=$BUILD/man
if ! command -v man >/dev/null; then skip "man pages: man (man-db) is not installed"; exit 0; fi
# the scripts installed as commands (dist/install.mk): scripts/NAME.sh is kvmscope-NAME
SCRIPT_PAGES=$(cd "$ROOT/scripts" && for s in demo.sh repro-*.sh lab.sh; do
	[ -e "$s" ] && echo "kvmscope-${s%.sh}"; done)
for p in kvmscope kvmscope-vmm kvmscope-domain $SCRIPT_PAGES; do
	[ -f "$MAN/$p.1" ] || not_ok "man page $p(1) missing: no docs/man/$p.1.scd?"
done

# options HELP-COMMAND...: the options (-x, --long, -long) a --help text lists
options() {
	"$@" --help 2>&1 | grep -oE -- '(^|[][ ,(|])--?[a-zA-Z][-a-zA-Z0-9]*' | sed -E 's/^[][ ,(|]//' | sort -u
}
# render PAGE: the page as text, wide enough that no line wraps or hyphenates
render() {
	MANWIDTH=1000 man -l "$MAN/$1.1" 2>"$T_TMP/$1.warn" | col -bx
}
# section TEXT-FILE TITLE: the lines from the subsection TITLE to the next heading
section() {
	awk -v t="$2" '$0 ~ "^   " t "$" { on = 1; next } on && (/^[^ ]/ || /^   [^ ]/) { on = 0 } on' "$1"
}
# expect_options LABEL OPTIONS-FILE TEXT-FILE
expect_options() {
	local missing
	missing=$(while read -r o; do
		grep -qE -- "(^|[^-a-zA-Z0-9])$o([^-a-zA-Z0-9]|$)" "$3" || echo "$o"
	done <"$2")
	if [ ! -s "$2" ]; then
		not_ok "$1: --help lists no option (the extraction failed)"
	elif [ -z "$missing" ]; then
		ok "$1: each of the $(wc -l <"$2") options --help lists is in the man page"
	else
		not_ok "$1: options of --help missing from the man page:" $missing
	fi
}

for p in kvmscope kvmscope-vmm kvmscope-domain $SCRIPT_PAGES; do
	render "$p" >"$T_TMP/$p.txt"
	if [ -s "$T_TMP/$p.txt" ] && [ ! -s "$T_TMP/$p.warn" ]; then
		ok "$p(1) renders without a warning"
	else
		not_ok "$p(1) rendering"; diag <"$T_TMP/$p.warn"
	fi
done
options "$BUILD/kvmscope-vmm" >"$T_TMP/vmm.opts"
expect_options "kvmscope-vmm(1)" "$T_TMP/vmm.opts" "$T_TMP/kvmscope-vmm.txt"
options "$BUILD/kvmscope-domain" >"$T_TMP/domain.opts"
expect_options "kvmscope-domain(1)" "$T_TMP/domain.opts" "$T_TMP/kvmscope-domain.txt"
for p in $SCRIPT_PAGES; do
	options "$ROOT/scripts/${p#kvmscope-}.sh" >"$T_TMP/$p.opts"
	expect_options "$p(1)" "$T_TMP/$p.opts" "$T_TMP/$p.txt"
done

# kvmscope: every command `kvmscope --help` lists has a section of its own
"$BUILD/kvmscope" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' >"$T_TMP/commands"
check "kvmscope --help lists its commands" test -s "$T_TMP/commands"
while read -r c; do
	section "$T_TMP/kvmscope.txt" "kvmscope $c" >"$T_TMP/sec-$c.txt"
	if [ ! -s "$T_TMP/sec-$c.txt" ]; then
		not_ok "kvmscope(1) has no section 'kvmscope $c'"
		continue
	fi
	options "$BUILD/kvmscope" "$c" >"$T_TMP/$c.opts"
	expect_options "kvmscope(1), section kvmscope $c" "$T_TMP/$c.opts" "$T_TMP/sec-$c.txt"
done <"$T_TMP/commands"
expect_grep "kvmscope(1) names --version" "$T_TMP/kvmscope.txt" '--version'

# the check itself: an option missing from a page is caught
grep -v -- '--max-size' "$T_TMP/sec-ci.txt" >"$T_TMP/cut.txt"
if expect_options "self-check" "$T_TMP/ci.opts" "$T_TMP/cut.txt" | grep -q '^not ok.*--max-size'; then
	ok "a page without ci's --max-size fails the check"
else
	not_ok "a page without ci's --max-size passes the check"
fi
