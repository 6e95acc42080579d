/*
 * idt.c - the IDT of the 32-bit guests and the "expect a fault" recovery.
 */
#include "idt.h"
#include "cpu.h"
#include "power.h"
#include "print.h"

#define GDT_CODE_SEL	0x08	/* see entry.S */
#define IDT_GATE_INT32	0x8e	/* present, DPL 0, 32-bit interrupt gate */
#define VEC_GP		13

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type;
	uint16_t offset_hi;
} __attribute__((packed));

extern const uint32_t exception_stubs[32];	/* vectors.S */

static struct idt_gate idt[32] __attribute__((aligned(8)));

static volatile struct {
	int armed;
	int hit;
	uint32_t vector;
	uint32_t insn_len;
} expect;

void idt_install(void)
{
	struct desc_ptr dp;
	unsigned int v;

	for (v = 0; v < 32; v++) {
		uint32_t off = exception_stubs[v];

		idt[v].offset_lo = (uint16_t)off;
		idt[v].selector = GDT_CODE_SEL;
		idt[v].zero = 0;
		idt[v].type = IDT_GATE_INT32;
		idt[v].offset_hi = (uint16_t)(off >> 16);
	}
	dp.limit = sizeof(idt) - 1;
	dp.base = (unsigned long)idt;
	cpu_lidt(&dp);
}

void idt_load_empty(void)
{
	static const struct desc_ptr empty = { 0, 0 };

	cpu_lidt(&empty);
}

void fault_expect(uint32_t vector, uint32_t insn_len)
{
	expect.vector = vector;
	expect.insn_len = insn_len;
	expect.hit = 0;
	expect.armed = 1;
}

int fault_expect_end(void)
{
	expect.armed = 0;
	return expect.hit;
}

/* Called from vectors.S with the frame on the stack. */
void exception_dispatch(struct fault_frame *f);
void exception_dispatch(struct fault_frame *f)
{
	if (expect.armed && f->vector == expect.vector) {
		expect.armed = 0;
		expect.hit = 1;
		f->eip += expect.insn_len;
		return;
	}
	con_printf("guest: exception %u at EIP 0x%08x error 0x%x\n",
		   f->vector, f->eip, f->error);
	poweroff();
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	fault_expect(VEC_GP, 2);	/* rdmsr is 0f 32 */
	__asm__ __volatile__("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	if (fault_expect_end())
		return -1;
	*val = ((uint64_t)hi << 32) | lo;
	return 0;
}
