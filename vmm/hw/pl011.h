/* ARM PrimeCell UART (PL011), the register model of QEMU's hw/char/pl011.c:
 * DR, RSR/ECR, FR (TXFE/RXFF/TXFF/RXFE), ILPR, IBRD/FBRD, LCR_H, CR, IFLS,
 * IMSC/RIS/MIS/ICR, DMACR and the PrimeCell ID registers. Transmission is
 * immediate, so TXFF never sets; received bytes wait in a 16-byte FIFO (one
 * byte with LCR_H.FEN clear). The board wires the byte sink and the IRQ. */
#ifndef VMM_HW_PL011_H
#define VMM_HW_PL011_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define PL011_MMIO_SIZE 0x1000
#define PL011_FIFO 16

#define PL011_DR 0x00
#define PL011_RSR 0x04
#define PL011_FR 0x18
#define PL011_ILPR 0x20
#define PL011_IBRD 0x24
#define PL011_FBRD 0x28
#define PL011_LCR_H 0x2c
#define PL011_CR 0x30
#define PL011_IFLS 0x34
#define PL011_IMSC 0x38
#define PL011_RIS 0x3c
#define PL011_MIS 0x40
#define PL011_ICR 0x44
#define PL011_DMACR 0x48
#define PL011_ID_BASE 0xfe0

#define PL011_FR_RXFE 0x10
#define PL011_FR_TXFF 0x20
#define PL011_FR_RXFF 0x40
#define PL011_FR_TXFE 0x80
#define PL011_LCR_H_FEN 0x10
#define PL011_INT_RX 0x10
#define PL011_INT_TX 0x20

struct pl011 {
	pthread_mutex_t lock;
	void (*tx)(void *opaque, uint8_t byte);	 /* a byte the guest wrote */
	void (*set_irq)(void *opaque, int level); /* on every change, and at reset */
	void *opaque;
	uint32_t flags, lcr, rsr, cr, dmacr, int_enabled, int_level, ilpr, ibrd, fbrd, ifl;
	uint8_t rx[PL011_FIFO];
	unsigned rx_head, rx_count;
	int irq_level;
};

void pl011_init(struct pl011 *u, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
		void *opaque);
void pl011_destroy(struct pl011 *u);
/* Power-on state (QEMU pl011_reset); received bytes already queued stay.
 * The IRQ line is driven to its level. */
void pl011_reset(struct pl011 *u);
uint32_t pl011_read(struct pl011 *u, uint64_t offset);
void pl011_write(struct pl011 *u, uint64_t offset, uint32_t value);
/* Room in the receive FIFO, and bytes from the host side. */
size_t pl011_can_receive(struct pl011 *u);
void pl011_receive(struct pl011 *u, const uint8_t *buf, size_t len);

#endif
