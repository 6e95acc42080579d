/* qmp-client: a small QMP client for the integration tests and the QMP
 * benchmark, speaking to kvmscope-vmm and QEMU alike.
 *
 *   qmp-client SOCKET                 script on stdin (below); prints every
 *                                     line received, CR stripped
 *   qmp-client SOCKET rtt N           N query-status round trips: median ns
 *   qmp-client SOCKET flood C N       C clients x N pipelined query-status
 *   qmp-client SOCKET events C N      C listening clients, N stop/cont pairs
 *                                     from another: event latency median ns
 *
 * SOCKET may hold a %d: client i then uses SOCKET with i (QEMU serves one
 * client per socket). Script lines:
 *   TEXT            send TEXT and a newline, then wait for the reply
 *   !send TEXT      send TEXT with C escapes (\n \r \t \\ \xNN), no wait
 *   !reply          wait for a reply ({"return"...}, {"error"...}, {"id"...})
 *   !event NAME     wait for event NAME
 *   !big N          send {"execute": "query-status", "id": "AAA..."} with an
 *                   N-byte id and a newline (N may end in K or M), no wait
 *   !sleep MS       pause
 *   !halfclose      shut down the sending side, print the rest until EOF
 *   !close          exit at once (the socket closes with what is unsent)
 * A wait longer than QMP_CLIENT_TIMEOUT seconds (default 10) prints
 * "# timeout" and exits 2. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	size_t scanned; /* bytes known to hold no newline */
};

static int timeout_ms = 10000;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "qmp-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void socket_path(const char *pattern, int i, char *out, size_t len)
{
	if (strstr(pattern, "%d"))
		snprintf(out, len, pattern, i);
	else
		snprintf(out, len, "%s", pattern);
}

static void conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	memset(c, 0, sizeof(*c));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	/* the file appears at bind(), before listen(): retry a moment */
	for (int tries = 0; connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0; tries++) {
		if ((errno != ECONNREFUSED && errno != ENOENT) || tries == 500)
			die(path);
		usleep(10000);
	}
}

static void send_all(struct conn *c, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return; /* the peer is gone (quit): what it sent is still read */
		if (w <= 0)
			die("send");
		p += w;
		n -= (size_t)w;
	}
}

/* Next line (without CR LF) into a malloc'd string; NULL on EOF/timeout. */
static char *read_line(struct conn *c, bool *timed_out)
{
	*timed_out = false;
	for (;;) {
		char *nl = c->len > c->scanned ? memchr(c->buf + c->scanned, '\n', c->len - c->scanned)
					       : NULL;
		c->scanned = nl ? 0 : c->len;
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			char *line = malloc(n + 1);
			if (!line)
				die("malloc");
			memcpy(line, c->buf, n);
			line[n] = '\0';
			if (n && line[n - 1] == '\r')
				line[n - 1] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return line;
		}
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			*timed_out = true;
			return NULL;
		}
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = realloc(c->buf, c->cap);
			if (!c->buf)
				die("realloc");
		}
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

static bool is_reply(const char *l)
{
	return !strncmp(l, "{\"return\"", 9) || !strncmp(l, "{\"error\"", 8) ||
	       !strncmp(l, "{\"id\"", 5);
}

static bool is_event(const char *l, const char *name)
{
	char want[96];
	snprintf(want, sizeof(want), "\"event\": \"%s\"", name);
	return !strncmp(l, "{\"timestamp\"", 12) && strstr(l, want);
}

/* Reads and prints lines until one matches; exits 2 on timeout/EOF. */
static void wait_print(struct conn *c, const char *event)
{
	for (;;) {
		bool to;
		char *l = read_line(c, &to);
		if (!l) {
			printf(to ? "# timeout\n" : "# eof\n");
			fflush(stdout);
			exit(2);
		}
		puts(l);
		bool done = event ? is_event(l, event) : is_reply(l);
		free(l);
		if (done)
			break;
	}
	fflush(stdout);
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;
	for (; *in; in++) {
		if (*in != '\\' || !in[1]) {
			out[n++] = *in;
			continue;
		}
		in++;
		switch (*in) {
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'x': {
			char hex[3] = { in[1], in[1] ? in[2] : 0, 0 };
			out[n++] = (char)strtoul(hex, NULL, 16);
			in += strlen(hex);
			break;
		}
		default: out[n++] = *in; break;
		}
	}
	return n;
}

static size_t parse_size(const char *s)
{
	char *end;
	size_t v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		v <<= 10;
	else if (*end == 'M' || *end == 'm')
		v <<= 20;
	return v;
}

static void send_big(struct conn *c, size_t n)
{
	static const char head[] = "{\"execute\": \"query-status\", \"id\": \"";
	static const char tail[] = "\"}\n";
	char chunk[65536];
	memset(chunk, 'A', sizeof(chunk));
	send_all(c, head, sizeof(head) - 1);
	while (n) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
		send_all(c, chunk, k);
		n -= k;
	}
	send_all(c, tail, sizeof(tail) - 1);
}

static struct conn script_conn;
static char *script_line;

static void script_done(void)
{
	free(script_line);
	free(script_conn.buf);
	if (script_conn.fd > 0)
		close(script_conn.fd);
}

static int script(const char *path)
{
	struct conn *c = &script_conn; /* freed at exit, on every path */
	char **lp = &script_line, *line;
	size_t cap = 0;
	ssize_t n;
	bool to;

	conn_open(c, path);
	atexit(script_done);
	char *greeting = read_line(c, &to);
	if (!greeting) {
		printf("# no greeting\n");
		return 2;
	}
	puts(greeting);
	free(greeting);
	fflush(stdout);
	while ((n = getline(lp, &cap, stdin)) > 0) {
		line = *lp;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!strncmp(line, "!send ", 6)) {
			char *raw = malloc(strlen(line));
			size_t k = unescape(line + 6, raw);
			send_all(c, raw, k);
			free(raw);
		} else if (!strcmp(line, "!reply")) {
			wait_print(c, NULL);
		} else if (!strncmp(line, "!event ", 7)) {
			wait_print(c, line + 7);
		} else if (!strncmp(line, "!big ", 5)) {
			send_big(c, parse_size(line + 5));
		} else if (!strncmp(line, "!sleep ", 7)) {
			usleep((useconds_t)atoi(line + 7) * 1000);
		} else if (!strcmp(line, "!halfclose")) {
			shutdown(c->fd, SHUT_WR);
			char *l;
			while ((l = read_line(c, &to))) {
				puts(l);
				free(l);
			}
			if (to)
				printf("# timeout\n");
			fflush(stdout);
			return to ? 2 : 0;
		} else if (!strcmp(line, "!close")) {
			return 0;
		} else if (line[0]) {
			line[n] = '\n'; /* one send: the peer may exit right after it */
			send_all(c, line, (size_t)n + 1);
			line[n] = '\0';
			wait_print(c, NULL);
		}
	}
	return 0;
}

/* ---- benchmark modes ---- */

static void negotiate(struct conn *c)
{
	bool to;
	free(read_line(c, &to)); /* greeting */
	const char cmd[] = "{\"execute\": \"qmp_capabilities\"}\n";
	send_all(c, cmd, sizeof(cmd) - 1);
	for (;;) {
		char *l = read_line(c, &to);
		if (!l) {
			fprintf(stderr, "qmp-client: no reply to qmp_capabilities\n");
			exit(2);
		}
		bool r = is_reply(l);
		free(l);
		if (r)
			return;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n ? v[n / 2] : 0;
}

static int rtt(const char *path, int n)
{
	struct conn c;
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	const char cmd[] = "{\"execute\": \"query-status\"}\n";
	char p[108];
	bool to;

	socket_path(path, 0, p, sizeof(p));
	conn_open(&c, p);
	negotiate(&c);
	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		send_all(&c, cmd, sizeof(cmd) - 1);
		for (;;) {
			char *l = read_line(&c, &to);
			if (!l) {
				fprintf(stderr, "qmp-client: lost reply %d\n", i);
				return 2;
			}
			bool r = is_reply(l);
			free(l);
			if (r)
				break;
		}
		t[i] = now_ns() - t0;
	}
	printf("rtt_median_ns %llu\n", (unsigned long long)median(t, (size_t)n));
	free(t);
	return 0;
}

struct flood_arg {
	char path[108];
	int n;
	int replies;
	struct conn c;
};

static void *flood_thread(void *p)
{
	struct flood_arg *a = p;
	const char cmd[] = "{\"execute\": \"query-status\"}\n";
	char *burst = malloc(sizeof(cmd) * (size_t)a->n);
	bool to;

	for (int i = 0; i < a->n; i++)
		memcpy(burst + (size_t)i * (sizeof(cmd) - 1), cmd, sizeof(cmd) - 1);
	/* pipelined: the whole burst, then every reply */
	send_all(&a->c, burst, (size_t)a->n * (sizeof(cmd) - 1));
	free(burst);
	while (a->replies < a->n) {
		char *l = read_line(&a->c, &to);
		if (!l)
			break;
		if (is_reply(l) && strstr(l, "\"return\""))
			a->replies++;
		free(l);
	}
	return NULL;
}

static int flood(const char *path, int clients, int n)
{
	struct flood_arg *a = calloc((size_t)clients, sizeof(*a));
	pthread_t *t = calloc((size_t)clients, sizeof(*t));
	long lost = 0;

	for (int i = 0; i < clients; i++) {
		socket_path(path, i, a[i].path, sizeof(a[i].path));
		a[i].n = n;
		conn_open(&a[i].c, a[i].path);
		negotiate(&a[i].c);
	}
	uint64_t t0 = now_ns();
	for (int i = 0; i < clients; i++)
		pthread_create(&t[i], NULL, flood_thread, &a[i]);
	for (int i = 0; i < clients; i++) {
		pthread_join(t[i], NULL);
		lost += n - a[i].replies;
	}
	uint64_t dt = now_ns() - t0;
	printf("flood_clients %d commands %d lost %ld total_ns %llu per_command_ns %llu\n", clients,
	       n, lost, (unsigned long long)dt,
	       (unsigned long long)(dt / ((uint64_t)clients * (uint64_t)n)));
	return lost ? 1 : 0;
}

/* event latency: receive time minus the event's own wall-clock timestamp */
static int events(const char *path, int clients, int n)
{
	struct conn ctl, *l = calloc((size_t)clients, sizeof(*l));
	uint64_t *lat = calloc((size_t)clients * (size_t)n * 2, sizeof(*lat));
	size_t nlat = 0;
	char p[108];
	bool to;

	socket_path(path, clients, p, sizeof(p));
	conn_open(&ctl, p);
	negotiate(&ctl);
	for (int i = 0; i < clients; i++) {
		socket_path(path, i, p, sizeof(p));
		conn_open(&l[i], p);
		negotiate(&l[i]);
	}
	for (int k = 0; k < 2 * n; k++) {
		const char *cmd = k % 2 ? "{\"execute\": \"cont\"}\n" : "{\"execute\": \"stop\"}\n";
		const char *ev = k % 2 ? "RESUME" : "STOP";
		send_all(&ctl, cmd, strlen(cmd));
		for (int i = 0; i < clients; i++) {
			for (;;) {
				char *line = read_line(&l[i], &to);
				if (!line) {
					fprintf(stderr, "qmp-client: lost event\n");
					return 2;
				}
				struct timeval tv;
				gettimeofday(&tv, NULL);
				long long s, us;
				bool hit = is_event(line, ev) &&
					   sscanf(line, "{\"timestamp\": {\"seconds\": %lld, "
						  "\"microseconds\": %lld", &s, &us) == 2;
				free(line);
				if (hit) {
					long long d = ((long long)tv.tv_sec - s) * 1000000 +
						      (tv.tv_usec - us);
					lat[nlat++] = (uint64_t)(d < 0 ? 0 : d) * 1000;
					break;
				}
			}
		}
		for (;;) { /* the controller's own reply */
			char *line = read_line(&ctl, &to);
			if (!line)
				return 2;
			bool r = is_reply(line);
			free(line);
			if (r)
				break;
		}
	}
	printf("event_latency_median_ns %llu clients %d events %zu\n",
	       (unsigned long long)median(lat, nlat), clients, nlat);
	return 0;
}

int main(int argc, char **argv)
{
	const char *t = getenv("QMP_CLIENT_TIMEOUT");
	if (t && atoi(t) > 0)
		timeout_ms = atoi(t) * 1000;
	if (argc == 2)
		return script(argv[1]);
	if (argc == 4 && !strcmp(argv[2], "rtt"))
		return rtt(argv[1], atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[2], "flood"))
		return flood(argv[1], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[2], "events"))
		return events(argv[1], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: qmp-client SOCKET [rtt N | flood CLIENTS N | events CLIENTS N]\n");
	return 1;
}
