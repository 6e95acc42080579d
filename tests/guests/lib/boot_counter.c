/*
 * boot_counter.c - the reset-surviving boot counter at BOOT_COUNTER_ADDR.
 */
#include "boot_counter.h"

static volatile struct boot_counter *counter(void)
{
	return (volatile struct boot_counter *)(unsigned long)BOOT_COUNTER_ADDR;
}

uint32_t boot_counter_tick(void)
{
	volatile struct boot_counter *bc = counter();

	if (bc->magic != BOOT_COUNTER_MAGIC) {
		bc->boots = 1;
		bc->magic = BOOT_COUNTER_MAGIC;
	} else {
		bc->boots = bc->boots + 1;
	}
	return bc->boots;
}

void boot_counter_clear(void)
{
	volatile struct boot_counter *bc = counter();

	bc->magic = 0;
	bc->boots = 0;
}
