#!/bin/bash
# scripts/bench.sh - `make bench`: kvmscope-vmm side by side with the bare
# KVM floor (tests/bench/bare-kvm.c) and QEMU (-M microvm, -M pc), in one
# run, on the same guests. Prints a table per section and a summary block.
#
#   1. boot to the first serial byte and to process exit
#   2. per-exit overhead: a guest doing M port-I/O exits
#   3. a reboot cycle of reboot.elf (boot counter at 3 MiB)
#
# Run by `make bench` (which builds the programs first); alone:
#   BUILD=build scripts/bench.sh
# Knobs (environment):
#   BENCH_RUNS=11            runs per fast variant (medians are reported)
#   BENCH_EXITS=20000        port-I/O exits per run (a build setting: pass
#                            it to make; the script reads what was built)
#   BENCH_REBOOTS=100        reboots per run for kvmscope and QEMU microvm
#   BENCH_REBOOT_RUNS=5      runs of each reboot cycle
#   BENCH_QEMU_PC_RUNS=5     runs of QEMU -M pc boots (a SeaBIOS boot is
#                            seconds on this host's emulating KVM)
#   BENCH_QEMU_PC_REBOOTS=2  reboots per QEMU -M pc reboot run
#   BENCH_QUICK=1            a few runs of everything, for a smoke test
#   BENCH_NO_QEMU=1          leave QEMU out
#   BENCH_QEMU=PATH          the QEMU binary (default: qemu-system-x86_64 on PATH)
# Timings are reported, never asserted: the exit status is non-zero only
# when kvmscope-vmm or the bare program failed to run a guest correctly.
set -u

BUILD=${BUILD:-build}
B=$BUILD/bench
G=$B/guests
FB=$B/firstbyte
BARE=$B/bare-kvm
VMM_BIN=$BUILD/kvmscope-vmm
LOGDIR=$B/logs

RUNS=${BENCH_RUNS:-11}
# the exit count is built into the guests (bench.mk leaves guests/flags-N)
EXITS=${BENCH_EXITS:-20000}
for f in "$G"/flags-*; do [ -e "$f" ] && EXITS=${f##*/flags-}; done
REBOOTS=${BENCH_REBOOTS:-100}
REBOOT_RUNS=${BENCH_REBOOT_RUNS:-5}
PC_RUNS=${BENCH_QEMU_PC_RUNS:-5}
PC_REBOOTS=${BENCH_QEMU_PC_REBOOTS:-2}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RUNS=3 REBOOT_RUNS=1 PC_RUNS=1 PC_REBOOTS=1 REBOOTS=10
fi

failed=0
declare -A R   # R[key.stat] = microseconds; R[key.ok] = "ok/runs"
declare -A NOTE

die() { echo "bench: $*" >&2; exit 1; }

for f in "$FB" "$BARE" "$VMM_BIN" "$G/firstbyte.bin" "$G/exits.bin" "$BUILD/guests/hello.elf" \
	"$BUILD/guests/reboot.elf"; do
	[ -e "$f" ] || die "$f is missing: run 'make bench' (it builds everything first)"
done
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP bench: /dev/kvm is not usable here"
	exit 0
fi
mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/*.err

HAVE_QEMU=1
QEMU_BIN=${BENCH_QEMU:-$(command -v qemu-system-x86_64 || true)}
if [ "${BENCH_NO_QEMU:-0}" = 1 ]; then
	HAVE_QEMU=0
	echo "SKIP qemu: BENCH_NO_QEMU=1"
elif [ -z "$QEMU_BIN" ] || ! [ -x "$QEMU_BIN" ]; then
	HAVE_QEMU=0
	echo "SKIP qemu: not installed"
fi

DEBUG_EXIT=(-device "isa-debug-exit,iobase=0xf4,iosize=4")
VMM=("$VMM_BIN" -serial stdio "${DEBUG_EXIT[@]}" -m 128)
QEMU=("$QEMU_BIN" -enable-kvm -display none -nodefaults -no-user-config -serial stdio
	"${DEBUG_EXIT[@]}" -m 128)
MICROVM_M=microvm   # may become microvm,x-option-roms=off (see probe below)

# ------------------------------------------------------------------ helpers
# measure RUNS WARMUP PER_RUN_TIMEOUT STATUS MATCH -- @KEY[:STATUS[:TEXT]] CMD... @KEY2 ...
# Runs the commands interleaved under the firstbyte harness (itself under
# timeout(1)) and stores each one's medians as R[KEY.first|exit|span|tail]
# (µs, with .first_min etc.) and R[KEY.ok] = good/runs.
measure() {
	local runs=$1 warm=$2 tmo=$3 status=$4 match=$5
	shift 6
	local n=0 a keys="" line kv key t0 t1
	for a in "$@"; do
		if [ "${a:0:1}" = @ ]; then
			n=$((n + 1))
			key=${a#@}
			keys="$keys ${key%%:*}"
		fi
	done
	local total=$(((runs + warm) * tmo * n + 30))
	local -a mopt=()
	[ -n "$match" ] && mopt=(-m "$match")
	printf '  %-66s ' "${keys# }" >&2
	t0=$(date +%s.%N)
	local out
	out=$(timeout "$total" "$FB" -n "$runs" -w "$warm" -t "$tmo" -x "$status" "${mopt[@]}" \
		-e "$LOGDIR/guests.err" -- "$@" 2>>"$LOGDIR/bench.err")
	local rc=$?
	t1=$(date +%s.%N)
	for key in $keys; do R[$key.ok]=0/$runs; done
	while IFS= read -r line; do
		key=""
		for kv in $line; do
			case $kv in
			label=*) key=${kv#label=} ;;
			ok=*) R[$key.ok]=${kv#ok=}/$runs ;;
			*_med_us=*) R[$key.${kv%%_med_us=*}]=${kv#*=} ;;
			*_min_us=*) R[$key.${kv%%_min_us=*}_min]=${kv#*=} ;;
			esac
		done
	done <<<"$out"
	printf '%s s%s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" \
		"$([ $rc -eq 0 ] || echo " (some runs FAILED: see $LOGDIR/bench.err, guests.err)")" >&2
	return $rc
}

have() { [ -n "${R[$1.first]:-}" ]; }

# ms VALUE_US -> "12.3 ms" style, 3 significant figures
ms() {
	[ -n "${1:-}" ] || { echo "n/a"; return; }
	awk -v u="$1" 'BEGIN { m = u / 1000;
		if (m >= 100) printf "%.0f ms", m; else if (m >= 10) printf "%.1f ms", m;
		else printf "%.2f ms", m }'
}
# ratio A B -> "1.63x"
ratio() {
	if [ -z "${1:-}" ] || [ -z "${2:-}" ]; then echo "n/a"; return; fi
	awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.2fx", a / b }'
}
# per_unit SPAN_US BASE_US COUNT -> µs per unit, "(span - base) / count"
per_unit() {
	if [ -z "${1:-}" ] || [ -z "${3:-}" ]; then echo ""; return; fi
	awk -v s="$1" -v b="${2:-0}" -v n="$3" 'BEGIN { printf "%.3f", (s - b) / n }'
}
# verdict VALUE OP LIMIT -> "met" / "not met" (informational only)
verdict() {
	if [ -z "${1:-}" ] || [ "$1" = n/a ]; then echo "n/a"; return; fi
	awk -v v="${1%x}" -v op="$2" -v l="$3" 'BEGIN {
		ok = (op == "<=") ? (v <= l) : (v >= l); print ok ? "met" : "NOT met" }'
}
row() { # KEY LABEL
	local k=$1
	if have "$k"; then
		printf '  %-34s %10s %10s %10s %10s %12s %6s\n' "$2" "$(ms "${R[$k.first]}")" \
			"$(ms "${R[$k.first_min]}")" "$(ms "${R[$k.exit]}")" "$(ms "${R[$k.exit_min]}")" \
			"$(ms "${R[$k.tail]}")" "${R[$k.ok]}"
	else
		printf '  %-34s %s\n' "$2" "${NOTE[$k]:-failed (${R[$k.ok]:-not run})}"
	fi
}
header() {
	printf '  %-34s %10s %10s %10s %10s %12s %6s\n' "" "1st byte" "(min)" "exit" "(min)" \
		"exit-last" "good"
}
bar() { # TITLE...
	local t="== $* "
	printf '%s' "$t"
	[ ${#t} -lt 96 ] && printf '=%.0s' $(seq 1 $((96 - ${#t})))
	echo
}

# ------------------------------------------------------------------ context
echo "kvmscope benchmark: $(uname -sr), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  kvmscope-vmm: $VMM_BIN ($("$VMM_BIN" --version 2>/dev/null | head -1))"
[ $HAVE_QEMU = 1 ] && echo "  qemu: $("$QEMU_BIN" --version | head -1)"
echo "  runs: $RUNS per fast variant, $PC_RUNS per QEMU -M pc boot; medians (min) reported"
echo "  host KVM emulates instructions (~250 ns each) and exits (~9 µs): absolute"
echo "  numbers are this host's, the ratios are what carries over"

# Does microvm boot a multiboot ELF? (QEMU 7.2 does, via its multiboot
# loader; fall back to option ROMs off if the default fails.)
if [ $HAVE_QEMU = 1 ]; then
	MICROVM_OK=0
	for mv in microvm microvm,x-option-roms=off; do
		out=$(timeout 30 "${QEMU[@]}" -M "$mv" -no-reboot -kernel "$BUILD/guests/hello.elf" \
			-append exit=debug 2>>"$LOGDIR/probe.err")
		if grep -q "powering off" <<<"$out"; then
			MICROVM_M=$mv MICROVM_OK=1
			break
		fi
	done
	[ $MICROVM_OK = 1 ] || echo "NOTE qemu -M microvm does not boot the multiboot ELF here; its columns are left out"
fi
qemu_mv() { [ $HAVE_QEMU = 1 ] && [ "${MICROVM_OK:-0}" = 1 ]; }
for k in microvm.hello microvm.blob-mb microvm.reboot-triple microvm.reboot-cf9 pc.hello \
	pc.reboot-cf9; do
	if [ $HAVE_QEMU = 0 ]; then
		NOTE[$k]="skipped: no qemu"
	elif [ "${k%%.*}" = microvm ] && ! qemu_mv; then
		NOTE[$k]="skipped: qemu -M microvm does not boot the multiboot ELF"
	fi
done

# ------------------------------------------------------------------ 1. boot
echo "measuring (progress on stderr) ..." >&2
echo "[1/3] boot to first serial byte and to exit" >&2
HELLO=(-kernel "$BUILD/guests/hello.elf" -append exit=debug)
set -- \
	@kvm.hello:1:"powering off" "${VMM[@]}" -no-reboot "${HELLO[@]}" \
	@kvm.blob "${VMM[@]}" -no-reboot -kernel "$G/firstbyte.bin" \
	@kvm.blob-sync env KVMSCOPE_VMM_SYNC_TEARDOWN=1 "${VMM[@]}" -no-reboot -kernel "$G/firstbyte.bin" \
	@kvm.blob-mb "${VMM[@]}" -no-reboot -kernel "$G/firstbyte.elf" \
	@kvm.blob-pm:0 "${VMM[@]}" -no-reboot -kernel "$G/firstbyte-pm.bin" \
	@bare.blob "$BARE" \
	@bare.blob-i "$BARE" -i \
	@bare.blob-p "$BARE" -p
if qemu_mv; then
	set -- "$@" \
		@microvm.hello:1:"powering off" "${QEMU[@]}" -M "$MICROVM_M" -no-reboot "${HELLO[@]}" \
		@microvm.blob-mb "${QEMU[@]}" -M "$MICROVM_M" -no-reboot -kernel "$G/firstbyte.elf"
fi
measure "$RUNS" 1 30 1 K -- "$@"
if [ $HAVE_QEMU = 1 ]; then
	measure "$PC_RUNS" 0 90 1 "powering off" -- \
		@pc.hello "${QEMU[@]}" -M pc -no-reboot "${HELLO[@]}"
fi

# ------------------------------------------------------------------ 2. exits
echo "[2/3] per-exit overhead, $EXITS port-I/O exits per run" >&2
set -- \
	@kvm.exits0 "${VMM[@]}" -no-reboot -kernel "$G/exits0.bin" \
	@kvm.exits "${VMM[@]}" -no-reboot -kernel "$G/exits.bin" \
	@kvm.exits-scr "${VMM[@]}" -no-reboot -kernel "$G/exits-scr.bin" \
	@bare.exits0 "$BARE" -k "$G/exits0.bin" \
	@bare.exits "$BARE" -k "$G/exits.bin" \
	@bare.exits-scr "$BARE" -k "$G/exits-scr.bin" \
	@bare.exits-p "$BARE" -p -k "$G/exits.bin"
if qemu_mv; then
	set -- "$@" \
		@microvm.exits0 "${QEMU[@]}" -M "$MICROVM_M" -no-reboot -kernel "$G/exits0.elf" \
		@microvm.exits "${QEMU[@]}" -M "$MICROVM_M" -no-reboot -kernel "$G/exits.elf" \
		@microvm.exits-scr "${QEMU[@]}" -M "$MICROVM_M" -no-reboot -kernel "$G/exits-scr.elf"
fi
measure "$RUNS" 1 60 1 E -- "$@"

# ------------------------------------------------------------------ 3. reboots
echo "[3/3] reboot cycles of reboot.elf" >&2
REBOOT=$BUILD/guests/reboot.elf
DONE="done after $REBOOTS reboots"
set -- \
	@kvm.reboot-cf9 "${VMM[@]}" -kernel "$REBOOT" -append "count=$REBOOTS method=cf9 exit=debug" \
	@kvm.reboot-triple "${VMM[@]}" -kernel "$REBOOT" \
	-append "count=$REBOOTS method=triple exit=debug"
if qemu_mv; then
	# microvm has neither the 0xcf9 reset register nor an i8042: check, say so
	out=$(timeout 30 "${QEMU[@]}" -M "$MICROVM_M" -kernel "$REBOOT" \
		-append "count=1 method=cf9 exit=debug" 2>>"$LOGDIR/probe.err")
	if grep -q "reset did not happen" <<<"$out"; then
		NOTE[microvm.reboot-cf9]="no reset: microvm has no 0xcf9 reset register (guest: 'reset did not happen')"
	elif grep -q "done after 1 reboots" <<<"$out"; then
		set -- "$@" @microvm.reboot-cf9 "${QEMU[@]}" -M "$MICROVM_M" -kernel "$REBOOT" \
			-append "count=$REBOOTS method=cf9 exit=debug"
	else
		NOTE[microvm.reboot-cf9]="cf9 probe failed (see $LOGDIR/probe.err)"
	fi
	set -- "$@" @microvm.reboot-triple "${QEMU[@]}" -M "$MICROVM_M" -kernel "$REBOOT" \
		-append "count=$REBOOTS method=triple exit=debug"
fi
measure "$REBOOT_RUNS" 1 120 1 "$DONE" -- "$@"
if [ $HAVE_QEMU = 1 ]; then
	measure "$PC_RUNS" 0 $((60 * (PC_REBOOTS + 1) + 30)) 1 "done after $PC_REBOOTS reboots" -- \
		@pc.reboot-cf9 "${QEMU[@]}" -M pc -kernel "$REBOOT" \
		-append "count=$PC_REBOOTS method=cf9 exit=debug"
	if ! have pc.reboot-cf9; then
		# say why: did the reset happen, and did the counter survive SeaBIOS?
		out=$(timeout 120 "${QEMU[@]}" -M pc -kernel "$REBOOT" \
			-append "count=1 method=cf9 exit=debug" 2>>"$LOGDIR/probe.err")
		if grep -q "reset did not happen" <<<"$out"; then
			NOTE[pc.reboot-cf9]="no reset: the 0xcf9 write did not reset -M pc"
		elif [ "$(grep -c "guest: boot 1$" <<<"$out")" -gt 1 ]; then
			NOTE[pc.reboot-cf9]="the boot counter at 3 MiB did not survive SeaBIOS (boot 1 again)"
		else
			NOTE[pc.reboot-cf9]="failed (see $LOGDIR/bench.err, guests.err, probe.err)"
		fi
	fi
fi

# kvmscope-vmm and bare-kvm must run every guest right; QEMU is a peer only
for k in "${!R[@]}"; do
	case $k in
	kvm.*.ok | bare.*.ok) [ "${R[$k]%/*}" = "${R[$k]#*/}" ] || failed=1 ;;
	esac
done

# ================================================================== report
echo
bar "1. boot: multiboot hello.elf (-append exit=debug) and a 1-byte guest"
header
row kvm.hello "kvmscope   hello.elf"
row microvm.hello "qemu-microvm hello.elf"
row pc.hello "qemu-pc    hello.elf"
row kvm.blob "kvmscope   1-byte flat blob"
row bare.blob "bare       1-byte flat blob"
row bare.blob-i "bare +irqchip"
row bare.blob-p "bare +irqchip +PIT (= kvmscope's)"
row kvm.blob-pm "kvmscope   blob, ACPI power-off"
row kvm.blob-mb "kvmscope   1-byte multiboot ELF"
row microvm.blob-mb "qemu-microvm 1-byte multiboot ELF"
echo "  (exit-last: from the guest's last output to the VMM reaped = power-off and teardown)"
echo
# blob_row TITLE METRIC: the 1-byte guest's METRIC (first, exit) under
# kvmscope, bare KVM and qemu-microvm, and two ratios
blob_row() {
	printf '%-18s kvmscope %s | bare %s | qemu-microvm %s   kvmscope/bare %s  microvm/kvmscope %s\n' "$1" \
		"$(ms "${R[kvm.blob.$2]:-}")" "$(ms "${R[bare.blob.$2]:-}")" \
		"$(ms "${R[microvm.blob-mb.$2]:-}")" \
		"$(ratio "${R[kvm.blob.$2]:-}" "${R[bare.blob.$2]:-}")" \
		"$(ratio "${R[microvm.blob-mb.$2]:-}" "${R[kvm.blob.$2]:-}")"
}
# hello_row TITLE METRIC: hello.elf's METRIC under kvmscope, qemu-microvm and
# qemu-pc, and two ratios
hello_row() {
	printf '%-18s kvmscope %s | qemu-microvm %s | qemu-pc %s   microvm/kvmscope %s  pc/kvmscope %s\n' "$1" \
		"$(ms "${R[kvm.hello.$2]:-}")" "$(ms "${R[microvm.hello.$2]:-}")" \
		"$(ms "${R[pc.hello.$2]:-}")" \
		"$(ratio "${R[microvm.hello.$2]:-}" "${R[kvm.hello.$2]:-}")" \
		"$(ratio "${R[pc.hello.$2]:-}" "${R[kvm.hello.$2]:-}")"
}
blob_row first-serial-byte first
echo "  ^ 1-byte guest: the flat blob for kvmscope and bare, its multiboot ELF build for qemu-microvm"
hello_row first-serial-byte first
echo "  ^ hello.elf: its first byte comes after its own start-up (.bss clear, UART and IDT set-up);"
echo "    kvmscope hello.elf - kvmscope 1-byte multiboot ELF = $(ms "$(awk -v a="${R[kvm.hello.first]:-0}" \
	-v b="${R[kvm.blob-mb.first]:-0}" 'BEGIN { print a - b }')") of guest work before the first byte"
blob_row process-exit exit
echo "  ^ 1-byte guest; bare with kvmscope's in-kernel irqchip and PIT: $(ms "${R[bare.blob-p.exit]:-}")" \
	"(kvmscope/that $(ratio "${R[kvm.blob.exit]:-}" "${R[bare.blob-p.exit]:-}"))"
hello_row process-exit exit
echo "  ^ hello.elf"
echo

bar "2. per-exit overhead: $EXITS x 'out' in a 3-instruction loop"
pe() { per_unit "${R[$1.span]:-}" "${R[$2.span]:-}" "$EXITS"; }
PE_KVM=$(pe kvm.exits kvm.exits0) PE_KVM_SCR=$(pe kvm.exits-scr kvm.exits0)
PE_BARE=$(pe bare.exits bare.exits0) PE_BARE_SCR=$(pe bare.exits-scr bare.exits0)
PE_BARE_P=$(pe bare.exits-p bare.exits0)
PE_MV=$(pe microvm.exits microvm.exits0) PE_MV_SCR=$(pe microvm.exits-scr microvm.exits0)
us() { [ -n "${1:-}" ] && echo "$1 µs" || echo "n/a"; }
echo "  µs per loop iteration = (span(M exits) - span(0 exits)) / M, span = first to last serial byte"
printf '  %-34s %12s %12s %12s\n' "" "port 0x80" "COM1 0x3ff" "good runs"
printf '  %-34s %12s %12s %12s\n' "kvmscope" "$(us "$PE_KVM")" "$(us "$PE_KVM_SCR")" \
	"${R[kvm.exits.ok]:-}, ${R[kvm.exits-scr.ok]:-}"
printf '  %-34s %12s %12s %12s\n' "bare" "$(us "$PE_BARE")" "$(us "$PE_BARE_SCR")" \
	"${R[bare.exits.ok]:-}, ${R[bare.exits-scr.ok]:-}"
printf '  %-34s %12s %12s %12s\n' "bare +irqchip +PIT" "$(us "$PE_BARE_P")" "" "${R[bare.exits-p.ok]:-}"
if qemu_mv; then
	printf '  %-34s %12s %12s %12s\n' "qemu-microvm (multiboot ELF)" "$(us "$PE_MV")" \
		"$(us "$PE_MV_SCR")" "${R[microvm.exits.ok]:-}, ${R[microvm.exits-scr.ok]:-}"
fi
echo
printf 'per-exit           kvmscope %s | bare %s | qemu-microvm %s   kvmscope/bare %s  microvm/kvmscope %s\n' \
	"$(us "$PE_KVM")" "$(us "$PE_BARE")" "$(us "$PE_MV")" "$(ratio "$PE_KVM" "$PE_BARE")" \
	"$(ratio "$PE_MV" "$PE_KVM")"
printf '  COM1 scratch:    kvmscope %s | bare %s | qemu-microvm %s   kvmscope/bare %s  microvm/kvmscope %s\n' \
	"$(us "$PE_KVM_SCR")" "$(us "$PE_BARE_SCR")" "$(us "$PE_MV_SCR")" \
	"$(ratio "$PE_KVM_SCR" "$PE_BARE_SCR")" "$(ratio "$PE_MV_SCR" "$PE_KVM_SCR")"
echo

bar "3. reboot cycle: reboot.elf count=N method=M exit=debug"
PR_KVM=$(per_unit "${R[kvm.reboot-cf9.span]:-}" 0 "$REBOOTS")
PR_KVM_T=$(per_unit "${R[kvm.reboot-triple.span]:-}" 0 "$REBOOTS")
PR_MV_T=$(per_unit "${R[microvm.reboot-triple.span]:-}" 0 "$REBOOTS")
PR_MV=$(per_unit "${R[microvm.reboot-cf9.span]:-}" 0 "$REBOOTS")
PR_PC=$(per_unit "${R[pc.reboot-cf9.span]:-}" 0 "$PC_REBOOTS")
rrow() { # KEY LABEL N PER_US
	if have "$1"; then
		printf '  %-34s %6s %12s %14s %8s\n' "$2" "$3" "$(ms "${R[$1.exit]}")" "$(ms "$4")" \
			"${R[$1.ok]}"
	else
		printf '  %-34s %6s   %s\n' "$2" "$3" "${NOTE[$1]:-failed (${R[$1.ok]:-not run})}"
	fi
}
printf '  %-34s %6s %12s %14s %8s\n' "" "N" "total" "per reboot" "good"
rrow kvm.reboot-cf9 "kvmscope   cf9" "$REBOOTS" "$PR_KVM"
rrow kvm.reboot-triple "kvmscope   triple fault" "$REBOOTS" "$PR_KVM_T"
if [ $HAVE_QEMU = 1 ]; then
	rrow pc.reboot-cf9 "qemu-pc    cf9 (SeaBIOS each boot)" "$PC_REBOOTS" "$PR_PC"
fi
if qemu_mv; then
	rrow microvm.reboot-cf9 "qemu-microvm cf9" "$REBOOTS" "$PR_MV"
	rrow microvm.reboot-triple "qemu-microvm triple fault" "$REBOOTS" "$PR_MV_T"
fi
echo "  per reboot = (last - first serial byte) / N: boot 1's first line to boot N+1's last"
if [ $HAVE_QEMU = 1 ] && have pc.reboot-cf9; then
	echo "  qemu-pc: the boot counter at 3 MiB survives SeaBIOS (the runs end with 'done after"
	echo "  $PC_REBOOTS reboots'); N is small because each SeaBIOS boot costs seconds on this host"
fi
echo
pus() { [ -n "${1:-}" ] && awk -v p="$1" 'BEGIN{printf "%.2f ms/reboot", p/1000}' || echo n/a; }
printf 'reboot-cycle       kvmscope %s (cf9, %s total for %s) | qemu-pc %s | qemu-microvm %s (triple)   pc/kvmscope %s  microvm/kvmscope(triple) %s\n' \
	"$(pus "$PR_KVM")" "$(ms "${R[kvm.reboot-cf9.exit]:-}")" "$REBOOTS" "$(pus "$PR_PC")" \
	"$(pus "$PR_MV_T")" "$(ratio "$PR_PC" "$PR_KVM")" "$(ratio "$PR_MV_T" "$PR_KVM_T")"
echo

# ------------------------------------------------------------------ summary
bar "summary (medians; ratios from this run)"
R1=$(ratio "${R[kvm.blob.first]:-}" "${R[bare.blob.first]:-}")
R2=$(ratio "${R[microvm.hello.first]:-}" "${R[kvm.hello.first]:-}")
R2b=$(ratio "${R[microvm.blob-mb.first]:-}" "${R[kvm.blob-mb.first]:-}")
R3=$(ratio "$PE_KVM" "$PE_BARE")
echo "  first serial byte, kvmscope vs bare (same 1-byte guest): $R1   aim <= 2x: $(verdict "$R1" '<=' 2)"
if qemu_mv; then
	echo "  first serial byte, qemu-microvm vs kvmscope (hello.elf): $R2   aim >= 10x: $(verdict "$R2" '>=' 10)"
	echo "    (same 1-byte multiboot ELF on both: $R2b; hello.elf adds the same guest start-up to both)"
else
	echo "  first serial byte, qemu-microvm vs kvmscope: n/a (no qemu microvm)"
fi
echo "  per exit, kvmscope vs bare: $R3   aim <= 1.2x: $(verdict "$R3" '<=' 1.2)"
echo "  process exit after the last byte: kvmscope $(ms "${R[kvm.blob.tail]:-}"), bare $(ms "${R[bare.blob.tail]:-}"), bare+irqchip+PIT $(ms "${R[bare.blob-p.tail]:-}")"
R4=$(ratio "${R[kvm.blob.tail]:-}" "${R[bare.blob.tail]:-}")
echo "    kvmscope vs bare: $R4   aim <= 2x: $(verdict "$R4" '<=' 2)   (teardown kept in the VMM," \
	"KVMSCOPE_VMM_SYNC_TEARDOWN=1: $(ms "${R[kvm.blob-sync.tail]:-}"))"
if qemu_mv; then
	R5=$(ratio "${R[kvm.blob.exit]:-}" "${R[microvm.blob-mb.exit]:-}")
	echo "  start to exit, kvmscope vs qemu-microvm (1-byte guest): $R5   aim <= 0.1x: $(verdict "$R5" '<=' 0.1)" \
		"  (teardown in the VMM: $(ratio "${R[kvm.blob-sync.exit]:-}" "${R[microvm.blob-mb.exit]:-}"))"
fi
echo "  reboot: kvmscope $(pus "$PR_KVM") (cf9), $(pus "$PR_KVM_T") (triple); qemu-pc $(pus "$PR_PC") (cf9); qemu-microvm $(pus "$PR_MV_T") (triple)"
echo "  aims are informational: timings on this shared, emulating host are never asserted"
if [ $failed -ne 0 ]; then
	echo "bench: some kvmscope-vmm or bare-kvm runs FAILED (logs in $LOGDIR)"
fi
# the sub-benches, each its own script (scripts/bench-NAME.sh), in this order:
#   arm64      the arm64 virt board's dumpdtb against qemu-system-aarch64
#   arm64-lab  the arm64 board under real arm64 KVM (the arm64 lab) against Debian's QEMU 7.2 there
#   agent      the guest agent's round trip through COM2, kvmscope-vmm vs QEMU -M pc
#   ci         kvmscope ci around a test subset and a VMM run, vs bare and bpftrace
#   qmp        QMP round trip, flood and event latency, kvmscope-vmm vs QEMU -M pc
#   record     the eBPF collector: per-event cost vs bpftrace count(), lost records, report rate
#   lost       records lost under a suite-shaped load: record, record --ftrace and bpftrace side by side
#   ftrace     the ftrace collector against trace-cmd report, on the same events of one run
#   lab        the lab's start-up (scripts/lab.sh -- true) against a bare QEMU boot
#   functions  record --functions in the lab: per kernel function call, fentry and kprobes vs bpftrace
for sub in arm64 arm64-lab agent ci qmp record lost ftrace lab functions; do
	echo
	BUILD=$BUILD "$(dirname "$0")/bench-$sub.sh" || failed=1
done
exit $failed
