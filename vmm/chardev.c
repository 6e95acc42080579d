#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "chardev.h"
#include "error.h"
#include "keyval.h"
#include "mainloop.h"

struct chardev {
	struct chardev_config cfg;
	int in_fd;	/* -1: no input */
	int out_fd;	/* -1: output dropped */
	int listen_fd;	/* unix server */
	pthread_mutex_t lock; /* out_fd changes under the vCPU's writes */
	chardev_can_receive can_receive;
	chardev_receive receive;
	void *opaque;
	bool tty_raw;
	struct termios saved_tty;
};

static struct chardev *stdio_owner;

static void restore_tty(void)
{
	if (stdio_owner && stdio_owner->tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &stdio_owner->saved_tty);
}

bool chardev_socket_flag(const char *field, bool *server, bool *wait)
{
	if (!strcmp(field, "server") || !strcmp(field, "server=on"))
		*server = true;
	else if (!strcmp(field, "server=off"))
		*server = false;
	else if (!strcmp(field, "nowait") || !strcmp(field, "wait=off"))
		*wait = false;
	else if (!strcmp(field, "wait=on"))
		*wait = true;
	else
		return false;
	return true;
}

int chardev_parse(const char *spec, struct chardev_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	if (!strcmp(spec, "null") || !strcmp(spec, "none")) {
		cfg->kind = CHARDEV_NONE;
	} else if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
		cfg->kind = CHARDEV_STDIO;
	} else if (!strncmp(spec, "file:", 5)) {
		cfg->kind = CHARDEV_FILE;
		if (!spec[5] || snprintf(cfg->path, sizeof(cfg->path), "%s", spec + 5) >=
					(int)sizeof(cfg->path)) {
			snprintf(err, errlen, "'%s': bad file path", spec);
			return -1;
		}
	} else if (!strncmp(spec, "unix:", 5)) {
		struct keyval kv;
		bool server = false;
		cfg->wait = true;
		if (keyval_start(&kv, "unix", spec + 5, KEYVAL_MAX, err, errlen) < 0)
			return -1;
		/* the splitter would skip an empty first field ("unix:,server") */
		if (spec[5] == ',' || !keyval_next(&kv) ||
		    snprintf(cfg->path, sizeof(cfg->path), "%s", kv.text) >= (int)sizeof(cfg->path)) {
			snprintf(err, errlen, "'%s': bad socket path", spec);
			return -1;
		}
		while (keyval_next(&kv)) {
			if (!chardev_socket_flag(kv.text, &server, &cfg->wait)) {
				snprintf(err, errlen, "'%s': unknown socket option '%s'", spec, kv.text);
				return -1;
			}
		}
		cfg->kind = server ? CHARDEV_UNIX_SERVER : CHARDEV_UNIX_CLIENT;
	} else {
		snprintf(err, errlen, "'%s' is not a valid char driver", spec);
		return -1;
	}
	return 0;
}

static int unix_socket(const char *path, bool server, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd < 0)
		goto fail;
	if (server) {
		unlink(path);
		mode_t old = umask(0177); /* 0600: the socket is the guest's console */
		int r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
		umask(old);
		if (r < 0 || listen(fd, 1) < 0)
			goto fail;
	} else if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "Failed to %s socket %s: %s", server ? "bind" : "connect", path,
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static void input_ready(int fd, void *opaque);

static void drop_client(struct chardev *c)
{
	main_loop_remove_fd(c->in_fd);
	pthread_mutex_lock(&c->lock);
	close(c->in_fd);
	c->in_fd = c->out_fd = -1;
	pthread_mutex_unlock(&c->lock);
}

static bool input_wanted(void *opaque)
{
	struct chardev *c = opaque;
	return c->can_receive && c->can_receive(c->opaque) > 0;
}

static void input_ready(int fd, void *opaque)
{
	struct chardev *c = opaque;
	uint8_t buf[256];
	size_t room = c->can_receive ? c->can_receive(c->opaque) : 0;

	if (room > sizeof(buf))
		room = sizeof(buf);
	if (!room)
		return;
	ssize_t n = read(fd, buf, room);
	if (n > 0) {
		c->receive(c->opaque, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	/* EOF or error: a socket peer went away, or stdin closed */
	if (c->listen_fd >= 0)
		drop_client(c);
	else
		main_loop_remove_fd(fd);
}

static void attach_client(struct chardev *c, int fd)
{
	pthread_mutex_lock(&c->lock);
	c->in_fd = c->out_fd = fd;
	pthread_mutex_unlock(&c->lock);
	if (c->receive)
		main_loop_add_fd(fd, input_ready, input_wanted, c);
}

/* One peer at a time, as QEMU's socket chardev: while one is attached the
 * listening socket is not polled, so the next peer waits in the backlog and
 * is accepted once the first goes away (it is not refused). */
static bool accept_wanted(void *opaque)
{
	struct chardev *c = opaque;
	return c->in_fd < 0;
}

static void accept_ready(int fd, void *opaque)
{
	struct chardev *c = opaque;
	int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (client < 0)
		return;
	if (c->in_fd >= 0) {
		close(client);
		return;
	}
	attach_client(c, client);
}

struct chardev *chardev_open(const struct chardev_config *cfg, char *err, size_t errlen)
{
	struct chardev *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	c->in_fd = c->out_fd = c->listen_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	switch (cfg->kind) {
	case CHARDEV_NONE:
		break;
	case CHARDEV_STDIO:
		if (stdio_owner) {
			snprintf(err, errlen, "cannot use stdio by multiple character devices");
			goto fail;
		}
		stdio_owner = c;
		c->out_fd = STDOUT_FILENO;
		c->in_fd = STDIN_FILENO;
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &c->saved_tty) == 0) {
			struct termios raw = c->saved_tty;
			/* raw input, but Ctrl-C still signals, like QEMU's signal=on */
			raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN);
			raw.c_iflag &= ~(tcflag_t)(ICRNL | IXON);
			tcsetattr(STDIN_FILENO, TCSANOW, &raw);
			c->tty_raw = true;
			atexit(restore_tty);
		}
		break;
	case CHARDEV_FILE:
		c->out_fd = open(cfg->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			snprintf(err, errlen, "Could not open '%s': %s", cfg->path, strerror(errno));
			goto fail;
		}
		break;
	case CHARDEV_UNIX_SERVER:
		c->listen_fd = unix_socket(cfg->path, true, err, errlen);
		if (c->listen_fd < 0)
			goto fail;
		if (cfg->wait) {
			info_report("waiting for connection on: disconnected:unix:%s,server=on",
				    cfg->path);
			int client = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (client >= 0) {
				c->in_fd = c->out_fd = client;
			}
		}
		main_loop_add_fd(c->listen_fd, accept_ready, accept_wanted, c);
		break;
	case CHARDEV_UNIX_CLIENT:
		c->in_fd = c->out_fd = unix_socket(cfg->path, false, err, errlen);
		if (c->in_fd < 0)
			goto fail;
		break;
	}
	return c;
fail:
	pthread_mutex_destroy(&c->lock);
	free(c);
	return NULL;
}

void chardev_set_receiver(struct chardev *c, chardev_can_receive can_receive,
			  chardev_receive receive, void *opaque)
{
	c->can_receive = can_receive;
	c->receive = receive;
	c->opaque = opaque;
	if (c->in_fd >= 0 && c->cfg.kind != CHARDEV_FILE)
		main_loop_add_fd(c->in_fd, input_ready, input_wanted, c);
}

void chardev_write(struct chardev *c, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&c->lock);
	while (c->out_fd >= 0 && len) {
		ssize_t n = write(c->out_fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = c->out_fd, .events = POLLOUT };
			poll(&p, 1, -1);
			continue;
		}
		if (n <= 0)
			break; /* peer gone: the input side notices and drops it */
		buf += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&c->lock);
}

void chardev_close(struct chardev *c)
{
	if (!c)
		return;
	if (c->in_fd >= 0)
		main_loop_remove_fd(c->in_fd);
	if (c->listen_fd >= 0) {
		main_loop_remove_fd(c->listen_fd);
		close(c->listen_fd);
		unlink(c->cfg.path);
	}
	if (c->cfg.kind == CHARDEV_STDIO) {
		restore_tty();
		stdio_owner = NULL;
	} else {
		if (c->in_fd >= 0)
			close(c->in_fd);
		else if (c->out_fd >= 0)
			close(c->out_fd);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}
