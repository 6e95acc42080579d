/* string.h - the few mem and str functions the guests (and GCC) need. */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include <stddef.h>

/* GCC may emit calls to memset/memcpy/memmove/memcmp even when
 * freestanding, so these four keep their standard names. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t str_len(const char *s);
size_t str_copy(char *dst, const char *src, size_t size);

#endif
