/* The PL011 register model (vmm/hw/pl011.c) as QEMU's hw/char/pl011.c
 * behaves: reset values, the ID registers, DR transmit and the TX
 * interrupt, FR's FIFO flags, IMSC/RIS/MIS/ICR and the IRQ line it drives
 * (at reset even unchanged: the board's first SPI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/pl011.h"
#include "tap-skip.h"

static struct {
	char sent[64];
	size_t nsent;
	int irq_calls, level;
} out;

static void tx(void *opaque, uint8_t byte)
{
	(void)opaque;
	if (out.nsent < sizeof(out.sent) - 1)
		out.sent[out.nsent++] = (char)byte;
}

static void set_irq(void *opaque, int level)
{
	(void)opaque;
	out.irq_calls++;
	out.level = level;
}

static struct pl011 u;

static int setup(void **state)
{
	(void)state;
	memset(&out, 0, sizeof(out));
	out.level = -1;
	pl011_init(&u, tx, set_irq, NULL);
	pl011_reset(&u);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pl011_destroy(&u);
	return 0;
}

static void test_reset_values_and_ids(void **state)
{
	(void)state;
	assert_int_equal(out.irq_calls, 1); /* the line driven low at reset */
	assert_int_equal(out.level, 0);
	assert_int_equal(pl011_read(&u, PL011_FR), PL011_FR_TXFE | PL011_FR_RXFE);
	assert_int_equal(pl011_read(&u, PL011_CR), 0x300);
	assert_int_equal(pl011_read(&u, PL011_IFLS), 0x12);
	static const uint8_t id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	for (int i = 0; i < 8; i++)
		assert_int_equal(pl011_read(&u, PL011_ID_BASE + 4 * (unsigned)i), id[i]);
	pl011_reset(&u);
	assert_int_equal(out.irq_calls, 2); /* every reset drives it, unchanged or not */
}

static void test_transmit_and_tx_interrupt(void **state)
{
	(void)state;
	pl011_write(&u, PL011_IBRD, 13);
	pl011_write(&u, PL011_FBRD, 1);
	pl011_write(&u, PL011_LCR_H, 0x70);
	pl011_write(&u, PL011_CR, 0x301);
	assert_int_equal(pl011_read(&u, PL011_IBRD), 13);
	assert_int_equal(pl011_read(&u, PL011_LCR_H), 0x70);
	for (const char *p = "hi\n"; *p; p++) {
		assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_TXFF, 0);
		pl011_write(&u, PL011_DR, (uint8_t)*p);
	}
	assert_string_equal(out.sent, "hi\n");
	assert_int_equal(pl011_read(&u, PL011_RIS), PL011_INT_TX);
	assert_int_equal(out.level, 0); /* masked */
	pl011_write(&u, PL011_IMSC, PL011_INT_TX);
	assert_int_equal(out.level, 1);
	assert_int_equal(pl011_read(&u, PL011_MIS), PL011_INT_TX);
	pl011_write(&u, PL011_ICR, PL011_INT_TX);
	assert_int_equal(out.level, 0);
	assert_int_equal(pl011_read(&u, PL011_MIS), 0);
}

static void test_receive_fifo(void **state)
{
	(void)state;
	/* FIFO off: one byte, then full */
	assert_int_equal(pl011_can_receive(&u), 1);
	pl011_write(&u, PL011_IMSC, PL011_INT_RX);
	pl011_receive(&u, (const uint8_t *)"a", 1);
	assert_int_equal(out.level, 1);
	assert_int_equal(pl011_read(&u, PL011_FR) & (PL011_FR_RXFE | PL011_FR_RXFF), PL011_FR_RXFF);
	assert_int_equal(pl011_can_receive(&u), 0);
	assert_int_equal(pl011_read(&u, PL011_DR), 'a');
	assert_int_equal(out.level, 0);
	assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_RXFE, PL011_FR_RXFE);
	/* FIFO on: 16 bytes, in order */
	pl011_write(&u, PL011_LCR_H, PL011_LCR_H_FEN);
	assert_int_equal(pl011_can_receive(&u), PL011_FIFO);
	pl011_receive(&u, (const uint8_t *)"0123456789abcdefXYZ", 19);
	assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_RXFF, PL011_FR_RXFF);
	assert_int_equal(pl011_read(&u, PL011_DR), '0');
	assert_int_equal(pl011_read(&u, PL011_DR), '1');
	assert_int_equal(pl011_can_receive(&u), 2);
	/* turning the FIFO off empties it, as QEMU */
	pl011_write(&u, PL011_LCR_H, 0);
	assert_int_equal(pl011_read(&u, PL011_FR) & PL011_FR_RXFE, PL011_FR_RXFE);
	assert_int_equal(out.level, 0);
}

static void test_unknown_offsets(void **state)
{
	(void)state;
	assert_int_equal(pl011_read(&u, 0x800), 0);
	pl011_write(&u, 0x800, 0xff); /* ignored */
	assert_int_equal(pl011_read(&u, PL011_ID_BASE + 1), 0);
	assert_int_equal(out.nsent, 0);
}

int main(void)
{
#define F(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		F(test_reset_values_and_ids),
		F(test_transmit_and_tx_interrupt),
		F(test_receive_fifo),
		F(test_unknown_offsets),
	};
	return tap_run_group("pl011", tests, NULL, NULL);
}
