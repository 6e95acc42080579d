/*
 * reset.c - resetting the machine through port 0xcf9, the i8042, or a
 * triple fault.
 */
#include "reset.h"
#include "cpu.h"
#include "io.h"

/* After a reset write the VMM may run a few more guest instructions
 * before it stops the vCPU; wait before declaring the reset ignored. */
#define RESET_GRACE_SPINS	200000
#define I8042_IBF_SPINS		100000

static const char *const names[RESET_METHOD_COUNT] = {
	[RESET_CF9] = "cf9",
	[RESET_I8042] = "i8042",
	[RESET_TRIPLE] = "triple",
};

int reset_method_parse(const char *name, size_t len)
{
	int m;

	for (m = 0; m < RESET_METHOD_COUNT; m++) {
		const char *n = names[m];
		size_t i;

		for (i = 0; i < len && n[i] == name[i]; i++)
			;
		if (i == len && n[i] == '\0')
			return m;
	}
	return -1;
}

const char *reset_method_name(enum reset_method m)
{
	return (unsigned int)m < RESET_METHOD_COUNT ? names[m] : "?";
}

static void reset_i8042(void)
{
	unsigned int spins = I8042_IBF_SPINS;

	while ((inb(I8042_STATUS_PORT) & I8042_STS_IBF) && --spins)
		cpu_relax();
	outb(I8042_CMD_PORT, I8042_CMD_RESET);
}

static void reset_triple(void)
{
	static const struct desc_ptr empty = { 0, 0 };

	/* #UD cannot be delivered through an empty IDT (#GP), nor can the
	 * #GP (#DF), nor the #DF: the CPU shuts down. ud2 rather than int3:
	 * the emulating host KVM fails int3 with an internal error instead
	 * of raising #BP. */
	cpu_lidt(&empty);
	__asm__ __volatile__("ud2" : : : "memory");
}

void reset_via(enum reset_method m)
{
	switch (m) {
	case RESET_CF9:
		outb(RCR_PORT, RCR_SYS_RST | RCR_RST_CPU);
		break;
	case RESET_I8042:
		reset_i8042();
		break;
	case RESET_TRIPLE:
		reset_triple();
		break;
	default:
		return;
	}
	cpu_delay(RESET_GRACE_SPINS);
}
