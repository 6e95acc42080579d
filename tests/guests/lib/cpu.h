/* cpu.h - small CPU helpers: pause, halt, cpuid, descriptor tables. */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" : : : "memory");
}

/* Spin for about n pause iterations (a delay that needs no timer). */
static inline void cpu_delay(unsigned long n)
{
	while (n--)
		cpu_relax();
}

static inline void cpu_cli(void)
{
	__asm__ __volatile__("cli" : : : "memory");
}

/* cli; hlt forever: the polite way to stop when nothing else worked. */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt" : : : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t *a,
			 uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(subleaf));
}

/* The operand of lidt/lgdt: 6 bytes in 32-bit mode, 10 in 64-bit mode. */
struct desc_ptr {
	uint16_t limit;
	unsigned long base;
} __attribute__((packed));

static inline void cpu_lidt(const struct desc_ptr *dp)
{
	__asm__ __volatile__("lidt %0" : : "m"(*dp) : "memory");
}

#endif
