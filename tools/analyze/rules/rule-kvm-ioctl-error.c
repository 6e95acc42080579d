/* Rule kvm-ioctl-error: any other KVM ioctl that failed (the PMU attribute
 * ioctls are pmu-set-attr's): which ioctl, which errno, how long it took when
 * a capture says, whether -fault injected it, and whether the VMM died of it.
 * Seed 003's pmu=off run ("kvm_set_irq: No such device or address") is one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/benign-errno.h"
#include "analyze/findings.h"
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
static void explain_qemu_words(struct finding *f, const struct qlog_event *t, const char *what,
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
static void kernel_context(struct finding *f, const struct qlog_stream *s, size_t from, size_t to,
			   const struct qlog_event *ref)
{
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
		diag_where(e, ref, w, sizeof(w));
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

/* one finding for QEMU's message at I (and its repeats in the run); returns
 * the index after the last event it used */
static size_t report_qemu_words(const struct qlog_stream *s, size_t i, struct finding_list *out,
				bool *used)
{
	const struct qlog_event *t = &s->ev[i];
	size_t start = diag_lookback(s, i), end = diag_run_end(s, i);
	const char *ioctl = qlog_get(t, "ioctl"), *fn = qlog_get(t, "function");
	const char *errname = qlog_get(t, "errname"), *arch = vmm_arch(s, start, end);
	const char *helper = ioctl ? NULL : ioctl_of_helper(fn, arch);
	char what[512], w[256];
	if (ioctl)
		snprintf(what, sizeof(what), "%s", ioctl);
	else if (helper && strcmp(helper, fn))
		snprintf(what, sizeof(what), "%s (%s)", fn, helper);
	else
		snprintf(what, sizeof(what), "%s", fn ? fn : "a KVM ioctl");
	const struct qlog_event *abrt = NULL, *init = NULL, *dump = NULL;
	for (size_t j = i + 1; j < end && j < i + 48; j++) {
		const struct qlog_event *e = &s->ev[j];
		if (e->kind == QLOG_ABORT && !abrt)
			abrt = e;
		else if (e->kind == QLOG_KVM_INIT_FAILED && !init)
			init = e;
		else if (e->kind == QLOG_REGISTER_DUMP && qlog_has(e, "ip") && !dump)
			dump = e;
	}
	for (size_t j = start; j < i; j++)
		if (s->ev[j].kind == QLOG_ABORT && qlog_has(&s->ev[j], "error_abort") && i - j < 3)
			abrt = &s->ev[j];
	struct finding *f = finding_new(out, "kvm-ioctl-error");
	bool assertion = qlog_has(t, "assertion");
	finding_title(f, "KVM ioctl failed: %s -> %s%s", what,
		      errname ? errname : assertion ? "fewer MSRs set than asked" : "error",
		      abrt ? ", the VMM aborted" : "");
	finding_evidence(f, t);
	diag_where(t, t, w, sizeof(w));
	finding_step(f, "QEMU said: %s (%s)", qlog_get(t, "message") ? qlog_get(t, "message") : t->text,
		     w);
	if (!ioctl && helper)
		finding_step(f, "%s() is QEMU's helper around %s", fn, helper);
	if (qlog_has(t, "attr_group"))
		finding_step(f, "device attribute group %s, attribute %s", qlog_get(t, "attr_group"),
			     qlog_get(t, "attr") ? qlog_get(t, "attr") : "?");
	if (qlog_has(t, "msr"))
		finding_step(f, "the MSR KVM refused: %s", qlog_get(t, "msr"));
	/* the same failure again in this run (other vCPUs, the same error twice) */
	size_t repeats = 0;
	for (size_t j = i + 1; j < end; j++)
		if (same_failure(t, &s->ev[j]) || (ioctl && s->ev[j].kind == QLOG_KVM_ERROR &&
						   !strcmp(qlog_get(&s->ev[j], "ioctl") ?: "", ioctl))) {
			used[j] = true;
			finding_evidence(f, &s->ev[j]);
			repeats++;
		}
	if (repeats)
		finding_step(f, "the same failure %zu more time%s in this run", repeats,
			     repeats > 1 ? "s" : "");
	if (dump) {
		diag_where(dump, t, w, sizeof(w));
		finding_step(f, "QEMU dumped the vCPU's registers: instruction pointer %s (%s)",
			     qlog_get(dump, "ip"), w);
		finding_evidence(f, dump);
	}
	if (init) {
		diag_where(init, t, w, sizeof(w));
		finding_step(f, "so KVM could not be initialised and QEMU exited (%s)", w);
		finding_evidence(f, init);
	}
	if (abrt) {
		finding_step(f, "and QEMU aborted");
		finding_evidence(f, abrt);
	}
	kernel_context(f, s, start, end, t);
	explain_qemu_words(f, t, what, ioctl ? ioctl : helper, arch, errname);
	finding_fact_str(f, "ioctl", ioctl ? ioctl : helper);
	finding_fact_str(f, "function", fn);
	finding_fact_str(f, "errno", errname);
	finding_fact(f, "injected", json_false());
	finding_fact(f, "aborted", json_boolean(abrt != NULL));
	return i + 1;
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

static void run(const struct qlog_stream *s, struct finding_list *out)
{
	size_t consumed = 0;
	bool *used = calloc(s->n ? s->n : 1, sizeof(*used));

	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *t = &s->ev[i];
		const char *ioctl = qlog_get(t, "ioctl"), *errname = qlog_get(t, "errname");
		const char *fn = t->kind == QLOG_PERROR ? qlog_get(t, "function") : NULL;
		if (i < consumed || (used && used[i]))
			continue;
		if (t->kind == QLOG_KVM_ERROR) {
			if (!benign_errno(ioctl, errname) && used)
				report_qemu_words(s, i, out, used);
			continue;
		}
		if (t->kind == QLOG_KVM_IOCTL_EXIT) {
			if (qlog_get_int(t, "ret", 0) >= 0 || is_attr_ioctl(ioctl) ||
			    benign_errno(ioctl, errname))
				continue;
		} else if (!(fn && !strncmp(fn, "kvm_", 4))) {
			continue;
		}
		size_t start = diag_lookback(s, i), end = diag_run_end(s, i);
		if (device_probe_answered(s, i, end, ioctl, errname))
			continue;
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
		if (fault || fn || !explain_from_table(f, ioctl, errname, vmm_arch(s, start, end)))
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
	free(used);
}

const struct diag_rule rule_kvm_ioctl_error = {
	.name = "kvm-ioctl-error",
	.summary = "another KVM ioctl failed: which, errno, duration, injected or not",
	.run = run,
};
