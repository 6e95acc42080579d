#include <stddef.h>
#include <string.h>

#include "error.h"
#include "mmio.h"

#define MAX_REGIONS 16

static struct mmio_region {
	uint64_t base, len;
	const char *name;
	const struct mmio_ops *ops;
	void *opaque;
} regions[MAX_REGIONS];
static int nregions;

int mmio_register(uint64_t base, uint64_t len, const char *name, const struct mmio_ops *ops,
		  void *opaque)
{
	for (int i = 0; i < nregions; i++) {
		const struct mmio_region *r = &regions[i];
		if (base < r->base + r->len && r->base < base + len) {
			error_report("MMIO 0x%llx-0x%llx of %s overlaps %s",
				     (unsigned long long)base, (unsigned long long)(base + len - 1),
				     name, r->name);
			return -1;
		}
	}
	if (nregions == MAX_REGIONS) {
		error_report("too many MMIO regions");
		return -1;
	}
	regions[nregions++] = (struct mmio_region){ base, len, name, ops, opaque };
	return 0;
}

void mmio_unregister_all(void)
{
	nregions = 0;
}

static uint64_t load_le(const uint8_t *data, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = size; i-- > 0;)
		v = v << 8 | data[i];
	return v;
}

static void store_le(uint8_t *data, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size; i++, v >>= 8)
		data[i] = (uint8_t)v;
}

bool mmio_dispatch(bool is_write, uint64_t addr, unsigned size, uint8_t *data)
{
	if (size == 0 || size > 8)
		return false;
	for (int i = 0; i < nregions; i++) {
		const struct mmio_region *r = &regions[i];
		if (addr < r->base || addr - r->base >= r->len)
			continue;
		uint64_t off = addr - r->base;
		if (is_write) {
			if (r->ops->write)
				r->ops->write(r->opaque, off, size, load_le(data, size));
		} else {
			store_le(data, size, r->ops->read ? r->ops->read(r->opaque, off, size) : 0);
		}
		return true;
	}
	return false;
}
