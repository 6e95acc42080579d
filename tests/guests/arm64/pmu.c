/*
 * pmu.c - arm64: what the vCPU says about its PMU. ID_AA64DFR0_EL1.PMUVer
 * first (0: no PMU, and the PMU registers would UNDEF), then PMCR_EL0,
 * PMCEID0/1_EL0, and the cycle counter enabled and read twice.
 */
#include "arm64.h"

#define PMCR_E		(1u << 0)
#define PMCR_LC		(1u << 6)
#define PMCNTEN_CYCLES	(1u << 31)

static void print64(const char *name, uint64_t v)
{
	con_printf("guest: %s = 0x%lx\n", name, (unsigned long)v);
}

void guest_main(const char *cmdline)
{
	unsigned pmuver = (unsigned)(read_sysreg(id_aa64dfr0_el1) >> 8) & 0xf;

	(void)cmdline;
	con_printf("guest: ID_AA64DFR0_EL1.PMUVer = %u\n", pmuver);
	if (pmuver == 0 || pmuver == 0xf) {
		con_puts("guest: no PMUv3\n");
		return;
	}
	uint64_t pmcr = read_sysreg(pmcr_el0);
	print64("PMCR_EL0", pmcr);
	con_printf("guest: PMCR_EL0.N = %lu counters\n", (unsigned long)(pmcr >> 11) & 0x1f);
	print64("PMCEID0_EL0", read_sysreg(pmceid0_el0));
	print64("PMCEID1_EL0", read_sysreg(pmceid1_el0));
	write_sysreg(pmcr_el0, pmcr | PMCR_E | PMCR_LC);
	write_sysreg(pmcntenset_el0, PMCNTEN_CYCLES);
	__asm__ volatile("isb");
	uint64_t c0 = read_sysreg(pmccntr_el0);
	for (volatile int i = 0; i < 100000; i++)
		;
	uint64_t c1 = read_sysreg(pmccntr_el0);
	print64("PMCCNTR_EL0 first", c0);
	print64("PMCCNTR_EL0 second", c1);
	con_printf("guest: cycle counter %s\n", c1 > c0 ? "advances" : "does not advance");
}
