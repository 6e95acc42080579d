/*
 * pmu.c - what the vCPU says about its PMU: CPUID leaf 0xA, and whether
 * the PMU MSRs can be read (rdmsr with #GP recovery).
 */
#include "guest.h"

#define CPUID_ARCH_PERFMON	0xa
#define MSR_IA32_PMC0		0xc1
#define MSR_PERF_GLOBAL_CTRL	0x38f

static void read_msr(uint32_t msr)
{
	uint64_t val;

	if (rdmsr_safe(msr, &val) < 0) {
		con_printf("guest: rdmsr 0x%x -> #GP\n", msr);
		return;
	}
	if (val >> 32)
		con_printf("guest: rdmsr 0x%x = 0x%x%08x\n", msr,
			   (uint32_t)(val >> 32), (uint32_t)val);
	else
		con_printf("guest: rdmsr 0x%x = 0x%x\n", msr, (uint32_t)val);
}

void guest_main(const char *cmdline)
{
	uint32_t max, a = 0, b = 0, c = 0, d = 0;
	char vendor[13];

	(void)cmdline;
	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	con_printf("guest: cpuid vendor '%s' max leaf 0x%x\n", vendor, max);

	if (max >= CPUID_ARCH_PERFMON)
		cpuid(CPUID_ARCH_PERFMON, 0, &a, &b, &c, &d);
	else
		a = b = c = d = 0;
	con_printf("guest: pmu version=%u gp_counters=%u gp_width=%u fixed=%u ebx=0x%08x\n",
		   a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff, d & 0x1f, b);

	read_msr(MSR_IA32_PMC0);
	read_msr(MSR_PERF_GLOBAL_CTRL);
	poweroff();
}
