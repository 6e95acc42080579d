/* qga.c - guest agent client: QEMU's sentinel handshake (qga/main.c) as a
 * host tool such as libvirt would do it, with deadlines everywhere. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "qga.h"

#define QGA_SENTINEL	0xff
#define RETRY_MS	50

int qga_connect(struct qga *q, const char *path, int64_t deadline, char *err, size_t errlen)
{
	memset(&q->lb, 0, sizeof(q->lb));
	q->after_sentinel = false;
	for (;;) {
		q->fd = unix_connect(path);
		if (q->fd >= 0)
			return 0;
		if ((errno != ENOENT && errno != ECONNREFUSED) || now_ms() >= deadline) {
			snprintf(err, errlen, "cannot connect to agent socket %s: %s", path,
				 strerror(errno));
			return -1;
		}
		usleep(RETRY_MS * 1000);
	}
}

void qga_close(struct qga *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

int qga_send(struct qga *q, const char *request)
{
	if (write_all(q->fd, request, strlen(request)) < 0 || write_all(q->fd, "\n", 1) < 0)
		return -1;
	return 0;
}

static int fill_until(struct qga *q, int64_t deadline)
{
	int r = wait_readable(q->fd, deadline);

	if (r <= 0)
		return r;
	return linebuf_fill(&q->lb, q->fd) > 0 ? 1 : -1;
}

int qga_reply(struct qga *q, int64_t deadline, char *out, size_t size)
{
	for (;;) {
		int r;

		if (linebuf_take(&q->lb, out, size))
			return 1;
		if (q->lb.eof)
			return -1;
		r = fill_until(q, deadline);
		if (r <= 0)
			return r;
	}
}

int qga_connect_send(struct qga *q, const char *path, const char *request,
		     int64_t deadline, char *err, size_t errlen)
{
	for (;;) {
		if (qga_connect(q, path, deadline, err, errlen) < 0)
			return -1;
		if (qga_send(q, request) == 0) {
			/* a turned-away connection reads EOF at once */
			int r = wait_readable(q->fd, now_ms() + RETRY_MS);

			if (r == 0 || (r > 0 && linebuf_fill(&q->lb, q->fd) > 0))
				return 0;
		}
		qga_close(q);
		if (now_ms() >= deadline) {
			snprintf(err, errlen, "agent socket %s: the VMM closed every connection", path);
			return -1;
		}
		usleep(RETRY_MS * 1000);
	}
}

/* Drops everything before (and including) a sentinel byte; 1 if one was found. */
static int skip_to_sentinel(struct linebuf *lb)
{
	char *s = memchr(lb->buf, QGA_SENTINEL, lb->len);
	size_t used;

	if (!s) {
		lb->len = 0;	/* no sentinel yet: what came is noise */
		return 0;
	}
	used = (size_t)(s - lb->buf) + 1;
	memmove(lb->buf, lb->buf + used, lb->len - used);
	lb->len -= used;
	return 1;
}

static int is_sync_reply(const char *line, long long id)
{
	json_error_t jerr;
	json_t *j = json_loads(line, 0, &jerr);
	json_t *ret = j ? json_object_get(j, "return") : NULL;
	int ok = ret && json_is_integer(ret) && json_integer_value(ret) == id;

	json_decref(j);
	return ok;
}

long long qga_sync_id(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void qga_sync_request(char *buf, size_t size, long long id)
{
	snprintf(buf, size,
		 "\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%lld}}", id);
}

int qga_sync_wait(struct qga *q, long long id, int64_t deadline, char *err, size_t errlen)
{
	char line[4096];
	int r;

	for (;;) {
		while (!q->after_sentinel && !skip_to_sentinel(&q->lb)) {
			r = fill_until(q, deadline);
			if (r <= 0)
				goto fail;
		}
		q->after_sentinel = true;
		r = qga_reply(q, deadline, line, sizeof(line));
		if (r <= 0)
			goto fail;
		q->after_sentinel = false;
		if (is_sync_reply(line, id))
			return 0;
	}
fail:
	if (r == 0) {
		snprintf(err, errlen, "no reply to guest-sync-delimited");
		return 1;
	}
	snprintf(err, errlen, "agent socket closed");
	return -1;
}
