#include <stddef.h>

#include "bus.h"
#include "error.h"

static struct bus_region mmio_regions[16], ioport_regions[32];

struct bus mmio_bus = { "MMIO", "overlaps", "MMIO", false, mmio_regions, 16, 0 };
struct bus ioport_bus = { "I/O ports", "overlap", "I/O", true, ioport_regions, 32, 0 };

static uint64_t unanswered_read(const struct bus *b, unsigned size)
{
	if (!b->reads_ones)
		return 0;
	return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len, const char *name,
		 const struct bus_ops *ops, void *opaque)
{
	for (int i = 0; i < b->n; i++) {
		const struct bus_region *r = &b->regions[i];
		if (base < r->base + r->len && r->base < base + len) {
			error_report("%s 0x%llx-0x%llx of %s %s %s", b->range_word,
				     (unsigned long long)base, (unsigned long long)(base + len - 1),
				     name, b->overlap_word, r->name);
			return -1;
		}
	}
	if (b->n == b->max) {
		error_report("too many %s regions", b->kind);
		return -1;
	}
	b->regions[b->n++] = (struct bus_region){ base, len, name, ops, opaque };
	return 0;
}

void bus_unregister_all(struct bus *b)
{
	b->n = 0;
}

bool bus_access(struct bus *b, bool is_write, uint64_t addr, unsigned size, uint64_t *value)
{
	for (int i = 0; i < b->n; i++) {
		const struct bus_region *r = &b->regions[i];
		if (addr < r->base || addr - r->base >= r->len)
			continue;
		uint64_t off = addr - r->base;
		if (is_write) {
			if (r->ops->write)
				r->ops->write(r->opaque, off, size, *value);
		} else {
			*value = r->ops->read ? r->ops->read(r->opaque, off, size)
					      : unanswered_read(b, size);
		}
		return true;
	}
	if (!is_write && b->reads_ones)
		*value = unanswered_read(b, size);
	return false;
}
