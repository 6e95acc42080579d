/* arm64 PMUv3 attribute plan: QEMU's virt_cpu_post_init loop as a list of
 * ioctls, the messages kvm_arm_set_device_attr() prints, and the runner. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "pmu-attrs.h"
#include "trace.h"

static void add(struct pmu_attr_step *out, int *n, int cpu, uint64_t attr, const struct pmu_attr_inputs *in)
{
	static const char *const why[] = {
		[ARM_VCPU_PMU_V3_IRQ] = "failed to set irq for PMU",
		[ARM_VCPU_PMU_V3_INIT] = "failed to init PMU",
	};
	int irq = in->irq_last && cpu == in->ncpus - 1 ? in->irq_last : in->irq;
	/* kvm_arm_set_device_attr: HAS first, SET only if HAS said yes */
	for (int op = in->no_has_probe ? PMU_ATTR_SET : PMU_ATTR_HAS; op <= PMU_ATTR_SET; op++)
		out[(*n)++] = (struct pmu_attr_step){
			.cpu = cpu,
			.op = (enum pmu_attr_op)op,
			.group = ARM_VCPU_PMU_V3_CTRL,
			.attr = attr,
			.has_value = attr == ARM_VCPU_PMU_V3_IRQ,
			.value = attr == ARM_VCPU_PMU_V3_IRQ ? irq : 0,
			.on_failure = why[attr],
		};
}

int pmu_attr_plan(const struct pmu_attr_inputs *in, struct pmu_attr_step *out, size_t max)
{
	int n = 0;

	if (!in->pmu || in->ncpus <= 0)
		return 0; /* both helpers return early without a PMU */
	if (max < (in->irq_after_init ? PMU_ATTR_MAX_STEPS_MISCONFIG(in->ncpus) :
					PMU_ATTR_MAX_STEPS(in->ncpus)))
		return -1;
	for (int cpu = 0; cpu < in->ncpus; cpu++) {
		if (in->irqchip_in_kernel)
			add(out, &n, cpu, ARM_VCPU_PMU_V3_IRQ, in);
		add(out, &n, cpu, ARM_VCPU_PMU_V3_INIT, in);
	}
	if (in->irq_after_init)
		add(out, &n, 0, ARM_VCPU_PMU_V3_IRQ, in);
	return n;
}

const char *pmu_attr_op_ioctl_name(enum pmu_attr_op op)
{
	return op == PMU_ATTR_HAS ? "KVM_HAS_DEVICE_ATTR" : "KVM_SET_DEVICE_ATTR";
}

const char *pmu_attr_name(uint64_t attr)
{
	switch (attr) {
	case ARM_VCPU_PMU_V3_IRQ: return "IRQ";
	case ARM_VCPU_PMU_V3_INIT: return "INIT";
	case ARM_VCPU_PMU_V3_FILTER: return "FILTER";
	case ARM_VCPU_PMU_V3_SET_PMU: return "SET_PMU";
	}
	return "?";
}

void pmu_attr_failure_lines(const struct pmu_attr_step *s, int err, char *first, size_t firstlen,
			    char *second, size_t secondlen)
{
	snprintf(first, firstlen, "PMU: %s: %s", pmu_attr_op_ioctl_name(s->op), strerror(err));
	snprintf(second, secondlen, "%s", s->on_failure ? s->on_failure : "PMU set-up failed");
}

int pmu_attr_run(const struct pmu_attr_step *plan, int n, const struct kvm_fd *vcpu_fds,
		 int nfds, int *err)
{
	for (int i = 0; i < n; i++) {
		const struct pmu_attr_step *s = &plan[i];
		int value = s->value;
		struct kvm_device_attr attr = {
			.group = s->group,
			.attr = s->attr,
			.addr = s->has_value ? (uint64_t)(uintptr_t)&value : 0,
		};
		if (s->cpu < 0 || s->cpu >= nfds) {
			*err = EINVAL;
			return i;
		}
		unsigned long request = s->op == PMU_ATTR_HAS ? KVM_HAS_DEVICE_ATTR : KVM_SET_DEVICE_ATTR;
		int ret = kvm_ioctl(&vcpu_fds[s->cpu], request, &attr);
		int e = ret < 0 ? errno : 0;
		trace_arm_pmu_attr(s->cpu, pmu_attr_op_ioctl_name(s->op), s->group,
				   pmu_attr_name(s->attr), ret, e);
		if (ret < 0) {
			*err = e;
			return i;
		}
	}
	return -1;
}
