/* Rule agent-escalation: a shutdown the control plane had to escalate (seed
 * 000, spec §11.1-§11.2): guest agent guest-shutdown -> QMP system_powerdown
 * (ACPI power button) -> a host signal that kills QEMU. Each step is there
 * because the guest did not shut down after the one before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/diag-rule.h"

static bool is_cmd(const struct qlog_event *e, const char *name)
{
	const char *c = qlog_get(e, "command");
	return c && !strcmp(c, name);
}

/* the guest shut itself down (agent or ACPI worked) */
static bool guest_went_down(const struct qlog_event *e)
{
	const char *ev = qlog_get(e, "event"), *r = qlog_get(e, "reason");
	return e->kind == QLOG_QMP_EVENT && ev && r &&
	       ((!strcmp(ev, "SHUTDOWN") && !strcmp(r, "guest-shutdown")) ||
		(!strcmp(ev, "RESET") && !strcmp(r, "guest-reset")));
}

static void delay_text(const struct qlog_event *a, const struct qlog_event *b, char *buf,
		       size_t len, json_t **fact)
{
	double sec;
	if (diag_seconds_between(a, b, &sec)) {
		snprintf(buf, len, "%.3f s later", sec);
		*fact = json_real(sec);
	} else {
		snprintf(buf, len, "later (the two lines carry different clocks)");
		*fact = json_null();
	}
}

/* a guest agent guest-shutdown or a QMP system_powerdown: the first rung */
bool agent_escalation_match(struct diag_ctx *c, size_t i)
{
	const struct qlog_event *first = &c->s->ev[i];
	return (first->kind == QLOG_AGENT_COMMAND && is_cmd(first, "guest-shutdown")) ||
	       (first->kind == QLOG_QMP_COMMAND && is_cmd(first, "system_powerdown"));
}

struct ladder {
	const struct qlog_event *first, *powerdown, *pd_event, *pd_request, *sig, *sig_shut,
		*quit, *lv_stop, *down;
	bool agent, acpi;
};

/* one rung of the ladder at E; false when E ends it */
static bool climb(struct ladder *l, const struct qlog_event *e)
{
	const char *ev = qlog_get(e, "event");
	if (e->kind == QLOG_LIBVIRT_START || e->kind == QLOG_COMMAND_LINE)
		return false;
	if (e->kind == QLOG_AGENT_COMMAND && is_cmd(e, "guest-shutdown") && !l->sig)
		return false; /* a new attempt: its own ladder */
	if (guest_went_down(e) && !l->sig) {
		l->down = e;
		return false;
	}
	/* the same kind of line asking for a powerdown again: a new ladder
	 * (one request is often seen twice: the control plane's line and
	 * the VMM's trace) */
	if (e->kind == QLOG_QMP_COMMAND && is_cmd(e, "system_powerdown") && l->powerdown &&
	    !l->sig && e->source == l->powerdown->source && e->file == l->powerdown->file)
		return false;
	if (e->kind == QLOG_QMP_COMMAND && is_cmd(e, "system_powerdown") && !l->powerdown)
		l->powerdown = e;
	else if (e->kind == QLOG_POWERDOWN_REQUEST && !l->pd_request)
		l->pd_request = e;
	else if (e->kind == QLOG_QMP_EVENT && ev && !strcmp(ev, "POWERDOWN") && !l->pd_event)
		l->pd_event = e;
	else if (e->kind == QLOG_SIGNAL && !l->sig)
		l->sig = e;
	else if (e->kind == QLOG_QMP_EVENT && ev && !strcmp(ev, "SHUTDOWN") && l->sig && !l->sig_shut)
		l->sig_shut = e;
	else if (e->kind == QLOG_MAIN_LOOP_EXIT && l->sig && !l->quit)
		l->quit = e;
	else if (e->kind == QLOG_LIBVIRT_STOP) {
		l->lv_stop = e;
		return false;
	}
	return true;
}

/* walk the ladder until the guest goes down, QEMU is killed, or the run ends */
void *agent_escalation_gather(struct diag_ctx *c, size_t i)
{
	const struct qlog_stream *s = c->s;
	struct ladder *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->first = &s->ev[i];
	l->agent = l->first->kind == QLOG_AGENT_COMMAND;
	l->acpi = !l->agent;
	l->powerdown = l->acpi ? l->first : NULL;
	size_t j;
	for (j = i + 1; j < s->n && j < i + DIAG_LOOKBACK; j++)
		if (!climb(l, &s->ev[j]))
			break;
	/* an escalation is at least two rungs, or ACPI ending in a kill */
	if (!((l->agent && (l->powerdown || l->sig)) || (l->acpi && l->sig))) {
		free(l);
		return NULL;
	}
	c->resume = j; /* one finding per ladder */
	return l;
}

static void explain_title(struct finding *f, const struct ladder *l)
{
	const struct qlog_event *sig = l->sig;
	const char *sender = sig ? qlog_get(sig, "sender") : NULL;
	const char *pid = sig ? qlog_get(sig, "pid") : NULL;
	if (l->agent && l->powerdown && sig)
		finding_title(f, "forced power-off: guest agent shutdown -> ACPI powerdown -> "
				 "killed by signal %s from pid %s (%s)",
			      qlog_get(sig, "signal"), pid ? pid : "?", sender ? sender : "?");
	else if (sig)
		finding_title(f, "forced power-off: %s ignored -> killed by signal %s from pid "
				 "%s (%s)",
			      l->agent ? "guest agent shutdown" : "ACPI powerdown",
			      qlog_get(sig, "signal"), pid ? pid : "?", sender ? sender : "?");
	else
		finding_title(f, "guest agent did not shut the guest down: escalated to ACPI "
				 "powerdown%s",
			      l->down ? ", which worked" : "");
}

/* the gentle rungs: the agent, then ACPI; returns the last one taken */
static const struct qlog_event *explain_gentle(const struct diag_ctx *c, struct finding *f,
					       const struct ladder *l)
{
	const struct qlog_event *first = l->first, *powerdown = l->powerdown, *prev = first;
	char w[256], d[128];
	json_t *fact;
	if (l->agent) {
		diag_where(c, first, first, w, sizeof(w));
		finding_step(f, "guest agent: guest-shutdown mode %s sent to the guest (%s)",
			     qlog_get(first, "mode") ? qlog_get(first, "mode") : "powerdown", w);
		finding_evidence(f, first);
	}
	if (l->agent && powerdown) {
		delay_text(first, powerdown, d, sizeof(d), &fact);
		finding_fact(f, "agent_to_powerdown_s", fact);
		finding_step(f, "no SHUTDOWN {guest: true} followed: the agent did not shut the "
				"guest down (guest-shutdown has no reply on success, so the host "
				"only sees the result as a SHUTDOWN event)");
		diag_where(c, powerdown, first, w, sizeof(w));
		finding_step(f, "%s the control plane fell back to ACPI: QMP system_powerdown (%s)",
			     d, w);
		prev = powerdown;
	} else if (l->acpi) {
		diag_where(c, first, first, w, sizeof(w));
		finding_step(f, "QMP system_powerdown (%s)", w);
	}
	finding_evidence(f, powerdown);
	if (l->pd_request || l->pd_event) {
		const struct qlog_event *p = l->pd_event ? l->pd_event : l->pd_request;
		diag_where(c, p, first, w, sizeof(w));
		finding_step(f, "QEMU pressed the virtual ACPI power button: %s (%s)",
			     l->pd_event ? "POWERDOWN event" : "qemu_system_powerdown_request", w);
		finding_evidence(f, l->pd_request);
		finding_evidence(f, l->pd_event);
	}
	return prev;
}

/* the forced end: the signal, what QEMU and libvirt said, or the guest going down */
static void explain_end(const struct diag_ctx *c, struct finding *f, const struct ladder *l,
			const struct qlog_event *prev)
{
	const struct qlog_event *first = l->first, *sig = l->sig;
	const char *sender = sig ? qlog_get(sig, "sender") : NULL;
	const char *pid = sig ? qlog_get(sig, "pid") : NULL;
	char w[256], d[128];
	json_t *fact;
	if (sig) {
		finding_step(f, "no SHUTDOWN {guest: true, reason: guest-shutdown} followed: the "
				"guest ignored the power button too (no ACPI handling, hung, or "
				"busy)");
		delay_text(prev, sig, d, sizeof(d), &fact);
		finding_fact(f, l->powerdown ? "powerdown_to_signal_s" : "agent_to_signal_s", fact);
		diag_where(c, sig, first, w, sizeof(w));
		finding_step(f, "%s the host killed QEMU: \"terminating on signal %s from pid %s "
				"(%s)\" (%s)",
			     d, qlog_get(sig, "signal"), pid ? pid : "?", sender ? sender : "?", w);
		finding_evidence(f, sig);
	}
	if (l->sig_shut) {
		diag_where(c, l->sig_shut, first, w, sizeof(w));
		finding_step(f, "SHUTDOWN {guest: %s, reason: %s} (%s)%s",
			     qlog_get(l->sig_shut, "guest") ? qlog_get(l->sig_shut, "guest") : "?",
			     qlog_get(l->sig_shut, "reason") ? qlog_get(l->sig_shut, "reason") : "?",
			     w, l->quit ? " and QEMU left its main loop" : "");
		finding_evidence(f, l->sig_shut);
		finding_evidence(f, l->quit);
	}
	if (l->lv_stop) {
		diag_where(c, l->lv_stop, first, w, sizeof(w));
		finding_step(f, "libvirt: shutting down, reason=%s (%s)%s",
			     qlog_get(l->lv_stop, "reason"), w,
			     !strcmp(qlog_get(l->lv_stop, "reason") ?: "", "destroyed") ?
				     ": a forced stop, not a guest shutdown" : "");
		finding_evidence(f, l->lv_stop);
	}
	if (l->down) {
		diag_where(c, l->down, first, w, sizeof(w));
		finding_step(f, "the guest then went down itself: %s reason %s (%s)",
			     qlog_get(l->down, "event"), qlog_get(l->down, "reason"), w);
		finding_evidence(f, l->down);
	}
}

void agent_escalation_explain(struct diag_ctx *c, void *incident, struct finding *f)
{
	const struct ladder *l = incident;
	const struct qlog_event *sig = l->sig;
	const char *sender = sig ? qlog_get(sig, "sender") : NULL;

	explain_title(f, l);
	explain_end(c, f, l, explain_gentle(c, f, l));
	finding_explain(
		f,
		"The host tried to shut the guest down gently and had to escalate. First the "
		"guest agent was asked to run the guest's own shutdown; when no SHUTDOWN event "
		"came, the control plane pressed the ACPI power button (system_powerdown); %s "
		"This is the libvirt/control-plane ladder (agent, then ACPI, then signal), so "
		"the VM was powered off from outside%s. Look inside the guest: is "
		"qemu-guest-agent running and does the guest handle the ACPI power button "
		"(acpid/systemd-logind)? The delays between the rungs are the control plane's "
		"timeouts, not QEMU's.",
		sig ? "when that did not work either, it killed QEMU with a signal, which QEMU "
		      "reports as SHUTDOWN {guest:false, reason:host-signal}." :
		      "that is where the ladder stopped.",
		sig && sender ? "; the killer was the management daemon" : "");
	if (sig) {
		finding_fact_int(f, "signal", qlog_get_int(sig, "signal", 0));
		if (qlog_get(sig, "pid"))
			finding_fact_int(f, "killer_pid", qlog_get_int(sig, "pid", 0));
		finding_fact_str(f, "killer_command", sender);
	}
	json_t *steps = json_array();
	if (l->agent)
		json_array_append_new(steps, json_string("guest-agent"));
	if (l->powerdown || l->pd_event)
		json_array_append_new(steps, json_string("acpi-powerdown"));
	if (sig)
		json_array_append_new(steps, json_string("host-signal"));
	finding_fact(f, "steps", steps);
}
