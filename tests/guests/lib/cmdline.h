/* cmdline.h - "key=value" words separated by spaces. */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stddef.h>

/*
 * The command line the guest was booted with (set by the start code).
 * Words without '=' are ignored; QEMU's multiboot loader, for one,
 * puts the kernel's file name first. When a key appears more than once
 * the last one wins.
 */
extern const char *guest_cmdline;

/* Finds key; on success points *val at the value (not NUL-terminated)
 * and *len at its length, and returns 1. Returns 0 if key is absent. */
int cmdline_get(const char *cmdline, const char *key, const char **val,
		size_t *len);

/* 1 if key is present with exactly this value. */
int cmdline_is(const char *cmdline, const char *key, const char *value);

/* The value as a number (decimal, or hex with 0x), or def if the key is
 * absent or its value is not a number. */
unsigned long cmdline_ulong(const char *cmdline, const char *key,
			    unsigned long def);

/* Copies the value into buf (NUL-terminated, truncated); returns 1 if
 * the key was present. */
int cmdline_copy(const char *cmdline, const char *key, char *buf,
		 size_t size);

#endif
