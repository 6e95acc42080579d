/* MMIO dispatch: each device registers its guest-physical range with a
 * handler; KVM_EXIT_MMIO exits outside any range go to the board. */
#ifndef VMM_MMIO_H
#define VMM_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct mmio_ops {
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
};

int mmio_register(uint64_t base, uint64_t len, const char *name, const struct mmio_ops *ops,
		  void *opaque);
void mmio_unregister_all(void);
/* data is the kvm_run mmio buffer (little-endian, size 1..8 bytes); returns
 * false when no device claims addr, leaving data untouched. */
bool mmio_dispatch(bool is_write, uint64_t addr, unsigned size, uint8_t *data);

#endif
