/* io.h - what the control plane needs from sockets and time: unix sockets,
 * buffered line reading with deadlines, monotonic milliseconds. */
#ifndef DOMAIN_IO_H
#define DOMAIN_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* write_all (< 0 on error, EPIPE included: SIGPIPE is ignored) */
#include "write-all.h"

int64_t now_ms(void);			/* CLOCK_MONOTONIC */

/* -1 with errno on failure. The listening socket is mode 0600. */
int unix_connect(const char *path);
int unix_listen(const char *path);

/* Bytes from an fd, cut into lines ("\n"; a "\r" before it is dropped). */
struct linebuf {
	char buf[65536];
	size_t len;
	bool eof;
};

/* Reads what is there (once) into the buffer: >0 bytes, 0 on EOF, -1 on error. */
ssize_t linebuf_fill(struct linebuf *lb, int fd);
/* Takes one complete line (NUL-terminated, no newline) into out; 1 if there
 * was one. A line longer than the buffer is returned in pieces. */
int linebuf_take(struct linebuf *lb, char *out, size_t size);
/* Waits until a byte is readable on fd or the deadline passes: 1, 0 (timeout), -1. */
int wait_readable(int fd, int64_t deadline_ms);

/* "YYYY-MM-DD HH:MM:SS.mmm+0000", libvirt's log time (UTC). */
void libvirt_time(char *out, size_t size);

#endif
