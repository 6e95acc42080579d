#!/bin/bash
# record --functions on a real kernel with KVM: one boot of the x86-64 lab
# (scripts/lab.sh: Debian's 6.1 kernel under QEMU, nested KVM), several
# checks inside it:
#  - the calls of kvm_vcpu_ioctl and kvm_vm_ioctl sit under their ioctls, one
#    per VMM entry probe, returning what the syscall returned;
#  - bpftrace (kprobes) counts the same calls as the capture (fentry), and
#    the capture's kprobe path counts them too;
#  - kvm_arch_vcpu_create nests inside kvm_vm_ioctl under KVM_CREATE_VCPU;
#  - a genuine kernel error: -cpu host,pmu=on on a KVM without a vPMU gets
#    EINVAL from KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY), returned by the
#    kernel's own kvm_vm_ioctl_enable_cap: the capture has it under that
#    ioctl and diagnose names it;
#  - a function the kernel lacks is a NOTE.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope

if [ "${1:-}" != --inside ]; then
	lab=$ROOT/scripts/lab.sh
	if [ ! -x "$lab" ]; then skip "the lab: scripts/lab.sh is not in this tree"; exit 0; fi
	if [ "$(id -u)" != 0 ]; then skip "the lab: needs root (BPF inside it)"; exit 0; fi
	# one vCPU: BPF patches its fentry trampolines into kernel text, which under
	# TCG across two vCPUs once oopsed a lab kernel (int3 in __schedule)
	"$lab" --arch x86_64 --cpus 1 -- "$ROOT/tests/integration/record-functions-lab.sh" --inside
	rc=$?
	case $rc in
	0) ;;
	126) skip "the lab: a kernel, package or host tool is missing (lab.sh said which above)"; rc=0 ;;
	*) echo "not ok - the lab run ended with status $rc" ;;
	esac
	exit "$rc"
fi

require_recorder
FUNCS=kvm_vcpu_ioctl,kvm_vm_ioctl,kvm_arch_vcpu_create,kvm_vcpu_ioctl_set_cpuid2,kvm_vm_ioctl_enable_cap,kvmscope_no_such_function
echo "# kernel $(uname -r)"

# bpftrace beside the record: kprobes on the same two functions, for the VMM's threads
bpftrace -e 'kprobe:kvm_vcpu_ioctl,kprobe:kvm_vm_ioctl /curtask->group_leader->comm == "kvmscope-vmm"/ { @[probe] = count(); }' \
	>"$T_TMP/bt.err" 2>&1 &
bt=$!
wait_for bt Attaching 300 || not_ok "bpftrace attached"
timeout -s KILL 300 "$KVMSCOPE" record -o "$T_TMP/hello.cap" --functions "$FUNCS" -- \
	"$VMM" -kernel "$GUESTS/hello.elf" -serial null >/dev/null 2>"$T_TMP/hello.err"
expect_eq "record (fentry) exits 0" "$?" 0
kill -INT "$bt"
wait "$bt"
diag <"$T_TMP/bt.err"
"$KVMSCOPE" report --format json "$T_TMP/hello.cap" >"$T_TMP/hello.json" 2>"$T_TMP/hello.rep"
J=$T_TMP/hello.json
count() { jq -r "select($1) | .i" "$2" | grep -c .; }

expect_eq "kvm_vcpu_ioctl, kvm_vm_ioctl traced with fentry (the kvm module's BTF)" \
	"$(jq -r 'select(.kind=="kfunc" and (.name=="kvm_vcpu_ioctl" or .name=="kvm_vm_ioctl")) | .attach' "$J" | sort -u)" fentry
expect_grep "the absent function is a NOTE" "$T_TMP/hello.rep" \
	'collector: kernel function kvmscope_no_such_function: absent on this kernel'
for fn in kvm_vcpu_ioctl kvm_vm_ioctl; do
	n=$(count ".kind==\"kfunc\" and .name==\"$fn\"" "$J")
	bt_n=$(sed -n "s/^@\[kprobe:$fn\]: //p" "$T_TMP/bt.err")
	check "$fn: calls recorded ($n)" [ "$n" -gt 0 ]
	expect_eq "$fn: bpftrace counted the same calls" "${bt_n:-none}" "$n"
	expect_eq "$fn: one call per VMM entry probe of that name" "$(count ".kind==\"probe\" and .name==\"$fn\"" "$J")" "$n"
	expect_eq "$fn: every call under a KVM ioctl syscall whose VMM entry probe is $fn" \
		"$(jq -s -r --arg fn "$fn" 'map({key: (.i|tostring), value: .}) | from_entries as $e |
			.[] | select(.kind=="kfunc" and .name==$fn) |
			select(.ioctl < 0 or $e[(.ioctl|tostring)].tid != .tid or $e[(.parent|tostring)].name != $fn) | .i' "$J" | grep -c .)" 0
	expect_eq "$fn: every call returned what its syscall returned" \
		"$(jq -s -r --arg fn "$fn" 'map({key: (.i|tostring), value: .}) | from_entries as $e |
			.[] | select(.kind=="kfunc" and .name==$fn) | select(.ret != $e[(.ioctl|tostring)].ret) | .i' "$J" | grep -c .)" 0
done
create=$(jq -c 'select(.kind=="kfunc" and .name=="kvm_arch_vcpu_create")' "$J")
expect_eq "kvm_arch_vcpu_create: once (one vCPU), returning 0" "$(echo "$create" | jq -r .ret)" 0
expect_eq "... under KVM_CREATE_VCPU, nested inside kvm_vm_ioctl" \
	"$(jq -s -r --argjson c "$create" 'map(select(.ioctl==$c.ioctl and .name=="kvm_vm_ioctl" and .depth < $c.depth and .ts_ns <= $c.ts_ns)) | length' "$J") $(jq -r "select(.i==$(echo "$create" | jq .ioctl)) | .text" "$J" | grep -o KVM_CREATE_VCPU)" \
	"1 KVM_CREATE_VCPU"
expect_eq "kvm_vcpu_ioctl_set_cpuid2: once per KVM_SET_CPUID2" \
	"$(count '.kind=="kfunc" and .name=="kvm_vcpu_ioctl_set_cpuid2"' "$J")" \
	"$(jq -r 'select(.kind=="ioctl") | .text' "$J" | grep -c KVM_SET_CPUID2)"

# the kprobe path, on the same functions (their types still from BTF)
KVMSCOPE_FUNCTIONS_VIA=kprobe timeout -s KILL 300 "$KVMSCOPE" record -o "$T_TMP/kp.cap" --functions "$FUNCS" -- \
	"$VMM" -kernel "$GUESTS/hello.elf" -serial null >/dev/null 2>"$T_TMP/kp.err"
expect_eq "record (kprobes) exits 0" "$?" 0
"$KVMSCOPE" report --format json "$T_TMP/kp.cap" >"$T_TMP/kp.json" 2>/dev/null
expect_eq "kprobes: attached as kprobes" \
	"$(jq -r 'select(.kind=="kfunc") | .attach' "$T_TMP/kp.json" | sort -u)" kprobe
expect_eq "kprobes: one kvm_vcpu_ioctl call per VMM entry probe, all under ioctls" \
	"$(count '.kind=="kfunc" and .name=="kvm_vcpu_ioctl" and .ioctl >= 0' "$T_TMP/kp.json")" \
	"$(count '.kind=="probe" and .name=="kvm_vcpu_ioctl"' "$T_TMP/kp.json")"

# --follow: the calls of the processes the command starts (bpf-collector.bpf.c's map of
# them); with a function fentry refuses (in BTF, not traceable: a tracepoint's
# BPF stub), which sends the loader from one object for all to one per function
NOTRACE=__bpf_trace_fast_page_fault
timeout -s KILL 300 "$KVMSCOPE" record --follow -o "$T_TMP/fo.cap" --functions kvm_vcpu_ioctl,$NOTRACE -- \
	sh -c "\"$VMM\" -kernel \"$GUESTS/hello.elf\" -serial null; true" >/dev/null 2>"$T_TMP/fo.err"
expect_eq "--follow: record exits 0" "$?" 0
"$KVMSCOPE" report --format json "$T_TMP/fo.cap" >"$T_TMP/fo.json" 2>/dev/null
n=$(count '.kind=="kfunc" and .name=="kvm_vcpu_ioctl" and .ioctl >= 0' "$T_TMP/fo.json")
check "--follow: the child VMM's kvm_vcpu_ioctl calls recorded ($n), under its ioctls" [ "$n" -gt 0 ]
expect_eq "... one per VMM entry probe" "$(count '.kind=="probe" and .name=="kvm_vcpu_ioctl"' "$T_TMP/fo.json")" "$n"
expect_eq "... through fentry, beside a function fentry refused" \
	"$(jq -r 'select(.kind=="kfunc") | .attach' "$T_TMP/fo.json" | sort -u)" fentry
expect_grep "the refused one: a NOTE with both reasons" "$T_TMP/fo.err" \
	"kernel function $NOTRACE: cannot attach \\(fentry: .*; kprobe: .*\\): its calls are not recorded"

# a genuine kernel error: no vPMU here, so the kernel refuses KVM_CAP_PMU_CAPABILITY
timeout -s KILL 300 "$KVMSCOPE" record -o "$T_TMP/pmu.cap" --functions "$FUNCS" -- \
	"$VMM" -cpu host,pmu=on -kernel "$GUESTS/hello.elf" -serial null >/dev/null 2>"$T_TMP/pmu.err"
expect_grep "pmu=on: the kernel refused KVM_ENABLE_CAP (no vPMU in this KVM)" "$T_TMP/pmu.err" \
	'Failed to enable KVM_CAP_PMU_CAPABILITY: Invalid argument'
"$KVMSCOPE" report --format json "$T_TMP/pmu.cap" >"$T_TMP/pmu.json" 2>/dev/null
# a name the VMM only passes on (a .rodata table entry) is read by the probe's
# caller first: BPF cannot fault a page in on any kernel
expect_eq "every probe string argument was readable (no 'string arguments unreadable' loss)" \
	"$(jq -c 'select(.kind=="lost" and .lost_kind==2)' "$T_TMP/pmu.json" | grep -c .)" 0
fail=$(jq -c 'select(.kind=="ioctl" and (.text | test("KVM_ENABLE_CAP.*= -1 EINVAL")))' "$T_TMP/pmu.json")
expect_eq "one KVM_ENABLE_CAP syscall failed with EINVAL" "$(echo "$fail" | grep -c .)" 1
i=$(echo "$fail" | jq .i)
expect_eq "under it: kvm_vm_ioctl_enable_cap returned -22 EINVAL, nested in kvm_vm_ioctl (-22 too)" \
	"$(jq -r "select(.kind==\"kfunc\" and .ioctl==$i) | \"\(.depth) \(.name) \(.ret) \(.errname)\"" "$T_TMP/pmu.json" | sort | tr '\n' ';')" \
	"2 kvm_vm_ioctl -22 EINVAL;3 kvm_vm_ioctl_enable_cap -22 EINVAL;"
"$KVMSCOPE" diagnose --format json "$T_TMP/pmu.cap" >"$T_TMP/pmu.diag" 2>&1
expect_eq "diagnose names the kernel function that returned EINVAL" \
	"$(jq -r '.findings[] | select(.facts.ioctl=="KVM_ENABLE_CAP") | .facts.kernel_function' "$T_TMP/pmu.diag")" \
	kvm_vm_ioctl_enable_cap
"$KVMSCOPE" diagnose "$T_TMP/pmu.cap" 2>&1 | tr -s ' \n' ' ' >"$T_TMP/pmu.txt" # lines wrapped
expect_grep "... in its text, with the return value" "$T_TMP/pmu.txt" \
	'innermost recorded kernel function that returned EINVAL: kvm_vm_ioctl_enable_cap \[kvm\]\(\) = -22 EINVAL'

# diff: the clean run and the pmu=on run part ways where the kernel said EINVAL
"$KVMSCOPE" diff "$T_TMP/hello.cap" "$T_TMP/pmu.cap" >"$T_TMP/diff.out" 2>&1
expect_eq "diff of the clean run and the pmu=on run: they differ (status 1)" "$?" 1
awk '/^  B: /{b=1} /^also:/{b=0} b' "$T_TMP/diff.out" >"$T_TMP/diff-b.out"
expect_grep "... B's side shows kvm_vm_ioctl_enable_cap's EINVAL under KVM_ENABLE_CAP" "$T_TMP/diff-b.out" \
	'^  [ >] +[0-9.]+ +kfunc kvm_vm_ioctl_enable_cap \[kvm\]\(\) = -22 EINVAL$'

# the kept BPF set on Debian's 6.1 (tools/collect/bpf-kept.h): its links pinned
# by one run, reused by the next with --functions beside it (the kernel
# functions' filter is the kept set's map)
"$KVMSCOPE" record --cleanup >/dev/null 2>&1
for run in made reused; do
	timeout -s KILL 300 "$KVMSCOPE" record --bpf-keep -o "$T_TMP/kept-$run.cap" --functions kvm_vcpu_ioctl \
		-- "$VMM" -kernel "$GUESTS/hello.elf" -serial null >/dev/null 2>"$T_TMP/kept-$run.err"
	expect_eq "record --bpf-keep ($run) exits 0" "$?" 0
	expect_eq "... the set $run" "$(tr '\0' '\n' <"$T_TMP/kept-$run.cap" | grep -a -A1 -x bpf_kept | tail -1)" "$run"
	"$KVMSCOPE" report --format json "$T_TMP/kept-$run.cap" >"$T_TMP/kept-$run.json" 2>/dev/null
	expect_eq "... probes with their strings, kvm events and kvm_vcpu_ioctl calls recorded" \
		"$(jq -r 'select((.kind=="probe" and .name=="runstate_set" and (.text | test("running"))) or
			(.kind=="kernel" and .name=="kvm_exit") or (.kind=="kfunc" and .name=="kvm_vcpu_ioctl")) |
			"\(.kind):\(.name)"' "$T_TMP/kept-$run.json" | sort -u | tr '\n' ' ')" \
		"kernel:kvm_exit kfunc:kvm_vcpu_ioctl probe:runstate_set "
done
"$KVMSCOPE" record --cleanup >"$T_TMP/kept-clean.out" 2>&1
expect_grep "the cleanup removes the set" "$T_TMP/kept-clean.out" '^removed 1 kept BPF set'
