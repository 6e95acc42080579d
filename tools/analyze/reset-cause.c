/* Reset causes and confidential technology from the evidence (reset-cause.h). */
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "reset-cause.h"

const char *reset_cause_name(enum reset_cause c)
{
	static const char *const names[] = { "unknown", "guest reboot", "guest panic",
					     "triple fault", "early guest death" };
	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* the exit reason of a kvm_run_exit trace ("cpu_index %d, reason %d"), -1 if not one */
static long run_exit_reason(const struct qlog_event *e)
{
	const char *a = qlog_get(e, "args");
	if (!e->name || strcmp(e->name, "kvm_run_exit") || !a || !(a = strstr(a, "reason ")))
		return -1;
	char *end;
	long r = strtol(a + 7, &end, 10);
	return end > a + 7 ? r : -1;
}

/* KVM_EXIT_IO 2, _MMIO 6, _SYSTEM_EVENT 24: how a guest asks for its own
 * reset (0xcf9, the keyboard controller, the ACPI reset register, PSCI) */
static bool is_reset_path_exit(long r)
{
	return r == 2 || r == 6 || r == 24;
}

struct reset_evidence reset_cause_find(const struct qlog_stream *s, size_t from, size_t i)
{
	struct reset_evidence r = { RESET_CAUSE_UNKNOWN, NULL, 0 };
	const struct qlog_event *first = NULL, *panic = NULL, *reboot = NULL, *tf = NULL,
				*exit_ev = NULL;
	long exit_reason = -1;
	for (size_t j = from; j < i && j < s->n; j++) {
		const struct qlog_event *e = &s->ev[j];
		const char *what = e->kind == QLOG_KERNEL ? qlog_get(e, "event") : NULL;
		const char *qev = e->kind == QLOG_QMP_EVENT ? qlog_get(e, "event") : NULL;
		long reason = run_exit_reason(e);
		if ((what && !strcmp(what, "panic")) || (qev && !strcmp(qev, "GUEST_PANICKED")))
			panic = e, reboot = NULL;
		else if (what && !strcmp(what, "reboot"))
			reboot = e, panic = NULL;
		else if (what && !strcmp(what, "triple-fault"))
			tf = e;
		if (reason >= 0) {
			exit_reason = reason;
			exit_ev = e;
		}
	}
	/* the console says most; the vCPU's last exit before the reset next */
	if (panic)
		return (struct reset_evidence){ RESET_CAUSE_PANIC, panic, 0 };
	if (exit_reason == 8) /* KVM_EXIT_SHUTDOWN */
		return (struct reset_evidence){ RESET_CAUSE_TRIPLE_FAULT, exit_ev, 0 };
	if (reboot)
		return (struct reset_evidence){ RESET_CAUSE_REBOOT, reboot, 0 };
	if (tf)
		return (struct reset_evidence){ RESET_CAUSE_TRIPLE_FAULT, tf, 0 };
	if (is_reset_path_exit(exit_reason))
		return (struct reset_evidence){ RESET_CAUSE_REBOOT, exit_ev, 0 };
	/* the run's start: its libvirt "starting up" or command line, else the
	 * input's first line; only a start that carries a time counts */
	double sec;
	first = from > 0 ? &s->ev[from - 1] : s->n ? &s->ev[0] : NULL;
	if (first && first->clock != QLOG_CLOCK_NONE && i < s->n &&
	    diag_seconds_between(first, &s->ev[i], &sec) && sec >= 0 && sec < 1.0) {
		r.cause = RESET_CAUSE_EARLY;
		r.ev = first;
		r.seconds = sec;
	}
	return r;
}

/* explicit evidence of the technology in one event, or NULL */
static const char *explicit_tech(const struct qlog_event *e)
{
	if (e->kind == QLOG_CONFIDENTIAL_TECH || e->kind == QLOG_CONFIDENTIAL_ERROR ||
	    (e->kind == QLOG_KERNEL && qlog_has(e, "tech")))
		return qlog_get(e, "tech");
	if (e->kind == QLOG_COMMAND_LINE || e->kind == QLOG_LIBVIRT_START || e->kind == QLOG_TEXT) {
		const char *t = e->text;
		if (strstr(t, "tdx-guest") || strstr(t, "launchSecurity type='tdx'"))
			return "TDX";
		if (strstr(t, "sev-snp-guest") || strstr(t, "launchSecurity type='sev-snp'"))
			return "SNP";
	}
	const char *pol = e->kind == QLOG_SEV_POLICY ? qlog_get(e, "policy") : qlog_get(e, "sev_policy");
	if (pol)
		return strtoul(pol, NULL, 0) & 0x4 ? "SEV-ES" : "SEV";
	return NULL;
}

/* a mention in free text: "TDX guest", "SEV-SNP", "SEV-ES" */
static const char *mentioned_tech(const struct qlog_event *e)
{
	const char *t = e->text;
	if (strstr(t, "TDX") || strstr(t, "tdx guest") || strstr(t, "tdx-guest") || strstr(t, "TD guest"))
		return "TDX";
	if (strstr(t, "SEV-SNP") || strstr(t, "sev-snp"))
		return "SNP";
	if (strstr(t, "SEV-ES") || strstr(t, "sev-es"))
		return "SEV-ES";
	return NULL;
}

const char *confidential_tech_find(const struct qlog_stream *s, const struct qlog_event **ev,
				   bool *weak)
{
	const char *tech = NULL, *said = NULL;
	const struct qlog_event *said_ev = NULL;
	*ev = NULL;
	*weak = false;
	for (size_t j = 0; j < s->n; j++) {
		const struct qlog_event *e = &s->ev[j];
		const char *t = explicit_tech(e);
		/* SNP and TDX outrank SEV (an SNP guest has a policy too) */
		if (t && (!tech || !strcmp(t, "TDX") || !strcmp(t, "SNP") ||
			  (!strcmp(tech, "SEV") && !strcmp(t, "SEV-ES")))) {
			tech = t;
			*ev = e;
		}
		if (!said && (t = mentioned_tech(e))) {
			said = t;
			said_ev = e;
		}
	}
	if (!tech && said) {
		*ev = said_ev;
		*weak = true;
		return said;
	}
	return tech;
}
