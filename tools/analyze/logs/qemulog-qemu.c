/* QEMU's error_report() and perror() lines: PROG: MESSAGE, with or without
 * the -msg timestamp=on prefix, and what each message family means. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qemulog.h"
#include "qemulog-internal.h"

/* ---- error_report lines ------------------------------------------------------ */

static void read_signal(const char *m, struct qlog_event *ev)
{
	long sig, pid;
	const char *p = m + strlen("terminating on signal ");

	if (!qlog_take_long(&p, &sig))
		return;
	ev->kind = QLOG_SIGNAL;
	qlog_setf(ev, "signal", "%ld", sig);
	if (qlog_take_lit(&p, " from pid ") && qlog_take_long(&p, &pid)) {
		qlog_setf(ev, "pid", "%ld", pid);
		p = qlog_skip_spaces(p);
		if (*p == '(') {
			const char *close = strrchr(p, ')');
			if (close && close > p)
				qlog_setn(ev, "sender", p + 1, (size_t)(close - p - 1));
		}
	}
}

/* what an error_report MESSAGE from PROG means */
static void interpret_message(const char *prog, size_t pl, const char *m, struct qlog_event *ev)
{
	const char *q;

	ev->source = QLOG_SRC_STDERR;
	ev->kind = QLOG_MESSAGE;
	qlog_set_name(ev, prog, pl);
	qlog_setn(ev, "program", prog, pl);
	qlog_set(ev, "message", m);
	if (!strcmp(m, "cpus are not resettable, terminating")) {
		ev->kind = QLOG_NOT_RESETTABLE;
	} else if (qlog_starts_with(m, "terminating on signal ")) {
		read_signal(m, ev);
	} else if (qlog_starts_with(m, "invalid runstate transition: '")) {
		const char *f = m + strlen("invalid runstate transition: '");
		const char *fe = strchr(f, '\'');
		if (fe && qlog_starts_with(fe, "' -> '")) {
			const char *t = fe + 6, *te = strchr(t, '\'');
			if (te) {
				ev->kind = QLOG_INVALID_TRANSITION;
				qlog_setn(ev, "from", f, (size_t)(fe - f));
				qlog_setn(ev, "to", t, (size_t)(te - t));
			}
		}
	} else if (qlog_starts_with(m, "PMU: KVM_") && (q = strstr(m + 5, ": "))) {
		/* QEMU: "PMU: KVM_SET_DEVICE_ATTR: <strerror>" */
		int e = qlog_errno_by_text(q + 2);
		ev->kind = QLOG_PMU_ATTR_ERROR;
		qlog_setn(ev, "ioctl", m + 5, (size_t)(q - m - 5));
		if (e) {
			qlog_setf(ev, "errno", "%d", e);
			qlog_set(ev, "errname", qlog_errname(e));
		} else {
			qlog_set(ev, "error_text", q + 2);
		}
	} else if (!strcmp(m, "failed to set irq for PMU")) {
		ev->kind = QLOG_PMU_STEP_FAILED;
		qlog_set(ev, "attr", "KVM_ARM_VCPU_PMU_V3_IRQ");
		qlog_set(ev, "step", "kvm_arm_pmu_set_irq");
	} else if (!strcmp(m, "failed to init PMU")) {
		ev->kind = QLOG_PMU_STEP_FAILED;
		qlog_set(ev, "attr", "KVM_ARM_VCPU_PMU_V3_INIT");
		qlog_set(ev, "step", "kvm_arm_pmu_init");
	} else if (strstr(m, "sev-guest") && strstr(m, "policy")) {
		/* kvmscope-vmm's "warning: sev-guest 'ID': policy 0x5 (NODBG|ES) ..." */
		unsigned long pol;
		if (qlog_find_policy(m, &pol))
			qlog_setf(ev, "sev_policy", "0x%lx", pol);
	} else if (qlog_starts_with(m, "-cpu host,pmu=on: the host KVM offers no vPMU")) {
		ev->kind = QLOG_NO_VPMU;
	} else if (qlog_starts_with(m, "-cpu host,pmu-filter: KVM_SET_PMU_EVENT_FILTER") &&
		   (q = strrchr(m, ':')) && q[1] == ' ') {
		/* x86: "... KVM_SET_PMU_EVENT_FILTER (deny, 1 events): <strerror>" */
		int e = qlog_errno_by_text(q + 2);
		ev->kind = QLOG_PMU_ATTR_ERROR;
		qlog_set(ev, "ioctl", "KVM_SET_PMU_EVENT_FILTER");
		qlog_set(ev, "attr", "pmu-filter");
		if (e) {
			qlog_setf(ev, "errno", "%d", e);
			qlog_set(ev, "errname", qlog_errname(e));
		}
	}
	if (ev->kind == QLOG_MESSAGE && (q = strchr(m, '{')) && strstr(q, "\"event\"")) {
		/* "info: {QMP event}" (an event QEMU also printed) */
		struct qlog_event in = { .tid = -1 };
		if (qlog_parse_text(q, &in, QLOG_MAX_DEPTH) && in.kind == QLOG_QMP_EVENT) {
			qlog_event_adopt(ev, &in);
			return;
		}
		qlog_event_clear(&in);
	}
	if (ev->kind == QLOG_MESSAGE && !qlog_read_kvm_exit_line(m, ev))
		qlog_read_kvm_message(m, ev);
}

/* PROG is a program or function name: no spaces, not a number. */
static size_t prog_len(const char *p)
{
	size_t n = 0;
	while (isalnum((unsigned char)p[n]) || (p[n] && strchr("_-./+", p[n])))
		n++;
	if (n < 2 || p[n] != ':' || p[n + 1] != ' ' || isdigit((unsigned char)p[0]))
		return 0;
	return n;
}

bool qlog_is_qemu_program(const char *p, size_t n)
{
	static const char *const exact[] = { "qemu-kvm", "qemu", "kvm", "kvm-spice", "kvmscope-vmm" };
	const char *base = p;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '/')
			base = p + i + 1;
	size_t bl = n - (size_t)(base - p);
	if (bl > 12 && !strncmp(base, "qemu-system-", 12))
		return true;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strlen(exact[i]) == bl && !strncmp(base, exact[i], bl))
			return true;
	return false;
}

/* PROG: MESSAGE from a QEMU program, or FUNCTION: STRERROR (perror). Any
 * other "Word: text" is not QEMU's. */
bool qlog_read_stderr(const char *p, struct qlog_event *ev)
{
	size_t n = prog_len(p);
	if (!n)
		return false;
	const char *m = p + n + 2;
	int e = qlog_errno_by_text(m);
	if (e) {
		ev->source = QLOG_SRC_STDERR;
		ev->kind = QLOG_PERROR;
		qlog_set_name(ev, p, n);
		qlog_setn(ev, "function", p, n);
		qlog_setf(ev, "errno", "%d", e);
		qlog_set(ev, "errname", qlog_errname(e));
		if (!strncmp(p, "KVM_", 4)) { /* perror("KVM_SET_SREGS") */
			ev->kind = QLOG_KVM_ERROR;
			qlog_setn(ev, "ioctl", p, n);
		}
		return true;
	}
	if (!qlog_is_qemu_program(p, n))
		return false;
	interpret_message(p, n, qlog_skip_spaces(m), ev);
	return true;
}

/* ISO-8601 UTC prefix: an error_report line or a newest-upstream trace line */
bool qlog_read_iso(const char *p, struct qlog_event *ev)
{
	const char *end;
	int64_t us;

	if (!qlog_parse_datetime(p, 'T', &us, &end) || *end != 'Z' || end[1] != ' ')
		return false;
	const char *q = end + 2;
	long tid = -1;
	if (*q == '(') { /* "(TID) NAME" of a 2025 proposal */
		q++;
		if (!qlog_take_long(&q, &tid) || !qlog_take_lit(&q, ") "))
			return false;
	}
	if (!qlog_read_stderr(q, ev) && !qlog_read_trace_body(q, ev, false))
		return false;
	ev->clock = QLOG_CLOCK_UTC;
	ev->ts_us = us;
	ev->tid = tid;
	return true;
}

