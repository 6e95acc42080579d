/* The PL011 register model (see pl011.h); the board's file wires it to a
 * chardev, the MMIO bus and the interrupt controller. */
#include <string.h>

#include "pl011.h"

/* PrimeCell peripheral and cell IDs at 0xfe0..0xffc, as QEMU's pl011_id_arm */
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

void pl011_init(struct pl011 *u, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
		void *opaque)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->tx = tx;
	u->set_irq = set_irq;
	u->opaque = opaque;
	u->irq_level = -1; /* unknown until the first reset drives it */
}

void pl011_destroy(struct pl011 *u)
{
	pthread_mutex_destroy(&u->lock);
}

/* with u->lock held; force: drive the line even when its level is known */
static void update_irq(struct pl011 *u, int force)
{
	int level = (u->int_level & u->int_enabled) != 0;
	if (level == u->irq_level && !force)
		return;
	u->irq_level = level;
	if (u->set_irq)
		u->set_irq(u->opaque, level);
}

static unsigned fifo_depth(const struct pl011 *u)
{
	return (u->lcr & PL011_LCR_H_FEN) ? PL011_FIFO : 1;
}

void pl011_reset(struct pl011 *u)
{
	pthread_mutex_lock(&u->lock);
	u->lcr = u->rsr = u->dmacr = u->int_enabled = u->int_level = 0;
	u->ilpr = u->ibrd = u->fbrd = 0;
	u->ifl = 0x12;
	u->cr = 0x300; /* TXE | RXE */
	u->flags = PL011_FR_TXFE | (u->rx_count ? 0 : PL011_FR_RXFE);
	if (u->rx_count > fifo_depth(u)) /* FIFO off after reset: keep the oldest byte */
		u->rx_count = 1;
	if (u->rx_count) {
		u->flags |= PL011_FR_RXFF;
		u->int_level |= PL011_INT_RX;
	}
	update_irq(u, 1);
	pthread_mutex_unlock(&u->lock);
}

/* with u->lock held */
static uint32_t read_dr(struct pl011 *u)
{
	uint32_t c = u->rx[u->rx_head];
	if (u->rx_count) {
		u->rx_count--;
		u->rx_head = (u->rx_head + 1) % PL011_FIFO;
	}
	u->flags &= ~PL011_FR_RXFF;
	if (!u->rx_count) {
		u->flags |= PL011_FR_RXFE;
		u->int_level &= ~PL011_INT_RX; /* QEMU's read trigger is one byte */
	}
	u->rsr = c >> 8;
	return c;
}

uint32_t pl011_read(struct pl011 *u, uint64_t off)
{
	uint32_t r = 0;

	if (off >= PL011_ID_BASE && off < PL011_ID_BASE + 0x20)
		return off & 3 ? 0 : pl011_id[(off - PL011_ID_BASE) >> 2];
	pthread_mutex_lock(&u->lock);
	switch (off) {
	case PL011_DR: r = read_dr(u); break;
	case PL011_RSR: r = u->rsr; break;
	case PL011_FR: r = u->flags; break;
	case PL011_ILPR: r = u->ilpr; break;
	case PL011_IBRD: r = u->ibrd; break;
	case PL011_FBRD: r = u->fbrd; break;
	case PL011_LCR_H: r = u->lcr; break;
	case PL011_CR: r = u->cr; break;
	case PL011_IFLS: r = u->ifl; break;
	case PL011_IMSC: r = u->int_enabled; break;
	case PL011_RIS: r = u->int_level; break;
	case PL011_MIS: r = u->int_level & u->int_enabled; break;
	case PL011_DMACR: r = u->dmacr; break;
	}
	update_irq(u, 0);
	pthread_mutex_unlock(&u->lock);
	return r;
}

/* with u->lock held: changing LCR_H.FEN empties the receive FIFO, as QEMU */
static void write_lcr(struct pl011 *u, uint32_t value)
{
	if ((u->lcr ^ value) & PL011_LCR_H_FEN) {
		u->rx_count = u->rx_head = 0;
		u->flags = (u->flags & ~PL011_FR_RXFF) | PL011_FR_RXFE;
		u->int_level &= ~PL011_INT_RX;
	}
	u->lcr = value;
}

void pl011_write(struct pl011 *u, uint64_t off, uint32_t value)
{
	int transmit = 0;

	pthread_mutex_lock(&u->lock);
	switch (off) {
	case PL011_DR:
		transmit = 1; /* sent at once: the TX interrupt says room again */
		u->int_level |= PL011_INT_TX;
		break;
	case PL011_RSR: u->rsr = 0; break; /* ECR: any write clears the errors */
	case PL011_ILPR: u->ilpr = value; break;
	case PL011_IBRD: u->ibrd = value; break;
	case PL011_FBRD: u->fbrd = value; break;
	case PL011_LCR_H: write_lcr(u, value); break;
	case PL011_CR: u->cr = value; break;
	case PL011_IFLS: u->ifl = value; break;
	case PL011_IMSC: u->int_enabled = value; break;
	case PL011_ICR: u->int_level &= ~value; break;
	case PL011_DMACR: u->dmacr = value; break;
	}
	update_irq(u, 0);
	pthread_mutex_unlock(&u->lock);
	/* outside the lock: a slow peer must not hold up reads of FR */
	if (transmit && u->tx)
		u->tx(u->opaque, (uint8_t)value);
}

size_t pl011_can_receive(struct pl011 *u)
{
	pthread_mutex_lock(&u->lock);
	size_t room = fifo_depth(u) - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return room;
}

void pl011_receive(struct pl011 *u, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&u->lock);
	for (size_t i = 0; i < len && u->rx_count < fifo_depth(u); i++) {
		u->rx[(u->rx_head + u->rx_count) % PL011_FIFO] = buf[i];
		u->rx_count++;
		u->flags &= ~PL011_FR_RXFE;
		u->int_level |= PL011_INT_RX;
	}
	if (u->rx_count == fifo_depth(u))
		u->flags |= PL011_FR_RXFF;
	update_irq(u, 0);
	pthread_mutex_unlock(&u->lock);
}
