/*
 * reboot.c - arm64: PSCI SYSTEM_RESET K times, counting boots in RAM that
 * survives a reset (as tests/guests/reboot.c does with cf9 on x86).
 *
 *   count=K   resets to ask for (default 3): boots 1..K reset, boot K+1
 *             prints "guest: done after K reboots" and powers off
 */
#include "arm64.h"

#define DEFAULT_COUNT 3

void guest_main(const char *cmdline)
{
	unsigned long count = cmdline_ulong(cmdline, "count", DEFAULT_COUNT);
	uint32_t boot = arm64_boot_counter_tick();

	con_printf("guest: boot %u\n", boot);
	if (boot <= count) {
		con_puts("guest: rebooting via psci\n");
		psci_system_reset();
	}
	con_printf("guest: done after %u reboots\n", boot - 1);
	arm64_boot_counter_clear();
	psci_system_off();
}
