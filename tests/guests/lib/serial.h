/* serial.h - 8250/16550 UART (COM1 0x3f8, COM2 0x2f8), polled. */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#include <stdint.h>

#define COM1_BASE	0x3f8
#define COM2_BASE	0x2f8

/* Register offsets from the base port (DLAB = 0). */
#define UART_RBR	0	/* receive buffer (read) */
#define UART_THR	0	/* transmit holding (write) */
#define UART_IER	1	/* interrupt enable */
#define UART_FCR	2	/* FIFO control (write) */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */

#define UART_LSR_DR	0x01	/* data ready */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */

#define UART_LCR_8N1	0x03

void uart_init(uint16_t base);
void uart_putc(uint16_t base, char c);
int uart_getc(uint16_t base);		/* blocks until a byte arrives */
int uart_trygetc(uint16_t base);	/* -1 if no byte is waiting */

/* The console is COM1. Output is written as-is: "\n" is not turned
 * into "\r\n", so tests can compare lines exactly. */
void con_putc(char c);
void con_puts(const char *s);
int con_getc(void);

#endif
