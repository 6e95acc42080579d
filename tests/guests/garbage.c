/*
 * garbage.c - execute 4 KiB of pseudo-random bytes with no IDT.
 *
 *   seed=N   xorshift32 seed (default 1; 0 is replaced, xorshift needs a
 *            non-zero state, but is printed as given)
 *
 * The IDT is loaded with limit 0 first, so the first exception
 * triple-faults. Whatever the bytes do - port writes, hlt with interrupts
 * off, a wild jump, a shutdown - is the VMM's to handle; a ud2 after the
 * buffer makes running off its end a triple fault too.
 */
#include "guest.h"

#define GARBAGE_SIZE	4096

static uint8_t garbage[GARBAGE_SIZE + 16] __attribute__((aligned(4096)));

static uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

void guest_main(const char *cmdline)
{
	uint32_t seed = (uint32_t)cmdline_ulong(cmdline, "seed", 1);
	uint32_t state = seed ? seed : 0x2545f491u;
	unsigned int i;

	for (i = 0; i < GARBAGE_SIZE; i++)
		garbage[i] = (uint8_t)xorshift32(&state);
	garbage[GARBAGE_SIZE] = 0x0f;		/* ud2 */
	garbage[GARBAGE_SIZE + 1] = 0x0b;

	con_printf("guest: executing %u garbage bytes seed=%u\n",
		   GARBAGE_SIZE, seed);

	idt_load_empty();
	/* Known register state, so a seed always does the same thing. */
	__asm__ __volatile__(
		"xorl %%eax, %%eax\n\t"
		"xorl %%ebx, %%ebx\n\t"
		"xorl %%ecx, %%ecx\n\t"
		"xorl %%edx, %%edx\n\t"
		"xorl %%esi, %%esi\n\t"
		"xorl %%ebp, %%ebp\n\t"
		"jmp *%%edi"
		: : "D"(garbage) : "memory");
	__builtin_unreachable();
}
