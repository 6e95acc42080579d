/* isa-debug-exit: a write of V ends the VMM with status (V << 1) | 1, at
 * once and without a SHUTDOWN event, as QEMU's device does. */
#include <stdlib.h>

#include "bus.h"
#include "devices.h"
#include "machine.h"
#include "trace.h"

static void debugexit_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque;
	(void)off;
	(void)size;
	trace_guest_exit_request("isa-debug-exit", val);
	exit((int)((val << 1) | 1));
}

static const struct bus_ops debugexit_ops = { .write = debugexit_write };

static int debugexit_init(struct machine *m)
{
	if (!m->cfg->debug_exit)
		return 0;
	return bus_register(&ioport_bus, m->cfg->debug_exit_iobase, m->cfg->debug_exit_iosize,
			       "isa-debug-exit", &debugexit_ops, NULL);
}

const struct device debugexit_device = {
	.name = "isa-debug-exit",
	.init = debugexit_init,
};
