/* Rule kvm-ioctl-error: any other KVM ioctl that failed (the PMU attribute
 * ioctls are pmu-set-attr's): which ioctl, which errno, how long it took when
 * a capture says, whether -fault injected it, and whether the VMM died of it.
 * Seed 003's pmu=off run ("kvm_set_irq: No such device or address") is one. */
#include <stdio.h>
#include <string.h>

#include "findings.h"

/* KVM_RUN is interrupted on purpose (signals, immediate_exit) */
static bool benign(const char *ioctl, const char *errname)
{
	return ioctl && !strcmp(ioctl, "KVM_RUN") && errname &&
	       (!strcmp(errname, "EINTR") || !strcmp(errname, "EAGAIN"));
}

static bool is_attr_ioctl(const char *name)
{
	return name && (!strcmp(name, "KVM_SET_DEVICE_ATTR") || !strcmp(name, "KVM_HAS_DEVICE_ATTR") ||
			!strcmp(name, "KVM_SET_PMU_EVENT_FILTER"));
}

/* QEMU's kvm_* helpers and the ioctl behind each */
static const char *ioctl_of_function(const char *fn)
{
	static const struct {
		const char *fn, *ioctl;
	} map[] = {
		{ "kvm_set_irq", "KVM_IRQ_LINE (or KVM_IRQ_LINE_STATUS)" },
		{ "kvm_init_vcpu", "KVM_CREATE_VCPU" },
		{ "kvm_arch_put_registers", "KVM_SET_REGS / KVM_SET_ONE_REG" },
		{ "kvm_arch_get_registers", "KVM_GET_REGS / KVM_GET_ONE_REG" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].fn, fn))
			return map[i].ioctl;
	return NULL;
}

static void run(const struct qlog_stream *s, struct finding_list *out)
{
	size_t consumed = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *t = &s->ev[i];
		const char *ioctl = qlog_get(t, "ioctl"), *errname = qlog_get(t, "errname");
		const char *fn = t->kind == QLOG_PERROR ? qlog_get(t, "function") : NULL;
		if (i < consumed)
			continue;
		if (t->kind == QLOG_KVM_IOCTL_EXIT) {
			if (qlog_get_int(t, "ret", 0) >= 0 || is_attr_ioctl(ioctl) || benign(ioctl, errname))
				continue;
		} else if (!(fn && !strncmp(fn, "kvm_", 4))) {
			continue;
		}
		size_t start = diag_lookback(s, i), end = diag_run_end(s, i);
		/* a failure that leads to a PMU verdict is pmu-set-attr's */
		bool pmu = false;
		for (size_t j = i + 1; j < end && j < i + 5; j++)
			pmu |= s->ev[j].kind == QLOG_NO_VPMU || s->ev[j].kind == QLOG_PMU_ATTR_ERROR;
		if (pmu)
			continue;
		const struct qlog_event *abrt = diag_find(s, i + 1, i + 6 < end ? i + 6 : end, QLOG_ABORT);
		const struct qlog_event *fault = NULL, *sys = NULL;
		/* the fault probe fires right before the failing call's exit probe */
		for (size_t j = i > start + 16 ? i - 16 : start; j < i; j++)
			if (s->ev[j].kind == QLOG_KVM_FAULT_INJECT && ioctl &&
			    !strcmp(qlog_get(&s->ev[j], "ioctl") ?: "", ioctl))
				fault = &s->ev[j];
		for (size_t j = i; j-- > start && i - j < 64;)
			if (s->ev[j].kind == QLOG_SYSCALL && s->ev[j].tid == t->tid && t->tid >= 0) {
				sys = &s->ev[j];
				break;
			}
		/* the message the VMM printed about it, if any */
		const struct qlog_event *msg = NULL;
		for (size_t j = i + 1; j < end && j < i + 4; j++)
			if (s->ev[j].kind == QLOG_MESSAGE || s->ev[j].kind == QLOG_PERROR)
				msg = &s->ev[j];
		consumed = (abrt ? diag_index(s, abrt) : i) + 1;
		/* a fault that the VMM survived without a word is a test, not an incident */
		char w[256];
		struct finding *f = finding_new(out, "kvm-ioctl-error");
		const char *what = ioctl ? ioctl : fn;
		finding_title(f, "KVM ioctl failed: %s -> %s%s%s", what, errname ? errname : "?",
			      fault ? " (injected by -fault)" : "", abrt ? ", the VMM aborted" : "");
		finding_evidence(f, t);
		finding_evidence(f, msg);
		finding_evidence(f, abrt);
		diag_where(t, t, w, sizeof(w));
		if (fn) {
			const char *behind = ioctl_of_function(fn);
			finding_step(f, "%s() reported %s (perror) (%s)%s%s", fn, errname ? errname : "?", w,
				     behind ? "; the ioctl behind it: " : "", behind ? behind : "");
		} else {
			finding_step(f, "%s on the %s fd%s%s returned %s, errno %s (%s)", ioctl,
				     qlog_get(t, "fd_kind") ? qlog_get(t, "fd_kind") : "?",
				     qlog_get_int(t, "cpu_index", -1) >= 0 ? " of vCPU " : "",
				     qlog_get_int(t, "cpu_index", -1) >= 0 ? qlog_get(t, "cpu_index") : "",
				     qlog_get(t, "ret"), errname ? errname : "?", w);
		}
		if (fault) {
			diag_where(fault, t, w, sizeof(w));
			finding_step(f, "injected by kvmscope-vmm -fault (%s)", w);
			finding_evidence(f, fault);
		}
		if (sys) {
			diag_where(sys, t, w, sizeof(w));
			finding_step(f, "the syscall took %.3f us (%s)",
				     (double)qlog_get_int(sys, "duration_ns", 0) / 1e3, w);
			finding_evidence(f, sys);
			finding_fact(f, "kernel_duration_us",
				     json_real((double)qlog_get_int(sys, "duration_ns", 0) / 1e3));
		} else {
			finding_step(f, "how long the kernel took is not in the input");
		}
		if (!fault && t->kind == QLOG_KVM_IOCTL_EXIT)
			diag_kernel_function_step(f, s, i, errname);
		if (msg) {
			diag_where(msg, t, w, sizeof(w));
			finding_step(f, "the VMM reported: %s (%s)", msg->text, w);
		}
		if (abrt)
			finding_step(f, "and aborted");
		finding_explain(f,
				"A KVM ioctl failed%s. The errno comes from the kernel's handler of "
				"%s; kvmscope has no table of causes for this one, so look at that "
				"handler for the checks that return %s%s.",
				fault ? " because -fault told the VMM to fail it" : "", what,
				errname ? errname : "this errno",
				fn && !strcmp(fn, "kvm_set_irq") ?
					" (in seed 003 the same host failed on PMU registers "
					"(PMINTENCLR_EL1) with pmu=off: the new kernel's PMU emulation is "
					"the suspect in both runs)" : "");
		finding_fact_str(f, "ioctl", ioctl);
		finding_fact_str(f, "function", fn);
		finding_fact_str(f, "errno", errname);
		finding_fact(f, "injected", json_boolean(fault != NULL));
		finding_fact(f, "aborted", json_boolean(abrt != NULL));
	}
}

const struct diag_rule rule_kvm_ioctl_error = {
	.name = "kvm-ioctl-error",
	.summary = "another KVM ioctl failed: which, errno, duration, injected or not",
	.run = run,
};
