#!/bin/bash
# The house rules (scripts/check-house.sh) hold on this tree: data moves one
# way through the stages, no source file over 1000 lines, no function over 80
# lines without its reason. Each rule is also shown to catch a breach, in a
# small tree made for it.
. "$(dirname "$0")/../lib.sh"
CHECK=$ROOT/scripts/check-house.sh

if ! command -v git >/dev/null; then
	skip "git is not installed (the rules read the files git tracks)"
	echo "1..$T_N"
	exit 0
fi

for rule in layers sizes functions; do
	if out=$("$CHECK" "$rule" 2>&1); then
		ok "house rule '$rule' holds on this tree"
	else
		not_ok "house rule '$rule' holds on this tree"
		diag <<<"$out"
	fi
done

# a tree that breaks each rule once
bad=$T_TMP/bad
mkdir -p "$bad/tools/analyze" "$bad/tools/ci" "$bad/tools/collect" "$bad/probes" "$bad/lib" "$bad/vmm"
cd "$bad" && git init -q . || exit 1
printf '#include "ci/junit.h"\n' >tools/analyze/report-html.c
printf '/* junit */\n' >tools/ci/junit.h
printf '#include "collect/record-events.h"\n' >probes/gen.c
printf '/* events */\n' >tools/collect/record-events.h
printf '#include "kvm.h"\n' >lib/names.c
printf '/* the VMM door */\n' >vmm/kvm.h
seq 1001 | sed 's|^|// |' >tools/collect/big.c
{
	echo 'static int short_one(void)'; echo '{'; echo '	return 0;'; echo '}'; echo
	echo 'int long_one(void)'; echo '{'; seq 80 | sed 's/^/	(void)0; \/\/ /'; echo '}'; echo
	echo '/* Long because: one case per exit reason. */'
	echo 'int long_with_reason(void)'; echo '{'; seq 80 | sed 's/^/	(void)0; \/\/ /'; echo '}'
} >tools/analyze/fn.c
git add -A && cd "$ROOT" || exit 1
for rule in layers sizes functions; do
	HOUSE_ROOT=$bad "$CHECK" $rule >"$T_TMP/$rule.out"
	expect_eq "$rule: a breach fails the check" "$?" 1
done
L=$T_TMP/layers.out
expect_grep "layers: analyze including ci is a breach" "$L" 'tools/analyze/report-html.c \(analyze\) includes tools/ci/junit.h \(ci\)'
expect_grep "layers: probes including tools is a breach" "$L" 'probes/gen.c \(probes\) includes tools/collect/record-events.h \(collect\)'
expect_grep "layers: lib including vmm is a breach" "$L" 'lib/names.c \(lib\) includes vmm/kvm.h \(vmm\)'
expect_grep "sizes: 1001 lines is a breach" "$T_TMP/sizes.out" 'tools/collect/big.c has 1001 lines'
F=$T_TMP/functions.out
expect_grep "functions: 82 lines without a reason is a breach" "$F" 'fn.c:7 int long_one\(void\) is 82 lines'
if grep -q 'long_with_reason\|short_one' "$F"; then
	not_ok "functions: a short function, and a long one with its reason, pass"
	diag <"$F"
else
	ok "functions: a short function, and a long one with its reason, pass"
fi
echo "1..$T_N"
