/* Rule pmu-set-attr, the kernel's side: which one of the causes of a PMU
 * attribute's errno the run itself proves. A capture holds what the VMM did
 * before the refusal (each vCPU's PMU attributes with their answers, the
 * vGIC's creation, the command line) and, with record --functions, the
 * kernel function that returned the errno; together they rule out the other
 * checks of kvm_arm_pmu_v3_{has,set}_attr (torvalds/linux 6.1,
 * arch/arm64/kvm/pmu-emul.c). Seen in the arm64 lab with the board's
 * -cpu x-pmu-* misconfigurations (scripts/repro-pmu-set-attr.sh --lab). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule-pmu-set-attr-kernel.h"

/* what the run did before the refusal, as far as the kernel's checks care */
struct pmu_before {
	const struct qlog_event *other_ok;	/* another vCPU's PMU attribute answered 0 */
	const struct qlog_event *other_irq;	/* another vCPU's IRQ set */
	const struct qlog_event *own_init;	/* this vCPU's INIT set */
	const struct qlog_event *own_irq;	/* this vCPU's IRQ set */
	const struct qlog_event *vgic;		/* a KVM_CREATE_DEVICE that succeeded */
};

static bool is_pmu_attr_trace(const struct qlog_event *e)
{
	const char *attr = qlog_get(e, "attr");
	return e->kind == QLOG_TRACE && attr && qlog_get(e, "attr_group") &&
	       !strncmp(attr, "KVM_ARM_VCPU_PMU_V3_", 20);
}

static void scan_before(const struct qlog_stream *s, size_t start, size_t i, long long cpu,
			const char *ioctl, struct pmu_before *b)
{
	memset(b, 0, sizeof(*b));
	for (size_t j = start; j < i; j++) {
		const struct qlog_event *e = &s->ev[j];
		const char *io = qlog_get(e, "ioctl") ?: "";
		if (e->kind == QLOG_KVM_IOCTL_EXIT && !strcmp(io, "KVM_CREATE_DEVICE") &&
		    qlog_get_int(e, "ret", -1) >= 0)
			b->vgic = e;
		if (!is_pmu_attr_trace(e) || e->file != s->ev[i].file || qlog_get_int(e, "ret", -1) != 0)
			continue;
		bool set = !strcmp(io, "KVM_SET_DEVICE_ATTR"), own = qlog_get_int(e, "cpu_index", -1) == cpu;
		bool irq = !strcmp(qlog_get(e, "attr"), "KVM_ARM_VCPU_PMU_V3_IRQ");
		if (!own && !strcmp(io, ioctl) && !b->other_ok)
			b->other_ok = e;
		if (!own && set && irq && !b->other_irq)
			b->other_irq = e;
		if (own && set && !strcmp(qlog_get(e, "attr"), "KVM_ARM_VCPU_PMU_V3_INIT"))
			b->own_init = e;
		if (own && set && irq)
			b->own_irq = e;
	}
}

/* x-pmu-irq-last=N on our VMM's -cpu: the last vCPU's INTID, else 0 */
static long irq_last_of(const struct qlog_event *cmd)
{
	const char *cpu = cmd ? qlog_get(cmd, "cpu") : NULL, *p;
	return cpu && (p = strstr(cpu, "x-pmu-irq-last=")) ? strtol(p + 15, NULL, 0) : 0;
}

static void step_before(const struct diag_ctx *c, struct finding *f, const struct qlog_event *e,
			const struct qlog_event *t, const char *what)
{
	char w[256];
	diag_where(c, e, t, w, sizeof(w));
	finding_step(f, "%s (%s)", what, w);
	finding_evidence(f, e);
}

/* the cause for ENXIO from KVM_HAS_DEVICE_ATTR and ENODEV from SET */
static const char *no_pmu_feature(const struct diag_ctx *c, struct finding *f, const struct qlog_event *t, long long cpu,
				  const struct pmu_before *b, bool has)
{
	char what[256];
	if (!b->other_ok)
		return NULL; /* no vCPU with a PMU: the host's, or every vCPU's feature */
	snprintf(what, sizeof(what),
		 "vCPU %lld's same %s was answered 0 before: the VM has PMUv3 and %s, so only "
		 "vCPU %lld lacks it", qlog_get_int(b->other_ok, "cpu_index", -1),
		 qlog_get(b->other_ok, "ioctl"),
		 has ? "kvm_arm_pmu_v3_has_attr answers per vCPU" :
		       "a host PMU was probed for it (not the default-PMU cause)", cpu);
	step_before(c, f, b->other_ok, t, what);
	finding_fact_str(f, "kernel_cause", "no-pmu-feature");
	return has ? "kvm_vcpu_has_pmu() is false for this vCPU: it was initialised "
		     "(KVM_ARM_VCPU_INIT) without the PMUv3 feature (KVM_ARM_VCPU_PMU_V3), and "
		     "kvm_arm_pmu_v3_has_attr answers ENXIO for every PMU attribute of such a vCPU" :
		     "kvm_vcpu_has_pmu() is false for this vCPU: it was initialised "
		     "(KVM_ARM_VCPU_INIT) without the PMUv3 feature (KVM_ARM_VCPU_PMU_V3), the "
		     "first check of kvm_arm_pmu_v3_set_attr";
}

static const char *irq_einval(const struct diag_ctx *c, struct finding *f, const struct qlog_event *t, long long cpu,
			      const struct pmu_before *b, const struct qlog_event *cmd)
{
	char what[320];
	long last = irq_last_of(cmd);
	if (!b->vgic || !b->other_irq)
		return NULL;
	step_before(c, f, b->vgic, t, "the vGIC was created before (KVM_CREATE_DEVICE succeeded): "
				   "the in-kernel irqchip check passes");
	snprintf(what, sizeof(what),
		 "vCPU %lld's PMU IRQ was accepted before: pmu_irq_is_valid() compares vCPU "
		 "%lld's number with it%s", qlog_get_int(b->other_irq, "cpu_index", -1), cpu,
		 " (a PPI must be the same on every vCPU, an SPI different)");
	step_before(c, f, b->other_irq, t, what);
	if (last >= 16 && last < 32 && last != 23 && cmd) {
		snprintf(what, sizeof(what),
			 "the command line gave the last vCPU INTID %ld (-cpu x-pmu-irq-last), the "
			 "others 23: two different PPIs", last);
		step_before(c, f, cmd, t, what);
	}
	finding_fact_str(f, "kernel_cause", "ppi-differs");
	return "pmu_irq_is_valid() refused this vCPU's IRQ: with a vGIC present and another "
	       "vCPU's PMU IRQ already set, the PPI differs from that vCPU's (every vCPU of a VM "
	       "must use the same PMU PPI)";
}

static const char *ebusy(const struct diag_ctx *c, struct finding *f, const struct qlog_event *t, const char *attr,
			 const struct pmu_before *b)
{
	if (b->own_init) {
		step_before(c, f, b->own_init, t, "this vCPU's PMU INIT (KVM_ARM_VCPU_PMU_V3_INIT) "
					       "succeeded before: vcpu->arch.pmu.created is set");
		finding_fact_str(f, "kernel_cause", "already-initialised");
		return "this vCPU's PMU was already initialised (KVM_ARM_VCPU_PMU_V3_INIT earlier): "
		       "once vcpu->arch.pmu.created is set, kvm_arm_pmu_v3_set_attr refuses every "
		       "PMU attribute with EBUSY; the IRQ must be set before INIT";
	}
	if (b->own_irq && attr && !strcmp(attr, "KVM_ARM_VCPU_PMU_V3_IRQ")) {
		step_before(c, f, b->own_irq, t, "this vCPU's PMU IRQ was set before");
		finding_fact_str(f, "kernel_cause", "irq-already-set");
		return "this vCPU's PMU IRQ was already set: kvm_arm_pmu_irq_initialized() makes a "
		       "second KVM_ARM_VCPU_PMU_V3_IRQ EBUSY";
	}
	return NULL;
}

const char *pmu_kernel_cause(const struct diag_ctx *c, size_t start, size_t i,
			     const struct qlog_event *cmd, const char *attr, const char *errname,
			     struct finding *f)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *t = &s->ev[i];
	const char *ioctl = qlog_get(t, "ioctl");
	long long cpu = qlog_get_int(t, "cpu_index", -1);
	struct pmu_before b;

	if (t->kind != QLOG_KVM_IOCTL_EXIT || !ioctl || !errname || cpu < 0)
		return NULL;
	scan_before(s, start, i, cpu, ioctl, &b);
	if (!strcmp(ioctl, "KVM_HAS_DEVICE_ATTR"))
		return !strcmp(errname, "ENXIO") ? no_pmu_feature(c, f, t, cpu, &b, true) : NULL;
	if (strcmp(ioctl, "KVM_SET_DEVICE_ATTR"))
		return NULL;
	if (!strcmp(errname, "ENODEV"))
		return no_pmu_feature(c, f, t, cpu, &b, false);
	if (!strcmp(errname, "EBUSY"))
		return ebusy(c, f, t, attr, &b);
	if (!strcmp(errname, "EINVAL") && attr && !strcmp(attr, "KVM_ARM_VCPU_PMU_V3_IRQ"))
		return irq_einval(c, f, t, cpu, &b, cmd);
	return NULL;
}
