/* The arm64 PMUv3 vCPU attribute set-up of QEMU's `virt` board, as data:
 * which KVM_{HAS,SET}_DEVICE_ATTR calls in which order, on which vCPU, and
 * the exact lines QEMU prints when one fails (spec §9.1, §9.2). Pure C over
 * the generic KVM UAPI, so it builds and is unit-tested on any host; the
 * arm64 board (vmm/arm64/pmu.c) runs the plan on its vCPU fds. */
#ifndef VMM_PMU_ATTRS_H
#define VMM_PMU_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm.h"

/* torvalds/linux arch/arm64/include/uapi/asm/kvm.h, restated so x86 builds
 * them too (the values are ABI) */
#define ARM_VCPU_PMU_V3_FEATURE 3 /* KVM_ARM_VCPU_PMU_V3: bit of features[0] */
#define ARM_VCPU_PMU_V3_CTRL 0	  /* attribute group */
#define ARM_VCPU_PMU_V3_IRQ 0
#define ARM_VCPU_PMU_V3_INIT 1
#define ARM_VCPU_PMU_V3_FILTER 2
#define ARM_VCPU_PMU_V3_SET_PMU 3

/* hw/arm/virt.h: VIRTUAL_PMU_IRQ is PPI 7, KVM takes the INTID PPI + 16 */
#define VIRT_PMU_PPI 7
#define ARM_PPI_BASE 16
#define VIRT_PMU_INTID (VIRT_PMU_PPI + ARM_PPI_BASE)

enum pmu_attr_op { PMU_ATTR_HAS, PMU_ATTR_SET };

/* One ioctl of the plan. */
struct pmu_attr_step {
	int cpu;		/* vCPU index */
	enum pmu_attr_op op;
	uint32_t group;
	uint64_t attr;
	bool has_value;		/* IRQ: addr points at an int holding value */
	int value;
	const char *on_failure;	/* QEMU's second line: "failed to set irq for PMU" */
};

/* What the board knows when it reaches virt_cpu_post_init. */
struct pmu_attr_inputs {
	int ncpus;
	bool pmu;		 /* the first CPU has the PMU (feature asked and granted) */
	bool irqchip_in_kernel;	 /* an in-kernel vGIC exists */
	int irq;		 /* INTID given to KVM; VIRT_PMU_INTID as QEMU does */
	/* -cpu x-pmu-* (pmu-misconfig.h), all off as QEMU: */
	int irq_last;		 /* the last vCPU's INTID instead of irq; 0: irq */
	bool irq_after_init;	 /* vCPU 0's IRQ again after the last INIT */
	bool no_has_probe;	 /* SET without KVM_HAS_DEVICE_ATTR first */
};

/* Room a plan needs: per vCPU, HAS+SET for IRQ and HAS+SET for INIT; and
 * HAS+SET of x-pmu-irq-after-init's IRQ. */
#define PMU_ATTR_MAX_STEPS(ncpus) ((size_t)(ncpus) * 4)
#define PMU_ATTR_MAX_STEPS_MISCONFIG(ncpus) (PMU_ATTR_MAX_STEPS(ncpus) + 2)

/* Fills out[] (max entries) with QEMU's order: per vCPU, IRQ (only with an
 * in-kernel irqchip) then INIT, each as HAS then SET (then the x-pmu-*
 * misconfiguration's steps). Returns the number of steps, 0 when the CPUs
 * have no PMU, or -1 when max is too small. */
int pmu_attr_plan(const struct pmu_attr_inputs *in, struct pmu_attr_step *out, size_t max);

/* The two lines QEMU's error_report prints (without the "prog: " prefix)
 * when step s fails with errno err, e.g. "PMU: KVM_SET_DEVICE_ATTR: Invalid
 * argument" and "failed to set irq for PMU". */
void pmu_attr_failure_lines(const struct pmu_attr_step *s, int err, char *first, size_t firstlen,
			    char *second, size_t secondlen);

/* "KVM_SET_DEVICE_ATTR" / "KVM_HAS_DEVICE_ATTR" */
const char *pmu_attr_op_ioctl_name(enum pmu_attr_op op);
/* "IRQ", "INIT", "FILTER", "SET_PMU", or "?" */
const char *pmu_attr_name(uint64_t attr);

/* Runs the plan through the KVM door (kvm_ioctl: probes, -fault) on
 * vcpu_fds[step.cpu]. Returns -1 when every step succeeded, else the index of
 * the failing step with its errno in *err. */
int pmu_attr_run(const struct pmu_attr_step *plan, int n, const struct kvm_fd *vcpu_fds,
		 int nfds, int *err);

#endif
