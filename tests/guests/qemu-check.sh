#!/bin/bash
# qemu-check.sh [BUILD] - boot every bundled guest under QEMU (the reference
# the VMM is compared with) and check its output lines. TAP output; skips
# when qemu-system-x86_64 or /dev/kvm is missing. Takes about a minute on
# the emulating host KVM (each boot runs SeaBIOS).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD:-build}}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
G=$BUILD/guests
QEMU=${QEMU:-qemu-system-x86_64}
TMP=$(mktemp -d /tmp/kvmscope-guests.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
N=0

ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); echo "not ok $N - $*"; }
skip() { N=$((N + 1)); echo "ok $N - # SKIP $*"; }
diag() { sed 's/^/#   /'; }

# run NAME QEMU-ARGS...: stdout (COM1) -> NAME.out, status -> NAME.rc
run() {
	local name=$1
	shift
	timeout 60 "$QEMU" -enable-kvm -display none -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=4 "$@" \
		</dev/null >"$TMP/$name.out" 2>"$TMP/$name.err"
	echo $? >"$TMP/$name.rc"
}

# expect NAME STATUS LINE...: the exact lines, in order, and the exit status
expect() {
	local name=$1 status=$2 want got
	shift 2
	want=$(printf '%s\n' "$@")
	got=$(grep '^guest:' "$TMP/$name.out")
	if [ "$got" = "$want" ] && [ "$(cat "$TMP/$name.rc")" = "$status" ]; then
		ok "$name"
	else
		not_ok "$name (status $(cat "$TMP/$name.rc"), want $status)"
		diff <(echo "$want") <(echo "$got") | diag
		grep -v 'host doesn.t support' "$TMP/$name.err" | head -5 | diag
	fi
}

if ! command -v "$QEMU" >/dev/null; then skip "guests under QEMU: $QEMU not installed"; echo "1..$N"; exit 0; fi
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then skip "guests under QEMU: /dev/kvm not usable"; echo "1..$N"; exit 0; fi
if ! [ -f "$G/hello.elf" ]; then not_ok "guests not built in $G (make guests)"; echo "1..$N"; exit 1; fi

PC="-M pc -no-reboot"

run hello $PC -kernel "$G/hello.elf" -append "x=1"
expect hello 0 "guest: hello from kvmscope guest" "guest: cmdline '$G/hello.elf x=1'" \
	"guest: powering off"

run hello-debugexit $PC -kernel "$G/hello.elf" -append "exit=debug"
expect hello-debugexit 1 "guest: hello from kvmscope guest" \
	"guest: cmdline '$G/hello.elf exit=debug'" "guest: powering off"

run hello-microvm -M microvm -no-reboot -kernel "$G/hello.elf" -append "y=2"
expect hello-microvm 1 "guest: hello from kvmscope guest" "guest: cmdline '$G/hello.elf y=2'" \
	"guest: powering off"

printf 'ab\nq' >"$TMP/input"
timeout 60 "$QEMU" -enable-kvm -display none -serial stdio -M pc -no-reboot \
	-kernel "$G/hello.elf" -append "echo=1" <"$TMP/input" >"$TMP/echo.out" 2>"$TMP/echo.err"
echo $? >"$TMP/echo.rc"
expect echo 0 "guest: hello from kvmscope guest" "guest: cmdline '$G/hello.elf echo=1'" \
	"guest: echo until 'q'" "guest: got 'a'" "guest: got 'b'" "guest: got '\\x0a'" \
	"guest: echo done" "guest: powering off"

if command -v socat >/dev/null; then
	run powerbutton $PC -kernel "$G/hello.elf" -append "wait=powerbutton" \
		-qmp "unix:$TMP/qmp.sock,server,nowait" &
	pid=$!
	for _ in $(seq 300); do grep -q 'waiting for power button' "$TMP/powerbutton.out" 2>/dev/null && break; sleep 0.1; done
	printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"system_powerdown"}' |
		timeout 10 socat -t 2 - "UNIX-CONNECT:$TMP/qmp.sock" >/dev/null 2>&1
	wait $pid
	expect powerbutton 0 "guest: hello from kvmscope guest" \
		"guest: cmdline '$G/hello.elf wait=powerbutton'" "guest: waiting for power button" \
		"guest: power button pressed" "guest: powering off"
else
	skip "powerbutton: socat not installed"
fi

run pmu $PC -kernel "$G/pmu.elf"
if grep -Eq '^guest: pmu version=[0-9]+ gp_counters=[0-9]+ gp_width=[0-9]+ fixed=[0-9]+ ebx=0x[0-9a-f]{8}$' "$TMP/pmu.out" &&
	grep -Eq '^guest: rdmsr 0xc1 (= 0x[0-9a-f]+|-> #GP)$' "$TMP/pmu.out" &&
	grep -Eq '^guest: rdmsr 0x38f (= 0x[0-9a-f]+|-> #GP)$' "$TMP/pmu.out" &&
	[ "$(cat "$TMP/pmu.rc")" = 0 ]; then
	ok pmu
else
	not_ok "pmu (status $(cat "$TMP/pmu.rc"))"
	diag <"$TMP/pmu.out"
fi

for method in cf9 i8042 triple; do
	run "reboot-$method" -M pc -kernel "$G/reboot.elf" -append "count=2 method=$method"
	expect "reboot-$method" 0 "guest: boot 1" "guest: rebooting via $method" "guest: boot 2" \
		"guest: rebooting via $method" "guest: boot 3" "guest: done after 2 reboots" \
		"guest: powering off"
done

run reboot-ignored -M microvm -kernel "$G/reboot.elf" -append "count=1 method=cf9"
expect reboot-ignored 1 "guest: boot 1" "guest: rebooting via cf9" \
	"guest: reset did not happen" "guest: powering off"

run garbage $PC -kernel "$G/garbage.elf" -append "seed=1"
expect garbage 0 "guest: executing 4096 garbage bytes seed=1"

# flat16.bin: a boot sector loads it to 0x1000:0000 and jumps there
cat >"$TMP/bs.S" <<'EOF'
	.code16
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7c00, %sp
	movw	$0x1000, %ax
	movw	%ax, %es
	xorw	%bx, %bx
	movw	$0x0208, %ax		/* read 8 sectors */
	movw	$0x0002, %cx		/* from cylinder 0, sector 2 */
	xorb	%dh, %dh
	int	$0x13
	ljmp	$0x1000, $0
	.org	510
	.word	0xaa55
EOF
if gcc -m32 -c -o "$TMP/bs.o" "$TMP/bs.S" &&
	ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$TMP/bs.bin" "$TMP/bs.o"; then
	cat "$TMP/bs.bin" "$G/flat16.bin" >"$TMP/flat.img"
	truncate -s 1474560 "$TMP/flat.img"
	# an IDE disk: SeaBIOS's floppy boot path sometimes triple-faults
	# (#DE inside SeaBIOS) on the emulating host KVM
	run flat16 $PC -drive "file=$TMP/flat.img,format=raw,if=ide"
	expect flat16 0 "guest: hello from real mode" "guest: powering off"
else
	not_ok "flat16: could not build the boot sector"
fi

run bzimage $PC -kernel "$G/linux64.bzImage" -initrd "$ROOT/tests/guests/initrd.txt" \
	-append "console=ttyS0 hello"
expect bzimage 0 "guest: real-mode setup entered" \
	"guest: boot_params at 0x10000, entered via startup_32" "guest: linux boot protocol ok" \
	"guest: cmdline 'console=ttyS0 hello'" "guest: initrd 24 bytes: 'kvmscope-initrd-payload'" \
	"guest: powering off"

run bzimage-microvm -M microvm -no-reboot -kernel "$G/linux64.bzImage" -append "console=ttyS0"
expect bzimage-microvm 1 "guest: real-mode setup entered" \
	"guest: boot_params at 0x10000, entered via startup_32" "guest: linux boot protocol ok" \
	"guest: cmdline 'console=ttyS0'" "guest: powering off"

echo "1..$N"
