/*
 * serial.c - polled 8250 UART.
 *
 * Writes wait for LSR.THRE before touching THR; reads wait for LSR.DR and
 * then take RBR. The wait for THRE is bounded: a VMM that returns 0 for an
 * unemulated LSR must not hang the guest, it only loses the pacing.
 */
#include "serial.h"
#include "io.h"
#include "cpu.h"

#define THRE_SPINS	100000

void uart_init(uint16_t base)
{
	/*
	 * No divisor programming on purpose: setting DLAB redirects offset 0
	 * to the divisor latch, and a minimal emulated UART that ignores DLAB
	 * would print the divisor byte. Emulated UARTs run at any "baud".
	 */
	outb(base + UART_IER, 0x00);
	outb(base + UART_LCR, UART_LCR_8N1);
}

void uart_putc(uint16_t base, char c)
{
	unsigned int spins = THRE_SPINS;

	while (!(inb(base + UART_LSR) & UART_LSR_THRE) && --spins)
		cpu_relax();
	outb(base + UART_THR, (uint8_t)c);
}

int uart_trygetc(uint16_t base)
{
	if (!(inb(base + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(base + UART_RBR);
}

int uart_getc(uint16_t base)
{
	int c;

	while ((c = uart_trygetc(base)) < 0)
		cpu_relax();
	return c;
}

void con_putc(char c)
{
	uart_putc(COM1_BASE, c);
}

void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

int con_getc(void)
{
	return uart_getc(COM1_BASE);
}
