/*
 * hello.c - arm64: a line on the PL011 console, then PSCI SYSTEM_OFF.
 */
#include "arm64.h"

void guest_main(const char *cmdline)
{
	con_printf("guest: hello from arm64 (EL%lu, cmdline '%s')\n",
		   (unsigned long)(read_sysreg(CurrentEL) >> 2), cmdline);
	con_puts("guest: PSCI SYSTEM_OFF\n");
	psci_system_off();
}
