/*
 * main.c - kvmscope-domain: a libvirt-like control plane for kvmscope-vmm.
 *
 *   kvmscope-domain run [OPTIONS] -- VMM-ARGS...    the daemon (libvirtd's part)
 *   kvmscope-domain reboot|shutdown|destroy|status DIR   (virsh's part)
 *   kvmscope-domain console DIR TEXT                type a line on COM1 (-serial stdio)
 *   kvmscope-domain qga SOCKET [--sync] [--timeout S] [--lines N | --repeat N] REQUEST
 *                                                   one agent request, raw reply
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "io.h"
#include "qga.h"
#include "version.h"

static void usage(FILE *f)
{
	fputs("usage: kvmscope-domain run [OPTIONS] -- VMM-ARGS...\n"
	      "       kvmscope-domain reboot|shutdown|destroy|status DIR\n"
	      "       kvmscope-domain console DIR TEXT\n"
	      "       kvmscope-domain qga SOCKET [--sync] [--timeout S] [--lines N | --repeat N] REQUEST\n"
	      "       kvmscope-domain --help | --version\n"
	      "\n"
	      "run: start kvmscope-vmm as libvirt starts QEMU (adding -name, -qmp\n"
	      "unix:DIR/qmp.sock,server,nowait, -no-shutdown, -msg timestamp=on), log to\n"
	      "DIR/NAME.log, serve DIR/control.sock until the domain is off.\n"
	      "  --name NAME              domain name (default vm)\n"
	      "  --dir DIR                state directory (required)\n"
	      "  --vmm PATH               kvmscope-vmm binary (default: beside this one)\n"
	      "  --agent-socket PATH      host socket of the guest agent's serial port\n"
	      "  --agent-timeout S        guest-shutdown -> system_powerdown (default 10)\n"
	      "  --powerdown-timeout S    system_powerdown -> SIGTERM (default 10)\n"
	      "  --kill-timeout S         SIGTERM -> SIGKILL (default 10)\n"
	      "  --sync-timeout S         guest-sync-delimited (default 5, at most the agent timeout)\n"
	      "  --qmp-timeout S          QMP connect and replies (default 5)\n"
	      "Seconds may have a fraction (0.5).\n"
	      "reboot: guest-shutdown through the agent, system_powerdown, SIGTERM, SIGKILL,\n"
	      "then the same command line again. shutdown: the same without the start.\n"
	      "qga: sends REQUEST as it is (plus \\n), after a guest-sync-delimited handshake\n"
	      "with --sync; prints N reply lines as they came (default 1); exit status 0\n"
	      "with the replies, 2 when they did not come in time (default 5 s).\n"
	      "--repeat N: N requests one after the other, the round trips' median,\n"
	      "min and max on stderr (the first, which connects, is not counted).\n", f);
}

static int parse_seconds(const char *opt, const char *s, int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 3600) {
		fprintf(stderr, "kvmscope-domain: %s: bad number of seconds '%s'\n", opt, s);
		return -1;
	}
	*ms = (int)(v * 1000 + 0.5);
	return 0;
}

/* a count of 1 to MAX, for OPT; -1 (said on stderr) when S is none */
static int parse_count(const char *opt, const char *s, int max, int *count)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 1 || v > max) {
		fprintf(stderr, "kvmscope-domain: %s: bad count '%s'\n", opt, s);
		return -1;
	}
	*count = (int)v;
	return 0;
}

static const char *default_vmm(const char *argv0)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	char *slash;

	(void)argv0;
	if (n <= 0)
		return "kvmscope-vmm";
	path[n] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "kvmscope-vmm");
	return path;
}

static int cmd_run(int argc, char **argv)
{
	struct domain_config cfg = {
		.name = "vm",
		.vmm = default_vmm(argv[0]),
		.sync_timeout_ms = -1,
		.agent_timeout_ms = 10000,
		.powerdown_timeout_ms = 10000,
		.kill_timeout_ms = 10000,
		.qmp_timeout_ms = 5000,
	};
	int i;

	for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int *ms = NULL;

		if (!v) {
			fprintf(stderr, "kvmscope-domain: %s needs a value\n", o);
			return 1;
		}
		if (!strcmp(o, "--name"))
			cfg.name = v;
		else if (!strcmp(o, "--dir"))
			cfg.dir = v;
		else if (!strcmp(o, "--vmm"))
			cfg.vmm = v;
		else if (!strcmp(o, "--agent-socket"))
			cfg.agent_socket = v;
		else if (!strcmp(o, "--agent-timeout"))
			ms = &cfg.agent_timeout_ms;
		else if (!strcmp(o, "--powerdown-timeout"))
			ms = &cfg.powerdown_timeout_ms;
		else if (!strcmp(o, "--kill-timeout"))
			ms = &cfg.kill_timeout_ms;
		else if (!strcmp(o, "--sync-timeout"))
			ms = &cfg.sync_timeout_ms;
		else if (!strcmp(o, "--qmp-timeout"))
			ms = &cfg.qmp_timeout_ms;
		else {
			fprintf(stderr, "kvmscope-domain: unknown option '%s'\n", o);
			return 1;
		}
		if (ms && parse_seconds(o, v, ms) < 0)
			return 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "kvmscope-domain: run: '--' and the VMM's arguments are missing\n");
		return 1;
	}
	if (!cfg.dir) {
		fprintf(stderr, "kvmscope-domain: run: --dir is required\n");
		return 1;
	}
	if (!*cfg.name || strchr(cfg.name, '/')) {
		fprintf(stderr, "kvmscope-domain: bad domain name '%s'\n", cfg.name);
		return 1;
	}
	if (access(cfg.dir, W_OK) < 0) {
		fprintf(stderr, "kvmscope-domain: directory %s: %s\n", cfg.dir, strerror(errno));
		return 1;
	}
	if (cfg.sync_timeout_ms < 0)
		cfg.sync_timeout_ms = cfg.agent_timeout_ms < 5000 ? cfg.agent_timeout_ms : 5000;
	cfg.vmm_argc = argc - i - 1;
	cfg.vmm_argv = argv + i + 1;
	return domain_run(&cfg);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The first request has gone out and its reply is due: reads it, then sends
 * the request again and times each round trip, count - 1 times. Prints
 * "N round trips: median U us, min U us, max U us" on stderr.
 */
static int round_trips(struct qga *q, const char *request, int count, int64_t deadline,
		       char *reply, size_t size)
{
	int64_t *us = calloc((size_t)count, sizeof(*us));
	int r = qga_reply(q, deadline, reply, size), n = 0;

	if (!us) {
		fprintf(stderr, "kvmscope-domain: out of memory\n");
		return -1;
	}
	while (r > 0 && n < count - 1) {
		int64_t t0 = now_us();

		if (qga_send(q, request) < 0) {
			r = -1;
			break;
		}
		r = qga_reply(q, deadline, reply, size);
		us[n++] = now_us() - t0;
	}
	if (r > 0) {
		qsort(us, (size_t)n, sizeof(*us), cmp_i64);
		fprintf(stderr, "%d round trips: median %lld us, min %lld us, max %lld us\n", n,
			(long long)us[n / 2], (long long)us[0], (long long)us[n - 1]);
	}
	free(us);
	return r;
}

/* Connects to the agent and sends REQUEST, after a guest-sync handshake
 * when SYNC: 0, or the exit status (1: no connection, 2: no sync). */
static int qga_open(struct qga *q, const char *socket_path, const char *request, bool sync,
		    int64_t deadline)
{
	char err[256];

	if (!sync) {
		if (qga_connect_send(q, socket_path, request, deadline, err, sizeof(err)) < 0) {
			fprintf(stderr, "kvmscope-domain: %s\n", err);
			return 1;
		}
		return 0;
	}
	char req[128];
	long long id = qga_sync_id();
	qga_sync_request(req, sizeof(req), id);
	if (qga_connect_send(q, socket_path, req, deadline, err, sizeof(err)) < 0) {
		fprintf(stderr, "kvmscope-domain: %s\n", err);
		return 1;
	}
	if (qga_sync_wait(q, id, deadline, err, sizeof(err)) != 0) {
		fprintf(stderr, "kvmscope-domain: %s\n", err);
		qga_close(q);
		return 2;
	}
	if (qga_send(q, request) < 0) {
		fprintf(stderr, "kvmscope-domain: cannot send to %s: %s\n", socket_path,
			strerror(errno));
		qga_close(q);
		return 1;
	}
	return 0;
}

static int cmd_qga(int argc, char **argv)
{
	const char *socket_path = NULL, *request = NULL;
	int timeout_ms = 5000, lines = 1, repeat = 1, i;
	bool sync = false;
	char *reply;
	struct qga q;
	int64_t deadline;
	int r = 0;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--sync"))
			sync = true;
		else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
			if (parse_count("--lines", argv[++i], 1000, &lines) < 0)
				return 1;
		} else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			if (parse_count("--repeat", argv[++i], 1000000, &repeat) < 0)
				return 1;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (parse_seconds("--timeout", argv[++i], &timeout_ms) < 0)
				return 1;
		} else if (!socket_path)
			socket_path = argv[i];
		else if (!request)
			request = argv[i];
		else {
			fprintf(stderr, "kvmscope-domain: qga: unexpected argument '%s'\n", argv[i]);
			return 1;
		}
	}
	if (!socket_path || !request) {
		usage(stderr);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	deadline = now_ms() + timeout_ms;
	reply = malloc(65536);
	if (!reply) {
		fprintf(stderr, "kvmscope-domain: out of memory\n");
		return 1;
	}
	r = qga_open(&q, socket_path, request, sync, deadline);
	if (r) {
		free(reply);
		return r;
	}
	if (repeat > 1) {
		r = round_trips(&q, request, repeat, deadline, reply, 65536);
		if (r > 0)
			printf("%s\n", reply);
	} else {
		while (lines-- > 0 && (r = qga_reply(&q, deadline, reply, 65536)) > 0)
			printf("%s\n", reply);	/* as it came, a 0xFF sentinel included */
	}
	if (r <= 0) {
		fprintf(stderr, "kvmscope-domain: %s\n", r == 0 ? "no reply in time" : "agent socket closed");
	}
	free(reply);
	qga_close(&q);
	return r > 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(cmd, "qga"))
		return cmd_qga(argc, argv);
	if (!strcmp(cmd, "reboot") || !strcmp(cmd, "shutdown") || !strcmp(cmd, "destroy") ||
	    !strcmp(cmd, "status")) {
		if (argc != 3) {
			fprintf(stderr, "kvmscope-domain: usage: kvmscope-domain %s DIR\n", cmd);
			return 1;
		}
		/* a reboot may take all the timeouts in a row */
		return domain_control(argv[2], cmd, 3600 * 1000);
	}
	if (!strcmp(cmd, "console")) {
		char line[1024];

		if (argc != 4 || strchr(argv[3], '\n')) {
			fprintf(stderr, "kvmscope-domain: usage: kvmscope-domain console DIR TEXT (one line)\n");
			return 1;
		}
		snprintf(line, sizeof(line), "console %s", argv[3]);
		return domain_control(argv[2], line, 10000);
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		print_version(stdout, "kvmscope-domain");
		return 0;
	}
	if (*cmd)
		fprintf(stderr, "kvmscope-domain: unknown command '%s'\n", cmd);
	usage(stderr);
	return 1;
}
