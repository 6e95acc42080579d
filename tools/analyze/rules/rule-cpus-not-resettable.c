/* Rule cpus-not-resettable: a guest reboot that QEMU turned into a shutdown
 * because the vCPUs of a confidential guest cannot be reset (spec §3.2,
 * §3.7, §4.2; seed 000). Fires on QEMU's "cpus are not resettable,
 * terminating" or on kvmscope-vmm's qemu_system_reset_request trace with
 * resettable=0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/findings.h"
#include "analyze/reset-cause.h"

/* SEV policy bits (QEMU target/i386/sev.h) and what each means here */
static const struct {
	unsigned long bit;
	const char *name;
	const char *meaning;
} policy_bits[] = {
	{ 0x1, "NODBG", "debugging the guest is not allowed" },
	{ 0x2, "NOKS", "no key sharing with other guests" },
	{ 0x4, "ES", "SEV-ES: vCPU register state is encrypted, so QEMU cannot reset the vCPUs" },
	{ 0x8, "NOSEND", "the guest may not be sent to another platform" },
	{ 0x10, "DOMAIN", "the guest may only be sent within the domain" },
	{ 0x20, "SEV", "the guest may only be sent to SEV platforms" },
	{ 0x40, "0x40", "not an upstream QEMU bit (a Hygon CSV3 downstream sets it)" },
};

/* "NODBG|ES" and a JSON array of the names */
static void decode_policy(unsigned long policy, char *names, size_t len, json_t *arr)
{
	size_t n = 0;
	names[0] = '\0';
	for (size_t i = 0; i < sizeof(policy_bits) / sizeof(policy_bits[0]); i++) {
		if (!(policy & policy_bits[i].bit))
			continue;
		n += (size_t)snprintf(names + n, n < len ? len - n : 0, "%s%s", n ? "|" : "",
				      policy_bits[i].name);
		json_array_append_new(arr, json_string(policy_bits[i].name));
	}
	unsigned long unknown = policy & ~0x7fUL;
	if (unknown) {
		n += (size_t)snprintf(names + n, n < len ? len - n : 0, "%s0x%lx", n ? "|" : "",
				      unknown);
		json_array_append_new(arr, json_string("unknown"));
	}
	if (!n)
		snprintf(names, len, "none");
}

static const char *policy_of(const struct qlog_event *e)
{
	return e->kind == QLOG_SEV_POLICY ? qlog_get(e, "policy") : qlog_get(e, "sev_policy");
}

/* the policy of the confidential guest: the last one given before index I,
 * else the first in the input. POLICIES lists the indices of the events that
 * carry one, in order (found once per run of the rule). */
static const struct qlog_event *find_policy(const struct qlog_stream *s, const size_t *policies,
					    size_t npolicies, size_t i, unsigned long *policy)
{
	const struct qlog_event *best = NULL;
	for (size_t k = 0; k < npolicies; k++) {
		if (best && policies[k] >= i)
			break;
		best = &s->ev[policies[k]];
	}
	if (best)
		*policy = strtoul(policy_of(best), NULL, 0);
	return best;
}

/* a command that changes the guest's state (not capabilities, queries, pings) */
static bool acts_on_guest(const struct qlog_event *e)
{
	const char *c = qlog_get(e, "command");
	return c && strcmp(c, "qmp_capabilities") && strncmp(c, "query-", 6) &&
	       strncmp(c, "query_", 6) && strncmp(c, "guest-sync", 10) && strcmp(c, "guest-ping") &&
	       strcmp(c, "guest-info");
}

static bool is_trigger(const struct qlog_event *e)
{
	if (e->kind == QLOG_NOT_RESETTABLE)
		return true;
	const char *r = qlog_get(e, "resettable");
	return e->kind == QLOG_RESET_REQUEST && r && !strcmp(r, "false");
}

/* the step that says what the guest did before the reset */
static void report_cause(struct finding *f, const struct reset_evidence *rc,
			 const struct qlog_event *ref)
{
	char w[256];
	if (!rc->ev)
		return;
	diag_where(rc->ev, ref, w, sizeof(w));
	if (rc->cause == RESET_CAUSE_EARLY)
		finding_step(f, "the reset came %.3f s after the first line of this run (%s), with "
				"no word from the guest: a guest that dies that early most likely "
				"triple-faulted (firmware or kernel faulting before its console works)",
			     rc->seconds, w);
	else if (rc->ev->name && !strcmp(rc->ev->name, "kvm_run_exit"))
		finding_step(f, "the vCPU's last exit before the reset: %s (%s): %s", rc->ev->text, w,
			     rc->cause == RESET_CAUSE_TRIPLE_FAULT ?
				     "KVM_EXIT_SHUTDOWN, the CPU reset itself (a triple fault)" :
				     "the guest wrote to a reset port or register, or asked through a "
				     "system event: its own reboot");
	else
		finding_step(f, "before it, %s: %s (%s)", reset_cause_name(rc->cause), rc->ev->text, w);
	finding_evidence(f, rc->ev);
}

/* why the vCPUs cannot be reset, for TECH (NULL: not in the input) */
static const char *protection(const char *tech)
{
	if (!tech)
		return "SEV-ES (policy bit 0x4), SEV-SNP or TDX; the input does not say which";
	if (!strcmp(tech, "TDX"))
		return "TDX: the TD's vCPU state belongs to the TDX module, not to the host";
	if (!strcmp(tech, "SNP"))
		return "SEV-SNP: the vCPU state (VMSA) is encrypted and part of the launch measurement";
	return "SEV-ES: policy bit 0x4, the vCPU register state is encrypted";
}

static void explain(struct finding *f, const struct reset_evidence *rc, const char *tech, bool sig)
{
	static const char *const first[] = {
		[RESET_CAUSE_UNKNOWN] = "The guest asked for a reset (cause guest-reset). The input "
					"does not say why - a reboot, a kernel panic's reboot or a "
					"triple fault all look alike here; the guest's console, or "
					"kvmscope record -- <the QEMU command> (a KVM_EXIT_SHUTDOWN "
					"exit before the reset means a triple fault), tells them apart.",
		[RESET_CAUSE_REBOOT] = "The guest rebooted itself (its console or its last exit "
				       "says so).",
		[RESET_CAUSE_PANIC] = "The guest kernel panicked and rebooted itself from the panic "
				      "(its console shows the panic): the panic is the incident, "
				      "its message says why; the shutdown is only its consequence.",
		[RESET_CAUSE_TRIPLE_FAULT] = "The guest triple-faulted: the vCPU hit a fault it "
					     "could not deliver and the CPU reset it (the guest "
					     "did not choose to reboot); that fault is the incident.",
		[RESET_CAUSE_EARLY] = "The guest reset itself within a second of starting without "
				      "a word on its console: most likely a triple fault in the "
				      "firmware or early kernel, less likely a very early reboot; "
				      "kvmscope record -- <the QEMU command> shows a KVM_EXIT_SHUTDOWN "
				      "exit if it was a triple fault.",
	};
	finding_explain(f,
			"%s For a confidential guest whose vCPU state is protected (%s), QEMU "
			"cannot put the vCPUs back to their reset state, so "
			"qemu_system_reset_request() does not reset: it prints \"cpus are not "
			"resettable, terminating\" and requests a shutdown with cause guest-reset. "
			"The VM therefore powers off instead of restarting%s. This is QEMU's designed "
			"behaviour for such guests: to get the guest back, the management layer must "
			"start the VM again after SHUTDOWN{guest:true, reason:guest-reset} (libvirt "
			"on_reboot)%s.",
			first[rc->cause], protection(tech),
			sig ? "; the later SIGTERM is the management layer cleaning up the stopped "
			      "process (-no-shutdown), not the cause" : "",
			rc->cause == RESET_CAUSE_REBOOT || rc->cause == RESET_CAUSE_UNKNOWN ?
				", or the guest must use a reboot path its confidential-computing "
				"platform supports" : "");
}

static void run(const struct qlog_stream *s, struct finding_list *out)
{
	size_t consumed = 0; /* events up to here belong to an earlier finding */
	size_t *policies = NULL, npolicies = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!policy_of(&s->ev[i]))
			continue;
		size_t *p = realloc(policies, (npolicies + 1) * sizeof(*p));
		if (!p)
			break;
		policies = p;
		policies[npolicies++] = i;
	}

	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *t = &s->ev[i];
		if (i < consumed || !is_trigger(t))
			continue;
		size_t start = diag_lookback(s, i), end = diag_run_end(s, i);
		char w[256], w2[256];
		struct finding *f = finding_new(out, "cpus-not-resettable");
		if (!f)
			break;

		/* the pieces of this incident, within this VMM run */
		const struct qlog_event *msg = diag_find(s, i, i + 4 < end ? i + 4 : end, QLOG_NOT_RESETTABLE);
		const struct qlog_event *req = NULL;
		for (size_t j = i >= 4 ? i - 4 : 0; j < i + 4 && j < end; j++)
			if (s->ev[j].kind == QLOG_RESET_REQUEST && j >= start)
				req = &s->ev[j];
		if (t->kind == QLOG_NOT_RESETTABLE)
			msg = t;
		const struct qlog_event *shut = diag_find_qmp_event(s, i, end, "SHUTDOWN", NULL);
		const struct qlog_event *guest_exit = NULL, *sysev = NULL;
		for (size_t j = start; j < i; j++) {
			const struct qlog_event *e = &s->ev[j];
			if (e->name && !strcmp(e->name, "guest_exit_request"))
				guest_exit = e;
			if (e->name && !strcmp(e->name, "kvm_run_exit_system_event"))
				sysev = e;
		}
		const struct qlog_event *host_cmd = NULL, *agent_cmd = NULL;
		for (size_t j = start; j < i; j++) {
			const struct qlog_event *e = &s->ev[j];
			if (e->kind == QLOG_QMP_COMMAND && acts_on_guest(e))
				host_cmd = e;
			else if (e->kind == QLOG_AGENT_COMMAND && acts_on_guest(e))
				agent_cmd = e;
		}
		const struct qlog_event *rs = NULL, *stop = NULL, *sig = NULL, *sig_shut = NULL,
					*lv_stop = NULL, *quit = NULL;
		for (size_t j = i + 1; j < end; j++) {
			const struct qlog_event *e = &s->ev[j];
			const char *to = qlog_get(e, "to"), *ev = qlog_get(e, "event");
			if (e->kind == QLOG_RUNSTATE && to && !strcmp(to, "shutdown") && !rs)
				rs = e;
			else if (e->kind == QLOG_QMP_EVENT && ev && !strcmp(ev, "STOP") && !stop)
				stop = e;
			else if (e->kind == QLOG_SIGNAL && !sig)
				sig = e;
			else if (e->kind == QLOG_QMP_EVENT && ev && !strcmp(ev, "SHUTDOWN") && sig &&
				 !sig_shut)
				sig_shut = e;
			else if (e->kind == QLOG_MAIN_LOOP_EXIT && !quit)
				quit = e;
			else if (e->kind == QLOG_LIBVIRT_STOP && !lv_stop)
				lv_stop = e;
			else if (is_trigger(e) && e != msg && e != req)
				break; /* the next incident */
		}
		consumed = (lv_stop ? diag_index(s, lv_stop) : msg ? diag_index(s, msg) : i) + 1;
		if (req && diag_index(s, req) + 1 > consumed)
			consumed = diag_index(s, req) + 1;

		unsigned long policy = 0;
		const struct qlog_event *pol = find_policy(s, policies, npolicies, i, &policy);
		char bits[128] = "";
		json_t *bit_arr = json_array();
		if (pol)
			decode_policy(policy, bits, sizeof(bits), bit_arr);

		/* what the guest did, and what kind of confidential guest it is */
		struct reset_evidence rc = reset_cause_find(s, start, i);
		const struct qlog_event *tech_ev = NULL;
		bool tech_weak = false;
		const char *tech = confidential_tech_find(s, &tech_ev, &tech_weak);
		const char *what = rc.cause == RESET_CAUSE_PANIC ? "guest panic (its reboot)" :
				   rc.cause == RESET_CAUSE_TRIPLE_FAULT ? "guest triple fault (a vCPU reset)" :
				   rc.cause == RESET_CAUSE_EARLY ? "guest reset right after start" :
								   "guest reboot";
		if (pol)
			finding_title(f, "%s became a shutdown: cpus are not resettable "
					 "(confidential guest policy 0x%lx = %s)", what, policy, bits);
		else if (tech)
			finding_title(f, "%s became a shutdown: cpus are not resettable (%s guest)", what,
				      !strcmp(tech, "SNP") ? "SEV-SNP" : tech);
		else
			finding_title(f, "%s became a shutdown: cpus are not resettable "
					 "(confidential guest; policy not in the input)", what);
		report_cause(f, &rc, t);

		/* 1. who asked for the reset */
		const char *reason = shut ? qlog_get(shut, "reason") : NULL;
		if (!reason && req)
			reason = qlog_get(req, "reason_name");
		if (guest_exit) {
			diag_where(guest_exit, t, w, sizeof(w));
			finding_step(f, "the guest asked for a reset itself: %s (%s)",
				     qlog_get(guest_exit, "args"), w);
			finding_evidence(f, guest_exit);
		} else if (sysev) {
			diag_where(sysev, t, w, sizeof(w));
			finding_step(f, "the guest asked for a reset: KVM_EXIT_SYSTEM_EVENT (%s)", w);
			finding_evidence(f, sysev);
		} else if (reason) {
			finding_step(f, "a reset was requested with cause %s%s", reason,
				     !strcmp(reason, "guest-reset") ?
					     " (the guest rebooted: ACPI reset, 0xCF9, keyboard "
					     "controller, triple fault or PSCI)" : "");
		} else {
			finding_step(f, "qemu_system_reset_request() was called; its cause is not in "
					"the input (without a QMP system_reset it is the guest's own "
					"reboot: guest-reset)");
		}
		if (!host_cmd && !agent_cmd)
			finding_step(f, "no QMP or guest-agent command before it in this run: the "
					"reboot came from inside the guest, not from the control plane");
		else {
			const struct qlog_event *c = host_cmd ? host_cmd : agent_cmd;
			diag_where(c, t, w, sizeof(w));
			finding_step(f, "the last host command before it: %s (%s)",
				     qlog_get(c, "command") ? qlog_get(c, "command") : "?", w);
		}
		/* 2. QEMU's decision */
		if (req) {
			diag_where(req, t, w, sizeof(w));
			finding_step(f, "qemu_system_reset_request(%s): reboot action is 'reset', so "
					"it asked cpus_are_resettable() -> %s; decision: %s (%s)",
				     qlog_get(req, "reason_name"), qlog_get(req, "resettable"),
				     qlog_get(req, "action") ? qlog_get(req, "action") : "?", w);
			finding_evidence(f, req);
		} else {
			finding_step(f, "qemu_system_reset_request(guest-reset): the reboot action is "
					"'reset' (not -no-reboot), so QEMU asked cpus_are_resettable()");
		}
		if (!pol && tech) {
			diag_where(tech_ev, t, w, sizeof(w));
			finding_step(f, "cpus_are_resettable() is false: KVM with a %s guest, whose vCPU "
					"state is protected (%s %s)", tech,
				     tech_weak ? "named in the input's text," : "said by", w);
			finding_evidence(f, tech_ev);
		} else if (pol) {
			diag_where(pol, t, w, sizeof(w));
			finding_step(f, "cpus_are_resettable() is false: KVM with a confidential guest "
					"whose policy 0x%lx (%s) has %s (%s); QEMU 7.2-9.0: "
					"kvm_arch_cpu_check_are_resettable() = !sev_es_enabled(); 9.1+: "
					"!guest_state_protected",
				     policy, bits,
				     policy & 0x4 ? "the ES bit 0x4" :
						    "no ES bit (0x4): a downstream rule or an SNP/TDX guest",
				     w);
			finding_evidence(f, pol);
		} else {
			finding_step(f, "cpus_are_resettable() is false: KVM with protected guest state "
					"(SEV-ES policy bit 0x4, SEV-SNP or TDX); the policy itself is not "
					"in the input (look for -object sev-guest,...,policy=N or "
					"<launchSecurity><policy> in the domain XML)");
		}
		if (msg) {
			diag_where(msg, t, w, sizeof(w));
			finding_step(f, "so the reset became a shutdown request with the same cause: "
					"\"cpus are not resettable, terminating\" (%s)", w);
			finding_evidence(f, msg);
		}
		/* 3. what followed */
		if (shut) {
			diag_where(shut, t, w, sizeof(w));
			finding_step(f, "main loop: SHUTDOWN {guest: %s, reason: %s} (%s)",
				     qlog_get(shut, "guest") ? qlog_get(shut, "guest") : "?",
				     reason ? reason : "?", w);
			finding_evidence(f, shut);
		}
		if (rs) {
			diag_where(rs, t, w, sizeof(w));
			if (stop) {
				diag_where(stop, t, w2, sizeof(w2));
				finding_step(f, "-no-shutdown (as libvirt runs QEMU) kept the process: "
						"run state %s -> shutdown (%s), STOP (%s)",
					     qlog_get(rs, "from"), w, w2);
				finding_evidence(f, stop);
			} else {
				finding_step(f, "run state %s -> shutdown (%s)", qlog_get(rs, "from"), w);
			}
			finding_evidence(f, rs);
		}
		if (sig) {
			diag_where(sig, t, w, sizeof(w));
			finding_step(f, "then the host ended QEMU: signal %s from pid %s (%s) (%s)%s",
				     qlog_get(sig, "signal"),
				     qlog_get(sig, "pid") ? qlog_get(sig, "pid") : "?",
				     qlog_get(sig, "sender") ? qlog_get(sig, "sender") : "?", w,
				     sig_shut ? " -> SHUTDOWN {guest: false, reason: host-signal}" : "");
			finding_evidence(f, sig);
			finding_evidence(f, sig_shut);
		}
		if (lv_stop) {
			diag_where(lv_stop, t, w, sizeof(w));
			finding_step(f, "libvirt: shutting down, reason=%s (%s)", qlog_get(lv_stop, "reason"),
				     w);
			finding_evidence(f, lv_stop);
		}
		finding_evidence(f, t);

		explain(f, &rc, tech, sig != NULL);
		finding_fact_str(f, "cause", reset_cause_name(rc.cause));
		finding_fact_str(f, "tech", tech);
		finding_fact_str(f, "reason", reason ? reason : "guest-reset");
		if (pol) {
			char hex[32];
			snprintf(hex, sizeof(hex), "0x%lx", policy);
			finding_fact_str(f, "policy", hex);
			finding_fact(f, "policy_bits", bit_arr);
			finding_fact(f, "es_bit", json_boolean(policy & 0x4));
		} else {
			json_decref(bit_arr);
			finding_fact(f, "policy", json_null());
		}
		if (sig && qlog_get(sig, "pid"))
			finding_fact_int(f, "killer_pid", qlog_get_int(sig, "pid", 0));
	}
	free(policies);
}

const struct diag_rule rule_cpus_not_resettable = {
	.name = "cpus-not-resettable",
	.summary = "a guest reboot turned into a shutdown because a confidential guest's vCPUs "
		   "cannot be reset",
	.run = run,
};
