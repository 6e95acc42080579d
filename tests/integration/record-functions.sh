#!/bin/bash
# record --functions on this host. Kernel functions go through BPF fentry/
# fexit or kprobes; a host that refuses both (this development host: fentry
# EPERM, no kprobes) gets a NOTE per function and the rest is recorded. A
# function the kernel lacks is a NOTE everywhere. Where the host lets them
# attach, the calls are checked under their ioctls (the lab test,
# record-functions-lab.sh, does that on a real kernel with KVM).
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder

"$KVMSCOPE" record -o "$T_TMP/bad.cap" --functions 'kvm_vcpu_ioctl,a;b' -- true >/dev/null 2>"$T_TMP/bad.err"
expect_eq "a bad function name is a usage error (status 2)" "$?" 2
expect_grep "... named" "$T_TMP/bad.err" "bad function name 'a;b'"

cap=$T_TMP/fn.cap
timeout -s KILL 120 "$KVMSCOPE" record -o "$cap" --functions kvm_vcpu_ioctl,kvm_vm_ioctl,kvmscope_no_such_function -- \
	"$VMM" -kernel "$GUESTS/hello.elf" -serial null >/dev/null 2>"$T_TMP/rec.err"
expect_eq "record exits 0" "$?" 0
expect_eq "the absent function: one line on stderr" \
	"$(grep -c 'kernel function kvmscope_no_such_function: absent on this kernel' "$T_TMP/rec.err")" 1
"$KVMSCOPE" report --format json "$cap" >"$T_TMP/rep.json" 2>"$T_TMP/rep.err"
expect_grep "... and a NOTE in the capture (report names it)" "$T_TMP/rep.err" \
	'collector: kernel function kvmscope_no_such_function: absent on this kernel'
probes=$(jq -r 'select(.kind=="probe") | .i' "$T_TMP/rep.json" | grep -c .)
check "the record went on: VMM probes ($probes)" [ "$probes" -gt 0 ]
runs=$(jq -r 'select(.kind=="ioctl") | .text' "$T_TMP/rep.json" | grep -c KVM_RUN)
check "... and KVM_RUN syscalls ($runs)" [ "$runs" -gt 0 ]
for fn in kvm_vcpu_ioctl kvm_vm_ioctl; do
	if grep -q "kernel function $fn: cannot attach" "$T_TMP/rec.err"; then
		expect_grep "$fn: this host refuses fentry and kprobes, said with both reasons" "$T_TMP/rep.err" \
			"collector: kernel function $fn: cannot attach \\(fentry: .*; kprobe: .*\\): its calls are not recorded"
		expect_eq "... and no call of it in the capture" \
			"$(jq -r "select(.kind==\"kfunc\" and .name==\"$fn\") | .i" "$T_TMP/rep.json" | grep -c .)" 0
		continue
	fi
	calls=$(jq -r "select(.kind==\"kfunc\" and .name==\"$fn\") | .i" "$T_TMP/rep.json" | grep -c .)
	check "$fn attached: its calls recorded ($calls)" [ "$calls" -gt 0 ]
	expect_eq "... each under a KVM ioctl of its thread" \
		"$(jq -r "select(.kind==\"kfunc\" and .name==\"$fn\" and .ioctl < 0) | .i" "$T_TMP/rep.json" | grep -c .)" 0
done
expect_grep "the summary counts the calls" "$T_TMP/rec.err" 'kernel function calls \([0-2] of the functions recorded\)'
