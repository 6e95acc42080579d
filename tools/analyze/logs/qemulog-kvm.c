/* QEMU's own words about KVM, as printed by every version from 2.x to 9.x on
 * every architecture (accel/kvm/kvm-all.c, target/<arch>/kvm*.c,
 * target/i386/sev.c, target/i386/kvm/tdx.c, the vCPU thread of cpus.c):
 *   error: kvm run failed STRERROR                      KVM_RUN failed (fprintf, later error_report)
 *   KVM_SET_DEVICE_ATTR failed: Group G attr 0xA: STRERROR   kvm_device_access (GET too)
 *   kvm_init_vcpu: kvm_arch_init_vcpu failed (CPU): STRERROR  QEMU >= 5.x
 *   kvm_init_vcpu: kvm_get_vcpu failed (CPU): STRERROR        KVM_CREATE_VCPU
 *   kvm_init_vcpu failed: STRERROR                      QEMU <= 4.x (create and arch init)
 *   ioctl(KVM_CREATE_VM) failed: ERRNO STRERROR         kvm_init
 *   failed to initialize kvm: STRERROR                  (or KVM), the consequence of the above
 *   Failed to put registers after init: STRERROR        kvm_arch_put_registers (also get, after reset)
 *   error: failed to set MSR 0xI to 0xV                 KVM_SET_MSRS set fewer than asked
 *   error: failed to get MSR 0xI                         KVM_GET_MSRS read fewer than asked
 *   FILE:LINE: kvm_put_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.
 *   kvm_set_phys_mem: error registering slot: STRERROR  KVM_SET_USER_MEMORY_REGION
 *   Create kernel irqchip failed: STRERROR              KVM_CREATE_IRQCHIP
 *   KVM internal error. Suberror: N / extra data[I]: X / emulation failure
 *   KVM: entry failed, hardware error 0xX                KVM_EXIT_FAIL_ENTRY (x86)
 *   FUNC: STEP ret=R fw_error=F 'TEXT'                   SEV / SEV-ES / SNP launch steps
 *   KVM_TDX_*, vm-type tdx, kvm-type 'tdx' ... failed / not supported   TDX
 * and the register dump that follows a failed KVM_RUN or an emulation failure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemulog.h"
#include "qemulog-internal.h"

static void set_errno(struct qlog_event *ev, const char *text)
{
	int e = qlog_errno_by_text(text);
	if (e) {
		qlog_setf(ev, "errno", "%d", e);
		qlog_set(ev, "errname", qlog_errname(e));
	} else if (*text) {
		qlog_set(ev, "error_text", text);
	}
}

static void kvm_error(struct qlog_event *ev, const char *ioctl, const char *function)
{
	ev->kind = QLOG_KVM_ERROR;
	if (ioctl)
		qlog_set(ev, "ioctl", ioctl);
	if (function)
		qlog_set(ev, "function", function);
}

/* "(N): STRERROR" after a kvm_init_vcpu message: the vCPU index and errno */
static void vcpu_and_errno(struct qlog_event *ev, const char *p)
{
	long cpu;
	if (*p == ' ')
		p++;
	if (*p == '(') {
		p++;
		if (qlog_take_long(&p, &cpu) && *p == ')') {
			qlog_setf(ev, "cpu_index", "%ld", cpu);
			p++;
		}
	}
	if (qlog_take_lit(&p, ": "))
		set_errno(ev, p);
}

/* the vCPU setup family (kvm_init_vcpu) */
static bool vcpu_init_message(const char *m, struct qlog_event *ev)
{
	static const struct {
		const char *prefix, *function, *ioctl;
	} fam[] = {
		{ "kvm_init_vcpu: kvm_arch_init_vcpu failed", "kvm_arch_init_vcpu", NULL },
		{ "kvm_init_vcpu: kvm_get_vcpu failed", "kvm_get_vcpu", "KVM_CREATE_VCPU" },
		{ "kvm_init_vcpu: KVM_GET_VCPU_MMAP_SIZE failed", "kvm_init_vcpu", "KVM_GET_VCPU_MMAP_SIZE" },
		{ "kvm_init_vcpu: mmap'ing vcpu state failed", "kvm_init_vcpu", NULL },
		{ "kvm_init_vcpu failed", "kvm_init_vcpu", NULL },
	};
	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		if (!qlog_starts_with(m, fam[i].prefix))
			continue;
		kvm_error(ev, fam[i].ioctl, fam[i].function);
		vcpu_and_errno(ev, m + strlen(fam[i].prefix));
		return true;
	}
	return false;
}

/* "KVM_SET_DEVICE_ATTR failed: Group 3 attr 0x0000000000000001: STRERROR" */
static bool device_attr_message(const char *m, struct qlog_event *ev)
{
	const char *p = m;
	long group;
	if (!qlog_starts_with(m, "KVM_SET_DEVICE_ATTR failed") &&
	    !qlog_starts_with(m, "KVM_GET_DEVICE_ATTR failed") &&
	    !qlog_starts_with(m, "KVM_HAS_DEVICE_ATTR failed"))
		return false;
	kvm_error(ev, NULL, "kvm_device_access");
	qlog_setn(ev, "ioctl", m, strlen("KVM_SET_DEVICE_ATTR"));
	p += strlen("KVM_SET_DEVICE_ATTR failed");
	if (qlog_take_lit(&p, ": Group ") && qlog_take_long(&p, &group)) {
		qlog_setf(ev, "attr_group", "%ld", group);
		if (qlog_take_lit(&p, " attr ")) {
			char *end;
			unsigned long long attr = strtoull(p, &end, 0);
			if (end > p) {
				qlog_setf(ev, "attr", "0x%llx", attr);
				p = end;
			}
		}
	}
	if (qlog_take_lit(&p, ": "))
		set_errno(ev, p);
	return true;
}

/* "... FUNC: Assertion `EXPR' failed." about the MSR buffer */
static bool msr_assertion(const char *m, struct qlog_event *ev)
{
	const char *a = strstr(m, ": Assertion `");
	/* kvm_buf_set_msrs / kvm_put_msrs / kvm_get_msrs, 2.x-9.x spellings */
	if (!a || !(strstr(a, "kvm_msr_buf->nmsrs") || strstr(a, "msrs->nmsrs")))
		return false;
	const char *f = a;
	while (f > m && f[-1] != ' ' && f[-1] != ':')
		f--;
	size_t fl = (size_t)(a - f);
	bool get = fl >= 8 && strstr(f, "get") && strstr(f, "get") < a;
	kvm_error(ev, get ? "KVM_GET_MSRS" : "KVM_SET_MSRS", NULL);
	qlog_setn(ev, "function", f, fl);
	qlog_set(ev, "assertion", "ret == nmsrs");
	return true;
}

/* the ioctl families with a fixed wording */
static bool fixed_message(const char *m, struct qlog_event *ev)
{
	static const struct {
		const char *prefix, *ioctl, *function;
	} fam[] = {
		{ "error: kvm run failed ", "KVM_RUN", "kvm_cpu_exec" },
		{ "kvm run failed ", "KVM_RUN", "kvm_cpu_exec" },
		{ "Failed to put registers after init: ", NULL, "kvm_arch_put_registers" },
		{ "Failed to put registers after reset: ", NULL, "kvm_arch_put_registers" },
		{ "Failed to put registers: ", NULL, "kvm_arch_put_registers" },
		{ "Failed to get registers: ", NULL, "kvm_arch_get_registers" },
		{ "kvm_set_phys_mem: error registering slot: ", "KVM_SET_USER_MEMORY_REGION",
		  "kvm_set_phys_mem" },
		{ "Create kernel irqchip failed: ", "KVM_CREATE_IRQCHIP", "kvm_irqchip_create" },
	};
	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		if (!qlog_starts_with(m, fam[i].prefix))
			continue;
		kvm_error(ev, fam[i].ioctl, fam[i].function);
		set_errno(ev, m + strlen(fam[i].prefix));
		return true;
	}
	const char *p = m;
	long e;
	if (qlog_take_lit(&p, "ioctl(KVM_CREATE_VM) failed: ") && qlog_take_long(&p, &e)) {
		kvm_error(ev, "KVM_CREATE_VM", "kvm_init");
		qlog_setf(ev, "errno", "%ld", e);
		qlog_set(ev, "errname", qlog_errname((int)e));
		return true;
	}
	p = m;
	if (qlog_take_lit(&p, "error: failed to set MSR ") || qlog_take_lit(&p, "failed to set MSR ")) {
		kvm_error(ev, "KVM_SET_MSRS", "kvm_buf_set_msrs");
		qlog_setn(ev, "msr", p, strcspn(p, " "));
		return true;
	}
	p = m;
	if (qlog_take_lit(&p, "error: failed to get MSR ")) {
		kvm_error(ev, "KVM_GET_MSRS", "kvm_get_msrs");
		qlog_setn(ev, "msr", p, strcspn(p, " "));
		return true;
	}
	return msr_assertion(m, ev);
}

/* "failed to initialize kvm: STRERROR" (kvm_init's caller, every version) */
static bool init_failed(const char *m, struct qlog_event *ev)
{
	if (!qlog_starts_with(m, "failed to initialize kvm: ") &&
	    !qlog_starts_with(m, "failed to initialize KVM: "))
		return false;
	ev->kind = QLOG_KVM_INIT_FAILED;
	set_errno(ev, m + strlen("failed to initialize kvm: "));
	return true;
}

/* the technology a SEV step belongs to */
static const char *sev_tech(const char *function, const char *step)
{
	if (strstr(step, "SNP") || strstr(function, "snp"))
		return "SNP";
	if (strstr(step, "VMSA") || strstr(step, "SEV_ES"))
		return "SEV-ES";
	return "SEV";
}

/* "FUNC: STEP ret=R fw_error=F 'TEXT'" and its older spellings
 * ("ret = -5", "ret=-1fw_error='0: '") */
static bool sev_step(const char *m, struct qlog_event *ev)
{
	const char *colon = strstr(m, ": "), *ret = strstr(m, "ret");
	const char *fw = strstr(m, "fw_error=");
	if (!colon || !ret || !fw || ret < colon || !qlog_starts_with(m, "sev"))
		return false;
	char function[64], step[64];
	snprintf(function, sizeof(function), "%.*s", (int)(colon - m), m);
	/* the step: the upper-case word before "ret", else what the message says */
	const char *s = colon + 2, *se = ret;
	while (se > s && se[-1] == ' ')
		se--;
	const char *w = se;
	while (w > s && w[-1] != ' ')
		w--;
	if (w < se && isupper((unsigned char)*w))
		snprintf(step, sizeof(step), "%.*s", (int)(se - w), w);
	else if (strstr(s, "platform status"))
		snprintf(step, sizeof(step), "PLATFORM_STATUS");
	else if (strstr(s, "initialize"))
		snprintf(step, sizeof(step), "INIT");
	else
		snprintf(step, sizeof(step), "%.*s", (int)(se - s), s);
	ev->kind = QLOG_CONFIDENTIAL_ERROR;
	qlog_set(ev, "function", function);
	qlog_set(ev, "step", step);
	qlog_set(ev, "tech", sev_tech(function, step));
	const char *p = ret + 3;
	long r, f;
	p = qlog_skip_spaces(p);
	if (*p == '=')
		p = qlog_skip_spaces(p + 1);
	if (qlog_take_long(&p, &r)) {
		qlog_setf(ev, "ret", "%ld", r);
		if (r < 0) {
			qlog_setf(ev, "errno", "%ld", -r);
			qlog_set(ev, "errname", qlog_errname((int)-r));
		}
	}
	p = fw + strlen("fw_error=");
	if (*p == '\'')
		p++;
	if (qlog_take_long(&p, &f))
		qlog_setf(ev, "fw_error", "%ld", f);
	return true;
}

/* the other SEV lines: the consequence and the technology in use */
static bool sev_other(const char *m, struct qlog_event *ev)
{
	if (qlog_starts_with(m, "sev") && strstr(m, "failed to create encryption context")) {
		ev->kind = QLOG_CONFIDENTIAL_ERROR;
		qlog_set(ev, "tech", strstr(m, "snp") ? "SNP" : "SEV");
		qlog_setn(ev, "function", m, strcspn(m, ":"));
		qlog_set(ev, "step", "create encryption context");
		qlog_set(ev, "consequence", "true");
		return true;
	}
	if (qlog_starts_with(m, "sev") && strstr(m, "using") && strstr(m, "KVM_SEV_ES_INIT")) {
		ev->kind = QLOG_CONFIDENTIAL_TECH;
		qlog_set(ev, "tech", "SEV-ES");
		return true;
	}
	return false;
}

/* TDX: "KVM_TDX_CAPABILITIES failed: STRERROR", "vm-type tdx not supported by
 * KVM", "kvm-type 'tdx' not supported by KVM", "TDX ioctl ... failed" */
static bool tdx_message(const char *m, struct qlog_event *ev)
{
	const char *k = strstr(m, "KVM_TDX_");
	bool unsupported = strstr(m, "type tdx not supported by KVM") ||
			   strstr(m, "type 'tdx' not supported by KVM");
	bool step_failed = k && strstr(k, " failed");
	bool helper_failed = qlog_starts_with(m, "tdx_") && strstr(m, ": ") && strstr(m, "failed");
	if (!unsupported && !step_failed && !helper_failed)
		return false;
	ev->kind = QLOG_CONFIDENTIAL_ERROR;
	qlog_set(ev, "tech", "TDX");
	const char *colon = strstr(m, ": ");
	if (colon && (size_t)(colon - m) == strcspn(m, " :") && (!k || colon < k))
		qlog_setn(ev, "function", m, (size_t)(colon - m));
	if (k) {
		size_t n = 0;
		while (qlog_is_name_char(k[n]))
			n++;
		qlog_setn(ev, "step", k, n);
	} else {
		qlog_set(ev, "step", unsupported ? "vm-type tdx" : "tdx");
	}
	if (unsupported)
		qlog_set(ev, "unsupported", "true");
	const char *e = strrchr(m, ':');
	if (e && e[1] == ' ')
		set_errno(ev, e + 2);
	return true;
}

/* "vm-type sev-snp not supported by KVM" and the like */
static bool vm_type_message(const char *m, struct qlog_event *ev)
{
	const char *p = m;
	if (!qlog_take_lit(&p, "vm-type ") || !strstr(p, "not supported by KVM"))
		return false;
	ev->kind = QLOG_CONFIDENTIAL_ERROR;
	qlog_set(ev, "tech", strstr(p, "snp") ? "SNP" : strstr(p, "es") ? "SEV-ES" : "SEV");
	qlog_set(ev, "step", "vm-type");
	qlog_set(ev, "unsupported", "true");
	return true;
}

/* the message after a location prefix of error_report ("-accel kvm: ") */
static const char *after_location(const char *m)
{
	if (*m != '-')
		return m;
	const char *c = strstr(m, ": ");
	return c ? c + 2 : m;
}

bool qlog_read_kvm_message(const char *m, struct qlog_event *ev)
{
	const char *core = after_location(m);
	for (int pass = 0; pass < 2; pass++) {
		const char *t = pass ? core : m;
		if (pass && core == m)
			break;
		if (vcpu_init_message(t, ev) || device_attr_message(t, ev) || fixed_message(t, ev) ||
		    init_failed(t, ev) || sev_step(t, ev) || sev_other(t, ev) || tdx_message(t, ev) ||
		    vm_type_message(t, ev)) {
			if (!qlog_has(ev, "message"))
				qlog_set(ev, "message", m);
			return true;
		}
	}
	return false;
}

/* "KVM internal error. Suberror: N", "extra data[I]: X", "emulation failure",
 * "KVM: entry failed, hardware error 0xX" (printed without a program name) */
bool qlog_read_kvm_exit_line(const char *p, struct qlog_event *ev)
{
	const char *q = p;
	long n;
	if (qlog_take_lit(&q, "KVM internal error.")) {
		ev->kind = QLOG_KVM_INTERNAL_ERROR;
		if (qlog_take_lit(&q, " Suberror: ") && qlog_take_long(&q, &n))
			qlog_setf(ev, "suberror", "%ld", n);
	} else if (qlog_take_lit(&q, "extra data[") && qlog_take_long(&q, &n) &&
		   qlog_take_lit(&q, "]: ")) {
		ev->kind = QLOG_KVM_EXTRA_DATA;
		qlog_setf(ev, "index", "%ld", n);
		qlog_setf(ev, "value", "0x%llx", strtoull(q, NULL, 16));
	} else if (!strcmp(p, "emulation failure")) {
		ev->kind = QLOG_KVM_EMULATION_FAILURE;
	} else if (qlog_take_lit(&q, "Unexpected error in ") && strstr(q, "() at ")) {
		/* error_abort: the next line says what; QEMU aborts */
		ev->kind = QLOG_ABORT;
		qlog_setn(ev, "function", q, (size_t)(strstr(q, "() at ") - q));
		qlog_set(ev, "error_abort", "true");
	} else if (qlog_take_lit(&q, "KVM: entry failed, hardware error ")) {
		ev->kind = QLOG_KVM_ENTRY_FAILED;
		qlog_setf(ev, "hardware_error", "0x%llx", strtoull(q, NULL, 16));
	} else if (qlog_take_lit(&q, "KVM: unknown exit, hardware reason ")) {
		ev->kind = QLOG_KVM_ENTRY_FAILED;
		qlog_setf(ev, "hardware_exit_reason", "0x%llx", strtoull(q, NULL, 16));
	} else {
		return false;
	}
	ev->source = QLOG_SRC_STDERR;
	return true;
}

/* A line of cpu_dump_state (x86): "RAX=...", "R8 =...", "ES =0000 ...",
 * "GDT=     ...", "Code=..": a register name, spaces, '=', then hex or '<'.
 * The instruction pointer goes to field ip. */
bool qlog_read_register_dump(const char *p, struct qlog_event *ev)
{
	static const char *const regs[] = {
		"RAX", "EAX", "RSI", "ESI", "R8", "R12", "RIP", "EIP", "ES", "CS", "SS", "DS",
		"FS", "GS", "LDT", "TR", "GDT", "IDT", "CR0", "DR0", "DR6", "EFER", "Code",
		"FCW", "FPR0", "FPR2", "FPR4", "FPR6", "XMM00", "XMM01", "XMM02", "XMM04",
		"XMM06", "XMM08", "XMM10", "XMM12", "XMM14", "YMM00", "PDPTR0", "PDPTR2",
	};
	size_t n = strcspn(p, " =");
	const char *eq = p + n;
	while (*eq == ' ')
		eq++;
	if (*eq != '=' || n == 0 || n > 6)
		return false;
	bool known = false;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]) && !known; i++)
		known = strlen(regs[i]) == n && !strncmp(regs[i], p, n);
	const char *v = eq + 1;
	while (*v == ' ')
		v++;
	if (!known || (!isxdigit((unsigned char)*v) && *v != '<'))
		return false;
	ev->source = QLOG_SRC_STDERR;
	ev->kind = QLOG_REGISTER_DUMP;
	const char *ip = strstr(p, "RIP=");
	if (!ip)
		ip = strstr(p, "EIP=");
	if (ip && (ip == p || ip[-1] == ' '))
		qlog_setn(ev, "ip", ip + 4, strcspn(ip + 4, " "));
	return true;
}
