/* write_all: a whole buffer to a file, socket or pipe, or an error. */
#ifndef KVMSCOPE_WRITE_ALL_H
#define KVMSCOPE_WRITE_ALL_H

#include <stddef.h>

/* Writes LEN bytes of BUF to FD, going on after short writes and EINTR.
 * 0, or -errno (-EIO when write() wrote nothing; EPIPE where SIGPIPE is
 * ignored). */
int write_all(int fd, const void *buf, size_t len);

#endif
