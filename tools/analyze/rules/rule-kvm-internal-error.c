/* Rule kvm-internal-error: KVM_RUN ended in an exit QEMU cannot handle -
 * KVM_EXIT_INTERNAL_ERROR ("KVM internal error. Suberror: N", its "extra
 * data[I]" and "emulation failure"), KVM_EXIT_FAIL_ENTRY ("KVM: entry
 * failed, hardware error 0x...") or an unknown exit. The suberror is decoded
 * from the kernel's uapi (KVM_INTERNAL_ERROR_*), the extra data where its
 * layout is self-evident, and the register dump QEMU printed is evidence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/findings.h"

/* include/uapi/linux/kvm.h: KVM_INTERNAL_ERROR_* */
static const struct {
	long suberror;
	const char *name, *meaning, *causes, *tell;
} suberrors[] = {
	{ 1, "KVM_INTERNAL_ERROR_EMULATION",
	  "KVM had to emulate a guest instruction and could not emulate it",
	  "1) the guest executed from, or touched with an instruction KVM's emulator lacks, "
	  "an address that is not RAM (MMIO, a hole in the memory map): a guest or firmware "
	  "that jumped to a wrong address; 2) real-mode or big-real-mode code that KVM must "
	  "emulate because the host cannot run it directly (no unrestricted guest: nested "
	  "virtualization, ept=0, an old CPU); 3) an instruction on an MMIO or APIC page that "
	  "the emulator does not implement",
	  "kvmscope record -e kvm:kvm_emulate_insn -e kvm:kvm_exit -e kvm:kvm_mmio -- <the QEMU "
	  "command>: kvm_emulate_insn shows the instruction bytes that failed, kvm_mmio whether "
	  "the address was MMIO" },
	{ 2, "KVM_INTERNAL_ERROR_SIMUL_EX",
	  "an exception happened while delivering another one to the guest, and KVM could not "
	  "resolve it",
	  "1) the guest's own exception path is broken (page tables, IDT or stack unmapped): a "
	  "double fault while delivering a fault; 2) a host-side paging problem (shadow paging, "
	  "a KVM bug) while the guest delivered an exception",
	  "kvmscope record -e kvm:kvm_inj_exception -e kvm:kvm_exit -e kvm:kvm_page_fault -- <the "
	  "QEMU command>: the exceptions KVM injected and the faults right before" },
	{ 3, "KVM_INTERNAL_ERROR_DELIVERY_EV",
	  "a VM exit happened while delivering an event to the guest (an interrupt or exception "
	  "through its IDT), for a reason KVM cannot handle at that point",
	  "1) the guest's IDT, stack or TSS for that event is in memory KVM treats as MMIO or "
	  "cannot map (an EPT misconfiguration or violation during delivery): guest memory "
	  "layout or a device mapped over RAM (passthrough BARs); 2) the guest took an exception "
	  "during early boot with its handlers not yet set up",
	  "kvmscope record -e kvm:kvm_exit -e kvm:kvm_inj_exception -e kvm:kvm_page_fault -- <the "
	  "QEMU command>: the exit reason and the guest physical address of the last fault "
	  "before the error" },
	{ 4, "KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON",
	  "the hardware reported an exit reason KVM does not handle",
	  "1) a CPU newer than the host kernel's KVM; 2) a KVM bug",
	  "kvmscope record -e kvm:kvm_exit -- <the QEMU command>: the raw exit reason" },
};

/* Intel VMX basic exit reasons (SDM Vol. 3C, Appendix C) */
static const char *vmx_exit_name(unsigned long r)
{
	static const char *const names[] = {
		[0] = "exception or NMI", [1] = "external interrupt", [2] = "triple fault",
		[9] = "task switch", [10] = "CPUID", [12] = "HLT", [28] = "control-register access",
		[30] = "I/O instruction", [31] = "RDMSR", [32] = "WRMSR",
		[33] = "VM entry with invalid guest state", [48] = "EPT violation",
		[49] = "EPT misconfiguration (an MMIO access)",
	};
	r &= 0xffff;
	return r < sizeof(names) / sizeof(names[0]) && names[r] ? names[r] : NULL;
}

/* x86 exception vectors */
static const char *vector_name(unsigned v)
{
	static const char *const names[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
					     "#DF", "?", "#TS", "#NP", "#SS", "#GP", "#PF", "?",
					     "#MF", "#AC", "#MC", "#XM" };
	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "an interrupt";
}

/* data[0] with bit 31 set reads as event-delivery information (vector, type) */
static void decode_delivery(struct finding *f, const struct qlog_event *d0,
			    const struct qlog_event *d1)
{
	unsigned long v = strtoul(qlog_get(d0, "value"), NULL, 16);
	if (!(v & 0x80000000UL))
		return;
	static const char *const types[] = { "external interrupt", "?", "NMI", "hardware exception",
					     "software interrupt", "privileged software exception",
					     "software exception", "?" };
	finding_step(f, "extra data[0] %s reads as the event being delivered: vector 0x%02lx (%s), "
			"%s%s",
		     qlog_get(d0, "value"), v & 0xff, vector_name((unsigned)(v & 0xff)),
		     types[(v >> 8) & 7], v & 0x800 ? ", with an error code" : "");
	finding_fact_str(f, "delivering", vector_name((unsigned)(v & 0xff)));
	if (!d1)
		return;
	unsigned long r = strtoul(qlog_get(d1, "value"), NULL, 16);
	const char *n = vmx_exit_name(r);
	if (n)
		finding_step(f, "extra data[1] %s: the exit that interrupted it; in Intel's numbering "
				"exit reason %lu = %s (AMD numbers exits differently)",
			     qlog_get(d1, "value"), r & 0xffff, n);
}

static void decode_ip(struct finding *f, const struct qlog_event *dump, const struct qlog_event *ref)
{
	char w[128];
	unsigned long long ip = strtoull(qlog_get(dump, "ip"), NULL, 16);
	diag_where(dump, ref, w, sizeof(w));
	finding_step(f, "QEMU's register dump: instruction pointer 0x%llx (%s)%s", ip, w,
		     ip >= 0xa0000 && ip < 0xc0000 ? ": inside the legacy VGA hole 0xa0000-0xbffff, "
						     "not RAM: the guest jumped to MMIO" :
		     ip < 0x1000 ? ": in the first page, where no code should run" : "");
	finding_evidence(f, dump);
	finding_fact_str(f, "ip", qlog_get(dump, "ip"));
}

/* the events of this exit: extra data, emulation failure, register dump,
 * repeats of the same error; returns the index after them */
static size_t collect(const struct qlog_stream *s, size_t i, struct finding *f,
		      const struct qlog_event **d, const struct qlog_event **dump, bool *emul,
		      size_t *repeats)
{
	const struct qlog_event *t = &s->ev[i];
	size_t j = i + 1, end = diag_run_end(s, i);
	for (; j < end && j < i + 256; j++) {
		const struct qlog_event *e = &s->ev[j];
		if (e->kind == QLOG_KVM_EXTRA_DATA) {
			long k = qlog_get_int(e, "index", -1);
			if (k >= 0 && k < 2 && !d[k])
				d[k] = e;
		} else if (e->kind == QLOG_KVM_EMULATION_FAILURE) {
			*emul = true;
		} else if (e->kind == QLOG_REGISTER_DUMP) {
			if (!*dump && qlog_has(e, "ip"))
				*dump = e;
			continue;
		} else if (e->kind == t->kind &&
			   !strcmp(qlog_get(e, "suberror") ?: "", qlog_get(t, "suberror") ?: "")) {
			(*repeats)++;
		} else if (e->kind != QLOG_TEXT) {
			break;
		}
		finding_evidence(f, e);
	}
	return j;
}

static size_t report(const struct qlog_stream *s, size_t i, struct finding_list *out)
{
	const struct qlog_event *t = &s->ev[i], *d[2] = { NULL, NULL }, *dump = NULL;
	bool emul = false;
	size_t repeats = 0;
	struct finding *f = finding_new(out, "kvm-internal-error");
	long sub = qlog_get_int(t, "suberror", -1);
	char w[128];
	diag_where(t, t, w, sizeof(w));
	finding_evidence(f, t);
	size_t next = collect(s, i, f, d, &dump, &emul, &repeats);
	if (t->kind == QLOG_KVM_ENTRY_FAILED) {
		const char *hw = qlog_get(t, "hardware_error"), *ux = qlog_get(t, "hardware_exit_reason");
		unsigned long v = strtoul(hw ? hw : ux, NULL, 16);
		finding_title(f, "KVM_RUN ended in %s 0x%lx", hw ? "a failed VM entry, hardware error" :
							       "an unknown exit, hardware reason", v);
		finding_step(f, "QEMU said: %s (%s)", t->text, w);
		const char *n = hw ? vmx_exit_name(v) : NULL;
		if (n && (v & 0x80000000UL))
			finding_step(f, "0x%lx = VM-entry failure (bit 31) with Intel exit reason %lu: %s",
				     v, v & 0xffff, n);
		finding_explain(f, "The CPU refused to enter the guest (KVM_EXIT_FAIL_ENTRY) or exited "
				   "for a reason KVM does not know. Most likely first: 1) vCPU state the "
				   "CPU does not accept at VM entry (invalid guest state: segment, CR0/CR4 "
				   "or EFER values, often real-mode firmware on a host without unrestricted "
				   "guest); 2) a host kernel or firmware (BIOS, TDX module) that does not "
				   "match the CPU. To tell them apart: load kvm_intel with "
				   "dump_invalid_vmcs=1 and run kvmscope record -e kvm:kvm_entry -e "
				   "kvm:kvm_exit -- <the QEMU command>; the host kernel log then shows the "
				   "refused state.");
		if (dump)
			decode_ip(f, dump, t);
		finding_fact_str(f, "hardware_error", hw ? hw : ux);
		return next;
	}
	size_t k = 0;
	while (k < sizeof(suberrors) / sizeof(suberrors[0]) && suberrors[k].suberror != sub)
		k++;
	bool known = k < sizeof(suberrors) / sizeof(suberrors[0]);
	finding_title(f, "KVM internal error, suberror %ld%s%s%s", sub, known ? " (" : "",
		      known ? suberrors[k].name : "", known ? ")" : "");
	finding_step(f, "KVM_RUN returned KVM_EXIT_INTERNAL_ERROR with suberror %ld (%s)%s", sub, w,
		     known ? "" : ": not a suberror this kernel uapi knows");
	if (repeats)
		finding_step(f, "the same error %zu more time%s (other vCPUs or repeated runs)", repeats,
			     repeats > 1 ? "s" : "");
	if (emul)
		finding_step(f, "QEMU: \"emulation failure\"");
	if (d[0] && (sub == 2 || sub == 3))
		decode_delivery(f, d[0], d[1]);
	if (dump)
		decode_ip(f, dump, t);
	if (known)
		finding_explain(f, "KVM stopped the vCPU: %s. Most likely first: %s. To tell them "
				   "apart: %s.",
				suberrors[k].meaning, suberrors[k].causes, suberrors[k].tell);
	else
		finding_explain(f, "KVM stopped the vCPU with an internal error whose suberror %ld "
				   "kvmscope does not know; the kernel's KVM_INTERNAL_ERROR_* in "
				   "include/uapi/linux/kvm.h names it.", sub);
	finding_fact_int(f, "suberror", sub);
	finding_fact_str(f, "suberror_name", known ? suberrors[k].name : NULL);
	finding_fact(f, "emulation_failure", json_boolean(emul));
	return next;
}

static void run(const struct qlog_stream *s, struct finding_list *out)
{
	for (size_t i = 0; i < s->n;) {
		enum qlog_kind k = s->ev[i].kind;
		if (k == QLOG_KVM_INTERNAL_ERROR || k == QLOG_KVM_ENTRY_FAILED)
			i = report(s, i, out);
		else
			i++;
	}
}

const struct diag_rule rule_kvm_internal_error = {
	.name = "kvm-internal-error",
	.summary = "KVM_RUN ended in an exit QEMU cannot handle: internal error (suberror decoded), "
		   "failed VM entry",
	.run = run,
};
