/*
 * hello.c - the smallest guest: say hello, show the command line, power off.
 *
 *   wait=powerbutton  wait for PM1_STS.PWRBTN_STS, acknowledge it, power off
 *   wait=ignore       acknowledge power-button presses but never stop
 *   echo=1            echo COM1 input as "guest: got 'X'" until a 'q' arrives
 *                     (the 'q' itself is not echoed: "guest: echo done")
 *   com2=1            also greet on COM2 (0x2f8)
 */
#include "guest.h"

/* Poll the PM block only every so often while ignoring the button. */
#define IGNORE_POLL_SPINS	10000

static void echo_loop(void)
{
	int c;

	con_puts("guest: echo until 'q'\n");
	while ((c = con_getc()) != 'q') {
		if (c >= 0x20 && c < 0x7f)
			con_printf("guest: got '%c'\n", c);
		else
			con_printf("guest: got '\\x%02x'\n", c);
	}
	con_puts("guest: echo done\n");
}

static void wait_power_button(void)
{
	con_puts("guest: waiting for power button\n");
	pm_enable_power_button();
	while (!pm_power_button_pending())
		cpu_relax();
	pm_ack_power_button();
	con_puts("guest: power button pressed\n");
}

static __attribute__((noreturn)) void ignore_forever(void)
{
	con_puts("guest: ignoring power button\n");
	pm_enable_power_button();
	for (;;) {
		cpu_delay(IGNORE_POLL_SPINS);
		if (pm_power_button_pending())
			pm_ack_power_button();
	}
}

void guest_main(const char *cmdline)
{
	con_puts("guest: hello from kvmscope guest\n");
	con_printf("guest: cmdline '%s'\n", cmdline);

	if (cmdline_is(cmdline, "com2", "1")) {
		uart_init(COM2_BASE);
		uart_printf(COM2_BASE, "guest: hello from kvmscope guest on COM2\n");
		con_puts("guest: greeted on COM2\n");
	}

	if (cmdline_is(cmdline, "echo", "1"))
		echo_loop();

	if (cmdline_is(cmdline, "wait", "powerbutton"))
		wait_power_button();
	else if (cmdline_is(cmdline, "wait", "ignore"))
		ignore_forever();
	poweroff();
}
