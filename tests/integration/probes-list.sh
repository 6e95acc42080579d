#!/bin/bash
# kvmscope probes: the USDT listing of the VMM and of system binaries checked
# against readelf -n (names, addresses, semaphores, argument specs) and
# bpftrace -l (the probe names), the file offsets checked against the bytes
# of the file (a probe site is a nop; a semaphore lies in .probes), JSON
# agreeing with the table, and one-line errors for bad input.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
PROBES_TMP=$T_TMP

# hex numbers without leading zeros, so both tools' spellings compare
hexnorm() { sed -E 's/0x0*([0-9a-f])/0x\1/g'; }

# readelf's view, one line per note: "provider name location semaphore args"
readelf_notes() {
	readelf -n "$1" 2>/dev/null | awk '
		/Provider:/ { prov = $2 }
		/Name:/ { name = $2 }
		/Location:/ { loc = $2; sem = $6; sub(",", "", loc) }
		/Arguments:/ { a = $0; sub(/^ *Arguments: */, "", a); sub(/ *$/, "", a);
			printf "%s %s %s %s %s\n", prov, name, loc, sem, a }' | hexnorm
}

# ours, from the table: same fields ("-" semaphore -> 0x0)
kvmscope_notes() {
	"$KVMSCOPE" probes "$1" | awk 'NR > 1 {
		sem = ($5 == "-") ? "0x0" : $5; a = "";
		for (i = 7; i <= NF; i++) a = a (a == "" ? "" : " ") $i;
		printf "%s %s %s %s %s\n", $1, $2, $3, sem, a }' | hexnorm
}

check_binary() { # LABEL PATH
	local label=$1 path=$2
	readelf_notes "$path" | sort >"$PROBES_TMP/re.txt"
	kvmscope_notes "$path" | sort >"$PROBES_TMP/ks.txt"
	if [ -s "$PROBES_TMP/re.txt" ] && cmp -s "$PROBES_TMP/re.txt" "$PROBES_TMP/ks.txt"; then
		ok "$label: every note as readelf -n shows it ($(wc -l <"$PROBES_TMP/ks.txt") probes: provider, name, address, semaphore, arguments)"
	else
		not_ok "$label: listing differs from readelf -n"
		diff "$PROBES_TMP/re.txt" "$PROBES_TMP/ks.txt" | head -20 | diag
	fi

	# file offsets: each probe's offset holds a nop (x86 0x90, arm64 d503201f)
	local bad=0 n=0 off sem_off nop=90 nlen=1
	if readelf -h "$path" | grep -q 'AArch64'; then nop=1f2003d5 nlen=4; fi
	while read -r off sem_off; do
		n=$((n + 1))
		[ "$(xxd -s "$off" -l $nlen -p "$path")" = $nop ] || { bad=$((bad + 1)); echo "no nop at $off" | diag; }
	done < <("$KVMSCOPE" probes "$path" | awk 'NR > 1 { print $4, $6 }')
	if [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]; then ok "$label: each probe's file offset holds the nop of its site"; else not_ok "$label: file offsets ($bad of $n wrong)"; fi

	# semaphore offsets lie inside the .probes section's file range
	local range
	range=$(readelf -SW "$path" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".probes" { print $1, $4, $5 }')
	if [ -n "$range" ]; then
		set -- $range
		local lo=$((0x$2)) hi=$((0x$2 + 0x$3)) o
		bad=0
		for o in $("$KVMSCOPE" probes "$path" | awk 'NR > 1 && $6 != "-" { print $6 }'); do
			[ $((o)) -ge "$lo" ] && [ $((o)) -lt "$hi" ] || bad=$((bad + 1))
		done
		expect_eq "$label: semaphore file offsets lie in .probes" "$bad" 0
	fi

	if [ "$(id -u)" = 0 ] && command -v bpftrace >/dev/null; then
		timeout 60 bpftrace -l "usdt:\"$path\":*" 2>/dev/null | sed 's/^usdt:[^:]*://' | sort -u >"$PROBES_TMP/bt.txt"
		awk '{ print $1 ":" $2 }' "$PROBES_TMP/ks.txt" | sort -u >"$PROBES_TMP/ks-names.txt"
		if [ -s "$PROBES_TMP/bt.txt" ] && cmp -s "$PROBES_TMP/bt.txt" "$PROBES_TMP/ks-names.txt"; then
			ok "$label: the same probe names as bpftrace -l"
		else
			not_ok "$label: probe names differ from bpftrace -l"
			diff "$PROBES_TMP/bt.txt" "$PROBES_TMP/ks-names.txt" | head | diag
		fi
	else
		skip "$label: bpftrace -l needs root and bpftrace"
	fi
}

check_binary "kvmscope-vmm" "$VMM"
expect_eq "kvmscope-vmm: one note per probe of probes/vmm.probes" \
	"$("$KVMSCOPE" probes "$VMM" | awk 'NR > 1 { print $2 }' | sort | tr '\n' ' ')" \
	"$(sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' "$ROOT/probes/vmm.probes" | sort | tr '\n' ' ')"

# a system binary with notes: Debian's python3 is not PIE, so its file
# offsets differ from its addresses (0x400000 and up)
sysbin=""
for f in /usr/bin/python3 /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libc.so.6; do
	f=$(readlink -f "$f" 2>/dev/null) || continue
	[ -f "$f" ] && readelf -n "$f" 2>/dev/null | grep -q 'NT_STAPSDT' || continue
	check_binary "$(basename "$f")" "$f"
	sysbin=$f
done
[ -n "$sysbin" ] || skip "no system binary with stapsdt notes found"

# an arm64 binary (cross-compiled here): register, memory and relocated operands
if command -v aarch64-linux-gnu-gcc >/dev/null; then
	printf '%s\n' '#include <sys/sdt.h>' 'static volatile long g;' \
		'int main(int c, char **v) { long x = c * 3; DTRACE_PROBE3(demo, hit, c, v[0], x);' \
		'g = x; DTRACE_PROBE1(demo, two, g); return 0; }' >"$PROBES_TMP/a64.c"
	if aarch64-linux-gnu-gcc -O2 -o "$PROBES_TMP/sdt-a64" "$PROBES_TMP/a64.c" 2>"$PROBES_TMP/a64.err"; then
		check_binary "arm64 sdt binary" "$PROBES_TMP/sdt-a64"
		if "$KVMSCOPE" probes "$PROBES_TMP/sdt-a64" | grep -q '  # '; then
			not_ok "arm64 argument specs all understood"
			"$KVMSCOPE" probes "$PROBES_TMP/sdt-a64" | diag
		else
			ok "arm64 argument specs all understood ($("$KVMSCOPE" probes "$PROBES_TMP/sdt-a64" | awk 'NR > 1 { $1 = $2 = $3 = $4 = $5 = $6 = ""; print }' | tr -s ' ' | tr '\n' ';'))"
		fi
	else
		skip "arm64 cross compiler could not build an sdt program"
	fi
else
	skip "no aarch64-linux-gnu-gcc for an arm64 binary"
fi

# JSON: the same probes, numbers as integers
if command -v jq >/dev/null; then
	"$KVMSCOPE" probes --format json "$VMM" >"$PROBES_TMP/vmm.json"
	"$KVMSCOPE" probes "$VMM" | awk 'NR > 1 { print $1, $2, $3, $4, $6 }' |
		while read -r prov name addr off semoff; do
			printf '%s %s %d %d %d\n' "$prov" "$name" "$addr" "$off" "$semoff"
		done | sort >"$PROBES_TMP/table-dec.txt"
	expect_eq "JSON lists the same probes, addresses and offsets as the table" \
		"$(jq -r '.probes[] | "\(.provider) \(.name) \(.address) \(.file_offset) \(.semaphore_offset)"' "$PROBES_TMP/vmm.json" | sort)" \
		"$(cat "$PROBES_TMP/table-dec.txt")"
	expect_eq "JSON argument structures match the specs" \
		"$(jq -r '[.probes[] | select(.name == "runstate_set") | .args[] | "\(.size)/\(.signed)/\(.kind)"] | join(" ")' "$PROBES_TMP/vmm.json")" \
		"4/true/reg 8/false/reg 4/true/reg 8/false/reg"
else
	skip "jq not installed"
fi
"$KVMSCOPE" probes --provider vmm "$VMM" >/dev/null
expect_eq "--provider vmm succeeds" "$?" 0
"$KVMSCOPE" probes --provider nosuch "$VMM" >/dev/null 2>"$PROBES_TMP/prov.err"
expect_eq "--provider nosuch fails" "$?" 1

# bad input: exit 1, one line that names the file and the reason
bad_input() { # LABEL FILE REGEX
	"$KVMSCOPE" probes "$2" >"$PROBES_TMP/bad.out" 2>"$PROBES_TMP/bad.err"
	local rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$PROBES_TMP/bad.err")" -eq 1 ] && [ ! -s "$PROBES_TMP/bad.out" ] &&
		grep -Eq -- "$3" "$PROBES_TMP/bad.err"; then
		ok "$1: $(cat "$PROBES_TMP/bad.err")"
	else
		not_ok "$1 (exit $rc)"
		diag <"$PROBES_TMP/bad.err"
	fi
}
bad_input "missing file" /nonexistent/vmm '/nonexistent/vmm: No such file or directory$'
bad_input "not ELF" /etc/hostname 'hostname: not an ELF file$'
nonotes=$(readlink -f "$BUILD/gen-probes")
bad_input "ELF without notes" "$nonotes" 'gen-probes: no USDT probes'
head -c 20 "$VMM" >"$PROBES_TMP/short.elf"
bad_input "ELF cut inside its header" "$PROBES_TMP/short.elf" 'truncated ELF: header incomplete'
head -c $(($(stat -c %s "$VMM") / 2)) "$VMM" >"$PROBES_TMP/half.elf"
bad_input "ELF cut in half" "$PROBES_TMP/half.elf" 'truncated ELF: section headers'
bad_input "a directory" /tmp 'not a regular file'
"$KVMSCOPE" probes --format xml "$VMM" >/dev/null 2>"$PROBES_TMP/fmt.err"
expect_eq "unknown --format is a usage error (2)" "$?" 2

# the analyst links no VMM code (lib/ holds the tables both share), so it
# carries none of the VMM's probes
"$KVMSCOPE" probes "$KVMSCOPE" >"$PROBES_TMP/self.out" 2>&1
expect_grep "kvmscope itself has no USDT probe" "$PROBES_TMP/self.out" 'no USDT probes \(no \.note\.stapsdt notes\)$'
