/* multiboot.h - the Multiboot (v1) facts the 32-bit guests use. */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC		0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC	0x2BADB002	/* in EAX at entry */

/* Header flags: bit 0 page-align modules, bit 1 want memory info. Bit 16
 * (the a.out kludge) stays clear: loaders use the ELF program headers. */
#define MULTIBOOT_HEADER_FLAGS		0x00000003

#ifndef __ASSEMBLER__
#include <stdint.h>

#define MULTIBOOT_INFO_MEMORY		(1u << 0)
#define MULTIBOOT_INFO_CMDLINE		(1u << 2)

/* The start of the boot information structure EBX points at. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB, valid with MULTIBOOT_INFO_MEMORY */
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;	/* physical address, valid with ..._CMDLINE */
} __attribute__((packed));
#endif

#endif
