#!/bin/bash
# x86 PMU paths of the VMM on a real KVM: pmu=on on a host KVM without a vPMU
# fails at a real ioctl (KVM_ENABLE_CAP -> EINVAL) with a clear message and
# status 1; pmu-filter= reaches KVM_SET_PMU_EVENT_FILTER; injected failures of
# the PMU ioctls give their messages and status 1; bad values are named.
. "$(dirname "$0")/../lib.sh"
if ! have_kvm; then skip "pmu-x86: /dev/kvm not usable"; exit 0; fi

# pmu=on: the genuine failure on a host without a vPMU
vmm pmuon -kernel "$GUESTS/pmu.elf" -cpu host,pmu=on -serial null -trace kvm_ioctl_exit
if grep -q 'KVM_ENABLE_CAP.*ret -1, errno 22' "$T_TMP/pmuon.err"; then
	expect_eq "pmu=on without a vPMU: status 1" "$(rc pmuon)" 1
	expect_grep "pmu=on: the ioctl's failure in QEMU's words" "$T_TMP/pmuon.err" \
		'^kvmscope-vmm: Failed to enable KVM_CAP_PMU_CAPABILITY: Invalid argument$'
	expect_grep "pmu=on: why, with CPUID 0xA and the capability" "$T_TMP/pmuon.err" \
		'^kvmscope-vmm: -cpu host,pmu=on: the host KVM offers no vPMU \(CPUID 0xA version 0, KVM_CAP_PMU_CAPABILITY 0\)$'
	expect_eq "pmu=on: no vCPU was created" "$(grep -c 'KVM_CREATE_VCPU' "$T_TMP/pmuon.err")" 0
else
	expect_eq "pmu=on on a host with a vPMU boots the pmu guest" "$(rc pmuon)" 0
	skip "pmu=on failure: this host KVM has a vPMU"
	skip "pmu=on failure message: this host KVM has a vPMU"
	skip "pmu=on stops before vCPUs: this host KVM has a vPMU"
fi
# the ioctl exit record a collector sees: name, ret, errno
expect_grep "pmu=on: KVM_ENABLE_CAP visible at the ioctl exit probe" "$T_TMP/pmuon.err" \
	'kvm_ioctl_exit vm cpu_index -1, type 0x4068aea3 \(KVM_ENABLE_CAP\), arg 0x[0-9a-f]+, ret -?[0-9]+, errno [0-9]+'

# pmu-filter: KVM_SET_PMU_EVENT_FILTER on the VM fd, where offered
vmm filter -kernel "$GUESTS/pmu.elf" -cpu host,pmu-filter=allow:0xc0:0x3c -trace kvm_ioctl_exit
expect_grep "pmu-filter: KVM_SET_PMU_EVENT_FILTER issued and accepted" "$T_TMP/filter.err" \
	'kvm_ioctl_exit vm cpu_index -1, type 0x4020aeb2 \(KVM_SET_PMU_EVENT_FILTER\), arg 0x[0-9a-f]+, ret 0, errno 0 \(OK\)$'
expect_eq "pmu-filter: the guest runs to its end" "$(rc filter)" 0
expect_grep "pmu-filter: the filter comes before the vCPUs" "$T_TMP/filter.err" 'KVM_SET_PMU_EVENT_FILTER'
first_filter=$(grep -n 'KVM_SET_PMU_EVENT_FILTER' "$T_TMP/filter.err" | head -1 | cut -d: -f1)
first_vcpu=$(grep -n 'KVM_CREATE_VCPU' "$T_TMP/filter.err" | head -1 | cut -d: -f1)
check "pmu-filter: set before KVM_CREATE_VCPU" [ -n "$first_filter" ] && [ -n "$first_vcpu" ] && \
	[ "$first_filter" -lt "$first_vcpu" ]

# injected failures of the PMU ioctls: message, status 1, no crash
vmm ffilter -kernel "$GUESTS/pmu.elf" -cpu host,pmu-filter=deny:0xc0 \
	-fault ioctl=KVM_SET_PMU_EVENT_FILTER,errno=EINVAL
expect_eq "injected KVM_SET_PMU_EVENT_FILTER EINVAL: status 1" "$(rc ffilter)" 1
expect_grep "injected KVM_SET_PMU_EVENT_FILTER EINVAL: message" "$T_TMP/ffilter.err" \
	'^kvmscope-vmm: -cpu host,pmu-filter: KVM_SET_PMU_EVENT_FILTER \(deny, 1 events\): Invalid argument$'

# the KVM_CHECK_EXTENSION just before the filter is the capability check:
# fail that one call (counted from the traced run above)
nchecks=$(sed -n '1,/KVM_SET_PMU_EVENT_FILTER/p' "$T_TMP/filter.err" | grep -c 'KVM_CHECK_EXTENSION')
vmm fcap -kernel "$GUESTS/pmu.elf" -cpu host,pmu-filter=allow:0xc0 \
	-fault ioctl=KVM_CHECK_EXTENSION,errno=EINVAL,after=$((nchecks - 1)),count=1
expect_eq "pmu-filter where KVM offers none: status 1" "$(rc fcap)" 1
expect_grep "pmu-filter where KVM offers none: says which capability" "$T_TMP/fcap.err" \
	'does not offer KVM_SET_PMU_EVENT_FILTER \(KVM_CAP_PMU_EVENT_FILTER\)$'

vmm fcpuid -kernel "$GUESTS/pmu.elf" -cpu host,pmu=off -fault ioctl=KVM_GET_SUPPORTED_CPUID,errno=EIO
expect_eq "injected KVM_GET_SUPPORTED_CPUID EIO: status 1" "$(rc fcpuid)" 1
expect_grep "injected KVM_GET_SUPPORTED_CPUID EIO: message" "$T_TMP/fcpuid.err" \
	'^kvmscope-vmm: KVM_GET_SUPPORTED_CPUID: Input/output error$'

vmm fenable -kernel "$GUESTS/pmu.elf" -cpu host,pmu=on -fault ioctl=KVM_ENABLE_CAP,errno=EPERM
expect_eq "injected KVM_ENABLE_CAP EPERM on pmu=on: status 1" "$(rc fenable)" 1
expect_grep "injected KVM_ENABLE_CAP EPERM: the errno in the message" "$T_TMP/fenable.err" \
	'^kvmscope-vmm: Failed to enable KVM_CAP_PMU_CAPABILITY: Operation not permitted$'

# bad values: named, status 1, before KVM is touched
vmm offfilter -kernel "$GUESTS/pmu.elf" -cpu host,pmu=off,pmu-filter=deny:0xc0
expect_eq "pmu-filter with pmu=off: status 1" "$(rc offfilter)" 1
expect_grep "pmu-filter with pmu=off: says why" "$T_TMP/offfilter.err" 'the filter needs a vPMU, and pmu=off is set'
vmm badfilter -kernel "$GUESTS/pmu.elf" -cpu host,pmu-filter=allow:0xc0:bogus
expect_eq "bad pmu-filter event: status 1" "$(rc badfilter)" 1
expect_grep "bad pmu-filter event: named" "$T_TMP/badfilter.err" \
	"^kvmscope-vmm: -cpu: pmu-filter: event 'bogus' is not an event select and unit mask"
vmm badaction -kernel "$GUESTS/pmu.elf" -cpu host,pmu-filter=count:0xc0
expect_grep "bad pmu-filter action: named" "$T_TMP/badaction.err" "action 'count' is not 'allow' or 'deny'"

# an x86 build has no virt board: the arm64 option is refused by name
vmm virt -machine virt,dumpdtb="$T_TMP/x.dtb"
expect_eq "x86 build: -machine virt refused" "$(rc virt)" 1
expect_grep "x86 build: says which machine types it has" "$T_TMP/virt.err" "unsupported machine type 'virt' \(x86: pc\)"
echo "1..$T_N"
