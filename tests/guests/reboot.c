/*
 * reboot.c - reset K times, counting boots in RAM that survives a reset.
 *
 *   count=K        resets to ask for (default 3): boots 1..K reset, boot
 *                  K+1 prints "guest: done after K reboots" and powers off
 *   method=M       cf9 (default), i8042 or triple
 */
#include "guest.h"

#define DEFAULT_COUNT	3

void guest_main(const char *cmdline)
{
	unsigned long count = cmdline_ulong(cmdline, "count", DEFAULT_COUNT);
	enum reset_method method = RESET_CF9;
	uint32_t boot;
	const char *v;
	size_t len;

	if (cmdline_get(cmdline, "method", &v, &len)) {
		int m = reset_method_parse(v, len);

		if (m < 0) {
			char name[32];

			cmdline_copy(cmdline, "method", name, sizeof(name));
			con_printf("guest: unknown reset method '%s'\n", name);
			poweroff();
		}
		method = (enum reset_method)m;
	}

	boot = boot_counter_tick();
	con_printf("guest: boot %u\n", boot);

	if (boot <= count) {
		con_printf("guest: rebooting via %s\n", reset_method_name(method));
		reset_via(method);
		con_puts("guest: reset did not happen\n");
		poweroff();
	}

	con_printf("guest: done after %u reboots\n", boot - 1);
	boot_counter_clear();
	poweroff();
}
