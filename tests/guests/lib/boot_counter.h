/* boot_counter.h - a boot counter in RAM that survives a reset. */
#ifndef GUEST_BOOT_COUNTER_H
#define GUEST_BOOT_COUNTER_H

#include <stdint.h>

/*
 * Lives at 3 MiB, outside every guest image (images load at 1 MiB and the
 * linker script keeps them below 3 MiB). A reset does not clear RAM but
 * reloads the image, so the counter cannot live inside it.
 */
#define BOOT_COUNTER_ADDR	0x300000
#define BOOT_COUNTER_MAGIC	0x4342534bu	/* "KSBC" little-endian */

struct boot_counter {
	uint32_t magic;
	uint32_t boots;
};

/* Counts this boot and returns its number: 1 when the magic is absent. */
uint32_t boot_counter_tick(void);

/* Forget the count (clears the magic): the next boot is boot 1 again. */
void boot_counter_clear(void);

#endif
