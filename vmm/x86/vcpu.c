/* x86 vCPUs: power-on snapshots taken once, then every reset restores them
 * and loads the entry state the boot loader chose. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "x86.h"

#define MSR_IA32_TSC 0x10
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define MISC_ENABLE_FAST_STRING 1
#define MTRR_DEF_TYPE_ENABLE (1u << 11)
#define MTRR_TYPE_WRBACK 6

#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

#define X86_CR0_PE 0x1
#define X86_CR0_ET 0x10
#define X86_CR0_PG 0x80000000u
#define X86_CR4_PAE 0x20
#define EFER_LME 0x100
#define EFER_LMA 0x400

static void set_lvt_mode(struct kvm_lapic_state *lapic, unsigned reg, uint32_t mode)
{
	uint32_t v;
	memcpy(&v, &lapic->regs[reg], 4);
	v = (v & ~0x700u) | (mode << 8);
	memcpy(&lapic->regs[reg], &v, 4);
}

int arch_vcpu_init(struct machine *m, struct vcpu *v)
{
	struct x86_vcpu *xv = calloc(1, sizeof(*xv));

	if (!xv)
		return -1;
	v->arch = xv;
	if (x86_cpuid_set(m, v) < 0)
		return -1;
	if (kvm_ioctl(&v->fd, KVM_GET_SREGS, &xv->sregs) < 0 ||
	    kvm_ioctl(&v->fd, KVM_GET_LAPIC, &xv->lapic) < 0 ||
	    kvm_ioctl(&v->fd, KVM_GET_VCPU_EVENTS, &xv->events) < 0) {
		error_report("reading power-on state of cpu %d: %s", v->index, strerror(errno));
		return -1;
	}
	/* through-the-PIC interrupts reach the BSP: LINT0 ExtINT, LINT1 NMI */
	set_lvt_mode(&xv->lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
	set_lvt_mode(&xv->lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
	return 0;
}

static int set_boot_msrs(struct vcpu *v)
{
	static const struct {
		uint32_t index;
		uint64_t data;
	} boot_msrs[] = {
		{ MSR_IA32_SYSENTER_CS, 0 },
		{ MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 },
		{ MSR_STAR, 0 },
		{ MSR_CSTAR, 0 },
		{ MSR_KERNEL_GS_BASE, 0 },
		{ MSR_SYSCALL_MASK, 0 },
		{ MSR_LSTAR, 0 },
		{ MSR_IA32_TSC, 0 },
		{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
		{ MSR_MTRR_DEF_TYPE, MTRR_DEF_TYPE_ENABLE | MTRR_TYPE_WRBACK },
	};
	const unsigned n = sizeof(boot_msrs) / sizeof(boot_msrs[0]);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entries[sizeof(boot_msrs) / sizeof(boot_msrs[0])];
	} msrs;

	memset(&msrs, 0, sizeof(msrs));
	msrs.hdr.nmsrs = n;
	for (unsigned i = 0; i < n; i++) {
		msrs.entries[i].index = boot_msrs[i].index;
		msrs.entries[i].data = boot_msrs[i].data;
	}
	int set = kvm_ioctl(&v->fd, KVM_SET_MSRS, &msrs);
	if (set < 0 || (unsigned)set != n) {
		error_report("KVM_SET_MSRS: set %d of %u boot MSRs (first refused: 0x%x)", set, n,
			     set >= 0 ? boot_msrs[set].index : 0);
		return -1;
	}
	return 0;
}

static void flat_segment(struct kvm_segment *s, uint16_t selector, uint8_t type, bool code64)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = code64 ? 0 : 1,
		.s = 1,
		.l = code64 ? 1 : 0,
		.g = 1,
	};
}

static void real_segment(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
	*s = (struct kvm_segment){
		.base = (uint64_t)selector << 4,
		.limit = 0xffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = 1,
	};
}

/* code segment cs and data segment ds (es, fs, gs and ss are the same) */
static void boot_sregs(struct kvm_sregs *s, const struct x86_boot_state *bs)
{
	s->cr3 = s->cr4 = s->efer = 0;
	switch (bs->mode) {
	case X86_BOOT_REAL16:
		real_segment(&s->cs, bs->real_segment, 0xb);
		real_segment(&s->ds, bs->real_segment, 0x3);
		s->cr0 = X86_CR0_ET;
		break;
	case X86_BOOT_PROT32:
		flat_segment(&s->cs, 0x08, 0xb, false);
		flat_segment(&s->ds, 0x10, 0x3, false);
		s->cr0 = X86_CR0_PE | X86_CR0_ET;
		break;
	case X86_BOOT_LONG64:
		/* __BOOT_CS 0x10 and __BOOT_DS 0x18 of the Linux boot protocol */
		flat_segment(&s->cs, 0x10, 0xb, true);
		flat_segment(&s->ds, 0x18, 0x3, false);
		s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
		s->cr3 = bs->cr3;
		s->cr4 = X86_CR4_PAE;
		s->efer = EFER_LME | EFER_LMA;
		s->gdt.base = bs->gdt_base;
		s->gdt.limit = bs->gdt_limit;
		break;
	}
	s->es = s->fs = s->gs = s->ss = s->ds;
}

int arch_vcpu_reset(struct machine *m, struct vcpu *v)
{
	struct x86_vcpu *xv = v->arch;
	const struct x86_boot_state *bs = &x86_of(m)->boot;
	struct kvm_sregs sregs = xv->sregs;
	struct kvm_lapic_state lapic = xv->lapic;
	struct kvm_vcpu_events events = xv->events;
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct kvm_regs regs = { .rflags = 0x2 };
	bool bsp = v->index == 0;
	struct kvm_mp_state mp = { .mp_state = bsp ? KVM_MP_STATE_RUNNABLE
						  : KVM_MP_STATE_UNINITIALIZED };

	if (bsp) {
		boot_sregs(&sregs, bs);
		regs.rip = bs->rip;
		regs.rsp = bs->rsp;
		regs.rax = bs->rax;
		regs.rbx = bs->rbx;
		regs.rsi = bs->rsi;
	}
	if (kvm_ioctl(&v->fd, KVM_SET_SREGS, &sregs) < 0 ||
	    kvm_ioctl(&v->fd, KVM_SET_REGS, &regs) < 0 ||
	    kvm_ioctl(&v->fd, KVM_SET_FPU, &fpu) < 0 ||
	    kvm_ioctl(&v->fd, KVM_SET_LAPIC, &lapic) < 0 ||
	    kvm_ioctl(&v->fd, KVM_SET_VCPU_EVENTS, &events) < 0 ||
	    kvm_ioctl(&v->fd, KVM_SET_MP_STATE, &mp) < 0) {
		error_report("resetting cpu %d: %s", v->index, strerror(errno));
		return -1;
	}
	return set_boot_msrs(v);
}

int arch_vcpu_handle_exit(struct machine *m, struct vcpu *v)
{
	(void)m;
	switch (v->run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		error_report("KVM: entry failed, hardware error 0x%" PRIx64,
			     (uint64_t)v->run->fail_entry.hardware_entry_failure_reason);
		return -1;
	default:
		return 1;
	}
}

void arch_vcpu_unhandled_mmio(struct machine *m, struct vcpu *v)
{
	(void)m;
	if (!v->run->mmio.is_write)
		memset(v->run->mmio.data, 0xff, sizeof(v->run->mmio.data));
}

static void dump_segment(FILE *f, const char *name, const struct kvm_segment *s)
{
	fprintf(f, "%-3s=%04x %016" PRIx64 " %08x %s%s%s type %x\n", name, s->selector,
		(uint64_t)s->base, s->limit, s->present ? "P " : "  ", s->l ? "L " : "  ",
		s->db ? "DB" : "  ", s->type);
}

void arch_vcpu_dump_state(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	char buf[2048];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	if (!f)
		return;
	if (kvm_ioctl(&v->fd, KVM_GET_REGS, &r) < 0 || kvm_ioctl(&v->fd, KVM_GET_SREGS, &s) < 0) {
		fclose(f);
		error_report("cpu %d: registers unreadable: %s", v->index, strerror(errno));
		return;
	}
	fprintf(f, "CPU#%d\n", v->index);
	fprintf(f, "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n", r.rax, r.rbx, r.rcx, r.rdx);
	fprintf(f, "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n", r.rsi, r.rdi, r.rbp, r.rsp);
	fprintf(f, "RIP=%016llx RFL=%08llx CR0=%08llx CR3=%016llx CR4=%08llx EFER=%016llx\n", r.rip,
		r.rflags, s.cr0, s.cr3, s.cr4, s.efer);
	dump_segment(f, "CS", &s.cs);
	dump_segment(f, "SS", &s.ss);
	dump_segment(f, "DS", &s.ds);
	fprintf(f, "GDT=%016llx %08x IDT=%016llx %08x", s.gdt.base, s.gdt.limit, s.idt.base,
		s.idt.limit);
	fclose(f);
	buf[sizeof(buf) - 1] = '\0';
	fprintf(stderr, "%s\n", buf);
}
