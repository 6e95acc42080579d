/* PMUv3 on every vCPU, as QEMU's virt_cpu_post_init: IRQ (with an in-kernel
 * vGIC) then INIT, each KVM_HAS_DEVICE_ATTR then KVM_SET_DEVICE_ATTR; a
 * failure prints QEMU's two lines and aborts, as QEMU does. The order and
 * the messages are vmm/pmu-attrs.c's, unit-tested on any host. */
#include <stdlib.h>

#include "arm64.h"
#include "error.h"
#include "pmu-attrs.h"

void arm64_pmu_setup(struct machine *m)
{
	struct arm64_machine *a = arm64_of(m);
	struct pmu_attr_inputs in = {
		.ncpus = m->nr_vcpus,
		.pmu = a->pmu,
		.irqchip_in_kernel = a->irqchip_in_kernel,
		.irq = VIRT_PMU_INTID,
		.irq_last = a->x_pmu.irq_last,
		.irq_after_init = a->x_pmu.irq_after_init,
		.no_has_probe = a->x_pmu.no_has_probe,
	};
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS_MISCONFIG(VMM_MAX_VCPUS)];
	struct kvm_fd fds[VMM_MAX_VCPUS];
	int n = pmu_attr_plan(&in, plan, sizeof(plan) / sizeof(plan[0]));
	int err = 0;

	for (int i = 0; i < m->nr_vcpus; i++)
		fds[i] = m->vcpus[i].fd;
	int failed = pmu_attr_run(plan, n, fds, m->nr_vcpus, &err);
	if (failed < 0)
		return;
	char first[256], second[128];
	pmu_attr_failure_lines(&plan[failed], err, first, sizeof(first), second, sizeof(second));
	error_report("%s", first);
	error_report("%s", second);
	abort();
}
