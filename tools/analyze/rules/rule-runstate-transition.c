/* Rule runstate-transition: run-state changes that are invalid (QEMU aborts)
 * or that stop the guest for a reason nobody on the host asked for. The
 * table of allowed transitions is the VMM's own (vmm/runstate.c, QEMU's
 * runstate_transitions_def), linked in, not copied. */
#include <stdio.h>
#include <string.h>

#include "analyze/findings.h"
#include "runstate-table.h"

/* states a guest should only reach when someone asked for them */
static bool stops_guest(const char *to)
{
	static const char *const states[] = { "shutdown", "internal-error", "io-error",
					      "guest-panicked", "watchdog", "debug" };
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(states[i], to))
			return true;
	return false;
}

/* causes of running -> shutdown that mean "as asked" */
static bool expected_shutdown_cause(const char *reason)
{
	return reason && (!strcmp(reason, "guest-shutdown") || !strcmp(reason, "host-signal") ||
			  !strcmp(reason, "host-qmp-quit") || !strcmp(reason, "host-ui"));
}

/* the nearest event before index I (within this run) that explains a stop */
static const struct qlog_event *find_cause(const struct qlog_stream *s, size_t i)
{
	size_t start = diag_run_start(s, i);
	for (size_t j = i; j-- > start && i - j <= 40;) {
		const struct qlog_event *e = &s->ev[j];
		const char *ev = qlog_get(e, "event");
		switch (e->kind) {
		case QLOG_RUNSTATE:
			return NULL; /* the previous change: nothing in between */
		case QLOG_QMP_EVENT:
			if (ev && (!strcmp(ev, "SHUTDOWN") || !strcmp(ev, "GUEST_PANICKED") ||
				   !strcmp(ev, "WATCHDOG") || !strcmp(ev, "BLOCK_IO_ERROR")))
				return e;
			break;
		case QLOG_NOT_RESETTABLE:
		case QLOG_SIGNAL:
		case QLOG_SHUTDOWN_REQUEST:
		case QLOG_MAIN_LOOP_EXIT:
			return e;
		case QLOG_QMP_COMMAND: {
			const char *c = qlog_get(e, "command");
			if (c && (!strcmp(c, "stop") || !strcmp(c, "quit")))
				return e;
			break;
		}
		case QLOG_MESSAGE: {
			const char *m = qlog_get(e, "message");
			if (m && (strstr(m, "KVM internal error") || strstr(m, "kvm run failed") ||
				  strstr(m, "emulation failure")))
				return e;
			break;
		}
		default:
			break;
		}
	}
	return NULL;
}

static void cause_text(const struct qlog_event *c, char *buf, size_t len, const char **reason)
{
	*reason = NULL;
	if (!c) {
		snprintf(buf, len, "no cause in the input (no SHUTDOWN event, signal, QMP command "
				   "or error before it)");
		return;
	}
	switch (c->kind) {
	case QLOG_QMP_EVENT:
		*reason = qlog_get(c, "reason");
		snprintf(buf, len, "%s%s%s", qlog_get(c, "event"), *reason ? " reason " : "",
			 *reason ? *reason : "");
		break;
	case QLOG_NOT_RESETTABLE:
		*reason = "guest-reset";
		snprintf(buf, len, "\"cpus are not resettable, terminating\" (a guest reset)");
		break;
	case QLOG_SIGNAL:
		*reason = "host-signal";
		snprintf(buf, len, "signal %s from pid %s", qlog_get(c, "signal"),
			 qlog_get(c, "pid") ? qlog_get(c, "pid") : "?");
		break;
	case QLOG_SHUTDOWN_REQUEST:
	case QLOG_MAIN_LOOP_EXIT:
		*reason = qlog_get(c, "reason_name");
		snprintf(buf, len, "%s reason %s", c->name ? c->name : "shutdown request",
			 *reason ? *reason : "?");
		break;
	case QLOG_QMP_COMMAND:
		snprintf(buf, len, "QMP %s", qlog_get(c, "command"));
		break;
	default:
		snprintf(buf, len, "%s", c->text ? c->text : "?");
		break;
	}
}

static void invalid(struct finding_list *out, const struct qlog_stream *s, size_t i,
		    const char *from, const char *to)
{
	const struct qlog_event *e = &s->ev[i];
	struct finding *f = finding_new(out, "runstate-transition");
	char w[256];

	finding_title(f, "invalid run-state transition %s -> %s: QEMU aborts", from, to);
	finding_evidence(f, e);
	diag_where(e, e, w, sizeof(w));
	finding_step(f, "runstate_set asked for %s -> %s (%s)", from, to, w);
	finding_step(f, "QEMU's transition table (vmm/runstate.c, runstate_transitions_def) has no "
			"entry %s -> %s", from, to);
	size_t end = diag_run_end(s, i);
	const struct qlog_event *abrt = diag_find(s, i + 1, i + 6 < end ? i + 6 : end, QLOG_ABORT);
	const struct qlog_event *msg = e->kind == QLOG_INVALID_TRANSITION ? e :
				       diag_find(s, i + 1, i + 6 < end ? i + 6 : end,
						 QLOG_INVALID_TRANSITION);
	if (msg && msg != e) {
		diag_where(msg, e, w, sizeof(w));
		finding_step(f, "error_report \"invalid runstate transition: '%s' -> '%s'\" (%s)", from,
			     to, w);
		finding_evidence(f, msg);
	}
	finding_step(f, "then abort(): the process dies with SIGABRT%s", abrt ? " (\"Aborted\")" : "");
	finding_evidence(f, abrt);
	finding_explain(f,
			"QEMU checks every run-state change against a fixed table and aborts on one "
			"that is not in it. Reaching %s -> %s means a code path changed the state "
			"without the step in between QEMU expects (for example stopping the VM, or "
			"going through prelaunch after a reset). It is a bug in the VMM or a "
			"downstream patch, not in the guest.",
			from, to);
	finding_fact_str(f, "from", from);
	finding_fact_str(f, "to", to);
	finding_fact(f, "allowed", json_false());
}

static void run(const struct qlog_stream *s, struct finding_list *out)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		if (e->kind != QLOG_RUNSTATE && e->kind != QLOG_INVALID_TRANSITION)
			continue;
		const char *from = qlog_get(e, "from"), *to = qlog_get(e, "to");
		if (!from || !to)
			continue;
		int f_idx = runstate_by_name(from), t_idx = runstate_by_name(to);
		if (f_idx < 0 || t_idx < 0)
			continue; /* a state this table does not know (preconfig, QEMU <= 5.x) */
		if (e->kind == QLOG_INVALID_TRANSITION) {
			/* reported with its runstate_set line when that is in the input */
			const struct qlog_event *prev = i ? &s->ev[i - 1] : NULL;
			if (!(prev && prev->kind == QLOG_RUNSTATE && !strcmp(qlog_get(prev, "to") ?: "", to)))
				invalid(out, s, i, from, to);
			continue;
		}
		if (f_idx == t_idx)
			continue; /* runstate_set to the current state does nothing */
		if (!runstate_transition_allowed((enum run_state)f_idx, (enum run_state)t_idx)) {
			invalid(out, s, i, from, to);
			continue;
		}
		if (!stops_guest(to))
			continue;
		const struct qlog_event *c = find_cause(s, i);
		const char *reason;
		char cause[512], w[256], wc[256];
		cause_text(c, cause, sizeof(cause), &reason);
		if (!strcmp(to, "shutdown") && expected_shutdown_cause(reason))
			continue;
		if (!strcmp(to, "debug") && c && c->kind == QLOG_QMP_COMMAND)
			continue;

		struct finding *f = finding_new(out, "runstate-transition");
		diag_where(e, e, w, sizeof(w));
		finding_evidence(f, e);
		finding_evidence(f, c);
		if (!strcmp(to, "shutdown") && reason && !strcmp(reason, "guest-reset"))
			finding_title(f, "%s -> shutdown after a guest reset: the VM stopped instead "
					 "of rebooting", from);
		else if (!strcmp(to, "shutdown") && reason && !strcmp(reason, "guest-panic"))
			finding_title(f, "%s -> shutdown after a guest panic", from);
		else
			finding_title(f, "unexpected run-state transition %s -> %s", from, to);
		finding_step(f, "runstate_set %d (%s) -> %d (%s) (%s)", f_idx, from, t_idx, to, w);
		finding_step(f, "allowed by QEMU's transition table (vmm/runstate.c), so QEMU carried "
				"on");
		if (c) {
			diag_where(c, e, wc, sizeof(wc));
			finding_step(f, "cause: %s (%s)", cause, wc);
		} else {
			finding_step(f, "cause: %s", cause);
		}
		if (!strcmp(to, "shutdown"))
			finding_step(f, "unexpected: %s",
				     reason && !strcmp(reason, "guest-reset") ?
					     "the guest asked for a reset, not a power-off (see "
					     "cpus-not-resettable, -no-reboot)" :
				     reason ? "no host request and no guest power-off led here" :
					      "nothing in the input asked for a shutdown");
		else
			finding_step(f, "unexpected: %s stops the guest and needs the host to act",
				     to);

		if (!strcmp(to, "shutdown"))
			finding_explain(f,
					"The VM left %s for shutdown. A guest power-off "
					"(guest-shutdown) or a host request (signal, QMP quit) "
					"would explain that; here the cause is %s. With "
					"-no-shutdown (libvirt) the process stays in 'shutdown' "
					"until system_reset or a kill.",
					from, cause);
		else if (!strcmp(to, "internal-error"))
			finding_explain(f,
					"KVM returned an exit the VMM could not handle (internal "
					"error or emulation failure): QEMU dumped the vCPU state "
					"and stopped the VM in internal-error. Only a reset gets "
					"it going again.");
		else if (!strcmp(to, "guest-panicked"))
			finding_explain(f, "The guest reported a panic (pvpanic / Hyper-V crash MSRs) "
					   "and the panic action stopped it.");
		else
			finding_explain(f, "The VM was stopped in %s, which needs the host to act "
					   "(cont, system_reset or quit).",
					to);
		finding_fact_str(f, "from", from);
		finding_fact_str(f, "to", to);
		finding_fact(f, "allowed", json_true());
		finding_fact_str(f, "cause", reason);
	}
}

const struct diag_rule rule_runstate_transition = {
	.name = "runstate-transition",
	.summary = "run-state changes that are invalid (abort) or stop the guest unasked",
	.run = run,
};
