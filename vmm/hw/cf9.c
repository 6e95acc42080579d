/* Reset control register at 0xCF9 (PIIX3/ICH): writing bit 2 resets the
 * system; bit 1 (hard reset) is remembered. */
#include "bus.h"
#include "devices.h"
#include "machine.h"
#include "system.h"

#define RCR_PORT 0xcf9
#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04

static uint8_t rcr;

static uint64_t cf9_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return __atomic_load_n(&rcr, __ATOMIC_RELAXED);
}

static void cf9_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque;
	(void)off;
	(void)size;
	if (val & RCR_RST_CPU) {
		qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
		return;
	}
	__atomic_store_n(&rcr, (uint8_t)(val & RCR_SYS_RST), __ATOMIC_RELAXED);
}

static const struct bus_ops cf9_ops = { .read = cf9_read, .write = cf9_write };

static int cf9_init(struct machine *m)
{
	(void)m;
	return bus_register(&ioport_bus, RCR_PORT, 1, "reset control", &cf9_ops, NULL);
}

static void cf9_reset(struct machine *m)
{
	(void)m;
	__atomic_store_n(&rcr, 0, __ATOMIC_RELAXED);
}

const struct device cf9_device = {
	.name = "cf9",
	.init = cf9_init,
	.reset = cf9_reset,
};
