/* Rule confidential-launch: a SEV, SEV-ES, SEV-SNP or TDX guest could not be
 * launched. QEMU prints the failing step (LAUNCH_START, SNP_LAUNCH_START,
 * KVM_TDX_CAPABILITIES, ...) with the kernel's return value and, for SEV,
 * the firmware's status (fw_error, decoded from the SEV API's status codes).
 * A negative ret is -errno from the kernel: QEMU prints it with strerror,
 * which misleads for -ENOTTY ("Inappropriate ioctl for device" means the
 * kernel does not know the command), so the errno is named, not echoed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/findings.h"
#include "sev-status.h"

/* what the kernel's answer (fw_error 0) says, most likely causes first */
static const struct {
	const char *errname, *says, *causes;
} kernel_answers[] = {
	{ "ENOTTY", "the host kernel does not know this command (ret -25 is -ENOTTY; QEMU's "
		    "\"Inappropriate ioctl for device\" is strerror's wording, not about a device)",
	  "1) the host kernel has no support for this kind of guest: kvm_amd without sev=1 / "
	  "sev_es=1 / sev_snp=1, or a kernel built without it; 2) QEMU and the host kernel come "
	  "from different releases (an SNP or TDX QEMU on a kernel without that API): they must "
	  "be changed in lock-step" },
	{ "EINVAL", "the host kernel rejected the arguments: the firmware was not reached "
		    "(fw_error 0)",
	  "1) the guest policy: bits the kernel or this host refuses (SNP: reserved bit 17 must "
	  "be set; SMT or debug allowed where the host forbids them); 2) launch options this "
	  "QEMU/kernel pair does not accept (SNP firmware given as pflash where -bios is needed, "
	  "guest memory not in a memfd/guest_memfd backend); 3) QEMU and host kernel from "
	  "different releases" },
	{ "EOPNOTSUPP", "the host kernel does not support this for the VM (ret -95)",
	  "1) SEV, SEV-ES or SNP is not enabled in kvm_amd (or not offered by the BIOS); 2) a "
	  "feature asked (an SVSM, VMSA features, a VM type) that this host kernel does not "
	  "support yet" },
	{ "EPERM", "the SEV platform could not be used (ret -1)",
	  "1) the SEV platform is not initialised: the host kernel log says \"SEV: failed to INIT\" "
	  "(BIOS settings or a firmware the kernel cannot use: update the BIOS); 2) /dev/sev not "
	  "accessible to QEMU" },
	{ "EBUSY", "a resource is in use (ret -16)",
	  "1) no free ASID for another confidential guest (the BIOS's ASID split between SEV and "
	  "SEV-ES/SNP); 2) the platform busy with another command" },
	{ "ENOMEM", "the host could not allocate what the launch needs (ret -12)",
	  "1) host memory or the memory cgroup limit; 2) no free pages for the firmware's buffers" },
};

static const char *tech_of(const struct qlog_event *e)
{
	return qlog_get(e, "tech") ? qlog_get(e, "tech") : "SEV";
}

/* "SNP_LAUNCH_START", "SEV init (KVM_SEV_INIT)", "TDX VM type" */
static void step_name(const struct qlog_event *t, char *buf, size_t len)
{
	const char *step = qlog_get(t, "step") ? qlog_get(t, "step") : "?";
	if (!strcmp(step, "INIT"))
		snprintf(buf, len, "SEV init (KVM_SEV_INIT%s)",
			 !strcmp(tech_of(t), "SEV-ES") ? "/KVM_SEV_ES_INIT" : "");
	else if (!strcmp(step, "vm-type") || !strcmp(step, "vm-type tdx"))
		snprintf(buf, len, "%s VM type", tech_of(t));
	else
		snprintf(buf, len, "%s", step);
}

static void explain_firmware(struct finding *f, const struct qlog_event *t, const char *step,
			     unsigned long fw)
{
	const struct sev_status *st = sev_status_find(fw);
	finding_step(f, "the SEV firmware's status %lu = %s: %s", fw, st ? st->name : "unknown",
		     st ? st->meaning : "not a status code of the SEV API specification");
	finding_fact_str(f, "fw_status", st ? st->name : NULL);
	finding_explain(f, "The %s launch failed in the AMD secure processor's firmware: %s "
			   "returned status %lu (%s): %s. The firmware, not the kernel, refused. "
			   "Likely next steps, most likely first: 1) the host's SEV firmware version "
			   "(host kernel log: \"SEV API x.y build z\") is too old or too new for what "
			   "the guest asks; 2) the guest's policy or launch inputs (ID block, "
			   "measurement, certificates) do not match this platform. To tell them "
			   "apart: the host kernel log's SEV lines, and kvmscope record --functions "
			   "__sev_do_cmd_locked -- <the QEMU command> for the firmware command and "
			   "its status.",
			tech_of(t), step, fw, st ? st->name : "unknown", st ? st->meaning : "?");
}

static void explain_tdx(struct finding *f, const struct qlog_event *t, const char *step)
{
	const char *errname = qlog_get(t, "errname");
	if (qlog_has(t, "unsupported")) {
		finding_explain(f, "KVM does not offer the TDX VM type, so QEMU could not create a TD. "
				   "Most likely first: 1) the host kernel has no TDX support in KVM (a "
				   "kernel without the TDX host patches); 2) TDX is off in the BIOS or the "
				   "TDX module did not initialise (the host kernel log lacks \"virt/tdx: "
				   "module initialized\"); 3) kvm_intel loaded with tdx=0. To tell them "
				   "apart: the host kernel log's virt/tdx lines, and kvmscope record -- <the "
				   "QEMU command>: KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) says which VM "
				   "types this KVM offers.");
		return;
	}
	finding_explain(f, "The TDX launch step %s failed%s%s. %s To tell the causes apart: the "
			   "host kernel log's virt/tdx and kvm_intel lines, and kvmscope record -- "
			   "<the QEMU command> for the KVM_MEMORY_ENCRYPT_OP calls and their errno.",
			step, errname ? " with " : "", errname ? errname : "",
			errname && !strcmp(errname, "ENOTTY") ?
				"The host kernel does not know the TDX command (ENOTTY; QEMU's "
				"\"Inappropriate ioctl for device\" is strerror's wording): most "
				"likely first, 1) a host kernel without TDX support in KVM, 2) QEMU "
				"and host kernel from different TDX releases (they must match)." :
				"Most likely first: 1) the TDX module or TDVF firmware does not match "
				"the host kernel and QEMU; 2) host resources for the TD (memory, "
				"keys) ran out.");
}

static void explain_kernel(struct finding *f, const struct qlog_event *t, const char *step)
{
	const char *errname = qlog_get(t, "errname");
	for (size_t k = 0; errname && k < sizeof(kernel_answers) / sizeof(kernel_answers[0]); k++) {
		if (strcmp(kernel_answers[k].errname, errname))
			continue;
		finding_explain(f, "The %s launch failed in the host kernel at %s: %s. Most likely "
				   "first: %s. To tell them apart: the host kernel log (kvm_amd and "
				   "ccp lines: SEV API version, \"SEV: failed to INIT\") and kvmscope "
				   "record --functions sev_mem_enc_ioctl -- <the QEMU command>, which "
				   "shows where the kernel returned.",
				tech_of(t), step, kernel_answers[k].says, kernel_answers[k].causes);
		return;
	}
	finding_explain(f, "The %s launch failed at %s%s%s. The kernel's handler of "
			   "KVM_MEMORY_ENCRYPT_OP for that step returns it; kvmscope record "
			   "--functions sev_mem_enc_ioctl -- <the QEMU command> shows where.",
			tech_of(t), step, errname ? " with " : "", errname ? errname : "");
}

static size_t report(const struct qlog_stream *s, size_t i, struct finding_list *out)
{
	const struct qlog_event *t = &s->ev[i];
	size_t start = diag_run_start(s, i), end = diag_run_end(s, i), next = i + 1;
	char step[128], w[128];
	step_name(t, step, sizeof(step));
	const char *errname = qlog_get(t, "errname");
	long fw = qlog_get_int(t, "fw_error", 0);
	struct finding *f = finding_new(out, "confidential-launch");
	finding_title(f, "confidential guest launch failed (%s): %s -> %s%s%s", tech_of(t), step,
		      errname ? errname : qlog_has(t, "unsupported") ? "not supported" : "error",
		      fw ? ", firmware status " : "", fw ? qlog_get(t, "fw_error") : "");
	finding_evidence(f, t);
	diag_where(t, t, w, sizeof(w));
	finding_step(f, "QEMU said: %s (%s)", qlog_get(t, "message") ? qlog_get(t, "message") : t->text,
		     w);
	if (qlog_has(t, "ret"))
		finding_step(f, "ret=%s is the kernel's answer: %s%s", qlog_get(t, "ret"),
			     errname ? "-" : "", errname ? errname : "not an errno");
	/* the consequences QEMU printed after it, and the host kernel's lines */
	for (size_t j = i + 1; j < end && j < i + 8; j++) {
		const struct qlog_event *e = &s->ev[j];
		if ((e->kind == QLOG_CONFIDENTIAL_ERROR && qlog_has(e, "consequence")) ||
		    e->kind == QLOG_KVM_INIT_FAILED) {
			finding_evidence(f, e);
			next = j + 1;
		}
	}
	for (size_t j = start; j < end; j++) {
		const struct qlog_event *e = &s->ev[j];
		if (e->kind == QLOG_KERNEL && qlog_has(e, "tech")) {
			diag_where(e, t, w, sizeof(w));
			finding_step(f, "the host kernel log in the input: %s (%s)", qlog_get(e, "message"), w);
			finding_evidence(f, e);
		}
	}
	if (!strcmp(tech_of(t), "TDX"))
		explain_tdx(f, t, step);
	else if (fw)
		explain_firmware(f, t, step, (unsigned long)fw);
	else
		explain_kernel(f, t, step);
	finding_fact_str(f, "tech", tech_of(t));
	finding_fact_str(f, "step", qlog_get(t, "step"));
	finding_fact_str(f, "errno", errname);
	if (qlog_has(t, "fw_error"))
		finding_fact_int(f, "fw_error", fw);
	return next;
}

static void run(const struct qlog_stream *s, struct finding_list *out)
{
	for (size_t i = 0; i < s->n;) {
		const struct qlog_event *e = &s->ev[i];
		/* the failing step; a consequence alone ("failed to create encryption
		 * context") when QEMU did not print the step */
		if (e->kind == QLOG_CONFIDENTIAL_ERROR &&
		    (!qlog_has(e, "consequence") || i == 0 || s->ev[i - 1].kind != QLOG_CONFIDENTIAL_ERROR))
			i = report(s, i, out);
		else
			i++;
	}
}

const struct diag_rule rule_confidential_launch = {
	.name = "confidential-launch",
	.summary = "a SEV, SEV-ES, SNP or TDX guest could not be launched: the step, the kernel's "
		   "errno and the firmware's status decoded",
	.run = run,
};
