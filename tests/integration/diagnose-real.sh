#!/bin/bash
# kvmscope diagnose on real public logs (tests/fixtures/real, sources in
# SOURCES.md): per fixture the class of finding (or silence), the key
# evidence and the explanation, as listed in expect.tsv; then a score table:
# right class, right explanation, false findings (findings of another rule).
# A fixture passes when all three hold.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
REAL=$ROOT/tests/fixtures/real
if [ ! -x "$KVMSCOPE" ]; then not_ok "diagnose-real: $KVMSCOPE not built"; echo "1..$T_N"; exit 0; fi
if ! command -v jq >/dev/null; then skip "diagnose-real: jq not installed (scripts/install-deps.sh)"; echo "1..$T_N"; exit 0; fi

total=0 right_class=0 right_expl=0 false_findings=0 incidents=0
while IFS=$'\t' read -r name class evidence explanation; do
	case $name in '#'* | '') continue ;; esac
	total=$((total + 1))
	out=$T_TMP/$name.json
	timeout -s KILL 60 "$KVMSCOPE" diagnose --format json "$REAL/$name.log" >"$out" 2>"$T_TMP/$name.err"
	status=$?
	rules=$(jq -r '[.findings[].rule] | unique | join(" ")' "$out" 2>/dev/null)
	other=$(jq -r --arg c "$class" '[.findings[] | select(.rule != $c)] | length' "$out" 2>/dev/null)
	other=${other:-0}
	false_findings=$((false_findings + other))
	if [ "$class" = silent ]; then
		# silent because it was read, not because nothing was understood
		if [ -z "$rules" ] && [ "$status" = 0 ] && jq -e '.recognized > 0' "$out" >/dev/null 2>&1; then
			right_class=$((right_class + 1)); right_expl=$((right_expl + 1))
			ok "$name: silent"
		else
			not_ok "$name: expected silence (understood), got: ${rules:-nothing}, status $status"
		fi
		continue
	fi
	incidents=$((incidents + 1))
	if [ "$rules" != "$class" ]; then
		not_ok "$name: expected $class, got: ${rules:-nothing}"
		continue
	fi
	right_class=$((right_class + 1))
	# the evidence regex against the title and facts, the explanation regex
	# against the explanation, of any finding of the class
	if jq -e --arg c "$class" --arg ev "$evidence" --arg ex "$explanation" \
		'[.findings[] | select(.rule == $c) |
		  select(((.title + " " + (.facts | tostring)) | test($ev)) and (.explanation | test($ex)))] | length > 0' \
		"$out" >/dev/null; then
		right_expl=$((right_expl + 1))
		if [ "$other" = 0 ]; then ok "$name: $class, evidence /$evidence/, explanation /$explanation/"
		else not_ok "$name: $class right but $other false finding(s)"; fi
	else
		not_ok "$name: $class, but evidence /$evidence/ or explanation /$explanation/ missing"
		jq -r '.findings[] | "  " + .title + " | " + (.facts | tostring) + " | " + .explanation' "$out" | diag
	fi
done <"$REAL/expect.tsv"

pct() { echo $((100 * $1 / ($2 ? $2 : 1))); }
echo "# score over $total real logs ($incidents incidents, $((total - incidents)) silent):"
echo "#   right class        $right_class/$total ($(pct $right_class $total)%)"
echo "#   right explanation  $right_expl/$total ($(pct $right_expl $total)%)"
echo "#   false findings     $false_findings"
echo "1..$T_N"
