/*
 * firstbyte - time commands to their first byte on stdout and to their exit.
 *
 *   firstbyte [-n RUNS] [-w WARMUP] [-t SECONDS] [-x STATUS] [-m TEXT]
 *             [-p MS] [-l LABEL] [-e ERRFILE] [-v] -- COMMAND [ARGS...]
 *   firstbyte [options] -- @LABEL[:STATUS[:TEXT]] COMMAND [ARGS...] @LABEL2 ...
 *
 * Each run forks; the child stores CLOCK_MONOTONIC in a shared page just
 * before execvp(), with its stdout on a pipe (stdin from /dev/null, stderr
 * appended to ERRFILE or to /dev/null). The parent notes when the first
 * byte is read, when the last byte is read, and when waitpid() reaps the
 * child. A run is good when the child exits with STATUS (if given), its
 * output contains TEXT (if given) and it printed something; a run still
 * going after SECONDS is killed (SIGKILL) and counts as failed. The timeout
 * lives here rather than in timeout(1) so that no extra fork/exec sits
 * inside the measured interval. -p pauses MS milliseconds between runs, so
 * that work the kernel defers after a VM is gone (RCU callbacks, freeing)
 * does not land on the next run.
 *
 * Several commands, each introduced by an @LABEL word (with its own STATUS
 * and TEXT, else -x and -m), are run interleaved: warm-ups of each, then
 * round after round of one run of each. On a shared, noisy host a burst of
 * load then falls on every variant alike, which keeps their ratios honest.
 *
 * Prints one line per command of KEY=VALUE pairs, times in microseconds,
 * medians (and min, max) over its good runs:
 *   label=L runs=N ok=K first_{med,min,max}_us exit_{med,min,max}_us
 *   span_{med,min,max}_us   last byte - first byte, per run: what the guest
 *                           did between its first and last output
 *   tail_{med,min,max}_us   exit - last byte, per run: power-off write to
 *                           reaped, i.e. VMM and kernel teardown
 * (-v adds one line per run on stderr).
 * Exit status: 0 when every run was good, 1 otherwise, 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUT_KEEP (256 * 1024) /* output kept per run for the -m check */
#define MAX_RUNS 1000
#define MAX_GROUPS 32

struct run {
	int64_t first_ns; /* -1: no byte at all */
	int64_t last_ns;
	int64_t exit_ns;
	bool ok;
};

struct group {
	const char *label;
	char **argv; /* NULL-terminated */
	int want_status; /* -1: any */
	const char *match; /* NULL: any */
	int ok;
	int64_t first[MAX_RUNS], exit[MAX_RUNS], span[MAX_RUNS], tail[MAX_RUNS];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: firstbyte [-n RUNS] [-w WARMUP] [-t SECONDS] [-x STATUS] [-m TEXT]\n"
		"                 [-p MS] [-l LABEL] [-e ERRFILE] [-v] -- COMMAND [ARGS...]\n"
		"       firstbyte [options] -- @LABEL[:STATUS[:TEXT]] COMMAND [ARGS...] @LABEL2 ...\n");
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* median of n sorted values (mean of the middle two for even n) */
static double median(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	if (n % 2)
		return (double)v[n / 2];
	return ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
}

static void pause_between(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

static void print_stat(const char *name, int64_t *v, int n)
{
	double med = median(v, n); /* sorts v */

	printf(" %s_med_us=%.1f %s_min_us=%.1f %s_max_us=%.1f", name, med / 1e3, name,
	       (double)v[0] / 1e3, name, (double)v[n - 1] / 1e3);
}

/* Runs the command once; returns 0 when it ran (good or not), -1 when it
 * could not be started. */
static int run_once(const struct group *g, double timeout_s, const char *errfile, bool verbose,
		    int index, struct run *r, volatile int64_t *shared_t0)
{
	char **argv = g->argv;
	int want_status = g->want_status;
	const char *match = g->match;
	static char out[OUT_KEEP + 1];
	size_t out_len = 0;
	int pfd[2];
	int status = 0;
	bool exited = false, eof = false, killed = false;

	r->first_ns = -1;
	r->last_ns = -1;
	r->exit_ns = -1;
	r->ok = false;
	*shared_t0 = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("firstbyte: pipe");
		return -1;
	}
	int64_t fork_t = now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("firstbyte: fork");
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int err = open(errfile ? errfile : "/dev/null",
			       O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (in < 0 || err < 0 || dup2(in, 0) < 0 || dup2(pfd[1], 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(126);
		*shared_t0 = now_ns();
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);

	int64_t deadline = fork_t + (int64_t)(timeout_s * 1e9);
	while (!eof) {
		int64_t left_ms = (deadline - now_ns()) / 1000000;
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };

		if (left_ms <= 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		int n = poll(&p, 1, (int)(left_ms > 1000 ? 1000 : left_ms + 1));
		if (n < 0 && errno != EINTR) {
			perror("firstbyte: poll");
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		if (n <= 0)
			continue;
		char buf[4096];
		ssize_t got = read(pfd[0], buf, sizeof(buf));
		int64_t t = now_ns();
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("firstbyte: read");
			break;
		}
		if (got == 0) {
			eof = true;
			break;
		}
		if (r->first_ns < 0)
			r->first_ns = t;
		r->last_ns = t;
		size_t keep = (size_t)got;
		if (keep > OUT_KEEP - out_len)
			keep = OUT_KEEP - out_len;
		memcpy(out + out_len, buf, keep);
		out_len += keep;
	}
	close(pfd[0]);
	/* EOF means every copy of the pipe is closed; the child may still be
	 * exiting (or may have left a descendant holding the pipe). */
	while (!exited) {
		pid_t w = waitpid(pid, &status, killed ? 0 : WNOHANG);
		if (w == pid) {
			r->exit_ns = now_ns();
			exited = true;
			break;
		}
		if (w < 0 && errno != EINTR) {
			perror("firstbyte: waitpid");
			return -1;
		}
		if (!killed && now_ns() > deadline) {
			kill(pid, SIGKILL);
			killed = true;
		} else if (!killed) {
			struct timespec ts = { 0, 20000 }; /* 20 µs */
			nanosleep(&ts, NULL);
		}
	}

	int64_t t0 = *shared_t0 ? *shared_t0 : fork_t;
	out[out_len] = '\0';
	bool status_ok = WIFEXITED(status) && (want_status < 0 || WEXITSTATUS(status) == want_status);
	bool match_ok = !match || strstr(out, match);
	r->ok = !killed && status_ok && match_ok && r->first_ns >= 0;
	if (r->first_ns >= 0) {
		r->first_ns -= t0;
		r->last_ns -= t0;
	}
	r->exit_ns -= t0;
	if (verbose || !r->ok) {
		fprintf(stderr,
			"firstbyte: %s run %d: first %.3f ms last %.3f ms exit %.3f ms status %s%d%s%s\n",
			g->label, index, r->first_ns < 0 ? -1.0 : (double)r->first_ns / 1e6,
			r->last_ns < 0 ? -1.0 : (double)r->last_ns / 1e6,
			(double)r->exit_ns / 1e6,
			WIFSIGNALED(status) ? "signal " : "",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
			killed ? " (timed out, killed)" : !status_ok ? " (unexpected status)" : "",
			!match_ok ? " (expected text missing)" : "");
		if (!r->ok && out_len) {
			size_t from = out_len > 400 ? out_len - 400 : 0;
			fprintf(stderr, "firstbyte: %s: last output: %s\n", g->label, out + from);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 11, warmup = 1, want_status = -1, pause_ms = 0, opt;
	double timeout_s = 60;
	const char *match = NULL, *label = "cmd", *errfile = NULL;
	bool verbose = false;

	while ((opt = getopt(argc, argv, "+n:w:t:x:m:p:l:e:vh")) != -1) {
		switch (opt) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 't':
			timeout_s = atof(optarg);
			break;
		case 'x':
			want_status = atoi(optarg);
			break;
		case 'm':
			match = optarg;
			break;
		case 'p':
			pause_ms = atoi(optarg);
			break;
		case 'l':
			label = optarg;
			break;
		case 'e':
			errfile = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind >= argc || runs < 1 || runs > MAX_RUNS || warmup < 0 || timeout_s <= 0) {
		usage();
		return 2;
	}
	argv += optind;
	argc -= optind;

	/* one command, or @LABEL groups; each argv is cut off in place */
	static struct group groups[MAX_GROUPS];
	int ngroups = 0;
	if (argv[0][0] != '@') {
		groups[ngroups++] = (struct group){ .label = label, .argv = argv,
						    .want_status = want_status, .match = match };
	} else {
		for (int i = 0; i < argc; i++) {
			if (argv[i][0] != '@')
				continue;
			if (ngroups == MAX_GROUPS) {
				fprintf(stderr, "firstbyte: at most %d commands\n", MAX_GROUPS);
				return 2;
			}
			struct group *g = &groups[ngroups++];
			char *spec = argv[i] + 1, *colon = strchr(spec, ':');
			*g = (struct group){ .label = spec, .argv = argv + i + 1,
					     .want_status = want_status, .match = match };
			if (colon) {
				*colon++ = '\0';
				char *text = strchr(colon, ':');
				if (text)
					*text++ = '\0';
				if (*colon)
					g->want_status = atoi(colon);
				if (text && *text)
					g->match = text;
			}
			argv[i] = NULL; /* ends the previous group's command */
		}
		for (int i = 0; i < ngroups; i++)
			if (!groups[i].argv[0]) {
				fprintf(stderr, "firstbyte: @%s has no command\n", groups[i].label);
				return 2;
			}
	}

	volatile int64_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("firstbyte: mmap");
		return 1;
	}

	for (int i = 0; i < warmup; i++)
		for (int k = 0; k < ngroups; k++) {
			struct run w;
			pause_between(pause_ms);
			if (run_once(&groups[k], timeout_s, errfile, verbose, -1 - i, &w, shared) < 0)
				return 1;
		}
	for (int i = 0; i < runs; i++)
		for (int k = 0; k < ngroups; k++) {
			struct group *g = &groups[k];
			struct run r;
			pause_between(pause_ms);
			if (run_once(g, timeout_s, errfile, verbose, i, &r, shared) < 0)
				return 1;
			if (r.ok) {
				g->first[g->ok] = r.first_ns;
				g->exit[g->ok] = r.exit_ns;
				g->span[g->ok] = r.last_ns - r.first_ns;
				g->tail[g->ok] = r.exit_ns - r.last_ns;
				g->ok++;
			}
		}

	int all_ok = 1;
	for (int k = 0; k < ngroups; k++) {
		struct group *g = &groups[k];
		printf("label=%s runs=%d ok=%d", g->label, runs, g->ok);
		if (g->ok) {
			print_stat("first", g->first, g->ok);
			print_stat("exit", g->exit, g->ok);
			print_stat("span", g->span, g->ok);
			print_stat("tail", g->tail, g->ok);
		}
		printf("\n");
		if (g->ok != runs)
			all_ok = 0;
	}
	return all_ok ? 0 : 1;
}
