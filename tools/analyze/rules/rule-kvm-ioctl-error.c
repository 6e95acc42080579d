/* Rule kvm-ioctl-error: any other KVM ioctl that failed (the PMU attribute
 * ioctls are pmu-set-attr's): which ioctl, which errno, how long it took when
 * a capture says, whether -fault injected it, and whether the VMM died of it.
 * Seed 003's pmu=off run ("kvm_set_irq: No such device or address") is one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/benign-errno.h"
#include "analyze/diag-rule.h"
#include "analyze/kvm-ioctl-causes.h"

static bool is_attr_ioctl(const char *name)
{
	return name && (!strcmp(name, "KVM_SET_DEVICE_ATTR") || !strcmp(name, "KVM_HAS_DEVICE_ATTR") ||
			!strcmp(name, "KVM_SET_PMU_EVENT_FILTER"));
}

/* QEMU's kvm_* helpers and the ioctl behind each (kvm-ioctl-causes.c) */
static const char *ioctl_of_function(const char *fn)
{
	return ioctl_of_helper(fn, NULL);
}

/* ---- QEMU's own words (QLOG_KVM_ERROR): what failed, ranked causes ---- */

/* "1) ...; 2) ..." of C's causes into BUF at *N, prefixed by LABEL */
static void append_causes(char *buf, size_t len, size_t *n, const struct ioctl_causes *c,
			  const char *label)
{
	for (size_t k = 0; k < 4 && c->causes[k]; k++) {
		int w = snprintf(buf + *n, *n < len ? len - *n : 0, "%s%s%zu) %s", *n ? "; " : "",
				 k == 0 && label ? label : "", k + 1, c->causes[k]);
		if (w > 0)
			*n += (size_t)w;
	}
}

/* the ranked causes for the failure, per architecture when it is not known */
static void explain_causes(struct finding *f, const struct qlog_event *t, const char *what,
			       const char *key, const char *arch, const char *errname)
{
	const char *ioctl = qlog_get(t, "ioctl"), *fn = qlog_get(t, "function");
	char causes[3072] = "", tell[1024] = "";
	size_t n = 0;
	const struct ioctl_causes *c = ioctl_causes_find(key, errname, arch);
	if (!c && fn)
		c = ioctl_causes_find(fn, errname, arch);
	if (c) {
		append_causes(causes, sizeof(causes), &n, c, NULL);
		snprintf(tell, sizeof(tell), "%s", c->tell_apart);
	} else if (!ioctl && fn && !arch) {
		/* the helper's ioctl differs per architecture: each one's causes */
		static const char *const arches[] = { "arm64", "x86", "riscv" };
		size_t tl = 0;
		for (size_t k = 0; k < 3; k++) {
			const char *io = ioctl_of_helper(fn, arches[k]);
			const struct ioctl_causes *ac = io ? ioctl_causes_find(io, errname, arches[k]) : NULL;
			if (!ac)
				continue;
			char label[96];
			snprintf(label, sizeof(label), "on %s (%s): ", arches[k], io);
			append_causes(causes, sizeof(causes), &n, ac, label);
			int w = snprintf(tell + tl, tl < sizeof(tell) ? sizeof(tell) - tl : 0, "%s%s: %s",
					 tl ? "; " : "", arches[k], ac->tell_apart);
			if (w > 0)
				tl += (size_t)w;
		}
	}
	if (!n) {
		finding_explain(f, "QEMU reported that %s failed%s%s. The errno comes from the "
				   "kernel's handler of %s; kvmscope has no table of causes for this "
				   "one, so look at that handler for the checks that return it. "
				   "kvmscope record -- <the QEMU command> records the call with its "
				   "arguments and errno.",
				what, errname ? " with " : "", errname ? errname : "", what);
		return;
	}
	finding_explain(f, "QEMU reported that %s failed%s%s%s. What makes it fail that way, most "
			   "likely first: %s. To tell them apart: %s.",
			what, errname ? " with " : "", errname ? errname : "",
			arch ? "" : " (the input does not say which architecture)", causes, tell);
	finding_fact_str(f, "arch", arch);
}

/* the host kernel's lines about KVM in [FROM, TO): evidence beside QEMU's */
static void kernel_context(const struct diag_ctx *c, struct finding *f, size_t from, size_t to,
			   const struct qlog_event *ref)
{
	const struct qlog_stream *s = c->s;
	int shown = 0;
	for (size_t j = from; j < to && shown < 3; j++) {
		const struct qlog_event *e = &s->ev[j];
		const char *sub = qlog_get(e, "subsystem"), *ev = qlog_get(e, "event");
		const char *m = qlog_get(e, "message") ?: "";
		bool failing = strstr(m, "fail") || strstr(m, "error") || strstr(m, "nhandled") ||
			       strstr(m, "refus") || strstr(m, "nvalid") || strstr(m, "WARN");
		if (e->kind != QLOG_KERNEL || !failing ||
		    !((sub && !strncmp(sub, "kvm", 3)) || (ev && strcmp(ev, "panic") && strcmp(ev, "reboot"))))
			continue;
		char w[256];
		diag_where(c, e, ref, w, sizeof(w));
		finding_step(f, "the host kernel log in the input: %s (%s)", qlog_get(e, "message"), w);
		finding_evidence(f, e);
		shown++;
	}
}

static bool same_failure(const struct qlog_event *a, const struct qlog_event *b)
{
	const char *ka[] = { qlog_get(a, "ioctl"), qlog_get(a, "function"), qlog_get(a, "errname") };
	const char *kb[] = { qlog_get(b, "ioctl"), qlog_get(b, "function"), qlog_get(b, "errname") };
	if (b->kind != QLOG_KVM_ERROR)
		return false;
	if (ka[0] && kb[0] && !strcmp(ka[0], kb[0]))
		return !ka[2] || !kb[2] || !strcmp(ka[2], kb[2]);
	for (int k = 0; k < 3; k++)
		if ((ka[k] == NULL) != (kb[k] == NULL) || (ka[k] && strcmp(ka[k], kb[k])))
			return false;
	return true;
}

/* one incident of either kind: QEMU's own words about a failed KVM call
 * (QLOG_KVM_ERROR), or a failed ioctl in a trace or capture */
struct ioctl_incident {
	size_t i;
	const struct qlog_event *t;
	size_t start, end;			/* the VMM run */
	const struct qlog_event *abrt;		/* the VMM aborted */
	/* QEMU's words */
	const struct qlog_event *init, *dump;	/* KVM init failed; the register dump */
	const struct qlog_event **repeats;	/* the same failure again in the run */
	size_t nrepeats;
	/* a traced ioctl */
	const struct qlog_event *fault, *sys, *msg; /* -fault's line; the syscall; the VMM's words */
	const char *fn;				/* the perror()ing helper, if that was the line */
};

/* QEMU's message at I, and its repeats in the run (taken: no finding of
 * their own) */
static void gather_qemu_words(struct diag_ctx *c, size_t i, struct ioctl_incident *in)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *t = in->t;
	const char *ioctl = qlog_get(t, "ioctl");
	for (size_t j = i + 1; j < in->end && j < i + 48; j++) {
		const struct qlog_event *e = &s->ev[j];
		if (e->kind == QLOG_ABORT && !in->abrt)
			in->abrt = e;
		else if (e->kind == QLOG_KVM_INIT_FAILED && !in->init)
			in->init = e;
		else if (e->kind == QLOG_REGISTER_DUMP && qlog_has(e, "ip") && !in->dump)
			in->dump = e;
	}
	for (size_t j = in->start; j < i; j++)
		if (s->ev[j].kind == QLOG_ABORT && qlog_has(&s->ev[j], "error_abort") && i - j < 3)
			in->abrt = &s->ev[j];
	/* the same failure again in this run (other vCPUs, the same error twice) */
	for (size_t j = i + 1; j < in->end; j++) {
		if (!same_failure(t, &s->ev[j]) &&
		    !(ioctl && s->ev[j].kind == QLOG_KVM_ERROR &&
		      !strcmp(qlog_get(&s->ev[j], "ioctl") ?: "", ioctl)))
			continue;
		c->used[j] = true;
		const struct qlog_event **r =
			realloc(in->repeats, (in->nrepeats + 1) * sizeof(*r));
		if (!r)
			continue;
		in->repeats = r;
		r[in->nrepeats++] = &s->ev[j];
	}
}

static void explain_qemu_words(const struct diag_ctx *c, struct finding *f,
			       const struct ioctl_incident *in)
{
	const struct qlog_event *t = in->t;
	const char *ioctl = qlog_get(t, "ioctl"), *fn = qlog_get(t, "function");
	const char *errname = qlog_get(t, "errname"), *arch = vmm_arch(c->s, in->start, in->end);
	const char *helper = ioctl ? NULL : ioctl_of_helper(fn, arch);
	char what[512], w[256];
	if (ioctl)
		snprintf(what, sizeof(what), "%s", ioctl);
	else if (helper && strcmp(helper, fn))
		snprintf(what, sizeof(what), "%s (%s)", fn, helper);
	else
		snprintf(what, sizeof(what), "%s", fn ? fn : "a KVM ioctl");
	bool assertion = qlog_has(t, "assertion");
	finding_title(f, "KVM ioctl failed: %s -> %s%s", what,
		      errname ? errname : assertion ? "fewer MSRs set than asked" : "error",
		      in->abrt ? ", the VMM aborted" : "");
	finding_evidence(f, t);
	diag_where(c, t, t, w, sizeof(w));
	finding_step(f, "QEMU said: %s (%s)", qlog_get(t, "message") ? qlog_get(t, "message") : t->text,
		     w);
	if (!ioctl && helper)
		finding_step(f, "%s() is QEMU's helper around %s", fn, helper);
	if (qlog_has(t, "attr_group"))
		finding_step(f, "device attribute group %s, attribute %s", qlog_get(t, "attr_group"),
			     qlog_get(t, "attr") ? qlog_get(t, "attr") : "?");
	if (qlog_has(t, "msr"))
		finding_step(f, "the MSR KVM refused: %s", qlog_get(t, "msr"));
	for (size_t k = 0; k < in->nrepeats; k++)
		finding_evidence(f, in->repeats[k]);
	if (in->nrepeats)
		finding_step(f, "the same failure %zu more time%s in this run", in->nrepeats,
			     in->nrepeats > 1 ? "s" : "");
	if (in->dump) {
		diag_where(c, in->dump, t, w, sizeof(w));
		finding_step(f, "QEMU dumped the vCPU's registers: instruction pointer %s (%s)",
			     qlog_get(in->dump, "ip"), w);
		finding_evidence(f, in->dump);
	}
	if (in->init) {
		diag_where(c, in->init, t, w, sizeof(w));
		finding_step(f, "so KVM could not be initialised and QEMU exited (%s)", w);
		finding_evidence(f, in->init);
	}
	if (in->abrt) {
		finding_step(f, "and QEMU aborted");
		finding_evidence(f, in->abrt);
	}
	kernel_context(c, f, in->start, in->end, t);
	explain_causes(f, t, what, ioctl ? ioctl : helper, arch, errname);
	finding_fact_str(f, "ioctl", ioctl ? ioctl : helper);
	finding_fact_str(f, "function", fn);
	finding_fact_str(f, "errno", errname);
	finding_fact(f, "injected", json_false());
	finding_fact(f, "aborted", json_boolean(in->abrt != NULL));
}

/* a failed ioctl of a capture or trace whose errno the table knows: its
 * causes, most likely first, and what tells them apart */
static bool explain_from_table(struct finding *f, const char *ioctl, const char *errname,
			       const char *arch)
{
	const struct ioctl_causes *c = ioctl ? ioctl_causes_find(ioctl, errname, arch) : NULL;
	char causes[3072] = "";
	size_t n = 0;

	if (!c || !errname)
		return false;
	append_causes(causes, sizeof(causes), &n, c, NULL);
	finding_explain(f, "%s failed with %s. What makes it fail that way, most likely first: %s. "
			   "To tell them apart: %s.",
			ioctl, errname, causes, c->tell_apart);
	return true;
}

/* A VMM asks whether the kernel has a device by creating it with
 * KVM_CREATE_DEVICE_TEST (QEMU's kvm_device_supported: the GIC versions, the
 * ITS); ENODEV/ENOTSUP is the answer "no", and the trace does not show the
 * flag. It was such a probe when a later KVM_CREATE_DEVICE of the same run
 * succeeded: the VMM went on with a device the kernel has. */
static bool device_probe_answered(const struct qlog_stream *s, size_t i, size_t end,
				  const char *ioctl, const char *errname)
{
	if (!ioctl || strcmp(ioctl, "KVM_CREATE_DEVICE") || !errname ||
	    (strcmp(errname, "ENODEV") && strcmp(errname, "ENOTSUP") && strcmp(errname, "EOPNOTSUPP")))
		return false;
	for (size_t j = i + 1; j < end; j++)
		if (s->ev[j].kind == QLOG_KVM_IOCTL_EXIT &&
		    !strcmp(qlog_get(&s->ev[j], "ioctl") ?: "", "KVM_CREATE_DEVICE") &&
		    qlog_get_int(&s->ev[j], "ret", -1) >= 0)
			return true;
	return false;
}

bool kvm_ioctl_error_match(struct diag_ctx *c, size_t i)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *t = &s->ev[i];
	const char *ioctl = qlog_get(t, "ioctl"), *errname = qlog_get(t, "errname");
	const char *fn = t->kind == QLOG_PERROR ? qlog_get(t, "function") : NULL;
	if (t->kind == QLOG_KVM_ERROR)
		return !benign_errno(ioctl, errname) && c->used;
	if (t->kind == QLOG_KVM_IOCTL_EXIT) {
		if (qlog_get_int(t, "ret", 0) >= 0 || is_attr_ioctl(ioctl) ||
		    benign_errno(ioctl, errname))
			return false;
	} else if (!(fn && !strncmp(fn, "kvm_", 4))) {
		return false;
	}
	size_t end = diag_run_end(c, i);
	if (device_probe_answered(s, i, end, ioctl, errname))
		return false;
	/* a failure that leads to a PMU verdict is pmu-set-attr's */
	for (size_t j = i + 1; j < end && j < i + 5; j++)
		if (s->ev[j].kind == QLOG_NO_VPMU || s->ev[j].kind == QLOG_PMU_ATTR_ERROR)
			return false;
	return true;
}

/* the failed ioctl at I: -fault's line before it, its syscall, the VMM's words */
static void gather_traced(struct diag_ctx *c, size_t i, struct ioctl_incident *in)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *t = in->t;
	const char *ioctl = qlog_get(t, "ioctl");
	size_t start = in->start, end = in->end;
	in->fn = t->kind == QLOG_PERROR ? qlog_get(t, "function") : NULL;
	in->abrt = diag_find(s, i + 1, i + 6 < end ? i + 6 : end, QLOG_ABORT);
	/* the fault probe fires right before the failing call's exit probe */
	for (size_t j = i > start + 16 ? i - 16 : start; j < i; j++)
		if (s->ev[j].kind == QLOG_KVM_FAULT_INJECT && ioctl &&
		    !strcmp(qlog_get(&s->ev[j], "ioctl") ?: "", ioctl))
			in->fault = &s->ev[j];
	for (size_t j = i; j-- > start && i - j < 64;)
		if (s->ev[j].kind == QLOG_SYSCALL && s->ev[j].tid == t->tid && t->tid >= 0) {
			in->sys = &s->ev[j];
			break;
		}
	/* the message the VMM printed about it, if any */
	for (size_t j = i + 1; j < end && j < i + 4; j++)
		if (s->ev[j].kind == QLOG_MESSAGE || s->ev[j].kind == QLOG_PERROR)
			in->msg = &s->ev[j];
	c->resume = (in->abrt ? diag_index(s, in->abrt) : i) + 1;
}

void *kvm_ioctl_error_gather(struct diag_ctx *c, size_t i)
{
	struct ioctl_incident *in = malloc(sizeof(*in));
	if (!in)
		return NULL;
	*in = (struct ioctl_incident){ .i = i, .t = &c->s->ev[i], .start = diag_lookback(c, i),
				       .end = diag_run_end(c, i) };
	if (in->t->kind == QLOG_KVM_ERROR)
		gather_qemu_words(c, i, in);
	else
		gather_traced(c, i, in);
	return in;
}

/* the decision chain of a traced failed ioctl */
static void explain_traced_steps(const struct diag_ctx *c, struct finding *f,
				 const struct ioctl_incident *in)
{
	const struct qlog_event *t = in->t;
	const char *ioctl = qlog_get(t, "ioctl"), *errname = qlog_get(t, "errname"), *fn = in->fn;
	char w[256];
	diag_where(c, t, t, w, sizeof(w));
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
	if (in->fault) {
		diag_where(c, in->fault, t, w, sizeof(w));
		finding_step(f, "injected by kvmscope-vmm -fault (%s)", w);
		finding_evidence(f, in->fault);
	}
	if (in->sys) {
		double us = (double)qlog_get_int(in->sys, "duration_ns", 0) / 1e3;
		diag_where(c, in->sys, t, w, sizeof(w));
		finding_step(f, "the syscall took %.3f us (%s)", us, w);
		finding_evidence(f, in->sys);
		finding_fact(f, "kernel_duration_us", json_real(us));
	} else {
		finding_step(f, "how long the kernel took is not in the input");
	}
	if (!in->fault && t->kind == QLOG_KVM_IOCTL_EXIT)
		diag_kernel_function_step(f, c, in->i, errname);
	if (in->msg) {
		diag_where(c, in->msg, t, w, sizeof(w));
		finding_step(f, "the VMM reported: %s (%s)", in->msg->text, w);
	}
	if (in->abrt)
		finding_step(f, "and aborted");
}

static void explain_traced(const struct diag_ctx *c, struct finding *f,
			   const struct ioctl_incident *in)
{
	const struct qlog_event *t = in->t, *fault = in->fault;
	const char *ioctl = qlog_get(t, "ioctl"), *errname = qlog_get(t, "errname"), *fn = in->fn;
	/* a fault that the VMM survived without a word is a test, not an incident */
	const char *what = ioctl ? ioctl : fn;
	finding_title(f, "KVM ioctl failed: %s -> %s%s%s", what, errname ? errname : "?",
		      fault ? " (injected by -fault)" : "", in->abrt ? ", the VMM aborted" : "");
	finding_evidence(f, t);
	finding_evidence(f, in->msg);
	finding_evidence(f, in->abrt);
	explain_traced_steps(c, f, in);
	if (fault || fn || !explain_from_table(f, ioctl, errname, vmm_arch(c->s, in->start, in->end)))
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
	finding_fact(f, "aborted", json_boolean(in->abrt != NULL));
}

void kvm_ioctl_error_explain(struct diag_ctx *c, void *incident, struct finding *f)
{
	struct ioctl_incident *in = incident;
	if (in->t->kind == QLOG_KVM_ERROR)
		explain_qemu_words(c, f, in);
	else
		explain_traced(c, f, in);
	free(in->repeats);
}
