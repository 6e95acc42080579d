/* Port I/O dispatch: each device registers its port range with a handler. */
#ifndef VMM_IOPORT_H
#define VMM_IOPORT_H

#include <stdbool.h>
#include <stdint.h>

struct ioport_ops {
	uint32_t (*read)(void *opaque, uint16_t offset, unsigned size);
	void (*write)(void *opaque, uint16_t offset, unsigned size, uint32_t value);
};

int ioport_register(uint16_t base, uint16_t len, const char *name, const struct ioport_ops *ops,
		    void *opaque);
void ioport_unregister_all(void);
/* Reads of unclaimed ports give all ones and writes vanish, as on a PC;
 * returns false for those so the caller can trace them. */
bool ioport_dispatch(bool is_write, uint16_t port, unsigned size, uint32_t *value);

#endif
