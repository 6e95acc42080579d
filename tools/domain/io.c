/* io.c - unix sockets, line buffers and clocks for the control plane. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int unix_addr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr->sun_path, path);
	return 0;
}

int unix_connect(const char *path)
{
	struct sockaddr_un addr;
	int fd;

	if (unix_addr(path, &addr) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int unix_listen(const char *path)
{
	struct sockaddr_un addr;
	mode_t old;
	int fd, r;

	if (unix_addr(path, &addr) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	old = umask(077);
	r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (r < 0 || listen(fd, 8) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

ssize_t linebuf_fill(struct linebuf *lb, int fd)
{
	ssize_t n;

	if (lb->len == sizeof(lb->buf))
		return 1;	/* full: let the caller take a piece first */
	do
		n = read(fd, lb->buf + lb->len, sizeof(lb->buf) - lb->len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		lb->len += (size_t)n;
	else if (n == 0)
		lb->eof = true;
	return n;
}

int linebuf_take(struct linebuf *lb, char *out, size_t size)
{
	char *nl = memchr(lb->buf, '\n', lb->len);
	size_t n, used;

	if (!size)
		return 0;
	if (nl) {
		n = (size_t)(nl - lb->buf);
		used = n + 1;
	} else if (lb->len == sizeof(lb->buf) || (lb->eof && lb->len)) {
		n = used = lb->len;	/* a piece of an overlong or last line */
	} else {
		return 0;
	}
	if (n && lb->buf[n - 1] == '\r')
		n--;
	if (n > size - 1)
		n = used = size - 1;
	memcpy(out, lb->buf, n);
	out[n] = '\0';
	memmove(lb->buf, lb->buf + used, lb->len - used);
	lb->len -= used;
	return 1;
}

int wait_readable(int fd, int64_t deadline_ms)
{
	for (;;) {
		int64_t left = deadline_ms - now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r;

		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r;
	}
}

void libvirt_time(char *out, size_t size)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d+0000",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
}
