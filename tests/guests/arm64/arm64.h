/* arm64.h - the arm64 test guests' runtime: PL011 console, PSCI, the
 * command line from the device tree, a reset-surviving boot counter. */
#ifndef GUEST_ARM64_H
#define GUEST_ARM64_H

#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "print.h"
#include "string.h"

/* virt board (QEMU's memory map) */
#define PL011_BASE		0x09000000UL
/* 3 MiB into RAM: outside the image, which is reloaded on reset */
#define ARM64_BOOT_COUNTER_ADDR	0x40300000UL

/* PSCI 0.2 function IDs, called with hvc #0 */
#define PSCI_SYSTEM_OFF		0x84000008u
#define PSCI_SYSTEM_RESET	0x84000009u

void con_putc(char c);
void con_puts(const char *s);
unsigned long psci_call(uint32_t fn);
void __attribute__((noreturn)) psci_system_off(void);
void __attribute__((noreturn)) psci_system_reset(void);

/* /chosen/bootargs of a flattened device tree, or NULL */
const char *fdt_bootargs(const void *fdt);

uint32_t arm64_boot_counter_tick(void);
void arm64_boot_counter_clear(void);

/* Every arm64 guest defines guest_main(); returning powers off. */
void guest_main(const char *cmdline);

#define read_sysreg(name) ({ uint64_t _v; __asm__ volatile("mrs %0, " #name : "=r"(_v)); _v; })
#define write_sysreg(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)))

#endif
