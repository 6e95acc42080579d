/* reset.h - the ways a PC guest asks for a reset. */
#ifndef GUEST_RESET_H
#define GUEST_RESET_H

#include <stddef.h>

enum reset_method {
	RESET_CF9,	/* outb(0xcf9, 0x06): reset control register */
	RESET_I8042,	/* outb(0x64, 0xfe): keyboard controller pulse */
	RESET_TRIPLE,	/* lidt with limit 0, then ud2: triple fault */
	RESET_METHOD_COUNT
};

#define RCR_PORT		0xcf9
#define RCR_SYS_RST		0x02	/* hard (system) reset */
#define RCR_RST_CPU		0x04	/* do the reset */
#define I8042_STATUS_PORT	0x64
#define I8042_CMD_PORT		0x64
#define I8042_STS_IBF		0x02	/* input buffer full */
#define I8042_CMD_RESET		0xfe	/* pulse output line 0 (reset) */

/* "cf9", "i8042", "triple" -> method; -1 if unknown. */
int reset_method_parse(const char *name, size_t len);
const char *reset_method_name(enum reset_method m);

/* Asks for a reset and waits a moment. Returns only if the reset did not
 * happen (the VMM ignored the request). */
void reset_via(enum reset_method m);

#endif
