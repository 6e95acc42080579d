/* Rule pmu-set-attr: a vCPU PMU attribute that KVM refused (seed 003, spec
 * §9), and the x86 form of the same question (-cpu host,pmu=on on a host
 * without a vPMU, spec §10). It names the attribute, the errno, how long the
 * kernel path took when a capture or function_graph trace says, and the
 * known causes of that errno on kvm_arm_pmu_v3_set_attr for that kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/findings.h"

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

static const char *host_kernel(const struct qlog_stream *s, const struct qlog_event **where)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		if ((e->kind == QLOG_LIBVIRT_START || e->kind == QLOG_HOST) && qlog_get(e, "kernel")) {
			*where = e;
			return qlog_get(e, "kernel");
		}
	}
	*where = NULL;
	return NULL;
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

static void x86_no_vpmu(const struct qlog_stream *s, size_t i, struct finding_list *out)
{
	const struct qlog_event *t = &s->ev[i];
	struct finding *f = finding_new(out, "pmu-set-attr");
	char w[256];

	diag_where(t, NULL, w, sizeof(w));
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
			diag_where(e, t, we, sizeof(we));
			finding_step(f, "KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY) on the VM fd failed with %s (%s)",
				     qlog_get(e, "errname") ? qlog_get(e, "errname") : "?", we);
			finding_evidence(f, e);
			const struct qlog_event *d = find_duration(s, j, e, &us, &how);
			if (d) {
				diag_where(d, t, we, sizeof(we));
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
	if (!json_object_get(f->facts, "errno"))
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
static void vgic_kernel_function(const struct qlog_stream *s, const struct qlog_event *create,
				 const struct qlog_event *t, struct finding *f)
{
	const char *errname = qlog_get(create, "errname");
	const struct qlog_event *k = diag_kernel_function(s, diag_index(s, create), errname);
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
	diag_where(k, t, w, sizeof(w));
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
static bool vgic_cause(const struct qlog_stream *s, size_t start, size_t i,
		       const struct qlog_event *t, const char *attr, const char *errname,
		       const char *gic_kind, struct finding *f)
{
	const struct qlog_event *create = NULL;
	bool refused = false;
	char w[256];

	if (!attr || strcmp(attr, "KVM_ARM_VCPU_PMU_V3_IRQ") || !errname || strcmp(errname, "EINVAL"))
		return false;
	for (size_t j = start; j < i; j++) {
		const struct qlog_event *e = &s->ev[j];
		if (e->kind == QLOG_KVM_IOCTL_EXIT && qlog_get_int(e, "ret", 0) < 0 &&
		    !strcmp(qlog_get(e, "ioctl") ?: "", "KVM_CREATE_DEVICE") &&
		    is_no_device(qlog_get(e, "errname")))
			create = e;
	}
	if (create) {
		diag_where(create, t, w, sizeof(w));
		finding_step(f, "before it the kernel refused the vGIC: KVM_CREATE_DEVICE failed with %s "
				"(%s) and the board went on without one, as QEMU <= 5.0's virt did "
				"with a GICv2 the host cannot emulate; so kvm_arm_pmu_v3_set_attr "
				"found no in-kernel irqchip (the first cause below)",
			     qlog_get(create, "errname"), w);
		finding_evidence(f, create);
		finding_fact_str(f, "vgic", "refused by the kernel");
		vgic_kernel_function(s, create, t, f);
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
static void vgic_explain(struct finding *f, const struct qlog_stream *s, size_t i,
			 const struct qlog_event *t, const char *causes)
{
	const struct qlog_event *k = t->kind == QLOG_KVM_IOCTL_EXIT ?
					     diag_kernel_function(s, i, "EINVAL") : NULL;
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

static void run(const struct qlog_stream *s, struct finding_list *out)
{
	size_t consumed = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *t = &s->ev[i];
		if (i < consumed)
			continue;
		if (t->kind == QLOG_NO_VPMU) {
			x86_no_vpmu(s, i, out);
			continue;
		}
		bool ioctl_fail = t->kind == QLOG_KVM_IOCTL_EXIT && is_attr_ioctl(qlog_get(t, "ioctl")) &&
				  qlog_get_int(t, "ret", 0) < 0;
		if (t->kind != QLOG_PMU_ATTR_ERROR && !ioctl_fail)
			continue;
		size_t end = diag_run_end(s, i), start = diag_lookback(s, i);

		/* the same failure as QEMU's message right after the trace line */
		const struct qlog_event *msg = t->kind == QLOG_PMU_ATTR_ERROR ? t :
					       diag_find(s, i + 1, i + 4 < end ? i + 4 : end,
							 QLOG_PMU_ATTR_ERROR);
		const struct qlog_event *step = diag_find(s, i + 1, i + 6 < end ? i + 6 : end,
							  QLOG_PMU_STEP_FAILED);
		const struct qlog_event *abrt = diag_find(s, i + 1, i + 8 < end ? i + 8 : end, QLOG_ABORT);
		const struct qlog_event *fault = NULL;
		const char *ioctl = qlog_get(t, "ioctl");
		/* the fault probe fires right before the failing call's exit probe */
		for (size_t j = i > start + 16 ? i - 16 : start; j < i; j++)
			if (s->ev[j].kind == QLOG_KVM_FAULT_INJECT && ioctl &&
			    !strcmp(qlog_get(&s->ev[j], "ioctl") ?: "", ioctl))
				fault = &s->ev[j];
		const struct qlog_event *cmd = start ? diag_find_last(s, start - 1, i, QLOG_COMMAND_LINE) :
					       diag_find_last(s, 0, i, QLOG_COMMAND_LINE);
		const struct qlog_event *kwhere;
		const char *kernel = host_kernel(s, &kwhere);
		int kv = kernel_version(kernel);
		consumed = (abrt ? diag_index(s, abrt) : step ? diag_index(s, step) :
				   msg ? diag_index(s, msg) : i) + 1;

		const char *errname = qlog_get(t, "errname");
		long long err = qlog_get_int(t, "errno", 0);
		const char *attr = qlog_get(t, "attr");
		if (!attr && step)
			attr = qlog_get(step, "attr");
		if (!attr && msg)
			attr = qlog_get(msg, "attr");
		bool x86 = is_x86_filter(ioctl);
		bool arm = (cmd && qlog_get(cmd, "machine") && strstr(qlog_get(cmd, "machine"), "virt")) ||
			   step || (cmd && strstr(qlog_get(cmd, "program") ?: "", "aarch64")) ||
			   (kernel && strstr(kernel, "aarch64"));
		char w[256];
		double us = 0;
		const char *how = NULL;
		const struct qlog_event *dur = find_duration(s, i, t, &us, &how);

		struct finding *f = finding_new(out, "pmu-set-attr");
		finding_title(f, "%s refused: %s %s -> %s%s%s",
			      x86 ? "PMU event filter" : "PMU attribute", ioctl ? ioctl : "?",
			      attr ? attr : "(attribute not in the log)", errname ? errname : "?",
			      fault ? " (injected by -fault)" : "", abrt ? ", QEMU aborted" : "");
		finding_evidence(f, t);
		finding_evidence(f, msg);
		finding_evidence(f, step);
		finding_evidence(f, abrt);
		finding_evidence(f, cmd);

		if (cmd) {
			diag_where(cmd, t, w, sizeof(w));
			finding_step(f, "command line: -cpu %s -machine %s (%s)%s",
				     qlog_get(cmd, "cpu") ? qlog_get(cmd, "cpu") : "(default)",
				     qlog_get(cmd, "machine") ? qlog_get(cmd, "machine") : "(default)", w,
				     qlog_get(cmd, "cpu") && strstr(qlog_get(cmd, "cpu"), "pmu=off") ?
					     "" : ": -cpu host has a PMU unless pmu=off");
		}
		if (x86)
			finding_step(f, "x86: the guest PMU's event filter is set on the VM fd before the "
					"vCPUs run (KVM_SET_PMU_EVENT_FILTER {action, nevents, events[]}); "
					"it is the x86 counterpart of arm64's PMU attributes");
		else
			finding_step(f, "per vCPU, after the vGIC exists, QEMU's virt board sets the PMU "
					"IRQ (KVM_ARM_VCPU_PMU_V3_IRQ, INTID 23) and then initialises it "
					"(KVM_ARM_VCPU_PMU_V3_INIT), each with KVM_HAS_DEVICE_ATTR then "
					"KVM_SET_DEVICE_ATTR on the vCPU fd, group KVM_ARM_VCPU_PMU_V3_CTRL");
		diag_where(t, t, w, sizeof(w));
		finding_step(f, "%s failed with %s (errno %lld) (%s)", ioctl ? ioctl : "the attribute ioctl",
			     errname ? errname : "?", err, w);
		if (msg && msg != t) {
			diag_where(msg, t, w, sizeof(w));
			finding_step(f, "the VMM reported it: \"%s\" (%s)",
				     qlog_get(msg, "message") ? qlog_get(msg, "message") : msg->text, w);
		}
		if (step) {
			diag_where(step, t, w, sizeof(w));
			finding_step(f, "the attribute: %s (\"%s\", %s)", attr,
				     qlog_get(step, "message") ? qlog_get(step, "message") : "", w);
		} else if (!attr) {
			finding_step(f, "the attribute is not in the input (IRQ is set first, then INIT)");
		}
		/* which GIC the board mapped before the failure (memory-region trace lines) */
		const struct qlog_event *gic = NULL;
		const char *gic_kind = NULL;
		for (size_t j = start; j < i && !x86; j++) {
			const char *args = qlog_get(&s->ev[j], "args");
			if (!args || s->ev[j].kind != QLOG_TRACE)
				continue;
			if (strstr(args, "gic_cpu") && !gic_kind) {
				gic = &s->ev[j];
				gic_kind = "GICv2 (gic_cpu)";
			} else if (strstr(args, "gicv3_redist") || strstr(args, "gic_redist")) {
				gic = &s->ev[j];
				gic_kind = "GICv3 (redistributor)";
			}
		}
		if (gic) {
			diag_where(gic, t, w, sizeof(w));
			finding_step(f, "before it the board mapped a %s (%s): the GIC version matters for "
					"the first cause below; users fixed this failure with "
					"gic-version=/the machine type",
				     gic_kind, w);
			finding_evidence(f, gic);
			finding_fact_str(f, "gic", gic_kind);
		}
		bool no_vgic = !fault && !x86 && vgic_cause(s, start, i, t, attr, errname, gic_kind, f);
		if (fault) {
			diag_where(fault, t, w, sizeof(w));
			finding_step(f, "the errno was injected by kvmscope-vmm -fault (%s): the kernel "
					"never ran this call's attribute code",
				     w);
			finding_evidence(f, fault);
		}
		if (fault) {
			finding_step(f, "no kernel time: an injected failure never reaches the kernel");
			finding_fact(f, "kernel_duration_us", json_null());
		} else if (dur) {
			diag_where(dur, t, w, sizeof(w));
			finding_step(f, "kernel path took %.3f us (%s, %s%s)", us, how, w,
				     dur->file != t->file ? "; a separate trace, not matched by time" :
							    "");
			finding_evidence(f, dur);
			finding_fact(f, "kernel_duration_us", json_real(us));
			finding_fact_str(f, "kernel_duration_source", how);
		} else {
			finding_step(f, "how long the kernel path took is not in the log (record with "
					"kvmscope record, or ftrace function_graph on %s)",
				     x86 ? "kvm_vm_ioctl_set_pmu_event_filter" : "kvm_arm_pmu_v3_set_attr");
			finding_fact(f, "kernel_duration_us", json_null());
		}
		if (!fault && t->kind == QLOG_KVM_IOCTL_EXIT)
			diag_kernel_function_step(f, s, i, errname);
		if (kernel && !x86) {
			diag_where(kwhere, t, w, sizeof(w));
			finding_step(f, "host kernel %s (%s): %s rules of kvm_arm_pmu_v3_set_attr apply",
				     kernel, w, kv && kv <= 606 ? "<= 6.6" : kv ? "6.7+" : "6.x");
			finding_evidence(f, kwhere);
		} else if (kernel) {
			diag_where(kwhere, t, w, sizeof(w));
			finding_step(f, "host kernel %s (%s)", kernel, w);
			finding_evidence(f, kwhere);
		}
		if (abrt) {
			diag_where(abrt, t, w, sizeof(w));
			finding_step(f, "QEMU treats it as fatal: error_report, then abort() (%s)", w);
		}

		/* the known causes */
		char causes[4096];
		size_t n = 0;
		json_t *jc = json_array();
		int k = 0;
		causes[0] = '\0';
		if (!fault && x86) {
			for (size_t c = 0; c < sizeof(x86_filter_causes) / sizeof(x86_filter_causes[0]); c++) {
				if (!cause_applies(&x86_filter_causes[c], NULL, errname, kv))
					continue;
				n += (size_t)snprintf(causes + n, n < sizeof(causes) ? sizeof(causes) - n : 0,
						      "(%d) %s; ", ++k, x86_filter_causes[c].text);
				json_array_append_new(jc, json_string(x86_filter_causes[c].text));
			}
		} else if (!fault) {
			for (size_t c = 0; c < sizeof(kernel_causes) / sizeof(kernel_causes[0]); c++) {
				if (!cause_applies(&kernel_causes[c], attr, errname, kv))
					continue;
				n += (size_t)snprintf(causes + n, n < sizeof(causes) ? sizeof(causes) - n : 0,
						      "(%d) %s; ", ++k, kernel_causes[c].text);
				json_array_append_new(jc, json_string(kernel_causes[c].text));
			}
			for (size_t c = 0; c < sizeof(reported_causes) / sizeof(reported_causes[0]); c++) {
				if (!cause_applies(&reported_causes[c], attr, errname, kv))
					continue;
				n += (size_t)snprintf(causes + n, n < sizeof(causes) ? sizeof(causes) - n : 0,
						      "(%d) reported: %s; ", ++k, reported_causes[c].text);
				json_array_append_new(jc, json_string(reported_causes[c].text));
			}
		}
		if (n >= 2 && n < sizeof(causes))
			causes[n - 2] = '\0';
		if (fault)
			finding_explain(f,
					"KVM refused a PMU setting with %s, but this failure "
					"was injected by kvmscope-vmm's -fault rule: the VMM made the "
					"ioctl fail before it reached the kernel, to show how the "
					"failure looks and is diagnosed. On real hardware the same "
					"message points at the kernel's %s checks "
					"(run without -fault to see them).",
					errname ? errname : "an error",
					x86 ? "kvm_vm_ioctl_set_pmu_event_filter" : "kvm_arm_pmu_v3_set_attr");
		else if (k && no_vgic)
			vgic_explain(f, s, i, t, causes);
		else if (k)
			finding_explain(f,
					"KVM refused a PMU setting (%s) with %s. In %s%s this errno "
					"means one of: %s.%s",
					attr ? attr : "attribute unknown", errname ? errname : "?",
					x86 ? "kvm_vm_ioctl_set_pmu_event_filter" : "kvm_arm_pmu_v3_set_attr",
					kernel ? " on this kernel" : "", causes,
					arm || x86 ? "" : " (These are the arm64 kernel's checks; the log "
							  "does not say which architecture ran.)");
		else
			finding_explain(f,
					"KVM refused a vCPU PMU attribute (%s) with %s; the kernel's "
					"kvm_arm_pmu_v3_set_attr has no check that returns this errno for "
					"this attribute, so look at the layer before it "
					"(kvm_arm_vcpu_arch_set_attr, the vCPU fd) or at a downstream "
					"kernel patch.",
					attr ? attr : "attribute unknown", errname ? errname : "?");
		finding_fact_str(f, "arch", x86 ? "x86_64" : arm ? "arm64" : NULL);
		finding_fact_str(f, "ioctl", ioctl);
		finding_fact_str(f, "attr", attr);
		finding_fact_str(f, "errno", errname);
		finding_fact_str(f, "kernel", kernel);
		finding_fact(f, "injected", json_boolean(fault != NULL));
		finding_fact(f, "causes", jc);
	}
}

const struct diag_rule rule_pmu_set_attr = {
	.name = "pmu-set-attr",
	.summary = "a vCPU PMU attribute refused by KVM (or no vPMU on x86): attribute, errno, "
		   "kernel time and known causes",
	.run = run,
};
