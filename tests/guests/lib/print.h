/* print.h - printf-lite for the test guests. */
#ifndef GUEST_PRINT_H
#define GUEST_PRINT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Conversions: %s %c %d %i %u %x %X %p %%, flags '0' and '-', a field
 * width, and the 'l' length modifier (unsigned long: 32 bits in the
 * 32-bit guests, 64 in the 64-bit one). No floating point, no "ll".
 */
typedef void (*print_sink)(char c, void *ctx);

int vformat(print_sink sink, void *ctx, const char *fmt, va_list ap);

int con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int uart_printf(uint16_t base, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int str_printf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
