/* Rule pmu-set-attr: a vCPU PMU attribute that KVM refused (seed 003, spec
 * §9), and the x86 form of the same question (-cpu host,pmu=on on a host
 * without a vPMU, spec §10). It names the attribute, the errno, how long the
 * kernel path took when a capture or function_graph trace says, and the
 * known causes of that errno on kvm_arm_pmu_v3_set_attr for that kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/diag-rule.h"
#include "rule-pmu-set-attr-kernel.h"

struct cause {
	const char *attr;  /* NULL: any attribute */
	const char *errname;
	int kernel;	   /* 0 any, 66 only <= 6.6, 67 only >= 6.7 */
	const char *text;
};

/* torvalds/linux arch/arm64/kvm/pmu-emul.c, kvm_arm_pmu_v3_set_attr (spec §9.4),
 * in the order the kernel checks them */
static const struct cause kernel_causes[] = {
	{ NULL, "ENODEV", 0, "the vCPU was created without the PMUv3 feature "
			     "(KVM_ARM_VCPU_PMU_V3, bit 3 of KVM_ARM_VCPU_INIT features)" },
	{ NULL, "EBUSY", 0, "the PMU of this vCPU is already initialised" },
	{ NULL, "ENODEV", 66, "no usable host PMU could be probed as the default (kernel <= 6.6; "
			      "6.7+ makes KVM_ARM_VCPU_INIT fail with EINVAL instead)" },
	{ "KVM_ARM_VCPU_PMU_V3_IRQ", "EINVAL", 0,
	  "no in-kernel irqchip: the vGIC was not created before the PMU IRQ was set" },
	{ "KVM_ARM_VCPU_PMU_V3_IRQ", "EFAULT", 0, "the IRQ number could not be read from addr" },
	{ "KVM_ARM_VCPU_PMU_V3_IRQ", "EINVAL", 0,
	  "the IRQ number is neither a PPI (16-31) nor an SPI (32-1019) (QEMU passes INTID 23, "
	  "PPI 7)" },
	{ "KVM_ARM_VCPU_PMU_V3_IRQ", "EINVAL", 0,
	  "the PPI differs from the one another vCPU uses, or the SPI is already used by "
	  "another vCPU" },
	{ "KVM_ARM_VCPU_PMU_V3_IRQ", "EBUSY", 0, "this vCPU's PMU IRQ is already set" },
	{ "KVM_ARM_VCPU_PMU_V3_FILTER", "EINVAL", 0,
	  "base_event + nevents lies beyond the event space, or the action is not ALLOW/DENY" },
	{ "KVM_ARM_VCPU_PMU_V3_FILTER", "EFAULT", 0, "the filter could not be copied in" },
	{ "KVM_ARM_VCPU_PMU_V3_FILTER", "EBUSY", 0, "the VM has already run" },
	{ "KVM_ARM_VCPU_PMU_V3_FILTER", "ENOMEM", 0, "the event bitmap could not be allocated" },
	{ "KVM_ARM_VCPU_PMU_V3_SET_PMU", "EFAULT", 0, "the PMU id could not be copied in" },
	{ "KVM_ARM_VCPU_PMU_V3_SET_PMU", "ENXIO", 0, "no host PMU has that id" },
	{ "KVM_ARM_VCPU_PMU_V3_SET_PMU", "EBUSY", 0,
	  "the VM has already run, or a filter exists for a different PMU" },
	{ "KVM_ARM_VCPU_PMU_V3_INIT", "ENODEV", 0,
	  "in-kernel irqchip, but the vGIC is not initialised yet" },
	{ "KVM_ARM_VCPU_PMU_V3_INIT", "ENXIO", 0, "in-kernel irqchip, but the PMU IRQ was never set" },
	{ "other", "ENXIO", 0, "unknown attribute" },
};

/* the same file, kvm_arm_pmu_v3_has_attr: QEMU asks it (KVM_HAS_DEVICE_ATTR)
 * before every KVM_SET_DEVICE_ATTR */
static const struct cause has_attr_causes[] = {
	{ NULL, "ENXIO", 0, "the vCPU has no PMU: it was initialised without the PMUv3 feature "
			    "(KVM_ARM_VCPU_PMU_V3), so every PMU attribute is answered ENXIO" },
	{ NULL, "ENXIO", 0, "the attribute is none of IRQ, INIT, FILTER, SET_PMU" },
};

/* torvalds/linux arch/x86/kvm/pmu.c, kvm_vm_ioctl_set_pmu_event_filter (6.x) */
static const struct cause x86_filter_causes[] = {
	{ NULL, "EFAULT", 0, "the filter header or its events could not be copied in" },
	{ NULL, "EINVAL", 0, "action is neither KVM_PMU_EVENT_ALLOW (0) nor KVM_PMU_EVENT_DENY (1)" },
	{ NULL, "EINVAL", 0, "flags has bits other than KVM_PMU_EVENT_FLAG_MASKED_EVENTS" },
	{ NULL, "EINVAL", 0, "with KVM_PMU_EVENT_FLAG_MASKED_EVENTS, an event sets reserved bits" },
	{ NULL, "E2BIG", 0, "nevents is above KVM_PMU_EVENT_FILTER_MAX_EVENTS" },
	{ NULL, "ENOMEM", 0, "the filter could not be allocated" },
	{ NULL, "ENOTTY", 0, "the kernel has no PMU event filter (before 5.3, or no vPMU support)" },
};

/* what users found behind the same message (shared/anchors.md, C.10) */
static const struct cause reported_causes[] = {
	{ NULL, "EINVAL", 0, "machine type or GIC version: fixed by choosing the GIC version "
			     "(gic-version=) or the machine type (coreos/coreos-assembler #432, "
			     "danobi/vmtest #32)" },
	{ NULL, "EINVAL", 0, "a host CPU without PMUv3, e.g. Apple Silicon "
			     "(cloud-hypervisor/cloud-hypervisor #5360)" },
	{ NULL, "EINVAL", 0, "the PMUv3 feature bit set but KVM_ARM_VCPU_PMU_V3_INIT never done: "
			     "KVM_RUN then fails with EINVAL (firecracker-microvm/firecracker #5726)" },
	{ NULL, NULL, 0, "on heterogeneous (big.LITTLE) hosts a vCPU thread that migrates to a CPU "
			 "with a different PMU fails with KVM_EXIT_FAIL_ENTRY: pin the vCPU threads "
			 "(kvmtool 1393bda)" },
};

/* kernel version as major*100+minor, 0 if unknown */
static int kernel_version(const char *k)
{
	int maj, min;
	if (!k || sscanf(k, "%d.%d", &maj, &min) != 2)
		return 0;
	return maj * 100 + min;
}

static bool cause_applies(const struct cause *c, const char *attr, const char *errname, int kv)
{
	if (c->errname && (!errname || strcmp(c->errname, errname)))
		return false;
	if (c->attr && attr && strcmp(c->attr, attr))
		return false;
	if (c->kernel == 66 && kv && kv > 606)
		return false;
	if (c->kernel == 67 && kv && kv < 607)
		return false;
	return true;
}

static bool is_attr_ioctl(const char *name)
{
	return name && (!strcmp(name, "KVM_SET_DEVICE_ATTR") || !strcmp(name, "KVM_HAS_DEVICE_ATTR") ||
			!strcmp(name, "KVM_SET_PMU_EVENT_FILTER"));
}

static bool is_x86_filter(const char *ioctl)
{
	return ioctl && !strcmp(ioctl, "KVM_SET_PMU_EVENT_FILTER");
}

/* the duration of the failing call: the ioctl syscall of the same thread
 * right before a capture's kvm_ioctl_exit, or a function_graph entry */
static const struct qlog_event *find_duration(const struct qlog_stream *s, size_t i,
					      const struct qlog_event *t, double *us,
					      const char **how)
{
	if (t->kind == QLOG_KVM_IOCTL_EXIT) {
		const char *type = qlog_get(t, "type");
		for (size_t j = i; j-- > 0 && i - j < 64;) {
			const struct qlog_event *e = &s->ev[j];
			if (e->kind == QLOG_SYSCALL && e->tid == t->tid &&
			    (!type || !qlog_get(e, "request") || !strcmp(qlog_get(e, "request"), type))) {
				*us = (double)qlog_get_int(e, "duration_ns", 0) / 1e3;
				*how = "the ioctl syscall (raw_syscalls sys_enter -> sys_exit)";
				return e;
			}
		}
	}
	const char *ioctl = qlog_get(t, "ioctl");
	const char *fn = ioctl && !strcmp(ioctl, "KVM_HAS_DEVICE_ATTR") ? "kvm_arm_pmu_v3_has_attr" :
									 "kvm_arm_pmu_v3_set_attr";
	for (size_t j = 0; j < s->n; j++) {
		const struct qlog_event *e = &s->ev[j];
		const char *f = qlog_get(e, "function");
		if (e->kind == QLOG_FUNCTION_GRAPH && f && !strcmp(f, fn)) {
			*us = (double)qlog_get_int(e, "duration_ns", 0) / 1e3;
			*how = "ftrace function_graph";
			return e;
		}
	}
	return NULL;
}

static void explain_x86_no_vpmu(const struct diag_ctx *c, size_t i, struct finding *f)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *t = &s->ev[i];
	char w[256];

	diag_where(c, t, NULL, w, sizeof(w));
	finding_title(f, "x86: -cpu host,pmu=on refused: the host KVM offers no vPMU");
	finding_evidence(f, t);
	finding_step(f, "the VMM asked for a guest PMU (-cpu host,pmu=on)");
	/* the capability probe that failed on the way, and how long the kernel took */
	for (size_t j = i >= 8 ? i - 8 : 0; j < i; j++) {
		const struct qlog_event *e = &s->ev[j];
		const char *io = qlog_get(e, "ioctl");
		if (e->kind == QLOG_KVM_IOCTL_EXIT && io && !strcmp(io, "KVM_ENABLE_CAP") &&
		    qlog_get_int(e, "ret", 0) < 0) {
			char we[256];
			double us;
			const char *how;
			diag_where(c, e, t, we, sizeof(we));
			finding_step(f, "KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY) on the VM fd failed with %s (%s)",
				     qlog_get(e, "errname") ? qlog_get(e, "errname") : "?", we);
			finding_evidence(f, e);
			const struct qlog_event *d = find_duration(s, j, e, &us, &how);
			if (d) {
				diag_where(c, d, t, we, sizeof(we));
				finding_step(f, "kernel path took %.3f us (%s, %s)", us, how, we);
				finding_evidence(f, d);
				finding_fact(f, "kernel_duration_us", json_real(us));
			}
			finding_fact_str(f, "errno", qlog_get(e, "errname"));
		} else if (e->kind == QLOG_MESSAGE && qlog_get(e, "message") &&
			   strstr(qlog_get(e, "message"), "KVM_CAP_PMU_CAPABILITY")) {
			finding_evidence(f, e);
		}
	}
	finding_step(f, "KVM_GET_SUPPORTED_CPUID leaf 0xA (architectural PMU) is zero and "
			"KVM_CAP_PMU_CAPABILITY offers nothing: %s (%s)",
		     qlog_get(t, "message") ? qlog_get(t, "message") : "", w);
	finding_step(f, "so it stopped before creating vCPUs instead of giving the guest a PMU that "
			"does not count");
	finding_explain(f,
			"There is no PMU attribute ioctl on x86: a vPMU is CPUID leaf 0xA plus the "
			"PMU MSRs, and KVM advertises it only when the host has a usable PMU and the "
			"kvm module runs with enable_pmu=1. Nested or emulated KVM (as on this host) "
			"and hosts booted with the PMU disabled offer none. Use pmu=off, or run on a "
			"host whose KVM reports CPUID 0xA.");
	finding_fact_str(f, "arch", "x86_64");
	finding_fact_str(f, "attr", NULL);
	if (f && !json_object_get(f->facts, "errno"))
		finding_fact_str(f, "errno", NULL);
}

static bool is_no_device(const char *errname)
{
	return errname && (!strcmp(errname, "ENODEV") || !strcmp(errname, "ENOTSUP") ||
			   !strcmp(errname, "EOPNOTSUPP"));
}

/* NAME is one of LIST's comma-separated names */
static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* with record --functions: the kernel function that returned the vGIC
 * creation's errno (6.1 inlines kvm_ioctl_create_device into kvm_vm_ioctl),
 * and whether kvm_vgic_create ran at all in the run */
static void vgic_kernel_function(const struct diag_ctx *c, const struct qlog_event *create,
				 const struct qlog_event *t, struct finding *f)
{
	const struct qlog_stream *s = c->s;
	const char *errname = qlog_get(create, "errname");
	const struct qlog_event *k = diag_kernel_function(c, diag_index(s, create), errname);
	bool traced = false, called = false;
	char w[256];

	if (!k)
		return;
	for (size_t j = 0; j < s->n; j++) {
		const struct qlog_event *e = &s->ev[j];
		const char *fn = qlog_get(e, "function"), *list = qlog_get(e, "kernel_functions");
		called |= e->kind == QLOG_KERNEL_FUNCTION && fn && !strcmp(fn, "kvm_vgic_create");
		traced |= e->kind == QLOG_HOST && e->file == create->file && list &&
			  list_has(list, "kvm_vgic_create");
	}
	diag_where(c, k, t, w, sizeof(w));
	finding_step(f, "the kernel's side of that refusal: %s() = %s %s (%s)%s",
		     qlog_get(k, "function"), qlog_get(k, "ret"), errname, w,
		     traced && !called ?
			     ", and kvm_vgic_create (recorded) was never called: no device type of "
			     "that vGIC is registered (a GICv3 host without GICv2 emulation)" : "");
	finding_evidence(f, k);
	finding_fact_str(f, "vgic_kernel_function", qlog_get(k, "function"));
}

/* Why there was no in-kernel vGIC for the PMU IRQ's EINVAL: a
 * KVM_CREATE_DEVICE the kernel refused with ENODEV/ENOTSUP earlier in the run
 * (QEMU <= 5.0's virt took that as "use the legacy irqchip" and went on), or,
 * in a log without ioctls, the GICv2 the board mapped: then it is the likely
 * cause, with how to confirm it. Seen in the arm64 lab on a GICv3-only host
 * (repro-pmu-set-attr.sh --lab). */
static bool vgic_cause(const struct diag_ctx *c, size_t start, size_t i,
		       const struct qlog_event *t, const char *attr, const char *errname,
		       const char *gic_kind, struct finding *f)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *create = NULL;
	bool refused = false;
	char w[256];

	if (!attr || strcmp(attr, "KVM_ARM_VCPU_PMU_V3_IRQ") || !errname || strcmp(errname, "EINVAL"))
		return false;
	/* (a refusal answered by a vGIC created after it is no cause: the GIC probe) */
	for (size_t j = start; j < i; j++) {
		const struct qlog_event *e = &s->ev[j];
		if (e->kind != QLOG_KVM_IOCTL_EXIT || strcmp(qlog_get(e, "ioctl") ?: "", "KVM_CREATE_DEVICE"))
			continue;
		if (qlog_get_int(e, "ret", 0) < 0 && is_no_device(qlog_get(e, "errname")))
			create = e;
		else if (qlog_get_int(e, "ret", -1) >= 0)
			create = NULL;
	}
	if (create) {
		diag_where(c, create, t, w, sizeof(w));
		finding_step(f, "before it the kernel refused the vGIC: KVM_CREATE_DEVICE failed with %s "
				"(%s) and the board went on without one, as QEMU <= 5.0's virt did "
				"with a GICv2 the host cannot emulate; so kvm_arm_pmu_v3_set_attr "
				"found no in-kernel irqchip (the first cause below)",
			     qlog_get(create, "errname"), w);
		finding_evidence(f, create);
		finding_fact_str(f, "vgic", "refused by the kernel");
		vgic_kernel_function(c, create, t, f);
		refused = true;
	} else if (gic_kind && strstr(gic_kind, "GICv2")) {
		finding_step(f, "likely cause: a GICv2 board (QEMU <= 5.0's virt default) on a host "
				"whose KVM has no GICv2 emulation (a GICv3 host without a GICV "
				"region; its kernel logs \"GICv3: no GICV resource entry\"): "
				"KVM_CREATE_DEVICE(VGIC_V2) fails with ENODEV, QEMU goes on without "
				"a vGIC, and the PMU IRQ meets EINVAL. Confirm with kvmscope record "
				"(KVM_CREATE_DEVICE -> ENODEV before the attribute) or "
				"scripts/repro-pmu-set-attr.sh --lab");
		finding_fact_str(f, "vgic", "likely refused (GICv2 board)");
	} else {
		return false;
	}
	finding_step(f, "fix: -machine virt,gic-version=3 or gic-version=host, or QEMU 5.1+, which "
			"probes the host's GIC before it picks one");
	finding_fact_str(f, "fix", "gic-version=3 or host, or QEMU >= 5.1");
	return refused;
}

/* the explanation when the input shows the kernel refused the vGIC: that
 * cause first, from the kernel evidence, then the other causes of EINVAL */
static void vgic_explain(struct finding *f, const struct diag_ctx *c, size_t i,
			 const struct qlog_event *t, const char *causes)
{
	const struct qlog_event *k = t->kind == QLOG_KVM_IOCTL_EXIT ?
					     diag_kernel_function(c, i, "EINVAL") : NULL;
	char kf[160] = "";

	if (k)
		snprintf(kf, sizeof(kf), " (recorded: %s() returned %s EINVAL)",
			 qlog_get(k, "function"), qlog_get(k, "ret"));
	finding_explain(f,
			"KVM refused the PMU IRQ (KVM_ARM_VCPU_PMU_V3_IRQ) with EINVAL because the "
			"VM has no in-kernel vGIC: earlier in the run KVM_CREATE_DEVICE for the vGIC "
			"failed with ENODEV (this host's KVM cannot emulate that GIC version; a GICv3 "
			"host without a GICV region has no GICv2 emulation) and the VMM went on "
			"without one, as QEMU <= 5.0's virt board did with its default GICv2. "
			"kvm_arm_pmu_v3_set_attr then fails its in-kernel irqchip check%s. Fix: "
			"-machine virt,gic-version=3 or gic-version=host, or QEMU 5.1+, which probes "
			"the host's GIC. Every cause of this errno there (the first is this one): %s.",
			kf, causes);
}

/* what kernel_cause_explain needs of the incident (declared further down) */
struct pmu_incident_view {
	size_t i;
	const struct qlog_event *t;
	const char *attr, *errname;
};

/* the explanation when the run proves one cause (rule-pmu-set-attr-kernel.c) */
static void kernel_cause_explain(struct finding *f, const struct diag_ctx *c,
				 const struct pmu_incident_view *v, const char *why, const char *causes)
{
	const struct qlog_event *k = diag_kernel_function(c, v->i, v->errname);
	const char *ioctl = qlog_get(v->t, "ioctl");
	char kf[160] = "";

	if (k)
		snprintf(kf, sizeof(kf), "%s() returned %s %s: ", qlog_get(k, "function"),
			 qlog_get(k, "ret"), v->errname);
	finding_explain(f,
			"KVM refused the PMU attribute %s (%s on vCPU %lld) with %s, and the run "
			"itself says which check: %s%s. Every cause of this errno there, the others "
			"ruled out by the run: %s.",
			v->attr ? v->attr : "(unknown)", ioctl ? ioctl : "?",
			qlog_get_int(v->t, "cpu_index", -1), v->errname, kf, why, causes);
}

bool pmu_set_attr_match(struct diag_ctx *c, size_t i)
{
	const struct qlog_event *t = &c->s->ev[i];
	return t->kind == QLOG_NO_VPMU || t->kind == QLOG_PMU_ATTR_ERROR ||
	       (t->kind == QLOG_KVM_IOCTL_EXIT && is_attr_ioctl(qlog_get(t, "ioctl")) &&
		qlog_get_int(t, "ret", 0) < 0);
}

struct pmu_incident {
	size_t i, start;
	const struct qlog_event *t;
	const struct qlog_event *msg, *step, *abrt;	/* QEMU's words after the failure */
	const struct qlog_event *fault;			/* -fault's line before it */
	const struct qlog_event *cmd;			/* the command line of the run */
	const struct qlog_event *kwhere;		/* where the host kernel is named */
	const char *kernel;
	int kv;						/* kernel_version(kernel) */
	const char *attr;
	bool x86, arm;
	const struct qlog_event *dur;			/* how long the kernel took, and how */
	double us;
	const char *how;
	const struct qlog_event *gic;			/* the GIC the board mapped */
	const char *gic_kind;
};

/* which GIC the board mapped before the failure (memory-region trace lines) */
static void gather_gic(const struct qlog_stream *s, size_t start, size_t i, struct pmu_incident *in)
{
	for (size_t j = start; j < i && !in->x86; j++) {
		const char *args = qlog_get(&s->ev[j], "args");
		if (!args || s->ev[j].kind != QLOG_TRACE)
			continue;
		if (strstr(args, "gic_cpu") && !in->gic_kind) {
			in->gic = &s->ev[j];
			in->gic_kind = "GICv2 (gic_cpu)";
		} else if (strstr(args, "gicv3_redist") || strstr(args, "gic_redist")) {
			in->gic = &s->ev[j];
			in->gic_kind = "GICv3 (redistributor)";
		}
	}
}

static void gather_failure(struct diag_ctx *c, size_t i, struct pmu_incident *in)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *t = in->t;
	size_t end = diag_run_end(c, i), start = in->start = diag_lookback(c, i);

	/* the same failure as QEMU's message right after the trace line */
	in->msg = t->kind == QLOG_PMU_ATTR_ERROR ?
			  t : diag_find(s, i + 1, i + 4 < end ? i + 4 : end, QLOG_PMU_ATTR_ERROR);
	in->step = diag_find(s, i + 1, i + 6 < end ? i + 6 : end, QLOG_PMU_STEP_FAILED);
	in->abrt = diag_find(s, i + 1, i + 8 < end ? i + 8 : end, QLOG_ABORT);
	const char *ioctl = qlog_get(t, "ioctl");
	/* the fault probe fires right before the failing call's exit probe */
	for (size_t j = i > start + 16 ? i - 16 : start; j < i; j++)
		if (s->ev[j].kind == QLOG_KVM_FAULT_INJECT && ioctl &&
		    !strcmp(qlog_get(&s->ev[j], "ioctl") ?: "", ioctl))
			in->fault = &s->ev[j];
	in->cmd = start ? diag_find_last(s, start - 1, i, QLOG_COMMAND_LINE) :
			  diag_find_last(s, 0, i, QLOG_COMMAND_LINE);
	in->kwhere = c->host;
	in->kernel = c->host ? qlog_get(c->host, "kernel") : NULL;
	in->kv = kernel_version(in->kernel);
	c->resume = (in->abrt ? diag_index(s, in->abrt) : in->step ? diag_index(s, in->step) :
			in->msg ? diag_index(s, in->msg) : i) + 1;
	in->attr = qlog_get(t, "attr");
	if (!in->attr && in->step)
		in->attr = qlog_get(in->step, "attr");
	if (!in->attr && in->msg)
		in->attr = qlog_get(in->msg, "attr");
	in->x86 = is_x86_filter(ioctl);
	const struct qlog_event *cmd = in->cmd;
	in->arm = (cmd && qlog_get(cmd, "machine") && strstr(qlog_get(cmd, "machine"), "virt")) ||
		  in->step || (cmd && strstr(qlog_get(cmd, "program") ?: "", "aarch64")) ||
		  (in->kernel && strstr(in->kernel, "aarch64"));
	in->dur = find_duration(s, i, t, &in->us, &in->how);
	gather_gic(s, start, i, in);
}

void *pmu_set_attr_gather(struct diag_ctx *c, size_t i)
{
	struct pmu_incident *in = calloc(1, sizeof(*in));
	if (in) {
		in->i = i;
		in->t = &c->s->ev[i];
		if (in->t->kind != QLOG_NO_VPMU) /* x86 without a vPMU: the line says it all */
			gather_failure(c, i, in);
	}
	return in;
}

/* the board and where PMU attributes are set, then the failing call */
static void explain_setup(const struct diag_ctx *c, struct finding *f,
			  const struct pmu_incident *in)
{
	const struct qlog_event *t = in->t, *cmd = in->cmd, *msg = in->msg;
	const char *ioctl = qlog_get(t, "ioctl"), *errname = qlog_get(t, "errname");
	char w[256];
	if (cmd) {
		diag_where(c, cmd, t, w, sizeof(w));
		finding_step(f, "command line: -cpu %s -machine %s (%s)%s",
			     qlog_get(cmd, "cpu") ? qlog_get(cmd, "cpu") : "(default)",
			     qlog_get(cmd, "machine") ? qlog_get(cmd, "machine") : "(default)", w,
			     qlog_get(cmd, "cpu") && strstr(qlog_get(cmd, "cpu"), "pmu=off") ?
				     "" : ": -cpu host has a PMU unless pmu=off");
	}
	if (in->x86)
		finding_step(f, "x86: the guest PMU's event filter is set on the VM fd before the "
				"vCPUs run (KVM_SET_PMU_EVENT_FILTER {action, nevents, events[]}); "
				"it is the x86 counterpart of arm64's PMU attributes");
	else
		finding_step(f, "per vCPU, after the vGIC exists, QEMU's virt board sets the PMU "
				"IRQ (KVM_ARM_VCPU_PMU_V3_IRQ, INTID 23) and then initialises it "
				"(KVM_ARM_VCPU_PMU_V3_INIT), each with KVM_HAS_DEVICE_ATTR then "
				"KVM_SET_DEVICE_ATTR on the vCPU fd, group KVM_ARM_VCPU_PMU_V3_CTRL");
	diag_where(c, t, t, w, sizeof(w));
	finding_step(f, "%s failed with %s (errno %lld) (%s)", ioctl ? ioctl : "the attribute ioctl",
		     errname ? errname : "?", qlog_get_int(t, "errno", 0), w);
	if (msg && msg != t) {
		diag_where(c, msg, t, w, sizeof(w));
		finding_step(f, "the VMM reported it: \"%s\" (%s)",
			     qlog_get(msg, "message") ? qlog_get(msg, "message") : msg->text, w);
	}
	if (in->step) {
		diag_where(c, in->step, t, w, sizeof(w));
		finding_step(f, "the attribute: %s (\"%s\", %s)", in->attr,
			     qlog_get(in->step, "message") ? qlog_get(in->step, "message") : "", w);
	} else if (!in->attr) {
		finding_step(f, "the attribute is not in the input (IRQ is set first, then INIT)");
	}
	if (in->gic) {
		diag_where(c, in->gic, t, w, sizeof(w));
		finding_step(f, "before it the board mapped a %s (%s): the GIC version matters for "
				"the first cause below; users fixed this failure with "
				"gic-version=/the machine type",
			     in->gic_kind, w);
		finding_evidence(f, in->gic);
		finding_fact_str(f, "gic", in->gic_kind);
	}
}

/* the kernel's side: injected or not, how long it took, which kernel */
static void explain_kernel_side(const struct diag_ctx *c, struct finding *f,
				const struct pmu_incident *in)
{
	const struct qlog_event *t = in->t, *dur = in->dur;
	char w[256];
	if (in->fault) {
		diag_where(c, in->fault, t, w, sizeof(w));
		finding_step(f, "the errno was injected by kvmscope-vmm -fault (%s): the kernel "
				"never ran this call's attribute code",
			     w);
		finding_evidence(f, in->fault);
		finding_step(f, "no kernel time: an injected failure never reaches the kernel");
		finding_fact(f, "kernel_duration_us", json_null());
	} else if (dur) {
		diag_where(c, dur, t, w, sizeof(w));
		finding_step(f, "kernel path took %.3f us (%s, %s%s)", in->us, in->how, w,
			     dur->file != t->file ? "; a separate trace, not matched by time" : "");
		finding_evidence(f, dur);
		finding_fact(f, "kernel_duration_us", json_real(in->us));
		finding_fact_str(f, "kernel_duration_source", in->how);
	} else {
		finding_step(f, "how long the kernel path took is not in the log (record with "
				"kvmscope record, or ftrace function_graph on %s)",
			     in->x86 ? "kvm_vm_ioctl_set_pmu_event_filter" : "kvm_arm_pmu_v3_set_attr");
		finding_fact(f, "kernel_duration_us", json_null());
	}
	if (!in->fault && t->kind == QLOG_KVM_IOCTL_EXIT)
		diag_kernel_function_step(f, c, in->i, qlog_get(t, "errname"));
	if (in->kernel) {
		diag_where(c, in->kwhere, t, w, sizeof(w));
		if (!in->x86)
			finding_step(f, "host kernel %s (%s): %s rules of kvm_arm_pmu_v3_set_attr apply",
				     in->kernel, w,
				     in->kv && in->kv <= 606 ? "<= 6.6" : in->kv ? "6.7+" : "6.x");
		else
			finding_step(f, "host kernel %s (%s)", in->kernel, w);
		finding_evidence(f, in->kwhere);
	}
	if (in->abrt) {
		diag_where(c, in->abrt, t, w, sizeof(w));
		finding_step(f, "QEMU treats it as fatal: error_report, then abort() (%s)", w);
	}
}

/* "(k) [PREFIX]text; " for each cause of TABLE that applies; returns how many */
static int list_causes(const struct cause *table, size_t n, const char *prefix,
		       const struct pmu_incident *in, int k, char *buf, size_t len, size_t *at,
		       json_t *jc)
{
	const char *errname = qlog_get(in->t, "errname");
	for (size_t c = 0; c < n; c++) {
		if (!cause_applies(&table[c], in->x86 ? NULL : in->attr, errname, in->kv))
			continue;
		*at += (size_t)snprintf(buf + *at, *at < len ? len - *at : 0, "(%d) %s%s; ", ++k,
					prefix, table[c].text);
		json_array_append_new(jc, json_string(table[c].text));
	}
	return k;
}

#define NCAUSES(t) (sizeof(t) / sizeof((t)[0]))

/* the known causes, most likely first, into CAUSES and JC; returns how many */
static int known_causes(const struct pmu_incident *in, char *causes, size_t len, json_t *jc)
{
	size_t n = 0;
	int k = 0;
	causes[0] = '\0';
	if (!in->fault && in->x86) {
		k = list_causes(x86_filter_causes, NCAUSES(x86_filter_causes), "", in, k, causes,
				len, &n, jc);
	} else if (!in->fault) {
		const char *ioctl = qlog_get(in->t, "ioctl");
		bool has = ioctl && !strcmp(ioctl, "KVM_HAS_DEVICE_ATTR") &&
			   in->t->kind == QLOG_KVM_IOCTL_EXIT;
		if (has)
			k = list_causes(has_attr_causes, NCAUSES(has_attr_causes), "", in, k, causes,
					len, &n, jc);
		else
			k = list_causes(kernel_causes, NCAUSES(kernel_causes), "", in, k, causes,
					len, &n, jc);
		k = list_causes(reported_causes, NCAUSES(reported_causes), "reported: ", in, k,
				causes, len, &n, jc);
	}
	if (n >= 2 && n < len)
		causes[n - 2] = '\0';
	return k;
}

static void explain_causes(const struct diag_ctx *c, struct finding *f,
			   const struct pmu_incident *in, bool no_vgic, const char *kcause, json_t *jc)
{
	const char *errname = qlog_get(in->t, "errname"), *attr = in->attr;
	char causes[4096];
	int k = known_causes(in, causes, sizeof(causes), jc);
	if (in->fault)
		finding_explain(f,
				"KVM refused a PMU setting with %s, but this failure "
				"was injected by kvmscope-vmm's -fault rule: the VMM made the "
				"ioctl fail before it reached the kernel, to show how the "
				"failure looks and is diagnosed. On real hardware the same "
				"message points at the kernel's %s checks "
				"(run without -fault to see them).",
				errname ? errname : "an error",
				in->x86 ? "kvm_vm_ioctl_set_pmu_event_filter" : "kvm_arm_pmu_v3_set_attr");
	else if (k && no_vgic)
		vgic_explain(f, c, in->i, in->t, causes);
	else if (k && kcause)
		kernel_cause_explain(f, c,
				     &(struct pmu_incident_view){ in->i, in->t, attr, errname },
				     kcause, causes);
	else if (k)
		finding_explain(f,
				"KVM refused a PMU setting (%s) with %s. In %s%s this errno "
				"means one of: %s.%s",
				attr ? attr : "attribute unknown", errname ? errname : "?",
				in->x86 ? "kvm_vm_ioctl_set_pmu_event_filter" : "kvm_arm_pmu_v3_set_attr",
				in->kernel ? " on this kernel" : "", causes,
				in->arm || in->x86 ? "" : " (These are the arm64 kernel's checks; the log "
							  "does not say which architecture ran.)");
	else
		finding_explain(f,
				"KVM refused a vCPU PMU attribute (%s) with %s; the kernel's "
				"kvm_arm_pmu_v3_set_attr has no check that returns this errno for "
				"this attribute, so look at the layer before it "
				"(kvm_arm_vcpu_arch_set_attr, the vCPU fd) or at a downstream "
				"kernel patch.",
				attr ? attr : "attribute unknown", errname ? errname : "?");
}

void pmu_set_attr_explain(struct diag_ctx *c, void *incident, struct finding *f)
{
	const struct pmu_incident *in = incident;
	const struct qlog_event *t = in->t;
	const char *ioctl = qlog_get(t, "ioctl"), *errname = qlog_get(t, "errname");
	if (t->kind == QLOG_NO_VPMU) {
		explain_x86_no_vpmu(c, in->i, f);
		return;
	}
	finding_title(f, "%s refused: %s %s -> %s%s%s",
		      in->x86 ? "PMU event filter" : "PMU attribute", ioctl ? ioctl : "?",
		      in->attr ? in->attr : "(attribute not in the log)", errname ? errname : "?",
		      in->fault ? " (injected by -fault)" : "", in->abrt ? ", QEMU aborted" : "");
	finding_evidence(f, t);
	finding_evidence(f, in->msg);
	finding_evidence(f, in->step);
	finding_evidence(f, in->abrt);
	finding_evidence(f, in->cmd);
	explain_setup(c, f, in);
	bool no_vgic = !in->fault && !in->x86 &&
		       vgic_cause(c, in->start, in->i, t, in->attr, errname, in->gic_kind, f);
	const char *kcause = !in->fault && !in->x86 && !no_vgic ?
		pmu_kernel_cause(c, in->start, in->i, in->cmd, in->attr, errname, f) : NULL;
	explain_kernel_side(c, f, in);
	json_t *jc = json_array();
	explain_causes(c, f, in, no_vgic, kcause, jc);
	finding_fact_str(f, "arch", in->x86 ? "x86_64" : in->arm ? "arm64" : NULL);
	finding_fact_str(f, "ioctl", ioctl);
	finding_fact_str(f, "attr", in->attr);
	finding_fact_str(f, "errno", errname);
	finding_fact_str(f, "kernel", in->kernel);
	finding_fact(f, "injected", json_boolean(in->fault != NULL));
	finding_fact(f, "causes", jc);
}
