/* The VMM's two buses, guest-physical MMIO and x86 port I/O, as one
 * registry (kvmtool's shape): a device claims a range with a handler; a
 * KVM_EXIT_MMIO or KVM_EXIT_IO goes to the range that holds its address.
 * A device's power-on reset is its row in the board's table (device.h). */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct bus_ops {
	/* offset from the range's base; size 1..8 bytes (1, 2 or 4 on the I/O bus) */
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
};

struct bus_region {
	uint64_t base, len;
	const char *name;
	const struct bus_ops *ops;
	void *opaque;
};

struct bus {
	const char *range_word;	/* "MMIO 0x..-0x.. of DEV overlaps ..." */
	const char *overlap_word;
	const char *kind;	/* "too many MMIO regions" */
	bool reads_ones;	/* a read no handler answers gives all ones (the PC's I/O bus) */
	struct bus_region *regions;
	int max, n;
};

extern struct bus mmio_bus, ioport_bus;

/* A range of a device; an overlap with a registered range is refused. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, const char *name,
		 const struct bus_ops *ops, void *opaque);
void bus_unregister_all(struct bus *b);
/* The handler of the range holding addr reads *value or writes it; false
 * when no device claims addr: *value is then untouched, or all ones for a
 * read on a reads_ones bus. */
bool bus_access(struct bus *b, bool is_write, uint64_t addr, unsigned size, uint64_t *value);

#endif
