#!/bin/bash
# scripts/lab.sh on x86_64: the cheap error paths (bad option, missing
# kernel, a kernel that never runs the command, a panic, timeout), then ONE
# boot of bookworm's 6.1 kernel that runs a script of checks - nested KVM, the
# mounts, both output streams, the writable repository, kvmscope-vmm and
# kvmscope record under the lab's KVM, the host's tools - and ends with a
# known status; then --matrix over bookworm, trixie and sid. The first run
# downloads the kernels into build/lab.
. "$(dirname "$0")/../lib.sh"
LAB=$ROOT/scripts/lab.sh
# shellcheck source=tests/integration/lab-lib.bash
. "$(dirname "$0")/lab-lib.bash"

lab_require qemu-system-x86_64 cpio apt-get dpkg-deb
if readelf -l /bin/busybox 2>/dev/null | grep -q INTERP || [ ! -x /bin/busybox ]; then
	skip_all "lab: no static busybox at /bin/busybox (busybox-static; scripts/install-deps.sh)"
fi

# usage errors and a missing kernel: no boot
lab_run badopt --bogus -- true
expect_eq "a bad option: status 2" "$(rc badopt)" 2
expect_grep "... naming it" "$T_TMP/badopt.err" "unknown option '--bogus'"
lab_run badarch --arch sparc -- true
expect_eq "a bad --arch: status 2" "$(rc badarch)" 2
lab_run nocmd
expect_eq "no command: status 2" "$(rc nocmd)" 2
lab_run nokernel --kernel /nonexistent/vmlinuz -- true
expect_eq "a missing kernel file: status 126" "$(rc nokernel)" 126
expect_grep "... naming it" "$T_TMP/nokernel.err" '^lab\.sh: error: no kernel file /nonexistent/vmlinuz$'
lab_run timeout --timeout 1 -- true
lab_skip_unfetched timeout
expect_eq "a boot past --timeout: status 124" "$(rc timeout)" 124
expect_grep "... in one line" "$T_TMP/timeout.err" '^lab\.sh: error: timed out after 1 s'
# a kernel that reports trouble and then hangs (as a livelocked one did): the
# timeout names the report; 40 s leaves room for a boot on a loaded host
lab_run hang --timeout 40 -- sh -c 'echo "<2>BUG: lab test: a report before a hang" >/dev/kmsg; sleep 600'
expect_eq "a command hanging after a kernel report: status 124" "$(rc hang)" 124
expect_grep "... the kernel's report named" "$T_TMP/hang.err" \
	'^lab\.sh: error: timed out after 40 s; the kernel reported: BUG: lab test: a report before a hang \(console: '

# a kernel image that is no Linux: QEMU boots the multiboot hello guest,
# which prints and powers off, and the command never runs
lab_run notlinux --kernel "$GUESTS/hello.elf" -- true
expect_eq "a kernel that never runs the command: status 125" "$(rc notlinux)" 125
expect_grep "... and says so" "$T_TMP/notlinux.err" 'stopped before the command ran'

# a real kernel panic: no init in the initramfs, so the kernel looks for a
# root device, finds none and panics; panic=-1 and -no-reboot end QEMU
LAB_APPEND=rdinit=/nonexistent lab_run panic -- true
expect_eq "a kernel panic: status 125" "$(rc panic)" 125
expect_grep "... in one line with the panic's reason" "$T_TMP/panic.err" \
	'^lab\.sh: error: kernel 6\.1\.0-[0-9]+-amd64: Kernel panic - not syncing: .*\(console: '

# the one boot: checks print "name: ok|FAIL ..." lines; the script's
# status (42) must come out as lab.sh's
OUTDIR=$ROOT/build/lab/tests/x86_64
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"
# shellcheck disable=SC2016 # expanded inside the lab
CHECKS='
BUILD=$1 OUT=$2 REPO=$3'"$LAB_CHECKS_COMMON"'
say kvm-events "[ -d /sys/kernel/tracing/events/kvm ]"
say nested-svm "dmesg | grep -q \"SVM: kvm: Nested Paging enabled\""
say bpftrace "bpftrace --version"
say qemu "qemu-system-x86_64 --version"
"$BUILD/kvmscope-vmm" -kernel "$BUILD/guests/hello.elf" -serial stdio >"$OUT/vmm.out" 2>&1
echo $? >"$OUT/vmm.rc"
"$BUILD/kvmscope" record -o "$OUT/hello.cap" -- \
	"$BUILD/kvmscope-vmm" -kernel "$BUILD/guests/hello.elf" -serial stdio >"$OUT/record.out" 2>"$OUT/record.err"
echo $? >"$OUT/record.rc"
exit 42
'
lab_run boot --timeout 300 -- sh -c "$CHECKS" sh "$BUILD" "$OUTDIR" "$ROOT"
lab_skip_unfetched boot
lab_expect_boot 42 "$OUTDIR" "bookworm's 6.1 kernel" '^6\.1\.0-[0-9]+-amd64$' \
	kvm-device kvm-events bpffs debugfs nested-svm in-repo bpftrace qemu
expect_eq "kvmscope-vmm under the nested KVM: status 0" "$(cat "$OUTDIR/vmm.rc" 2>/dev/null)" 0
expect_grep "... and the guest says hello" "$OUTDIR/vmm.out" 'hello from kvmscope guest'
expect_eq "kvmscope record in the lab: status 0" "$(cat "$OUTDIR/record.rc" 2>/dev/null)" 0
expect_grep "... with probe hits and kvm events, none lost" "$OUTDIR/record.err" \
	'records \([1-9][0-9]* probe hits, [1-9][0-9]* kernel events\), 0 lost'
"$BUILD/kvmscope" report "$OUTDIR/hello.cap" >"$T_TMP/report.txt" 2>&1
expect_grep "the capture names the lab's kernel" "$T_TMP/report.txt" '^# capture: .*kernel 6\.1\.0-[0-9]+-amd64'
expect_grep "... and holds the guest's KVM_RUN exits" "$T_TMP/report.txt" 'kvm_exit'

# the matrix: each suite's kernel once, with KVM, recording the same guest
# with its kernel functions (a capture per kernel); the command fails on sid
# only, so the table shows 0 0 3 and the matrix's status is 1. One vCPU: on
# two, trixie's kernel once oopsed on an int3 in __schedule while BPF
# attached its fentry trampolines (text patching under TCG across vCPUs)
MX=$BUILD/lab-matrix
rm -rf "$MX"
# shellcheck disable=SC2016 # expanded inside the lab
lab_run matrix --cpus 1 --matrix -- sh -c '[ -c /dev/kvm ] || exit 9; mkdir -p "$1" &&
	"$2/kvmscope" record -q --functions kvm_vm_ioctl,kvm_vcpu_ioctl -o "$1/$(uname -r).cap" -- \
		"$2/kvmscope-vmm" -kernel "$2/guests/hello.elf" -serial null || exit 8
	case $(uname -r) in 7.*) exit 3 ;; esac' matrix "$MX" "$BUILD"
expect_eq "--matrix with a failing kernel: status 1" "$(rc matrix)" 1
expect_grep "... a table header" "$T_TMP/matrix.out" '^kernel +version +status +seconds$'
expect_grep "... bookworm's 6.1 passed" "$T_TMP/matrix.out" '^bookworm +6\.1\.0-[0-9]+-amd64 +0 +[0-9.]+$'
expect_grep "... trixie's 6.12 passed" "$T_TMP/matrix.out" '^trixie +6\.12\.[0-9]+\+deb13-amd64 +0 +[0-9.]+$'
expect_grep "... sid's 7.x ran and failed (3)" "$T_TMP/matrix.out" '^sid +7\.[0-9.]+\+deb[0-9]+-amd64 +3 +[0-9.]+$'
# kvmscope diff across the matrix: where the 6.1 and the 7.x runs part ways
old=$(ls "$MX"/6.1.*.cap 2>/dev/null | head -1) new=$(ls "$MX"/7.*.cap 2>/dev/null | head -1)
for cap in "$old" "$new"; do
	expect_eq "a capture with kernel functions from ${cap##*/}" \
		"$("$BUILD/kvmscope" report --format json "$cap" 2>/dev/null | jq -r 'select(.kind == "kfunc") | .name' | sort -u | tr '\n' ' ')" \
		"kvm_vcpu_ioctl kvm_vm_ioctl "
done
"$BUILD/kvmscope" diff "$old" "$old" >/dev/null 2>&1
expect_eq "diff of the 6.1 capture with itself: the same (0)" "$?" 0
"$BUILD/kvmscope" diff --format json "$old" "$new" >"$T_TMP/kdiff.json" 2>"$T_TMP/kdiff.err"
rc=$?
check "diff of the 6.1 and the 7.x capture: 0 or 1, not trouble (status $rc)" test "$rc" -le 1
if [ "$rc" = 1 ]; then
	jq -r '.differences[0] | "\(.a.kernel) \(.b.kernel)"' "$T_TMP/kdiff.json" >"$T_TMP/kdiff.kernels"
	expect_grep "... the first difference names both kernels" "$T_TMP/kdiff.kernels" '^6\.1\.[^ ]+ 7\.'
	"$BUILD/kvmscope" diff "$old" "$new" | sed 's/^/#   /' | head -n 12
fi
echo "1..$T_N"
