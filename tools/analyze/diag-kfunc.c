/* diagnose with record --functions: which kernel function returned the
 * errno of a failed ioctl. The capture's calls (QLOG_KERNEL_FUNCTION) sit
 * between the ioctl's syscall and the VMM's exit probe, in entry order, with
 * their nesting depth. */
#include <string.h>

#include "findings.h"

/* the calls of the ioctl ending at I: back to its syscall, or to the
 * previous ioctl's exit of that thread */
static size_t calls_start(const struct qlog_stream *s, size_t i)
{
	const struct qlog_event *t = &s->ev[i];
	size_t stop = diag_lookback(s, i);

	for (size_t j = i; j-- > stop && i - j < 4096;) {
		const struct qlog_event *e = &s->ev[j];
		if (t->tid >= 0 && e->tid != t->tid)
			continue;
		if (e->kind == QLOG_SYSCALL || e->kind == QLOG_KVM_IOCTL_EXIT)
			return j + 1;
	}
	return stop;
}

const struct qlog_event *diag_kernel_function(const struct qlog_stream *s, size_t i,
					      const char *errname)
{
	const struct qlog_event *t = &s->ev[i], *best = NULL;

	if (!errname)
		return NULL;
	for (size_t j = calls_start(s, i); j < i; j++) {
		const struct qlog_event *e = &s->ev[j];
		const char *en = qlog_get(e, "errname");
		if (e->kind != QLOG_KERNEL_FUNCTION || (t->tid >= 0 && e->tid != t->tid) || !en ||
		    strcmp(en, errname))
			continue;
		/* deeper wins; at one depth, the later call (the last to fail) */
		if (!best || qlog_get_int(e, "depth", 0) >= qlog_get_int(best, "depth", 0))
			best = e;
	}
	return best;
}

void diag_kernel_function_step(struct finding *f, const struct qlog_stream *s, size_t i,
			       const char *errname)
{
	const struct qlog_event *t = &s->ev[i], *k = diag_kernel_function(s, i, errname);
	size_t calls = 0;
	char w[256];

	if (k) {
		const char *mod = qlog_get(k, "module");
		diag_where(k, t, w, sizeof(w));
		finding_step(f, "the innermost recorded kernel function that returned %s: %s%s%s%s() "
				"= %s %s, after %.3f us (%s)", errname, qlog_get(k, "function"),
			     mod && *mod ? " [" : "", mod && *mod ? mod : "", mod && *mod ? "]" : "",
			     qlog_get(k, "ret"), errname,
			     (double)qlog_get_int(k, "duration_ns", 0) / 1e3, w);
		finding_evidence(f, k);
		finding_fact_str(f, "kernel_function", qlog_get(k, "function"));
		return;
	}
	for (size_t j = calls_start(s, i); j < i; j++)
		calls += s->ev[j].kind == QLOG_KERNEL_FUNCTION &&
			 (t->tid < 0 || s->ev[j].tid == t->tid);
	if (calls)
		finding_step(f, "none of the %zu kernel function calls recorded under it returned %s",
			     calls, errname ? errname : "its errno");
}
