/* 8250/16550 UART: COM1 (0x3f8, IRQ 4) and COM2 (0x2f8, IRQ 3), with a
 * 16-byte receive FIFO fed by the chardev backend. */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "bus.h"
#include "chardev.h"
#include "devices.h"
#include "error.h"
#include "machine.h"
#include "mainloop.h"

#define UART_FIFO 16

#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_FIFO 0xc0
#define UART_LCR_DLAB 0x80
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02

struct uart {
	const char *name;
	uint16_t base;
	int irq;
	struct machine *m;
	struct chardev *chr;
	pthread_mutex_t lock;
	uint8_t rx[UART_FIFO];
	unsigned rx_head, rx_count;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thri_pending;
	int irq_level;
};

static struct uart uarts[VMM_MAX_SERIALS] = {
	{ .name = "COM1", .base = 0x3f8, .irq = 4 },
	{ .name = "COM2", .base = 0x2f8, .irq = 3 },
};
static int nr_uarts;

/* with u->lock held */
static void update_irq(struct uart *u)
{
	int level = ((u->ier & UART_IER_RDI) && u->rx_count) ||
		    ((u->ier & UART_IER_THRI) && u->thri_pending);
	if (level != u->irq_level) {
		u->irq_level = level;
		arch_set_irq(u->m, u->irq, level);
	}
}

static void rx_push(struct uart *u, uint8_t byte)
{
	if (u->rx_count < UART_FIFO) {
		u->rx[(u->rx_head + u->rx_count) % UART_FIFO] = byte;
		u->rx_count++;
	}
}

static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
	struct uart *u = opaque;
	uint32_t val = 0;
	bool wake_input = false;

	(void)size;
	pthread_mutex_lock(&u->lock);
	switch (off) {
	case 0:
		if (u->lcr & UART_LCR_DLAB) {
			val = u->dll;
		} else if (u->rx_count) {
			wake_input = u->rx_count == UART_FIFO;
			val = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_FIFO;
			u->rx_count--;
		}
		break;
	case 1:
		val = (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
		break;
	case 2:
		if ((u->ier & UART_IER_RDI) && u->rx_count) {
			val = UART_IIR_RDI;
		} else if ((u->ier & UART_IER_THRI) && u->thri_pending) {
			val = UART_IIR_THRI;
			u->thri_pending = false; /* reading IIR acknowledges THRE */
		} else {
			val = UART_IIR_NO_INT;
		}
		if (u->fcr & UART_FCR_ENABLE)
			val |= UART_IIR_FIFO;
		break;
	case 3:
		val = u->lcr;
		break;
	case 4:
		val = u->mcr;
		break;
	case 5:
		val = UART_LSR_THRE | UART_LSR_TEMT | (u->rx_count ? UART_LSR_DR : 0);
		break;
	case 6:
		if (u->mcr & UART_MCR_LOOP) /* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
			val = ((u->mcr & 0x0c) << 4) | ((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3);
		else
			val = 0xb0; /* DCD, DSR, CTS: a peer is always there */
		break;
	case 7:
		val = u->scr;
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	if (wake_input)
		qemu_notify_event(); /* the backend may read again */
	return val;
}

static void uart_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct uart *u = opaque;
	uint8_t byte = (uint8_t)val;
	bool transmit = false;

	(void)size;
	pthread_mutex_lock(&u->lock);
	switch (off) {
	case 0:
		if (u->lcr & UART_LCR_DLAB) {
			u->dll = byte;
		} else {
			if (u->mcr & UART_MCR_LOOP)
				rx_push(u, byte);
			else
				transmit = true;
			u->thri_pending = true; /* sent at once: THR is empty again */
		}
		break;
	case 1:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = byte;
		} else {
			/* enabling THRI with THR empty raises it, as an 8250 does */
			if ((byte & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
				u->thri_pending = true;
			u->ier = byte & 0x0f;
		}
		break;
	case 2:
		u->fcr = byte & 0xc9;
		if (byte & UART_FCR_CLEAR_RX)
			u->rx_count = u->rx_head = 0;
		break;
	case 3:
		u->lcr = byte;
		break;
	case 4:
		u->mcr = byte & 0x1f;
		break;
	case 7:
		u->scr = byte;
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	/* outside the lock: a slow peer must not hold up reads of LSR */
	if (transmit && u->chr)
		chardev_write(u->chr, &byte, 1);
}

static const struct bus_ops uart_ops = { .read = uart_read, .write = uart_write };

static size_t uart_can_receive(void *opaque)
{
	struct uart *u = opaque;
	pthread_mutex_lock(&u->lock);
	size_t room = UART_FIFO - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return room;
}

static void uart_receive(void *opaque, const uint8_t *buf, size_t len)
{
	struct uart *u = opaque;
	pthread_mutex_lock(&u->lock);
	for (size_t i = 0; i < len; i++)
		rx_push(u, buf[i]);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static int serial_init(struct machine *m)
{
	char err[256];

	nr_uarts = m->cfg->nr_serials;
	for (int i = 0; i < nr_uarts; i++) {
		struct uart *u = &uarts[i];
		u->m = m;
		pthread_mutex_init(&u->lock, NULL);
		u->chr = chardev_open(&m->cfg->serial[i], err, sizeof(err));
		if (!u->chr) {
			error_report("-serial (%s): %s", u->name, err);
			return -1;
		}
		chardev_set_receiver(u->chr, uart_can_receive, uart_receive, u);
		if (bus_register(&ioport_bus, u->base, 8, u->name, &uart_ops, u) < 0)
			return -1;
	}
	return 0;
}

static void serial_reset(struct machine *m)
{
	(void)m;
	for (int i = 0; i < nr_uarts; i++) {
		struct uart *u = &uarts[i];
		pthread_mutex_lock(&u->lock);
		u->ier = u->lcr = u->mcr = u->scr = u->fcr = u->dlm = 0;
		u->dll = 0x0c; /* 9600 baud */
		u->thri_pending = false;
		/* bytes already received stay: the host sent them, nothing is lost */
		update_irq(u);
		pthread_mutex_unlock(&u->lock);
	}
}

static void serial_exit(struct machine *m)
{
	(void)m;
	for (int i = 0; i < nr_uarts; i++) {
		chardev_close(uarts[i].chr);
		uarts[i].chr = NULL;
		pthread_mutex_destroy(&uarts[i].lock);
	}
	nr_uarts = 0;
}

const struct device serial_device = {
	.name = "serial",
	.init = serial_init,
	.reset = serial_reset,
	.exit = serial_exit,
};
