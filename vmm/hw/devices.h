/* The devices under vmm/hw/, for the boards' tables. */
#ifndef VMM_HW_DEVICES_H
#define VMM_HW_DEVICES_H

#include "device.h"

extern const struct device serial_device;    /* 8250 UARTs COM1/COM2 */
extern const struct device i8042_device;     /* keyboard controller: reset via 0xFE */
extern const struct device pm_device;	     /* ACPI PM block at 0x600 (PIIX4 layout) */
extern const struct device cf9_device;	     /* reset control register 0xCF9 */
extern const struct device debugexit_device; /* isa-debug-exit */
extern const struct device pvpanic_device;   /* pvpanic (ISA, port 0x505) */

/* Set PWRBTN_STS, as the power button of a board with an ACPI PM block. */
void pm_press_power_button(void);

#endif
