# shellcheck shell=bash
# `scripts/repro-pmu-set-attr.sh --lab` (sourced by run.bash): the further
# genuine causes of a refused PMU attribute, each provoked by the board itself
# (-cpu x-pmu-*), no -fault. Every case is checked three ways: the VMM's
# lines and status, the kernel function that returned the errno (record
# --functions), and diagnose's kernel_cause from that evidence.

# lab_misconfig_case NAME TITLE STATUS LINE FUNCTION RET IOCTL ERRNAME CAUSE
lab_misconfig_case() {
	local out=$1 name=$2 what=$3
	lab_case "$out" "$name" "$what"
	lab_recorded "$out" "$name"
	lab_expect "$out" "$name" "$4" "$5" "$name: \"$5\", SIGABRT (status $4)"
	lab_kfunc_expect "$out" "$name" "$6" "$7" "$name, kernel side: $6 returned $7 ($9)"
	lab_diag_expect "$out" "$name" \
		"[.findings[] | select(.rule == \"pmu-set-attr\" and .facts.kernel_cause != null) | \"\(.facts.ioctl) \(.facts.errno) \(.facts.kernel_cause) \(.facts.kernel_function)\"] | unique == [\"$8 $9 ${10} $6\"]" \
		"$name: diagnose proves the cause from the kernel evidence: $8 $9 from $6, ${10}"
}

repro_lab_misconfig() {
	local out=$1
	lab_misconfig_case "$out" no-pmu-feature \
		"vCPU 1 initialised without PMUv3: virt -cpu host,x-pmu-feature-off=1" \
		134 'PMU: KVM_HAS_DEVICE_ATTR: No such device or address' \
		kvm_arm_pmu_v3_has_attr -6 KVM_HAS_DEVICE_ATTR ENXIO no-pmu-feature
	lab_expect "$out" no-pmu-feature 134 'cpu_index 1, KVM_HAS_DEVICE_ATTR group 0 attr IRQ ret -1 errno 6' \
		"no-pmu-feature: refused on vCPU 1 only, after vCPU 0's IRQ and INIT"
	lab_misconfig_case "$out" no-pmu-feature-set \
		"the same, SET without HAS: x-pmu-feature-off=1,x-pmu-has-probe=off" \
		134 'PMU: KVM_SET_DEVICE_ATTR: No such device$' \
		kvm_arm_pmu_v3_set_attr -19 KVM_SET_DEVICE_ATTR ENODEV no-pmu-feature
	lab_misconfig_case "$out" ppi-differs \
		"vCPU 1's PMU PPI differs (INTID 22, vCPU 0 23): x-pmu-irq-last=22" \
		134 'PMU: KVM_SET_DEVICE_ATTR: Invalid argument' \
		kvm_arm_pmu_v3_set_attr -22 KVM_SET_DEVICE_ATTR EINVAL ppi-differs
	lab_kfunc_expect "$out" ppi-differs kvm_vgic_create 0 \
		"ppi-differs, kernel side: the vGIC exists (kvm_vgic_create returned 0), so not the seed's cause"
	lab_misconfig_case "$out" irq-after-init \
		"vCPU 0's PMU IRQ again after INIT: x-pmu-irq-after-init=on" \
		134 'PMU: KVM_SET_DEVICE_ATTR: Device or resource busy' \
		kvm_arm_pmu_v3_set_attr -16 KVM_SET_DEVICE_ATTR EBUSY already-initialised
}
