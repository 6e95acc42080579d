/*
 * power.c - powering the machine off: ACPI PM1_CNT first, isa-debug-exit
 * as the fallback, cli; hlt as the last word.
 */
#include "power.h"
#include "cmdline.h"
#include "cpu.h"
#include "io.h"
#include "serial.h"

/* How long to wait for a power-off write to take effect before trying the
 * next way out: ~0.1 s on the emulating host KVM, far less on hardware. */
#define POWEROFF_GRACE_SPINS	100000

void debug_exit(uint8_t code)
{
	outb(DEBUG_EXIT_PORT, code);
	cpu_halt_forever();
}

void poweroff(void)
{
	con_puts("guest: powering off\n");
	if (cmdline_is(guest_cmdline, "exit", "debug")) {
		outb(DEBUG_EXIT_PORT, 0);
		cpu_delay(POWEROFF_GRACE_SPINS);
	}
	outw(PM1_CNT, (0u << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
	cpu_delay(POWEROFF_GRACE_SPINS);
	debug_exit(0);
}

void pm_enable_power_button(void)
{
	outw(PM1_EN, PM1_EN_PWRBTN);
}

int pm_power_button_pending(void)
{
	return (inw(PM1_STS) & PM1_STS_PWRBTN) != 0;
}

void pm_ack_power_button(void)
{
	outw(PM1_STS, PM1_STS_PWRBTN);
}
