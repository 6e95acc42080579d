/* QMP sockets and clients (see qmp.h).
 *
 * All sockets live in one epoll set whose descriptor the main loop polls, so
 * any number of clients costs the main loop one descriptor. Every socket is
 * non-blocking; each client has a bounded output queue (a client that stops
 * reading is dropped when it overflows) and reading pauses while it has
 * QEMU's 8 requests queued or a full reply backlog.
 *
 * Timing follows QEMU 7.2's monitor: one request per client per main-loop
 * turn, and its reply goes out on the next turn, after the main loop has
 * handled the requests the command made. So, as in QEMU, `system_powerdown`
 * answers POWERDOWN then {"return": {}}, `quit` answers SHUTDOWN then the
 * reply, then the process exits.
 *
 * Kept on purpose, unlike QEMU: a socket takes many clients at once (QEMU's
 * socket chardev serves one and leaves the next in the backlog); after EOF
 * the requests already received are still answered. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "error.h"
#include "events.h"
#include "mainloop.h"
#include "qmp-dispatch.h"
#include "qmp-stream.h"
#include "qmp.h"
#include "trace.h"
#include "version.h"

#define READ_CHUNK 65536
#define REQUEST_QUEUE_MAX 8		/* QEMU's QMP_REQ_QUEUE_LEN_MAX */
#define OUTPUT_PAUSE (256u << 10)	/* stop reading while this much is unsent */
#define OUTPUT_MAX (8u << 20)		/* drop a client with more unsent */
#define CLEANUP_FLUSH_MS 1000

enum item_kind { ITEM_LISTENER, ITEM_CLIENT, ITEM_KICK };

struct item {
	enum item_kind kind;
};

struct listener {
	struct item item;
	int fd;
	char path[108];
};

struct request {
	struct request *next;
	json_t *value;		/* a parsed value, or */
	char *parse_error;	/* the streamer's error desc */
};

struct client {
	struct item item;
	int fd;
	struct listener *listener;
	struct json_stream *in;
	struct qmp_session session;
	struct request *rq_head, *rq_tail;
	int rq_len;
	char *reply;		/* answered, waiting for the next main-loop turn */
	char *out;
	size_t out_off, out_len, out_cap;
	uint32_t registered;	/* epoll events now asked for */
	bool eof;		/* peer sent EOF: answer what is queued, then close */
	bool dead;		/* error or overflow: close now */
	const char *why;
	struct client *next;
};

static struct {
	int epfd, kick_fd;
	struct item kick_item;
	struct listener listeners[VMM_MAX_QMP];
	int nr_listeners;
	struct client *clients;
	pthread_t main_thread;
	bool in_round;
	bool listening;
	/* events from other threads, in order, waiting for the main loop */
	pthread_mutex_t lock;
	char **pending;
	size_t npending, cap_pending;
} qmp = { .epfd = -1, .kick_fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- output ---------------------------------------------------------- */

/* jansson writes \u00e9, QEMU \u00E9 */
static void upper_hex_escapes(char *s)
{
	for (; *s; s++) {
		if (*s != '\\')
			continue;
		if (s[1] == 'u')
			for (int i = 2; i < 6 && s[i]; i++)
				if (s[i] >= 'a' && s[i] <= 'f')
					s[i] = (char)(s[i] - 'a' + 'A');
		if (s[1])
			s++;
	}
}

/* Real numbers as QEMU prints them ("%.17g": 1e+19, 100000), where jansson
 * writes 1e19 and 100000.0. Only echoed ids carry reals. */
static char *qemu_reals(const char *text)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	bool in_string = false;

	if (!f)
		return NULL;
	for (const char *p = text; *p;) {
		if (in_string) {
			if (*p == '\\' && p[1]) {
				fputc(*p++, f);
			} else if (*p == '"') {
				in_string = false;
			}
			fputc(*p++, f);
			continue;
		}
		if (*p == '"') {
			in_string = true;
			fputc(*p++, f);
			continue;
		}
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			size_t n = strspn(p, "0123456789+-.eE");
			if (strcspn(p, ".eE") < n) {
				fprintf(f, "%.17g", strtod(p, NULL));
			} else {
				fwrite(p, 1, n, f);
			}
			p += n;
			continue;
		}
		fputc(*p++, f);
	}
	fputs("\r\n", f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The wire form: ASCII JSON, QEMU's separators and numbers, CRLF. */
static char *wire_text(json_t *v)
{
	char *text = json_dumps(v, JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (!text)
		return NULL;
	upper_hex_escapes(text);
	char *line = qemu_reals(text);
	free(text);
	return line;
}

static void client_kill(struct client *c, const char *why)
{
	if (!c->dead) {
		c->dead = true;
		c->why = why;
	}
}

static void client_flush(struct client *c)
{
	while (!c->dead && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else {
			client_kill(c, "write failed");
			return;
		}
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

static void client_send(struct client *c, const char *text)
{
	size_t n = strlen(text);
	if (c->dead)
		return;
	/* one reply of any size is fine; a backlog past the bound is not */
	if (c->out_len > c->out_off && c->out_len - c->out_off + n > OUTPUT_MAX) {
		client_kill(c, "output queue overflow (client not reading)");
		return;
	}
	if (c->out_off && c->out_len + n > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + n)
			cap *= 2;
		char *nb = realloc(c->out, cap);
		if (!nb) {
			client_kill(c, "out of memory");
			return;
		}
		c->out = nb;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, n);
	c->out_len += n;
	/* inside a round the flush comes at its end; outside, now */
	if (!qmp.in_round)
		client_flush(c);
}

/* ---- events ---------------------------------------------------------- */

static void broadcast(const char *name, const char *text)
{
	int n = 0;
	for (struct client *c = qmp.clients; c; c = c->next) {
		if (c->session.negotiated && !c->dead) {
			client_send(c, text);
			n++;
		}
	}
	trace_qmp_event_emit(name, n);
}

/* Cross-thread events, in emission order; main thread only. */
static void drain_pending(void)
{
	char **list;
	size_t n;

	pthread_mutex_lock(&qmp.lock);
	list = qmp.pending;
	n = qmp.npending;
	qmp.pending = NULL;
	qmp.npending = qmp.cap_pending = 0;
	pthread_mutex_unlock(&qmp.lock);
	for (size_t i = 0; i < n; i++) {
		/* the name sits after "event": for the probe */
		char name[40] = "";
		const char *p = strstr(list[i], "\"event\": \"");
		if (p)
			sscanf(p + 10, "%39[^\"]", name);
		broadcast(name, list[i]);
		free(list[i]);
	}
	free(list);
}

static void kick(void)
{
	uint64_t one = 1;
	if (write(qmp.kick_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: already kicked */
	}
}

/* events.c listener: QEMU's event object, timestamped at emission */
static void on_event(const char *name, const char *data, void *opaque)
{
	struct timeval tv;
	long long sec = -1, usec = -1;
	size_t len = strlen(name) + (data ? strlen(data) : 0) + 128;
	char *text = malloc(len);

	(void)opaque;
	if (!text)
		return;
	if (gettimeofday(&tv, NULL) == 0) {
		sec = tv.tv_sec;
		usec = tv.tv_usec;
	}
	snprintf(text, len,
		 "{\"timestamp\": {\"seconds\": %lld, \"microseconds\": %lld}, \"event\": \"%s\"%s%s}\r\n",
		 sec, usec, name, data ? ", \"data\": " : "", data ? data : "");
	if (pthread_equal(pthread_self(), qmp.main_thread)) {
		drain_pending(); /* keep the order of events from other threads */
		broadcast(name, text);
		free(text);
		return;
	}
	pthread_mutex_lock(&qmp.lock);
	if (qmp.npending == qmp.cap_pending) {
		size_t cap = qmp.cap_pending ? qmp.cap_pending * 2 : 8;
		char **nl = realloc(qmp.pending, cap * sizeof(*nl));
		if (!nl) {
			pthread_mutex_unlock(&qmp.lock);
			free(text);
			return;
		}
		qmp.pending = nl;
		qmp.cap_pending = cap;
	}
	qmp.pending[qmp.npending++] = text;
	pthread_mutex_unlock(&qmp.lock);
	kick();
}

/* ---- clients --------------------------------------------------------- */

static void on_value(void *opaque, json_t *value, const char *error)
{
	struct client *c = opaque;
	struct request *r = calloc(1, sizeof(*r));

	if (!r || (error && !(r->parse_error = strdup(error)))) {
		free(r);
		json_decref(value);
		client_kill(c, "out of memory");
		return;
	}
	r->value = value;
	if (c->rq_tail)
		c->rq_tail->next = r;
	else
		c->rq_head = r;
	c->rq_tail = r;
	c->rq_len++;
}

static char *greeting(void)
{
	json_t *g = json_pack("{s:{s:{s:{s:i,s:i,s:i},s:s},s:[]}}", "QMP", "version", "qemu",
			      "micro", 0, "minor", QEMU_SEMANTICS_MINOR, "major", QEMU_SEMANTICS_MAJOR,
			      "package", "kvmscope-vmm " KVMSCOPE_VERSION, "capabilities");
	char *text = wire_text(g);
	json_decref(g);
	return text;
}

static void client_open(struct listener *l, int fd)
{
	struct client *c = calloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!c || !(c->in = json_stream_new(on_value, c))) {
		free(c);
		close(fd);
		return;
	}
	c->item.kind = ITEM_CLIENT;
	c->fd = fd;
	c->listener = l;
	c->session.mon = c;
	c->registered = EPOLLIN;
	ev.data.ptr = &c->item;
	if (epoll_ctl(qmp.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		json_stream_free(c->in);
		free(c);
		close(fd);
		return;
	}
	c->next = qmp.clients;
	qmp.clients = c;
	trace_qmp_client_open(c, fd, l->path);
	char *g = greeting();
	if (g)
		client_send(c, g);
	free(g);
}

static void client_free(struct client *c)
{
	trace_qmp_client_close(c, c->why ? c->why : "closed");
	epoll_ctl(qmp.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	while (c->rq_head) {
		struct request *r = c->rq_head;
		c->rq_head = r->next;
		json_decref(r->value);
		free(r->parse_error);
		free(r);
	}
	json_stream_free(c->in);
	free(c->reply);
	free(c->out);
	free(c);
}

static void client_read(struct client *c)
{
	char buf[READ_CHUNK];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n > 0) {
		json_stream_feed(c->in, buf, (size_t)n);
	} else if (n == 0) {
		c->eof = true;
		c->why = "peer closed";
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		client_kill(c, "read failed");
	}
}

/* One main-loop turn for a client: last turn's reply goes out, then the
 * next request runs. */
static void client_step(struct client *c)
{
	if (c->reply) {
		client_send(c, c->reply);
		free(c->reply);
		c->reply = NULL;
	}
	if (c->dead || !c->rq_head)
		return;
	struct request *r = c->rq_head;
	c->rq_head = r->next;
	if (!c->rq_head)
		c->rq_tail = NULL;
	c->rq_len--;
	json_t *rsp = r->parse_error ? qmp_parse_error_response(r->parse_error)
				     : qmp_dispatch(&c->session, r->value);
	json_decref(r->value);
	free(r->parse_error);
	free(r);
	c->reply = rsp ? wire_text(rsp) : NULL;
	if (c->reply && trace_monitor_qmp_respond_enabled()) {
		size_t n = strlen(c->reply);
		char *line = strndup(c->reply, n >= 2 ? n - 2 : n);
		trace_monitor_qmp_respond(c, line ? line : "");
		free(line);
	}
	json_decref(rsp);
}

static bool client_busy(const struct client *c)
{
	return c->reply || c->rq_head;
}

/* What to wait for next: input while there is room, output while queued. */
static void client_rearm(struct client *c)
{
	uint32_t want = 0;
	if (!c->eof && c->rq_len < REQUEST_QUEUE_MAX && c->out_len - c->out_off < OUTPUT_PAUSE)
		want |= EPOLLIN;
	if (c->out_off < c->out_len)
		want |= EPOLLOUT;
	if (want != c->registered) {
		struct epoll_event ev = { .events = want, .data.ptr = &c->item };
		if (epoll_ctl(qmp.epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
			c->registered = want;
	}
}

/* ---- the round the main loop runs when the epoll set is ready -------- */

static void accept_clients(struct listener *l)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		client_open(l, fd);
	}
}

static void qmp_round(int fd, void *opaque)
{
	struct epoll_event evs[64];
	bool busy = false;

	(void)fd, (void)opaque;
	qmp.in_round = true;
	int n = epoll_wait(qmp.epfd, evs, 64, 0);
	for (int i = 0; i < n; i++) {
		struct item *it = evs[i].data.ptr;
		if (it->kind == ITEM_LISTENER) {
			accept_clients((struct listener *)(void *)it);
		} else if (it->kind == ITEM_KICK) {
			uint64_t v;
			if (read(qmp.kick_fd, &v, sizeof(v)) < 0) {
				/* already drained */
			}
		} else {
			struct client *c = (struct client *)(void *)it;
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				client_read(c);
			if (evs[i].events & EPOLLERR)
				client_kill(c, "socket error");
		}
	}
	drain_pending();
	for (struct client *c = qmp.clients; c; c = c->next)
		client_step(c);
	for (struct client **pc = &qmp.clients; *pc;) {
		struct client *c = *pc;
		client_flush(c);
		if (c->dead || (c->eof && !client_busy(c) && c->out_off == c->out_len)) {
			*pc = c->next;
			client_free(c);
			continue;
		}
		client_rearm(c);
		busy |= client_busy(c);
		pc = &c->next;
	}
	qmp.in_round = false;
	if (busy)
		kick(); /* come back after main_loop_should_exit() */
}

/* ---- sockets --------------------------------------------------------- */

static int listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "QMP socket path '%s' is too long", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (fd < 0)
		goto fail;
	if (unlink(path) < 0 && errno != ENOENT)
		goto fail;
	mode_t old = umask(0177); /* 0600: the monitor controls the VM */
	int r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (r < 0 || listen(fd, SOMAXCONN) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "Failed to bind socket %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* wait=on: as QEMU, hold the start until a client connects */
static void wait_for_client(struct listener *l)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	info_report("QEMU waiting for connection on: disconnected:unix:%s,server=on", l->path);
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	accept_clients(l);
}

int qmp_init(const struct vmm_config *cfg, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (cfg->nr_qmp == 0)
		return 0;
	qmp.main_thread = pthread_self();
	qmp.epfd = epoll_create1(EPOLL_CLOEXEC);
	qmp.kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (qmp.epfd < 0 || qmp.kick_fd < 0) {
		snprintf(err, errlen, "QMP: %s", strerror(errno));
		return -1;
	}
	qmp.kick_item.kind = ITEM_KICK;
	ev.data.ptr = &qmp.kick_item;
	epoll_ctl(qmp.epfd, EPOLL_CTL_ADD, qmp.kick_fd, &ev);
	for (int i = 0; i < cfg->nr_qmp; i++) {
		struct listener *l = &qmp.listeners[i];
		l->item.kind = ITEM_LISTENER;
		snprintf(l->path, sizeof(l->path), "%s", cfg->qmp[i].path);
		l->fd = listen_unix(l->path, err, errlen);
		if (l->fd < 0)
			return -1;
		qmp.nr_listeners++;
		ev.data.ptr = &l->item;
		epoll_ctl(qmp.epfd, EPOLL_CTL_ADD, l->fd, &ev);
	}
	if (main_loop_add_fd(qmp.epfd, qmp_round, NULL, NULL) < 0 ||
	    event_add_listener(on_event, NULL) < 0) {
		snprintf(err, errlen, "QMP: cannot register with the main loop");
		return -1;
	}
	qmp.listening = true;
	for (int i = 0; i < cfg->nr_qmp; i++)
		if (cfg->qmp[i].wait)
			wait_for_client(&qmp.listeners[i]);
	return 0;
}

void qmp_cleanup(void)
{
	if (qmp.epfd < 0)
		return;
	if (qmp.listening) {
		event_remove_listener(on_event, NULL);
		main_loop_remove_fd(qmp.epfd);
	}
	drain_pending();
	/* the last replies (quit's) and events (SHUTDOWN), within a bound */
	for (struct client *c = qmp.clients; c; c = c->next) {
		if (c->reply) {
			client_send(c, c->reply);
			free(c->reply);
			c->reply = NULL;
		}
	}
	for (int waited = 0; waited < CLEANUP_FLUSH_MS;) {
		bool pending = false;
		for (struct client *c = qmp.clients; c; c = c->next) {
			client_flush(c);
			pending |= !c->dead && c->out_off < c->out_len;
		}
		if (!pending)
			break;
		poll(NULL, 0, 10);
		waited += 10;
	}
	while (qmp.clients) {
		struct client *c = qmp.clients;
		qmp.clients = c->next;
		client_free(c);
	}
	for (int i = 0; i < qmp.nr_listeners; i++) {
		close(qmp.listeners[i].fd);
		unlink(qmp.listeners[i].path);
	}
	qmp.nr_listeners = 0;
	close(qmp.kick_fd);
	close(qmp.epfd);
	qmp.epfd = qmp.kick_fd = -1;
	qmp.listening = false;
	pthread_mutex_lock(&qmp.lock);
	for (size_t i = 0; i < qmp.npending; i++)
		free(qmp.pending[i]);
	free(qmp.pending);
	qmp.pending = NULL;
	qmp.npending = qmp.cap_pending = 0;
	pthread_mutex_unlock(&qmp.lock);
}
