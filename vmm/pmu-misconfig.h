/* The arm64 board's experimental -cpu properties that make the VMM itself
 * misconfigure the PMUv3 of its vCPUs, so each of the kernel's genuine
 * refusals in kvm_arm_pmu_v3_{has,set}_attr can be provoked under real KVM
 * (scripts/repro-pmu-set-attr.sh --lab), with no -fault. QEMU's spelling for
 * properties that are not a stable interface: an "x-" prefix.
 *   x-pmu-feature-off=CPU    vCPU CPU's KVM_ARM_VCPU_INIT leaves out
 *                            KVM_ARM_VCPU_PMU_V3 (the board still sets its PMU up)
 *   x-pmu-irq-last=INTID     the last vCPU's PMU IRQ is INTID, not 23
 *   x-pmu-irq-after-init=on  vCPU 0's PMU IRQ is set again after its INIT
 *   x-pmu-has-probe=off      KVM_SET_DEVICE_ATTR without QEMU's
 *                            KVM_HAS_DEVICE_ATTR first (as kvmtool and
 *                            firecracker do) */
#ifndef VMM_PMU_MISCONFIG_H
#define VMM_PMU_MISCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pmu_misconfig {
	uint32_t feature_off_cpus; /* bit N: vCPU N initialised without PMUv3 */
	int irq_last;		   /* 0: every vCPU gets the board's INTID */
	bool irq_after_init;
	bool no_has_probe;
};

/* KEY=VAL of -cpu: 1 when KEY is one of the properties above (stored in
 * *mc), 0 when it is not, -1 with a message in err for a bad value. */
int pmu_misconfig_parse(const char *key, const char *val, struct pmu_misconfig *mc, char *err,
			size_t errlen);

#endif
