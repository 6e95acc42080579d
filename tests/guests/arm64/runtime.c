/* runtime.c - console, PSCI, boot counter and the C entry of the arm64
 * test guests. */
#include "arm64.h"

#define PL011_DR	0x00
#define PL011_FR	0x18
#define PL011_FR_TXFF	0x20
#define COUNTER_MAGIC	0x4342534bu	/* "KSBC", as the x86 guests' */

static volatile uint32_t *pl011(unsigned off)
{
	return (volatile uint32_t *)(PL011_BASE + off);
}

/* Written as-is ("\n" stays "\n") so tests compare lines exactly. */
void con_putc(char c)
{
	while (*pl011(PL011_FR) & PL011_FR_TXFF)
		;
	*pl011(PL011_DR) = (uint8_t)c;
}

void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

/* print.c's uart_printf: one UART here, whatever the base */
void uart_putc(uint16_t base, char c)
{
	(void)base;
	con_putc(c);
}

unsigned long psci_call(uint32_t fn)
{
	register unsigned long x0 __asm__("x0") = fn;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	return x0;
}

void psci_system_off(void)
{
	psci_call(PSCI_SYSTEM_OFF);
	con_puts("guest: PSCI SYSTEM_OFF returned\n");
	for (;;)
		__asm__ volatile("wfi");
}

void psci_system_reset(void)
{
	psci_call(PSCI_SYSTEM_RESET);
	con_puts("guest: PSCI SYSTEM_RESET returned\n");
	psci_system_off();
}

struct counter {
	uint32_t magic, boots;
};

uint32_t arm64_boot_counter_tick(void)
{
	volatile struct counter *c = (volatile struct counter *)ARM64_BOOT_COUNTER_ADDR;
	if (c->magic != COUNTER_MAGIC) {
		c->magic = COUNTER_MAGIC;
		c->boots = 0;
	}
	c->boots = c->boots + 1;
	return c->boots;
}

void arm64_boot_counter_clear(void)
{
	volatile struct counter *c = (volatile struct counter *)ARM64_BOOT_COUNTER_ADDR;
	c->magic = 0;
	c->boots = 0;
}

void arm64_exception(uint64_t esr, uint64_t elr, uint64_t far)
{
	con_printf("guest: exception ESR 0x%lx at 0x%lx (FAR 0x%lx)\n", (unsigned long)esr,
		   (unsigned long)elr, (unsigned long)far);
	psci_system_off();
}

void arm64_start(const void *dtb)
{
	const char *args = fdt_bootargs(dtb);
	guest_cmdline = args ? args : "";
	guest_main(guest_cmdline);
	psci_system_off();
}
