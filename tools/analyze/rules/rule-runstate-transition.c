/* Rule runstate-transition: run-state changes that are invalid (QEMU aborts)
 * or that stop the guest for a reason nobody on the host asked for. The
 * table of allowed transitions is the VMM's own (vmm/runstate.c, QEMU's
 * runstate_transitions_def), linked in, not copied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/diag-rule.h"
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
static const struct qlog_event *find_cause(const struct diag_ctx *dc, size_t i)
{
	const struct qlog_stream *s = dc->s;
	size_t start = diag_run_start(dc, i);
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

struct transition_incident {
	size_t i;				/* the runstate_set (or QEMU's error) line */
	const char *from, *to;
	int f_idx, t_idx;			/* in the run-state table */
	bool invalid;				/* not in the table: QEMU aborts */
	const struct qlog_event *cause;		/* what stopped the guest (valid ones) */
	const char *reason;			/* its shutdown cause */
	char cause_text[512];
};

/* what the change at I is: invalid, valid but stopping the guest unasked
 * (true), or nothing to report (false) */
static bool classify(const struct diag_ctx *c, size_t i, struct transition_incident *in)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *e = &s->ev[i];
	if (e->kind != QLOG_RUNSTATE && e->kind != QLOG_INVALID_TRANSITION)
		return false;
	const char *from = qlog_get(e, "from"), *to = qlog_get(e, "to");
	if (!from || !to)
		return false;
	int f_idx = runstate_by_name(from), t_idx = runstate_by_name(to);
	if (f_idx < 0 || t_idx < 0)
		return false; /* a state this table does not know (preconfig, QEMU <= 5.x) */
	*in = (struct transition_incident){ .i = i, .from = from, .to = to, .f_idx = f_idx,
					    .t_idx = t_idx, .invalid = true };
	if (e->kind == QLOG_INVALID_TRANSITION) {
		/* reported with its runstate_set line when that is in the input */
		const struct qlog_event *prev = i ? &s->ev[i - 1] : NULL;
		return !(prev && prev->kind == QLOG_RUNSTATE && !strcmp(qlog_get(prev, "to") ?: "", to));
	}
	if (f_idx == t_idx)
		return false; /* runstate_set to the current state does nothing */
	if (!runstate_transition_allowed((enum run_state)f_idx, (enum run_state)t_idx))
		return true;
	in->invalid = false;
	if (!stops_guest(to))
		return false;
	in->cause = find_cause(c, i);
	cause_text(in->cause, in->cause_text, sizeof(in->cause_text), &in->reason);
	if (!strcmp(to, "shutdown") && expected_shutdown_cause(in->reason))
		return false;
	return !(!strcmp(to, "debug") && in->cause && in->cause->kind == QLOG_QMP_COMMAND);
}

bool runstate_transition_match(struct diag_ctx *c, size_t i)
{
	struct transition_incident in;
	return classify(c, i, &in);
}

void *runstate_transition_gather(struct diag_ctx *c, size_t i)
{
	struct transition_incident *in = calloc(1, sizeof(*in));
	if (in && !classify(c, i, in)) {
		free(in);
		return NULL;
	}
	return in;
}

static void explain_invalid(const struct diag_ctx *c, const struct transition_incident *in,
			    struct finding *f)
{
	const struct qlog_stream *s = c->s;
	const struct qlog_event *e = &s->ev[in->i];
	const char *from = in->from, *to = in->to;
	size_t i = in->i;
	char w[256];

	finding_title(f, "invalid run-state transition %s -> %s: QEMU aborts", from, to);
	finding_evidence(f, e);
	diag_where(c, e, e, w, sizeof(w));
	finding_step(f, "runstate_set asked for %s -> %s (%s)", from, to, w);
	finding_step(f, "QEMU's transition table (vmm/runstate.c, runstate_transitions_def) has no "
			"entry %s -> %s", from, to);
	size_t end = diag_run_end(c, i);
	const struct qlog_event *abrt = diag_find(s, i + 1, i + 6 < end ? i + 6 : end, QLOG_ABORT);
	const struct qlog_event *msg = e->kind == QLOG_INVALID_TRANSITION ? e :
				       diag_find(s, i + 1, i + 6 < end ? i + 6 : end,
						 QLOG_INVALID_TRANSITION);
	if (msg && msg != e) {
		diag_where(c, msg, e, w, sizeof(w));
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

/* what the stop means and what gets the guest going again */
static void explain_stop(struct finding *f, const struct transition_incident *in)
{
	const char *from = in->from, *to = in->to;
	if (!strcmp(to, "shutdown"))
		finding_explain(f,
				"The VM left %s for shutdown. A guest power-off "
				"(guest-shutdown) or a host request (signal, QMP quit) "
				"would explain that; here the cause is %s. With "
				"-no-shutdown (libvirt) the process stays in 'shutdown' "
				"until system_reset or a kill.",
				from, in->cause_text);
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
}

static void explain_unexpected(const struct diag_ctx *c, const struct transition_incident *in,
			       struct finding *f)
{
	const struct qlog_event *e = &c->s->ev[in->i], *cause = in->cause;
	const char *from = in->from, *to = in->to, *reason = in->reason;
	char w[256], wc[256];
	diag_where(c, e, e, w, sizeof(w));
	finding_evidence(f, e);
	finding_evidence(f, cause);
	if (!strcmp(to, "shutdown") && reason && !strcmp(reason, "guest-reset"))
		finding_title(f, "%s -> shutdown after a guest reset: the VM stopped instead "
				 "of rebooting", from);
	else if (!strcmp(to, "shutdown") && reason && !strcmp(reason, "guest-panic"))
		finding_title(f, "%s -> shutdown after a guest panic", from);
	else
		finding_title(f, "unexpected run-state transition %s -> %s", from, to);
	finding_step(f, "runstate_set %d (%s) -> %d (%s) (%s)", in->f_idx, from, in->t_idx, to, w);
	finding_step(f, "allowed by QEMU's transition table (vmm/runstate.c), so QEMU carried "
			"on");
	if (cause) {
		diag_where(c, cause, e, wc, sizeof(wc));
		finding_step(f, "cause: %s (%s)", in->cause_text, wc);
	} else {
		finding_step(f, "cause: %s", in->cause_text);
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
	explain_stop(f, in);
	finding_fact_str(f, "from", from);
	finding_fact_str(f, "to", to);
	finding_fact(f, "allowed", json_true());
	finding_fact_str(f, "cause", reason);
}

void runstate_transition_explain(struct diag_ctx *c, void *incident, struct finding *f)
{
	const struct transition_incident *in = incident;
	if (in->invalid)
		explain_invalid(c, in, f);
	else
		explain_unexpected(c, in, f);
}
