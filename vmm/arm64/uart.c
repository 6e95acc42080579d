/* The virt board's console: the PL011 model (vmm/hw/pl011.c) at 0x09000000
 * on the MMIO bus, SPI 1 on the vGIC, the first -serial as its backend (QEMU's
 * virt has one UART: serial_hd(0)). */
#include "../hw/pl011.h"
#include "arm64.h"
#include "bus.h"
#include "chardev.h"
#include "device.h"
#include "error.h"
#include "mainloop.h"

static struct uart_board {
	struct pl011 model;
	struct machine *m;
	struct chardev *chr;
} uart;

static void uart_tx(void *opaque, uint8_t byte)
{
	struct uart_board *u = opaque;
	if (u->chr)
		chardev_write(u->chr, &byte, 1);
}

static void uart_set_irq(void *opaque, int level)
{
	struct uart_board *u = opaque;
	arch_set_irq(u->m, VIRT_UART_SPI, level);
}

static uint64_t uart_mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct uart_board *u = opaque;
	bool was_full = off == PL011_DR && pl011_can_receive(&u->model) == 0;

	(void)size;
	uint32_t r = pl011_read(&u->model, off);
	if (was_full)
		qemu_notify_event(); /* room again: the backend may read */
	return r;
}

static void uart_mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t value)
{
	struct uart_board *u = opaque;
	(void)size;
	pl011_write(&u->model, off, (uint32_t)value);
}

static const struct bus_ops uart_ops = { .read = uart_mmio_read, .write = uart_mmio_write };

static size_t uart_can_receive(void *opaque)
{
	return pl011_can_receive(&((struct uart_board *)opaque)->model);
}

static void uart_receive(void *opaque, const uint8_t *buf, size_t len)
{
	pl011_receive(&((struct uart_board *)opaque)->model, buf, len);
}

static int uart_init(struct machine *m)
{
	char err[256];

	uart.m = m;
	pl011_init(&uart.model, uart_tx, uart_set_irq, &uart);
	if (m->cfg->nr_serials > 0) {
		uart.chr = chardev_open(&m->cfg->serial[0], err, sizeof(err));
		if (!uart.chr) {
			error_report("-serial (pl011): %s", err);
			return -1;
		}
		chardev_set_receiver(uart.chr, uart_can_receive, uart_receive, &uart);
	}
	return bus_register(&mmio_bus, VIRT_UART_BASE, VIRT_UART_SIZE, "pl011", &uart_ops, &uart);
}

static void uart_reset(struct machine *m)
{
	(void)m;
	pl011_reset(&uart.model);
}

static void uart_exit(struct machine *m)
{
	(void)m;
	chardev_close(uart.chr);
	uart.chr = NULL;
	pl011_destroy(&uart.model);
}

const struct device arm64_uart_device = {
	.name = "pl011",
	.init = uart_init,
	.reset = uart_reset,
	.exit = uart_exit,
};
