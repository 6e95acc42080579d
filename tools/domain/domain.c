/*
 * domain.c - one domain run as libvirt runs a QEMU domain (spec section 11):
 * the VMM is started with -no-shutdown, -msg timestamp=on and a QMP socket;
 * its stdout+stderr go to the domain log beside libvirt's own lines
 * ("starting up ...", "shutting down, reason=..."); a SHUTDOWN event makes
 * the daemon end the VMM with SIGTERM. A reboot is the seed's control plane:
 * guest-shutdown through the agent, system_powerdown when that did nothing,
 * then SIGTERM (SIGKILL later), then the same command line again.
 *
 * The story (what the daemon does, the QMP events, the VMM's lines) goes to
 * stdout in the order it happened; the VMM's output is always drained before
 * a QMP line is handled, since the VMM writes its stderr line first.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "io.h"
#include "process.h"
#include "qga.h"
#include "version.h"

#define POLL_SLICE_MS	100
#define KILL_POLL_MS	200	/* virProcessKillPainfully polls every 200 ms */
#define CONTROL_READ_MS	2000

struct domain {
	const struct domain_config *cfg;
	char **argv;
	char qmp_path[PATH_MAX], control_path[PATH_MAX], log_path[PATH_MAX];
	int log_fd, control_fd;
	struct child vm;
	bool running;
	struct linebuf out;
	int qmp_fd;
	struct linebuf qmp;
	bool qmp_greeted, qmp_replied;
	char qmp_reply[512];
	bool shutdown_seen;		/* a SHUTDOWN event since the start */
	char shutdown_data[128];
	bool sigterm_sent;
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* ------------------------------------------------------------ output */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char ts[40];
	va_list ap;

	libvirt_time(ts, sizeof(ts));
	printf("%s: kvmscope-domain: ", ts);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A line of the domain log, in libvirt's form; shown in the story too. */
static void log_line(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(struct domain *d, const char *fmt, ...)
{
	char ts[40], text[8192];
	va_list ap;
	int n;

	libvirt_time(ts, sizeof(ts));
	n = snprintf(text, sizeof(text), "%s: ", ts);
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	printf("%s\n", text);
	fflush(stdout);
	if (d->log_fd >= 0) {
		write_all(d->log_fd, text, strlen(text));
		write_all(d->log_fd, "\n", 1);
	}
}

/* A line the VMM printed: into the domain log as it is, and the story. */
static void vmm_line(struct domain *d, const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
	write_all(d->log_fd, line, strlen(line));
	write_all(d->log_fd, "\n", 1);
}

/* ------------------------------------------------------------ QMP */

static void qmp_close(struct domain *d)
{
	if (d->qmp_fd >= 0)
		close(d->qmp_fd);
	d->qmp_fd = -1;
	memset(&d->qmp, 0, sizeof(d->qmp));
}

static void qmp_handle_line(struct domain *d, const char *line)
{
	json_error_t jerr;
	json_t *j = json_loads(line, 0, &jerr);
	json_t *event;

	if (!j || !json_is_object(j)) {
		say("qmp: not a JSON object: %s", line);
		json_decref(j);
		return;
	}
	event = json_object_get(j, "event");
	if (json_is_string(event)) {
		printf("%s\n", line);	/* the event as QEMU sent it, as in the seed log */
		fflush(stdout);
		if (!strcmp(json_string_value(event), "SHUTDOWN")) {
			char *data = json_dumps(json_object_get(j, "data"), JSON_COMPACT);

			d->shutdown_seen = true;
			snprintf(d->shutdown_data, sizeof(d->shutdown_data), "%s",
				 data ? data : "{}");
			free(data);
		}
	} else if (json_object_get(j, "QMP")) {
		d->qmp_greeted = true;
	} else if (json_object_get(j, "return") || json_object_get(j, "error")) {
		d->qmp_replied = true;
		snprintf(d->qmp_reply, sizeof(d->qmp_reply), "%.500s", line);
	}
	json_decref(j);
}

/* ------------------------------------------------------------ merging */

/*
 * The VMM's output and its QMP events come on two channels. Lines are shown
 * in the order they were written: both buffers are filled (the VMM's before
 * and after QMP's, so no event older than a VMM line is missed), then the
 * two heads are compared by their own timestamps: QMP's "timestamp" and
 * -msg timestamp=on's "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". A line without one
 * (a guest's console, a trace line, a QMP reply) goes first.
 */
static void fill(int *fd, struct linebuf *lb)
{
	while (*fd >= 0 && lb->len < sizeof(lb->buf)) {
		struct pollfd p = { .fd = *fd, .events = POLLIN };

		if (poll(&p, 1, 0) <= 0)
			return;
		if (linebuf_fill(lb, *fd) <= 0) {
			lb->eof = true;
			close(*fd);
			*fd = -1;
		}
	}
}

/* -msg timestamp=on (UTC) or a -trace line "TID@[local time]"; -1 if neither */
static int64_t vmm_line_time(const char *line)
{
	struct tm tm = { 0 };
	int usec = 0, n = 0, tid;
	time_t t;

	if (sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ %n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &usec, &n) == 7 && n) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		t = timegm(&tm);
	} else if (sscanf(line, "%d@[%4d-%2d-%2d %2d:%2d:%2d.%6d] %n", &tid, &tm.tm_year,
			  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
			  &usec, &n) == 8 && n) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	} else {
		return -1;
	}
	return (int64_t)t * 1000000 + usec;
}

static int64_t qmp_line_time(const char *line)
{
	const char *s = strstr(line, "\"seconds\": "), *u = strstr(line, "\"microseconds\": ");

	if (!s || !u || !strstr(line, "\"event\""))
		return -1;
	return strtoll(s + 11, NULL, 10) * 1000000 + strtoll(u + 16, NULL, 10);
}

static void emit_merged(struct domain *d)
{
	static char vm_line[8192], q_line[8192];
	bool vm_has = false, q_has = false;

	for (;;) {
		if (!vm_has)
			vm_has = linebuf_take(&d->out, vm_line, sizeof(vm_line));
		if (!q_has)
			q_has = linebuf_take(&d->qmp, q_line, sizeof(q_line));
		if (!vm_has && !q_has)
			return;
		if (vm_has && (!q_has || vmm_line_time(vm_line) <= qmp_line_time(q_line))) {
			vmm_line(d, vm_line);
			vm_has = false;
		} else {
			qmp_handle_line(d, q_line);
			q_has = false;
		}
	}
}

static void collect(struct domain *d)
{
	fill(&d->vm.out_fd, &d->out);
	fill(&d->qmp_fd, &d->qmp);
	fill(&d->vm.out_fd, &d->out);
	emit_merged(d);
	if (d->qmp_fd < 0 && d->qmp.eof)
		memset(&d->qmp, 0, sizeof(d->qmp));	/* the monitor went away */
}

/* ------------------------------------------------------------ the loop */

static void reap(struct domain *d)
{
	if (!d->running || !child_poll(&d->vm))
		return;
	/* the VMM is gone: its pipe and monitor hold the last words */
	collect(d);
	if (d->vm.out_fd >= 0)
		close(d->vm.out_fd);
	d->vm.out_fd = -1;
	qmp_close(d);
	if (d->vm.in_fd >= 0)
		close(d->vm.in_fd);
	d->vm.in_fd = -1;
	d->running = false;
	say("VMM pid %d ended: %s", (int)d->vm.pid, child_describe(&d->vm));
}

/*
 * One turn of the loop, at most until the deadline (and POLL_SLICE_MS):
 * VMM output first, then QMP, then whether the VMM has exited. Returns 1
 * when the control socket has a client waiting (only if accept_control).
 */
static int pump(struct domain *d, int64_t deadline, bool accept_control)
{
	struct pollfd p[3];
	int n = 0, out_i = -1, qmp_i = -1, ctl_i = -1, r;
	int64_t left = deadline - now_ms();

	if (left > POLL_SLICE_MS)
		left = POLL_SLICE_MS;
	if (left < 0)
		left = 0;
	if (d->vm.out_fd >= 0) {
		out_i = n;
		p[n++] = (struct pollfd){ .fd = d->vm.out_fd, .events = POLLIN };
	}
	if (d->qmp_fd >= 0) {
		qmp_i = n;
		p[n++] = (struct pollfd){ .fd = d->qmp_fd, .events = POLLIN };
	}
	if (accept_control) {
		ctl_i = n;
		p[n++] = (struct pollfd){ .fd = d->control_fd, .events = POLLIN };
	}
	r = poll(p, (nfds_t)n, (int)left);
	if (r < 0)
		return 0;	/* EINTR: a signal; the caller looks at stop_signal */
	if ((out_i >= 0 && p[out_i].revents) || (qmp_i >= 0 && p[qmp_i].revents))
		collect(d);
	reap(d);
	return ctl_i >= 0 && (p[ctl_i].revents & POLLIN);
}

/* Pumps until the VMM has exited, a SHUTDOWN came (if wanted), or the deadline. */
static void wait_for_shutdown(struct domain *d, int64_t deadline, bool shutdown_event_ends)
{
	while (d->running && now_ms() < deadline && !stop_signal) {
		if (shutdown_event_ends && d->shutdown_seen)
			return;
		pump(d, deadline, false);
	}
}

static int qmp_execute(struct domain *d, const char *command, int64_t deadline)
{
	char req[256];

	if (d->qmp_fd < 0) {
		say("qmp: not connected, cannot send %s", command);
		return -1;
	}
	snprintf(req, sizeof(req), "{\"execute\": \"%s\"}\n", command);
	d->qmp_replied = false;
	if (write_all(d->qmp_fd, req, strlen(req)) < 0) {
		say("qmp: writing %s: %s", command, strerror(errno));
		return -1;
	}
	say("qmp: sent {\"execute\": \"%s\"}", command);
	while (!d->qmp_replied && d->qmp_fd >= 0 && now_ms() < deadline)
		pump(d, deadline, false);
	if (!d->qmp_replied) {
		say("qmp: no reply to %s", command);
		return -1;
	}
	say("qmp: reply %s", d->qmp_reply);
	return strstr(d->qmp_reply, "\"return\"") ? 0 : -1;
}

/* ------------------------------------------------------------ start, stop */

static void vmm_version(const char *vmm, char *out, size_t size)
{
	char cmd[PATH_MAX + 32], line[256] = "";
	FILE *f;

	snprintf(out, size, "unknown");
	snprintf(cmd, sizeof(cmd), "'%s' --version 2>/dev/null", vmm);
	f = popen(cmd, "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		const char *v = strstr(line, "version ");

		line[strcspn(line, "\n")] = '\0';
		snprintf(out, size, "%s", v ? v + 8 : line);
	}
	pclose(f);
}

static int connect_qmp(struct domain *d)
{
	int64_t deadline = now_ms() + d->cfg->qmp_timeout_ms;

	while (d->running && now_ms() < deadline) {
		d->qmp_fd = unix_connect(d->qmp_path);
		if (d->qmp_fd >= 0)
			break;
		pump(d, now_ms() + 50, false);
	}
	if (d->qmp_fd < 0) {
		say("qmp: cannot connect to %s", d->qmp_path);
		return -1;
	}
	memset(&d->qmp, 0, sizeof(d->qmp));
	d->qmp_greeted = false;
	while (!d->qmp_greeted && d->qmp_fd >= 0 && now_ms() < deadline)
		pump(d, deadline, false);
	if (!d->qmp_greeted) {
		say("qmp: no greeting on %s", d->qmp_path);
		return -1;
	}
	return qmp_execute(d, "qmp_capabilities", deadline);
}

static int start_vmm(struct domain *d)
{
	char version[300], hostname[256] = "", cmdline[8192];
	struct utsname u;
	size_t n = 0;

	vmm_version(d->cfg->vmm, version, sizeof(version));
	uname(&u);
	gethostname(hostname, sizeof(hostname) - 1);
	log_line(d, "starting up kvmscope-domain version: %s, qemu version: %s, kernel: %s, hostname: %s",
		 KVMSCOPE_VERSION, version, u.release, hostname);
	cmdline[0] = '\0';
	for (char **a = d->argv; *a && n < sizeof(cmdline); a++) {
		/* quoted when it has a space, as a shell would need it */
		const char *q = strpbrk(*a, " \t") ? "'" : "";

		n += (size_t)snprintf(cmdline + n, sizeof(cmdline) - n, "%s%s%s%s",
				      a == d->argv ? "" : " ", q, *a, q);
	}
	/* libvirt writes the environment and the command line next */
	vmm_line(d, cmdline);
	unlink(d->qmp_path);
	if (child_start(&d->vm, d->argv) < 0) {
		say("cannot start %s: %s", d->argv[0], strerror(errno));
		return -1;
	}
	d->running = true;
	d->shutdown_seen = false;
	d->sigterm_sent = false;
	memset(&d->out, 0, sizeof(d->out));
	say("VMM started, pid %d", (int)d->vm.pid);
	if (connect_qmp(d) < 0) {
		/* a domain without its monitor cannot be controlled */
		if (d->running)
			kill(d->vm.pid, SIGKILL);
		while (d->running)
			pump(d, now_ms() + POLL_SLICE_MS, false);
		log_line(d, "shutting down, reason=failed");
		return -1;
	}
	return 0;
}

/* virProcessKillPainfully: SIGTERM, SIGKILL after kill_timeout, give up
 * after four times as long. 0 once the VMM is gone. */
static int kill_painfully(struct domain *d)
{
	int64_t start = now_ms();
	bool killed = false;

	if (!d->running)
		return 0;
	say("sending SIGTERM to VMM pid %d", (int)d->vm.pid);
	kill(d->vm.pid, SIGTERM);
	while (d->running) {
		int64_t waited = now_ms() - start;

		if (!killed && waited >= d->cfg->kill_timeout_ms) {
			say("VMM pid %d still there after %d ms: SIGKILL", (int)d->vm.pid,
			    d->cfg->kill_timeout_ms);
			kill(d->vm.pid, SIGKILL);
			killed = true;
		}
		if (waited >= 4LL * d->cfg->kill_timeout_ms) {
			say("Failed to terminate process %d with SIG%s", (int)d->vm.pid,
			    killed ? "KILL" : "TERM");
			return -1;
		}
		pump(d, now_ms() + KILL_POLL_MS, false);
	}
	return 0;
}

/* ------------------------------------------------------------ operations */

/* The agent's part of a shutdown: sync, then guest-shutdown powerdown. */
static void agent_shutdown(struct domain *d)
{
	int64_t sync_deadline = now_ms() + d->cfg->sync_timeout_ms;
	char err[256];
	struct qga q;
	char sync[128];
	long long id;
	int r;
	const char *req = "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":\"powerdown\"}}";

	if (!d->cfg->agent_socket) {
		say("agent: none configured");
		return;
	}
	id = qga_sync_id();
	qga_sync_request(sync, sizeof(sync), id);
	if (qga_connect_send(&q, d->cfg->agent_socket, sync, sync_deadline, err, sizeof(err)) < 0) {
		say("agent: %s", err);
		return;
	}
	/* wait in slices, showing what the VMM says meanwhile */
	for (;;) {
		int64_t slice = now_ms() + 50;

		r = qga_sync_wait(&q, id, slice < sync_deadline ? slice : sync_deadline, err,
				  sizeof(err));
		if (r != 1 || now_ms() >= sync_deadline)
			break;
		pump(d, now_ms(), false);
	}
	if (r == 0)
		say("agent: in sync (guest-sync-delimited answered)");
	else
		say("agent: %s in %d ms; the agent looks unresponsive", err,
		    d->cfg->sync_timeout_ms);
	/* sent either way, as the seed's control plane did: the command may
	 * still be read by a late agent */
	if (qga_send(&q, req) == 0)
		say("agent: sent %s", req);
	else
		say("agent: cannot send guest-shutdown: %s", strerror(errno));
	qga_close(&q);
}

/* Brings the VMM down: agent, then ACPI, then signals. Returns how. */
static const char *shut_down(struct domain *d)
{
	agent_shutdown(d);
	say("waiting %d ms for the guest to shut down", d->cfg->agent_timeout_ms);
	wait_for_shutdown(d, now_ms() + d->cfg->agent_timeout_ms, true);
	if (d->running && !d->shutdown_seen && !stop_signal) {
		say("guest still running after guest-shutdown: system_powerdown");
		qmp_execute(d, "system_powerdown", now_ms() + d->cfg->qmp_timeout_ms);
		say("waiting %d ms for the guest to power down", d->cfg->powerdown_timeout_ms);
		wait_for_shutdown(d, now_ms() + d->cfg->powerdown_timeout_ms, true);
	}
	if (d->shutdown_seen) {
		say("SHUTDOWN %s: ending the VMM (it runs with -no-shutdown)", d->shutdown_data);
		kill_painfully(d);
		log_line(d, "shutting down, reason=shutdown");
		return "shutdown";
	}
	if (d->running) {
		say("guest did not power down: destroying the domain");
		kill_painfully(d);
	}
	log_line(d, "shutting down, reason=destroyed");
	return "destroyed";
}

static void op_reply(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void op_reply(int fd, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	write_all(fd, text, strlen(text));
	write_all(fd, "\n", 1);
}

/* Returns true when the domain is now off and the daemon should end. */
static bool serve_control(struct domain *d)
{
	struct linebuf *lb = calloc(1, sizeof(*lb));
	char line[1024] = "";
	int fd = accept4(d->control_fd, NULL, NULL, SOCK_CLOEXEC);
	int64_t deadline = now_ms() + CONTROL_READ_MS;
	bool off = false;

	if (fd < 0 || !lb) {
		free(lb);
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (!linebuf_take(lb, line, sizeof(line)) && !lb->eof)
		if (wait_readable(fd, deadline) <= 0 || linebuf_fill(lb, fd) < 0)
			break;
	free(lb);
	say("control: '%s'", line);
	if (!strcmp(line, "reboot")) {
		const char *how = shut_down(d);

		if (start_vmm(d) == 0)
			op_reply(fd, "ok reboot: domain went down by %s, started again, pid %d",
				 how, (int)d->vm.pid);
		else {
			op_reply(fd, "error: domain went down by %s and did not start again", how);
			off = true;
		}
	} else if (!strcmp(line, "shutdown")) {
		op_reply(fd, "ok shutdown: %s", shut_down(d));
		off = true;
	} else if (!strcmp(line, "destroy")) {
		kill_painfully(d);
		log_line(d, "shutting down, reason=destroyed");
		op_reply(fd, "ok destroyed");
		off = true;
	} else if (!strcmp(line, "status")) {
		op_reply(fd, "ok running pid %d", (int)d->vm.pid);
	} else if (!strncmp(line, "console ", 8)) {
		if (d->vm.in_fd >= 0 && write_all(d->vm.in_fd, line + 8, strlen(line + 8)) == 0 &&
		    write_all(d->vm.in_fd, "\n", 1) == 0)
			op_reply(fd, "ok typed on the console");
		else
			op_reply(fd, "error: the console is closed");
	} else {
		op_reply(fd, "error: unknown command '%s' (reboot, shutdown, destroy, status, console TEXT)",
			 line);
	}
	close(fd);
	return off;
}

/* ------------------------------------------------------------ setup */

static char **build_argv(const struct domain_config *cfg, const char *qmp_path)
{
	char **argv = calloc((size_t)cfg->vmm_argc + 12, sizeof(char *));
	char *qmp = malloc(strlen(qmp_path) + 32);
	int n = 0;

	if (!argv || !qmp) {
		free(argv);
		free(qmp);
		return NULL;
	}
	sprintf(qmp, "unix:%s,server,nowait", qmp_path);
	argv[n++] = (char *)cfg->vmm;
	argv[n++] = "-name";
	argv[n++] = (char *)cfg->name;
	argv[n++] = "-qmp";
	argv[n++] = qmp;
	argv[n++] = "-no-shutdown";	/* as libvirt: the daemon decides */
	argv[n++] = "-msg";
	argv[n++] = "timestamp=on";
	for (int i = 0; i < cfg->vmm_argc; i++)
		argv[n++] = cfg->vmm_argv[i];
	argv[n] = NULL;
	return argv;
}

static int set_paths(struct domain *d)
{
	const struct domain_config *c = d->cfg;

	if ((size_t)snprintf(d->qmp_path, sizeof(d->qmp_path), "%s/qmp.sock", c->dir) >= sizeof(d->qmp_path) ||
	    (size_t)snprintf(d->control_path, sizeof(d->control_path), "%s/control.sock", c->dir) >= sizeof(d->control_path) ||
	    (size_t)snprintf(d->log_path, sizeof(d->log_path), "%s/%s.log", c->dir, c->name) >= sizeof(d->log_path)) {
		fprintf(stderr, "kvmscope-domain: directory name too long: %s\n", c->dir);
		return -1;
	}
	return 0;
}

/* The domain log and the control socket; a live daemon already answering
 * on the socket is left alone. */
static int open_daemon(struct domain *d)
{
	d->log_fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (d->log_fd < 0) {
		fprintf(stderr, "kvmscope-domain: cannot open domain log %s: %s\n", d->log_path,
			strerror(errno));
		return -1;
	}
	int other = unix_connect(d->control_path);
	if (other >= 0) {
		close(other);
		fprintf(stderr, "kvmscope-domain: a daemon already serves %s\n", d->control_path);
		return -1;
	}
	d->control_fd = unix_listen(d->control_path);
	if (d->control_fd < 0) {
		fprintf(stderr, "kvmscope-domain: cannot listen on %s: %s\n", d->control_path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Serves the domain until it is off: the exit status of domain_run. */
static int supervise(struct domain *d)
{
	for (;;) {
		if (stop_signal) {
			say("got signal %d: destroying the domain", (int)stop_signal);
			stop_signal = 0;
			kill_painfully(d);
			log_line(d, "shutting down, reason=destroyed");
			return 0;
		}
		if (pump(d, now_ms() + POLL_SLICE_MS, true) && serve_control(d))
			return 0;
		if (d->running && d->shutdown_seen && !d->sigterm_sent) {
			/* qemuProcessShutdownOrReboot: no fake reboot, so SIGTERM
			 * without waiting; the exit is noticed below */
			say("SHUTDOWN %s: sending SIGTERM to VMM pid %d", d->shutdown_data,
			    (int)d->vm.pid);
			kill(d->vm.pid, SIGTERM);
			d->sigterm_sent = true;
		}
		if (!d->running) {
			/* monitor EOF after a SHUTDOWN event: shutdown; without: crashed */
			log_line(d, "shutting down, reason=%s", d->shutdown_seen ? "shutdown" : "crashed");
			return d->shutdown_seen ? 0 : 1;
		}
	}
}

static void close_daemon(struct domain *d)
{
	if (d->control_fd >= 0) {
		close(d->control_fd);
		unlink(d->control_path);
	}
	qmp_close(d);
	if (d->log_fd >= 0)
		close(d->log_fd);
	if (d->vm.in_fd >= 0)
		close(d->vm.in_fd);
	if (d->vm.out_fd >= 0)
		close(d->vm.out_fd);
	free(d->argv[4]);
	free(d->argv);
	free(d);
}

int domain_run(const struct domain_config *cfg)
{
	struct domain *d = calloc(1, sizeof(*d));
	struct sigaction sa = { .sa_handler = on_stop_signal };
	int status = 1;

	if (!d)
		return 1;
	d->cfg = cfg;
	d->qmp_fd = d->control_fd = d->log_fd = -1;
	d->vm.in_fd = d->vm.out_fd = -1;
	if (set_paths(d) < 0 || !(d->argv = build_argv(cfg, d->qmp_path))) {
		free(d);
		return 1;
	}
	if (open_daemon(d) == 0) {
		signal(SIGPIPE, SIG_IGN);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		say("domain %s: daemon pid %d, log %s, control %s", cfg->name, (int)getpid(),
		    d->log_path, d->control_path);
		if (start_vmm(d) == 0)
			status = supervise(d);
	}
	say("domain %s is off", cfg->name);
	close_daemon(d);
	return status;
}

/* ------------------------------------------------------------ client */

int domain_control(const char *dir, const char *line, int timeout_ms)
{
	char path[PATH_MAX], reply[1024];
	struct linebuf *lb;
	int64_t deadline = now_ms() + timeout_ms;
	int fd, r = 1;

	if ((size_t)snprintf(path, sizeof(path), "%s/control.sock", dir) >= sizeof(path)) {
		fprintf(stderr, "kvmscope-domain: directory name too long: %s\n", dir);
		return 1;
	}
	fd = unix_connect(path);
	if (fd < 0) {
		fprintf(stderr, "kvmscope-domain: no domain daemon on %s: %s\n", path, strerror(errno));
		return 1;
	}
	lb = calloc(1, sizeof(*lb));
	if (!lb || write_all(fd, line, strlen(line)) < 0 || write_all(fd, "\n", 1) < 0) {
		fprintf(stderr, "kvmscope-domain: cannot send to %s: %s\n", path, strerror(errno));
		goto out;
	}
	while (!linebuf_take(lb, reply, sizeof(reply))) {
		if (lb->eof || wait_readable(fd, deadline) <= 0 || linebuf_fill(lb, fd) < 0) {
			fprintf(stderr, "kvmscope-domain: no reply from %s\n", path);
			goto out;
		}
	}
	printf("%s\n", reply);
	r = strncmp(reply, "ok", 2) != 0;
out:
	free(lb);
	close(fd);
	return r;
}
