/* qga.h - the host side of the QEMU guest agent protocol (a client of the
 * VMM's agent socket): connect, guest-sync-delimited, send, read replies. */
#ifndef DOMAIN_QGA_H
#define DOMAIN_QGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io.h"

struct qga {
	int fd;
	struct linebuf lb;
	bool after_sentinel;	/* the sync reply's 0xFF has been read */
};

/* Connects, retrying until the deadline while the socket is missing or the
 * VMM turns the connection away; 0 or -1 (message in err). */
int qga_connect(struct qga *q, const char *path, int64_t deadline, char *err, size_t errlen);
void qga_close(struct qga *q);

/*
 * Connects and sends; when the VMM turns the connection away (it serves one
 * peer at a time and may not have noticed yet that the last one left: EOF
 * or EPIPE before any byte came back), connects again until the deadline.
 * 0 once the request went to a peer that kept the connection open.
 */
int qga_connect_send(struct qga *q, const char *path, const char *request,
		     int64_t deadline, char *err, size_t errlen);

/* The request libvirt-like clients sync with: 0xFF (flushes a half-read
 * request in the agent), then guest-sync-delimited with this id. */
void qga_sync_request(char *buf, size_t size, long long id);

/* After the sync request went out: waits for the 0xFF sentinel and
 * {"return": id}; other replies are skipped. 0 in sync; 1 when the deadline
 * came first (call again to go on waiting); -1 on EOF or error. A message
 * in err unless 0. */
int qga_sync_wait(struct qga *q, long long id, int64_t deadline, char *err, size_t errlen);

/* libvirt's sync id: the wall clock in ms */
long long qga_sync_id(void);

/* Sends the bytes as they are, then "\n". */
int qga_send(struct qga *q, const char *request);

/* Next reply line into out; 1, 0 on timeout, -1 on EOF or error. */
int qga_reply(struct qga *q, int64_t deadline, char *out, size_t size);

#endif
