/* Rule agent-escalation: a shutdown the control plane had to escalate (seed
 * 000, spec §11.1-§11.2): guest agent guest-shutdown -> QMP system_powerdown
 * (ACPI power button) -> a host signal that kills QEMU. Each step is there
 * because the guest did not shut down after the one before. */
#include <stdio.h>
#include <string.h>

#include "analyze/findings.h"

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

static void run(const struct qlog_stream *s, struct finding_list *out)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *first = &s->ev[i];
		bool agent = first->kind == QLOG_AGENT_COMMAND && is_cmd(first, "guest-shutdown");
		bool acpi = first->kind == QLOG_QMP_COMMAND && is_cmd(first, "system_powerdown");
		if (!agent && !acpi)
			continue;

		/* walk the ladder until the guest goes down, QEMU is killed, or the run ends */
		size_t end = s->n;
		const struct qlog_event *powerdown = acpi ? first : NULL, *pd_event = NULL,
					*pd_request = NULL, *sig = NULL, *sig_shut = NULL,
					*quit = NULL, *lv_stop = NULL, *down = NULL;
		size_t j;
		for (j = i + 1; j < end && j < i + DIAG_LOOKBACK; j++) {
			const struct qlog_event *e = &s->ev[j];
			const char *ev = qlog_get(e, "event");
			if (e->kind == QLOG_LIBVIRT_START || e->kind == QLOG_COMMAND_LINE)
				break;
			if (e->kind == QLOG_AGENT_COMMAND && is_cmd(e, "guest-shutdown") && !sig)
				break; /* a new attempt: its own ladder */
			if (guest_went_down(e) && !sig) {
				down = e;
				break;
			}
			/* the same kind of line asking for a powerdown again: a new ladder
			 * (one request is often seen twice: the control plane's line and
			 * the VMM's trace) */
			if (e->kind == QLOG_QMP_COMMAND && is_cmd(e, "system_powerdown") && powerdown &&
			    !sig && e->source == powerdown->source && e->file == powerdown->file)
				break;
			if (e->kind == QLOG_QMP_COMMAND && is_cmd(e, "system_powerdown") && !powerdown)
				powerdown = e;
			else if (e->kind == QLOG_POWERDOWN_REQUEST && !pd_request)
				pd_request = e;
			else if (e->kind == QLOG_QMP_EVENT && ev && !strcmp(ev, "POWERDOWN") && !pd_event)
				pd_event = e;
			else if (e->kind == QLOG_SIGNAL && !sig)
				sig = e;
			else if (e->kind == QLOG_QMP_EVENT && ev && !strcmp(ev, "SHUTDOWN") && sig && !sig_shut)
				sig_shut = e;
			else if (e->kind == QLOG_MAIN_LOOP_EXIT && sig && !quit)
				quit = e;
			else if (e->kind == QLOG_LIBVIRT_STOP) {
				lv_stop = e;
				break;
			}
		}
		/* an escalation is at least two rungs, or ACPI ending in a kill */
		if (!((agent && (powerdown || sig)) || (acpi && sig)))
			continue;

		struct finding *f = finding_new(out, "agent-escalation");
		char w[256], d[128];
		json_t *fact;
		const char *sender = sig ? qlog_get(sig, "sender") : NULL;
		const char *pid = sig ? qlog_get(sig, "pid") : NULL;

		if (agent && powerdown && sig)
			finding_title(f, "forced power-off: guest agent shutdown -> ACPI powerdown -> "
					 "killed by signal %s from pid %s (%s)",
				      qlog_get(sig, "signal"), pid ? pid : "?", sender ? sender : "?");
		else if (sig)
			finding_title(f, "forced power-off: %s ignored -> killed by signal %s from pid "
					 "%s (%s)",
				      agent ? "guest agent shutdown" : "ACPI powerdown",
				      qlog_get(sig, "signal"), pid ? pid : "?", sender ? sender : "?");
		else
			finding_title(f, "guest agent did not shut the guest down: escalated to ACPI "
					 "powerdown%s",
				      down ? ", which worked" : "");

		const struct qlog_event *prev = first;
		if (agent) {
			diag_where(first, first, w, sizeof(w));
			finding_step(f, "guest agent: guest-shutdown mode %s sent to the guest (%s)",
				     qlog_get(first, "mode") ? qlog_get(first, "mode") : "powerdown", w);
			finding_evidence(f, first);
		}
		if (agent && powerdown) {
			delay_text(first, powerdown, d, sizeof(d), &fact);
			finding_fact(f, "agent_to_powerdown_s", fact);
			finding_step(f, "no SHUTDOWN {guest: true} followed: the agent did not shut the "
					"guest down (guest-shutdown has no reply on success, so the host "
					"only sees the result as a SHUTDOWN event)");
			diag_where(powerdown, first, w, sizeof(w));
			finding_step(f, "%s the control plane fell back to ACPI: QMP system_powerdown (%s)",
				     d, w);
			prev = powerdown;
		} else if (acpi) {
			diag_where(first, first, w, sizeof(w));
			finding_step(f, "QMP system_powerdown (%s)", w);
		}
		finding_evidence(f, powerdown);
		if (pd_request || pd_event) {
			const struct qlog_event *p = pd_event ? pd_event : pd_request;
			diag_where(p, first, w, sizeof(w));
			finding_step(f, "QEMU pressed the virtual ACPI power button: %s (%s)",
				     pd_event ? "POWERDOWN event" : "qemu_system_powerdown_request", w);
			finding_evidence(f, pd_request);
			finding_evidence(f, pd_event);
		}
		if (sig) {
			finding_step(f, "no SHUTDOWN {guest: true, reason: guest-shutdown} followed: the "
					"guest ignored the power button too (no ACPI handling, hung, or "
					"busy)");
			delay_text(prev, sig, d, sizeof(d), &fact);
			finding_fact(f, powerdown ? "powerdown_to_signal_s" : "agent_to_signal_s", fact);
			diag_where(sig, first, w, sizeof(w));
			finding_step(f, "%s the host killed QEMU: \"terminating on signal %s from pid %s "
					"(%s)\" (%s)",
				     d, qlog_get(sig, "signal"), pid ? pid : "?", sender ? sender : "?", w);
			finding_evidence(f, sig);
		}
		if (sig_shut) {
			diag_where(sig_shut, first, w, sizeof(w));
			finding_step(f, "SHUTDOWN {guest: %s, reason: %s} (%s)%s",
				     qlog_get(sig_shut, "guest") ? qlog_get(sig_shut, "guest") : "?",
				     qlog_get(sig_shut, "reason") ? qlog_get(sig_shut, "reason") : "?",
				     w, quit ? " and QEMU left its main loop" : "");
			finding_evidence(f, sig_shut);
			finding_evidence(f, quit);
		}
		if (lv_stop) {
			diag_where(lv_stop, first, w, sizeof(w));
			finding_step(f, "libvirt: shutting down, reason=%s (%s)%s",
				     qlog_get(lv_stop, "reason"), w,
				     !strcmp(qlog_get(lv_stop, "reason") ?: "", "destroyed") ?
					     ": a forced stop, not a guest shutdown" : "");
			finding_evidence(f, lv_stop);
		}
		if (down) {
			diag_where(down, first, w, sizeof(w));
			finding_step(f, "the guest then went down itself: %s reason %s (%s)",
				     qlog_get(down, "event"), qlog_get(down, "reason"), w);
			finding_evidence(f, down);
		}

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
			if (pid)
				finding_fact_int(f, "killer_pid", qlog_get_int(sig, "pid", 0));
			finding_fact_str(f, "killer_command", sender);
		}
		json_t *steps = json_array();
		if (agent)
			json_array_append_new(steps, json_string("guest-agent"));
		if (powerdown || pd_event)
			json_array_append_new(steps, json_string("acpi-powerdown"));
		if (sig)
			json_array_append_new(steps, json_string("host-signal"));
		finding_fact(f, "steps", steps);
		i = j > i ? j - 1 : i; /* one finding per ladder */
	}
}

const struct diag_rule rule_agent_escalation = {
	.name = "agent-escalation",
	.summary = "a shutdown escalated from the guest agent to ACPI powerdown to a host signal",
	.run = run,
};
