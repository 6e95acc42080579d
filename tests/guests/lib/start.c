/*
 * start.c - from the multiboot hand-off (entry.S) to guest_main().
 */
#include "guest.h"
#include "multiboot.h"

#define CMDLINE_MAX	1024

static char cmdline_buf[CMDLINE_MAX];

void guest_start(uint32_t magic, uint32_t info);
void guest_start(uint32_t magic, uint32_t info)
{
	const struct multiboot_info *mbi =
		(const struct multiboot_info *)(unsigned long)info;

	uart_init(COM1_BASE);
	idt_install();

	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		con_printf("guest: warning: not a multiboot hand-off (eax=0x%08x)\n",
			   magic);
	else if (mbi && (mbi->flags & MULTIBOOT_INFO_CMDLINE) && mbi->cmdline)
		/* Keep a copy: the loader's buffer is not ours to rely on. */
		str_copy(cmdline_buf,
			 (const char *)(unsigned long)mbi->cmdline,
			 sizeof(cmdline_buf));

	guest_cmdline = cmdline_buf;
	guest_main(cmdline_buf);
	poweroff();
}
