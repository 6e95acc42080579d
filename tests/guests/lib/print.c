/*
 * print.c - a small vformat() and its sinks (console, any UART, a string).
 */
#include "print.h"
#include "serial.h"

struct fmt_state {
	print_sink sink;
	void *ctx;
	int count;
};

static void emit(struct fmt_state *st, char c)
{
	st->sink(c, st->ctx);
	st->count++;
}

static void emit_padded(struct fmt_state *st, const char *s, size_t len,
			int width, int left, char pad)
{
	int fill = width > (int)len ? width - (int)len : 0;

	if (!left)
		while (fill-- > 0)
			emit(st, pad);
	while (len--)
		emit(st, *s++);
	if (left)
		while (fill-- > 0)
			emit(st, ' ');
}

/* Digits of v in the given base, written backwards from the buffer's end. */
static size_t utoa(unsigned long v, unsigned int base, int upper,
		   char *end)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t n = 0;

	do {
		*--end = digits[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

int vformat(print_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_state st = { sink, ctx, 0 };
	char buf[3 * sizeof(unsigned long) + 2];
	char *end = buf + sizeof(buf);

	for (; *fmt; fmt++) {
		int left = 0, width = 0, is_long = 0;
		char pad = ' ';
		unsigned long u;
		long s;
		size_t n;

		if (*fmt != '%') {
			emit(&st, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				pad = '0';
			else if (*fmt == '-')
				left = 1;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == 'l') {
			is_long = 1;
			fmt++;
		}
		if (left)
			pad = ' ';

		switch (*fmt) {
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t len = 0;

			if (!str)
				str = "(null)";
			while (str[len])
				len++;
			emit_padded(&st, str, len, width, left, ' ');
			break;
		}
		case 'c':
			buf[0] = (char)va_arg(ap, int);
			emit_padded(&st, buf, 1, width, left, ' ');
			break;
		case 'd':
		case 'i':
			s = is_long ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? -(unsigned long)s : (unsigned long)s;
			n = utoa(u, 10, 0, end);
			if (s < 0 && pad == '0') {
				emit(&st, '-');	/* sign before the zeros */
				width = width > 0 ? width - 1 : 0;
			} else if (s < 0) {
				*(end - n - 1) = '-';
				n++;
			}
			emit_padded(&st, end - n, n, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = is_long ? va_arg(ap, unsigned long)
				    : va_arg(ap, unsigned int);
			n = utoa(u, *fmt == 'u' ? 10 : 16, *fmt == 'X', end);
			emit_padded(&st, end - n, n, width, left, pad);
			break;
		case 'p':
			u = (unsigned long)va_arg(ap, void *);
			n = utoa(u, 16, 0, end);
			emit(&st, '0');
			emit(&st, 'x');
			emit_padded(&st, end - n, n, width, left, pad);
			break;
		case '%':
			emit(&st, '%');
			break;
		case '\0':
			fmt--;	/* a lone '%' at the end: stop cleanly */
			break;
		default:
			emit(&st, '%');
			emit(&st, *fmt);
			break;
		}
	}
	return st.count;
}

static void con_sink(char c, void *ctx)
{
	(void)ctx;
	con_putc(c);
}

int con_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(con_sink, NULL, fmt, ap);
	va_end(ap);
	return n;
}

static void uart_sink(char c, void *ctx)
{
	uart_putc((uint16_t)(unsigned long)ctx, c);
}

int uart_printf(uint16_t base, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(uart_sink, (void *)(unsigned long)base, fmt, ap);
	va_end(ap);
	return n;
}

struct str_sink_state {
	char *buf;
	size_t size;
	size_t len;
};

static void str_sink(char c, void *ctx)
{
	struct str_sink_state *s = ctx;

	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

int str_printf(char *buf, size_t size, const char *fmt, ...)
{
	struct str_sink_state s = { buf, size, 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(str_sink, &s, fmt, ap);
	va_end(ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return n;
}
