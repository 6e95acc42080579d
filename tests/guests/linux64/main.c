/*
 * main.c - the 64-bit C part of linux64.bzImage: check boot_params, print
 * the command line and the start of the initrd, power off.
 */
#include <stdint.h>

#include "bootparam.h"
#include "cmdline.h"
#include "power.h"
#include "print.h"
#include "serial.h"
#include "string.h"

#define CMDLINE_MAX	2048
#define INITRD_SHOW	32

static char cmdline_buf[CMDLINE_MAX];

static uint32_t bp_u32(const uint8_t *bp, unsigned int off)
{
	uint32_t v;

	memcpy(&v, bp + off, sizeof(v));
	return v;
}

static void show_initrd(const uint8_t *bp)
{
	unsigned long addr = bp_u32(bp, BP_RAMDISK_IMAGE) |
			     (unsigned long)bp_u32(bp, BP_EXT_RAMDISK_IMAGE) << 32;
	unsigned long size = bp_u32(bp, BP_RAMDISK_SIZE) |
			     (unsigned long)bp_u32(bp, BP_EXT_RAMDISK_SIZE) << 32;
	const uint8_t *p = (const uint8_t *)addr;
	char text[INITRD_SHOW + 1];
	unsigned int n = 0;

	if (!size)
		return;
	/* The first bytes up to the first non-printable one. */
	while (n < INITRD_SHOW && n < size && p[n] >= 0x20 && p[n] < 0x7f) {
		text[n] = (char)p[n];
		n++;
	}
	text[n] = '\0';
	con_printf("guest: initrd %lu bytes: '%s'\n", size, text);
}

void linux64_main(const uint8_t *bp, unsigned int via_startup_32);
void linux64_main(const uint8_t *bp, unsigned int via_startup_32)
{
	unsigned long cmd;

	uart_init(COM1_BASE);
	con_printf("guest: boot_params at 0x%lx, entered via %s\n",
		   (unsigned long)bp, via_startup_32 ? "startup_32" : "startup_64");

	if (bp_u32(bp, BP_HDR_MAGIC) != HDR_MAGIC) {
		con_printf("guest: bad boot_params: no \"HdrS\" at 0x%lx\n",
			   (unsigned long)bp + BP_HDR_MAGIC);
		poweroff();
	}
	con_puts("guest: linux boot protocol ok\n");

	cmd = bp_u32(bp, BP_CMD_LINE_PTR) |
	      (unsigned long)bp_u32(bp, BP_EXT_CMD_LINE_PTR) << 32;
	if (cmd)
		str_copy(cmdline_buf, (const char *)cmd, sizeof(cmdline_buf));
	guest_cmdline = cmdline_buf;
	con_printf("guest: cmdline '%s'\n", cmdline_buf);

	show_initrd(bp);
	poweroff();
}
