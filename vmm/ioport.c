#include <stddef.h>

#include "error.h"
#include "ioport.h"

#define MAX_REGIONS 32

static struct io_region {
	uint16_t base, len;
	const char *name;
	const struct ioport_ops *ops;
	void *opaque;
} regions[MAX_REGIONS];
static int nregions;

int ioport_register(uint16_t base, uint16_t len, const char *name, const struct ioport_ops *ops,
		    void *opaque)
{
	for (int i = 0; i < nregions; i++) {
		const struct io_region *r = &regions[i];
		if (base < r->base + r->len && r->base < base + len) {
			error_report("I/O ports 0x%x-0x%x of %s overlap %s", base, base + len - 1,
				     name, r->name);
			return -1;
		}
	}
	if (nregions == MAX_REGIONS) {
		error_report("too many I/O regions");
		return -1;
	}
	regions[nregions++] = (struct io_region){ base, len, name, ops, opaque };
	return 0;
}

void ioport_unregister_all(void)
{
	nregions = 0;
}

bool ioport_dispatch(bool is_write, uint16_t port, unsigned size, uint32_t *value)
{
	for (int i = 0; i < nregions; i++) {
		const struct io_region *r = &regions[i];
		if (port < r->base || port >= r->base + r->len)
			continue;
		uint16_t off = (uint16_t)(port - r->base);
		if (is_write) {
			if (r->ops->write)
				r->ops->write(r->opaque, off, size, *value);
		} else {
			*value = r->ops->read ? r->ops->read(r->opaque, off, size)
					      : (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
		}
		return true;
	}
	if (!is_write)
		*value = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	return false;
}
