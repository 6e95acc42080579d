/* pvpanic (QEMU's isa pvpanic, -device pvpanic[,ioport=0x505]): a guest
 * write with bit 0 set reports a panic (qemu_system_guest_panicked on the
 * vCPU thread, as QEMU's); reads give the supported events. */
#include "bus.h"
#include "devices.h"
#include "error.h"
#include "machine.h"
#include "system.h"
#include "trace.h"

#define PVPANIC_PANICKED 0x1
#define PVPANIC_CRASH_LOADED 0x2

static uint64_t pvpanic_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque, (void)off, (void)size;
	return PVPANIC_PANICKED;
}

static void pvpanic_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque, (void)off, (void)size;
	trace_guest_exit_request("pvpanic", val);
	if (val & PVPANIC_PANICKED)
		qemu_system_guest_panicked();
	else if (val & PVPANIC_CRASH_LOADED)
		warn_report("pvpanic: crash-loaded is not reported by this VMM");
}

static const struct bus_ops pvpanic_ops = { .read = pvpanic_read, .write = pvpanic_write };

static int pvpanic_init(struct machine *m)
{
	if (!m->cfg->pvpanic)
		return 0;
	return bus_register(&ioport_bus, m->cfg->pvpanic_ioport, 1, "pvpanic", &pvpanic_ops, NULL);
}

const struct device pvpanic_device = {
	.name = "pvpanic",
	.init = pvpanic_init,
};
