/* power.h - ACPI PM block (PIIX4 layout at 0x600) and isa-debug-exit. */
#ifndef GUEST_POWER_H
#define GUEST_POWER_H

#include <stdint.h>

#define PM_BASE			0x600
#define PM1_STS			(PM_BASE + 0x0)	/* 16-bit, write 1 to clear */
#define PM1_EN			(PM_BASE + 0x2)	/* 16-bit */
#define PM1_CNT			(PM_BASE + 0x4)	/* 16-bit */

#define PM1_STS_PWRBTN		(1u << 8)
#define PM1_EN_PWRBTN		(1u << 8)
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_EN		(1u << 13)

#define DEBUG_EXIT_PORT		0xf4	/* QEMU isa-debug-exit: status (v<<1)|1 */

/*
 * Power off: print "guest: powering off", write SLP_EN with SLP_TYP 0 to
 * PM1_CNT, give the VMM a moment, then write 0 to the isa-debug-exit port
 * and finally cli; hlt forever. With exit=debug on the command line the
 * debug-exit port is tried first.
 */
__attribute__((noreturn)) void poweroff(void);

/* Write a byte to the isa-debug-exit port, then cli; hlt forever. */
__attribute__((noreturn)) void debug_exit(uint8_t code);

/* Power button: enable the PM1 event (QEMU raises PWRBTN_STS only when
 * PM1_EN.PWRBTN_EN is set), poll it, and acknowledge it. */
void pm_enable_power_button(void);
int pm_power_button_pending(void);
void pm_ack_power_button(void);

#endif
