/* kvmscope record: the command. It starts (or finds) the traced process,
 * wires the collectors to one capture (capture/capture.h) - the BPF collector
 * (bpf-collector.h) always, the ftrace collector (ftrace.h) with
 * --ftrace - polls them until the process ends, and says how it went. What
 * the host cannot offer is named, one line each, and recorded as a NOTE;
 * the rest is recorded anyway. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf-collector.h"
#include "capture/capture.h"
#include "cli.h"
#include "collector.h"
#include "commands.h"
#include "bpf-kept.h"
#include "ftrace-kept.h"
#include "ftrace.h"
#include "probe-table.h"
#include "record-kfunc.h"
#include "usdt-notes.h"

/* Back-pressure: the reader runs ahead of the processes it traces. Under a
 * suite-shaped load (scripts/bench-lost.sh with 20 rounds: 4 VMMs spinning
 * exits on 2 cores) the reader at their priority lost about 1 record in 160;
 * at -10 none, while the load took a third longer. */
#define READER_NICE (-10)

/* With --ftrace the one reader also drains ftrace's buffers, so the BPF ring
 * waits longer between reads: under bench-lost's load (10 rounds, 16.8 M
 * records) a 16 MiB ring lost 43-141 k records, a 64 MiB one none. */
#define RING_KB_WITH_FTRACE (64 << 10)

struct record_opts {
	const char *output;
	pid_t pid;
	char **command;
	const char *extra_events[64];
	unsigned n_extra;
	const char *stack_probes[64];
	unsigned n_stack;
	/* ints: getopt_long sets the flags itself (struct option's flag) */
	int no_kvm, no_syscalls;
	bool quiet;
	int ftrace;		/* also the ftrace collector, into the same capture */
	bool ftrace_keep;	/* through the kept instance (tools/collect/ftrace-kept.h) */
	int bpf_keep;		/* BPF through the kept set (tools/collect/bpf-kept.h) */
	int cleanup;		/* only remove the kept instance and sets */
	const char *functions;	/* kernel functions: BPF (record-kfunc.c), function_graph with --ftrace */
	int follow;		/* also every process the command starts (BPF map of tgids) */
	const char *binary;	/* --binary: the VMM whose probes to attach */
	uint64_t max_bytes;	/* --max-size: the capture's bound (0: none) */
	unsigned ring_kb;	/* --ring-size: the BPF ring (0: the collector's default) */
	int nice;		/* --nice: the reader's priority (default READER_NICE) */
};

struct recorder {
	struct record_opts *opts;
	struct cap_writer *w;
	struct collector_voice voice;	/* our own problems: stderr and a NOTE */
	pid_t pid;
	bool child;
	int child_status;
	bool child_exited;
	struct bpf_collector *bc;
	struct ftrace_collector *fc;	/* --ftrace */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* One line per thing the host could not offer; also kept in the capture. */
#define problem(r, ...) collector_problem(&(r)->voice, __VA_ARGS__)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kvmscope record [-o CAPTURE] [OPTIONS] -- COMMAND [ARGS...]\n"
		"       kvmscope record [-o CAPTURE] [OPTIONS] --pid PID\n"
		"\n"
		"Records every VMM probe (USDT provider \"vmm\") of the process, the kvm\n"
		"tracepoints it hits and its KVM ioctls (raw_syscalls), into CAPTURE\n"
		"(default kvmscope.capture). Stops when the process exits or on SIGINT/SIGTERM.\n"
		"\n"
		"  -o, --output FILE     the capture file\n"
		"  -p, --pid PID         attach to a running VMM\n"
		"  -e, --event SYS:NAME  also record this tracepoint (e.g. kvm:kvm_emulate_insn)\n"
		"      --no-kvm          no default kvm tracepoints\n"
		"      --no-syscalls     no raw_syscalls ioctl records\n"
		"  -s, --stack PROBE     take the user stack at PROBE ('all' for every probe)\n"
		"      --ftrace          also record the same events through ftrace (tools/collect/ftrace.c)\n"
		"                        into the capture: report shows one source (--source)\n"
		"      --functions LIST  every call of these kernel functions (f,g: BPF fentry/fexit or\n"
		"                        kprobes; duration, return value); with --ftrace their callees too\n"
		"      --ftrace-keep     --ftrace through the kept instance kvmscope-kept: set up once,\n"
		"                        left for the next run (probes stay armed); see --cleanup\n"
		"      --bpf-keep        BPF through the kept set: its programs loaded and attached\n"
		"                        once, pinned in /sys/fs/bpf/kvmscope-kept for the next run\n"
		"                        (probes stay armed, nothing is recorded between runs)\n"
		"      --cleanup         remove the kept instance, its uprobe events and the kept\n"
		"                        BPF sets, then exit\n"
		"      --follow          also record every process the command starts (a test suite's\n"
		"                        VMMs): their probes, kvm events and KVM ioctls\n"
		"      --binary PATH     the VMM whose probes to attach (default: the command, or with\n"
		"                        --follow and a command without probes, kvmscope-vmm beside kvmscope)\n"
		"      --max-size MIB    bound the capture while recording, ring-buffer style: the\n"
		"                        newest events that fit survive (definitions and metadata\n"
		"                        always do); a NOTE says what was dropped. Events go to\n"
		"                        CAPTURE.seg0 and .seg1 (MIB/2 each), joined into CAPTURE\n"
		"                        at the end; killed mid-run, each segment is a capture\n"
		"      --ring-size KIB   the BPF ring buffer (a power of two; default %u, %u with\n"
		"                        --ftrace, whose buffers the same reader drains): what it\n"
		"                        cannot hold while the reader is behind is lost, and counted\n"
		"      --nice N          the reader's niceness while it records (default %d; 0: as the\n"
		"                        traced processes): ahead of them, it keeps up with their\n"
		"                        events on a busy host, and they wait for the CPU instead\n"
		"  -q, --quiet           no summary line\n"
		"\nDefault kvm events:", REC_RING_KB, RING_KB_WITH_FTRACE, READER_NICE);
	for (size_t i = 0; i < collector_kvm_event_count; i++)
		fprintf(out, " %s", collector_kvm_events[i]);
	fprintf(out, "\n");
}

/* cli_parse's callback: one option as getopt_long hands it over; -1 to go
 * on, 2 after saying what is wrong with its value.
 * Long: one case per option (flat, not deep) */
static int record_option(int c, const char *val, void *arg)
{
	struct record_opts *o = arg;
	char *end;

	switch (c) {
	case 'o':
		o->output = val;
		break;
	case 'p':
		errno = 0;
		long v = strtol(val, &end, 10);
		if (errno || *end || v <= 0 || v > INT_MAX) {
			fprintf(stderr, "kvmscope record: --pid: '%s' is not a process id\n", val);
			return 2;
		}
		o->pid = (pid_t)v;
		break;
	case 'e':
		if (!strchr(val, ':') || strchr(val, '/') || strstr(val, "..") ||
		    o->n_extra == 64) {
			fprintf(stderr, "kvmscope record: -e: '%s' is not SYSTEM:EVENT\n", val);
			return 2;
		}
		o->extra_events[o->n_extra++] = val;
		break;
	case 's':
		if (strcmp(val, "all") && probe_lookup(val) < 0) {
			fprintf(stderr, "kvmscope record: --stack: no VMM probe '%s'\n", val);
			return 2;
		}
		if (o->n_stack < 64)
			o->stack_probes[o->n_stack++] = val;
		break;
	case 0: /* a flag getopt_long set */
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'G': {
		char names[KFUNC_LIST_MAX][128], err[200];
		if (record_kfunc_parse(val, names, KFUNC_LIST_MAX, err, sizeof(err)) < 0) {
			fprintf(stderr, "kvmscope record: %s\n", err);
			return 2;
		}
		o->functions = val;
		break;
	}
	case 'k':
		o->ftrace = 1;
		o->ftrace_keep = true;
		break;
	case 'B':
		o->binary = val;
		break;
	case 'M':
		if (cap_parse_max_size(val, &o->max_bytes)) {
			fprintf(stderr, "kvmscope record: --max-size: '%s' is not a size in MiB "
				"(1 or more)\n", val);
			return 2;
		}
		break;
	case 'R': {
		errno = 0;
		unsigned long kib = strtoul(val, &end, 10);
		if (errno || end == val || *end || val[0] == '-' || kib < 4 ||
		    kib > (1ul << 20) || (kib & (kib - 1))) {
			fprintf(stderr, "kvmscope record: --ring-size: '%s' is not a power of two "
				"of KiB from 4 to 1048576\n", val);
			return 2;
		}
		o->ring_kb = (unsigned)kib;
		break;
	}
	case 'N': {
		errno = 0;
		long n = strtol(val, &end, 10);
		if (errno || end == val || *end || n < -20 || n > 0) {
			fprintf(stderr, "kvmscope record: --nice: '%s' is not a niceness from -20 "
				"to 0\n", val);
			return 2;
		}
		o->nice = (int)n;
		break;
	}
	}
	return -1;
}

/* -1 to go on, else the exit status: 0 after --help, 2 after bad usage */
static int parse_args(int argc, char **argv, struct record_opts *o)
{
	const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "event", required_argument, NULL, 'e' },
		{ "stack", required_argument, NULL, 's' },
		{ "no-kvm", no_argument, &o->no_kvm, 1 },
		{ "no-syscalls", no_argument, &o->no_syscalls, 1 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ftrace", no_argument, &o->ftrace, 1 },
		{ "functions", required_argument, NULL, 'G' },
		{ "ftrace-keep", no_argument, NULL, 'k' },
		{ "bpf-keep", no_argument, &o->bpf_keep, 1 },
		{ "cleanup", no_argument, &o->cleanup, 1 },
		{ "follow", no_argument, &o->follow, 1 },
		{ "binary", required_argument, NULL, 'B' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "ring-size", required_argument, NULL, 'R' },
		{ "nice", required_argument, NULL, 'N' },
		{ 0 },
	};
	struct cli cli = { .cmd = "kvmscope record", .usage = usage, .shortopts = "+o:p:e:s:q",
			   .longopts = longopts, .no_version = true };

	o->output = "kvmscope.capture";
	o->nice = READER_NICE;
	int status = cli_parse(&cli, argc, argv, record_option, o);
	if (status >= 0)
		return status;
	if (optind < argc)
		o->command = argv + optind;
	if (o->cleanup && !o->command && !o->pid)
		return -1;
	if (!o->command == !o->pid) {
		fprintf(stderr, "kvmscope record: give either -- COMMAND or --pid PID\n");
		usage(stderr);
		return 2;
	}
	return -1;
}

/* ---- the traced program --------------------------------------------- */


/* The executable behind the probes: argv[0] found on PATH, or /proc/PID/exe. */
static int resolve_binary(const struct record_opts *o, pid_t pid, char *out, size_t len)
{
	if (o->pid) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/%d/exe", pid);
		ssize_t n = readlink(link, out, len - 1);
		if (n < 0)
			return -errno;
		out[n] = 0;
		/* rebuilt since it started: the running inode is only reachable here */
		if (n > 10 && !strcmp(out + n - 10, " (deleted)"))
			snprintf(out, len, "%s", link);
		return 0;
	}
	const char *cmd = o->command[0];
	if (strchr(cmd, '/')) {
		if (!realpath(cmd, out))
			return -errno;
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t dl = strcspn(path, ":");
		char cand[PATH_MAX];
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)dl, path, cmd);
		if (access(cand, X_OK) == 0 && realpath(cand, out))
			return 0;
		path += dl + (path[dl] == ':');
	}
	return -ENOENT;
}

/* Whether PATH carries VMM probes (USDT provider "vmm"); why not in ERR. */
static bool has_vmm_probes(const char *path, char *err, size_t errlen)
{
	struct usdt_notes notes;
	bool found = false;

	if (usdt_notes_read(path, &notes, err, errlen))
		return false;
	for (size_t i = 0; i < notes.count && !found; i++)
		found = !strcmp(notes.probes[i].provider, PROBE_PROVIDER);
	usdt_notes_free(&notes);
	if (!found)
		snprintf(err, errlen, "no USDT provider \"" PROBE_PROVIDER "\" in it");
	return found;
}

/* The binary whose probes are attached (BINARY holds the command's on entry):
 * --binary; else the command's own; with --follow and a command without VMM
 * probes (a test script), the kvmscope-vmm beside this kvmscope if there. */
static int choose_probe_binary(const struct record_opts *o, char *binary, size_t len)
{
	char path[PATH_MAX], err[256];

	if (o->binary) {
		if (!realpath(o->binary, path)) {
			fprintf(stderr, "kvmscope record: --binary %s: %s\n", o->binary, strerror(errno));
			return -1;
		}
		if (!has_vmm_probes(path, err, sizeof(err))) {
			fprintf(stderr, "kvmscope record: --binary %s: not a VMM with probes: %s\n",
				o->binary, err);
			return -1;
		}
		snprintf(binary, len, "%s", path);
		return 0;
	}
	if (!o->follow || has_vmm_probes(binary, err, sizeof(err)))
		return 0;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = 0;
	char *slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) + sizeof("/kvmscope-vmm") > sizeof(path))
		return 0;
	strcpy(slash, "/kvmscope-vmm");
	if (has_vmm_probes(path, err, sizeof(err)))
		snprintf(binary, len, "%s", path);
	return 0;
}

/* fork the command, stopped (on a pipe) until every probe is attached */
static pid_t spawn_stopped(char **argv, int *go_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char c;
		close(p[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (read(p[0], &c, 1) != 1)
			_exit(127); /* the collector gave up */
		execvp(argv[0], argv);
		fprintf(stderr, "kvmscope record: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go_fd = p[1];
	return pid;
}

static char *join_args(char **argv)
{
	size_t len = 1;
	for (char **a = argv; *a; a++)
		len += strlen(*a) + 1;
	char *s = calloc(1, len);
	if (!s)
		return NULL;
	for (char **a = argv; *a; a++) {
		if (a != argv)
			strcat(s, " ");
		strcat(s, *a);
	}
	return s;
}

/* ---- recording ------------------------------------------------------ */

static bool target_alive(struct recorder *r)
{
	if (r->child) {
		if (r->child_exited)
			return false;
		int status;
		pid_t p = waitpid(r->pid, &status, WNOHANG);
		if (p == r->pid) {
			r->child_exited = true;
			r->child_status = status;
			return false;
		}
		return true;
	}
	return kill(r->pid, 0) == 0 || errno == EPERM;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define RECORD_POLL_MS 10

static void run_loop(struct recorder *r)
{
	uint64_t forwarded_at = 0;

	for (;;) {
		if (bpf_collector_poll(r->bc, RECORD_POLL_MS) < 0)
			break;
		if (r->fc && ftrace_collector_poll(r->fc, 0) < 0) {
			problem(r, "ftrace: reading the trace buffers failed: ftrace collector stopped");
			ftrace_collector_stop(r->fc, NULL);
			r->fc = NULL;
		}
		cap_flush(r->w);
		if (!target_alive(r))
			break;
		if (stop_signal) {
			if (!r->child)
				break;
			/* let the VMM record its own shutdown, but not for long */
			if (!forwarded_at) {
				kill(r->pid, stop_signal);
				forwarded_at = now_ns();
			} else if (now_ns() - forwarded_at > 3000000000ull) {
				kill(r->pid, SIGKILL);
			}
		}
	}
}

/* the collectors' refusals: printed like ours (they write the NOTE) */
static void bpf_problem(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "kvmscope record: %s\n", line);
}

static void ftrace_problem(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "kvmscope record: ftrace: %s\n", line);
}

/* Starts the BPF collector, then (--ftrace) the ftrace one; -1 when not even
 * BPF can record. */
static int start_collectors(struct recorder *r, const char *binary)
{
	const struct record_opts *o = r->opts;
	char why[256], err[512];

	bool probeless = o->follow && !has_vmm_probes(binary, why, sizeof(why));
	if (probeless)
		problem(r, "--follow: %s has no VMM probes (%s) and no --binary was given: recording "
			"the kernel events of the command and its children only", binary, why);
	struct bpf_options bo = {
		.pid = r->pid, .follow = o->follow, .exec_pending = r->child,
		.binary = probeless ? NULL : binary, .events = o->extra_events, .nevents = o->n_extra,
		.stack_probes = o->stack_probes, .nstack = o->n_stack, .no_kvm = o->no_kvm,
		.no_syscalls = o->no_syscalls, .functions = o->functions,
		.ring_kb = o->ring_kb ? o->ring_kb : o->ftrace ? RING_KB_WITH_FTRACE : 0,
		.keep = o->bpf_keep, .problem = bpf_problem,
	};
	if (bpf_collector_start(&r->bc, r->w, &bo, err, sizeof(err))) {
		fprintf(stderr, "kvmscope record: %s\n", err);
		return -1;
	}
	if (o->ftrace) {
		struct ftrace_options fo = {
			.pid = r->pid, .follow = o->follow, .binary = probeless ? NULL : binary,
			.events = o->extra_events,
			.nevents = o->n_extra, .no_kvm = o->no_kvm, .no_syscalls = o->no_syscalls,
			.functions = o->functions, .probe_defs_written = true, .keep = o->ftrace_keep,
			.problem = ftrace_problem,
		};
		if (ftrace_collector_start(&r->fc, r->w, &fo, err, sizeof(err)))
			problem(r, "ftrace: %s: recording through BPF only", err);
	}
	return 0;
}

/* The capture, its header naming the command (or the --pid process's command
 * line); NULL after saying why. */
static struct cap_writer *open_capture(const struct record_opts *o)
{
	char err[512];
	char *cmdline = o->command ? join_args(o->command) : NULL;

	if (o->pid) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/cmdline", o->pid);
		FILE *f = fopen(path, "re");
		if (!f) {
			fprintf(stderr, "kvmscope record: --pid %d: no such process\n", o->pid);
			return NULL;
		}
		char buf[4096];
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (size_t i = 0; i + 1 < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[n] = 0;
		cmdline = strdup(buf);
	}
	struct cap_writer_info info = { .target_pid = (uint32_t)o->pid, .command = cmdline,
					.collector = "kvmscope record (bpf)",
					.max_bytes = o->max_bytes };
	struct cap_writer *w = cap_writer_open(o->output, &info, err, sizeof(err));
	free(cmdline);
	if (!w)
		fprintf(stderr, "kvmscope record: %s\n", err);
	return w;
}

/* The traced process: the command, forked and held on GO_FD until the
 * collectors are attached, or --pid's; BINARY gets the probes' executable.
 * -1 after saying why. */
static int find_target(struct recorder *r, char *binary, size_t len, int *go_fd)
{
	const struct record_opts *o = r->opts;

	if (o->command) {
		if (resolve_binary(o, 0, binary, len)) {
			fprintf(stderr, "kvmscope record: %s: command not found\n", o->command[0]);
			return -1;
		}
		r->pid = spawn_stopped(o->command, go_fd);
		if (r->pid < 0) {
			fprintf(stderr, "kvmscope record: cannot start %s: %s\n", o->command[0],
				strerror(errno));
			return -1;
		}
		r->child = true;
		cap_writer_set_pid(r->w, (uint32_t)r->pid);
	} else {
		r->pid = o->pid;
		if (resolve_binary(o, o->pid, binary, len)) {
			fprintf(stderr, "kvmscope record: --pid %d: cannot read its executable: %s\n",
				o->pid, strerror(errno));
			return -1;
		}
	}
	if (choose_probe_binary(o, binary, len))
		return -1;
	cap_write_meta(r->w, "binary", binary);
	return 0;
}

/* the command's end, as a META record */
static void reap_child(struct recorder *r)
{
	if (!r->child_exited) {
		waitpid(r->pid, &r->child_status, 0);
		r->child_exited = true;
	}
	char st[32];
	if (WIFEXITED(r->child_status))
		snprintf(st, sizeof(st), "exit %d", WEXITSTATUS(r->child_status));
	else
		snprintf(st, sizeof(st), "signal %d", WTERMSIG(r->child_status));
	cap_write_meta(r->w, "exit_status", st);
}

static void stop_ftrace(struct recorder *r)
{
	struct ftrace_stats fs = { 0 };

	ftrace_collector_stop(r->fc, &fs);
	r->fc = NULL;
	if (!r->opts->quiet)
		fprintf(stderr, "kvmscope record: ftrace: %llu probes, %llu kernel events, "
			"%llu lost%s\n", (unsigned long long)fs.probes,
			(unsigned long long)fs.kernel_events, (unsigned long long)fs.lost,
			!fs.kept ? "" : fs.kept_reused ? " (kept instance, probes reused)" :
			" (kept instance, probes defined)");
}

/* Closes the capture and prints the summary: 0, or 1 when it failed. */
static int close_capture(struct recorder *r, const struct bpf_stats *bs, int ret)
{
	const struct record_opts *o = r->opts;
	uint64_t records = cap_writer_records(r->w);

	if (cap_writer_close(r->w, true)) {
		fprintf(stderr, "kvmscope record: %s: write failed\n", o->output);
		ret = 1;
	}
	if (ret == 0 && !o->quiet)
		fprintf(stderr, "kvmscope record: %llu records (%llu probe hits, %llu kernel events), "
			"%llu lost%s -> %s\n", (unsigned long long)records,
			(unsigned long long)bs->probes, (unsigned long long)bs->kernel_events,
			(unsigned long long)bs->lost, bs->write_errors ? ", WRITE ERRORS" : "", o->output);
	if (ret == 0 && !o->quiet && bs->functions)
		fprintf(stderr, "kvmscope record: %llu kernel function calls (%u of the functions "
			"recorded)\n", (unsigned long long)bs->function_calls, bs->functions_attached);
	return ret;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = { 0 };
	struct recorder r = { .opts = &o };
	struct bpf_stats bs = { 0 };
	char binary[PATH_MAX], err[512];
	int go_fd = -1, ret = 1;

	int status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	if (o.cleanup) {
		if (o.command || o.pid) {
			fprintf(stderr, "kvmscope record: --cleanup takes no command and no --pid\n");
			return 2;
		}
		/* each kept thing on its own: one held does not keep the other */
		int failed = ftrace_kept_cleanup(stdout, err, sizeof(err));
		if (failed)
			fprintf(stderr, "kvmscope record: --cleanup: %s\n", err);
		if (bpf_kept_cleanup(stdout, err, sizeof(err))) {
			fprintf(stderr, "kvmscope record: --cleanup: %s\n", err);
			failed = 1;
		}
		return failed ? 1 : 0;
	}
	if (geteuid() != 0)
		fprintf(stderr, "kvmscope record: not running as root: loading BPF needs CAP_BPF, "
			"CAP_PERFMON and CAP_SYS_ADMIN (for tracefs)\n");
	r.w = open_capture(&o);
	if (!r.w)
		return 1;
	r.voice = (struct collector_voice){ .w = r.w, .who = "kvmscope record" };

	/* signals before the child exists: a ^C now still ends cleanly */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (find_target(&r, binary, sizeof(binary), &go_fd))
		goto out;
	/* after the fork: the command (and what it starts) keeps its own priority */
	if (o.nice && setpriority(PRIO_PROCESS, 0, o.nice) < 0)
		problem(&r, "--nice %d: %s: the reader competes with the traced processes as their "
			"equal, and may lose records on a busy host", o.nice, strerror(errno));
	if (start_collectors(&r, binary))
		goto out;
	cap_flush(r.w);
	if (go_fd >= 0) {
		if (write(go_fd, "g", 1) != 1)
			problem(&r, "cannot start the command: %s", strerror(errno));
		close(go_fd);
		go_fd = -1;
	}
	run_loop(&r);
	bpf_collector_stop(r.bc, &bs);
	if (r.child)
		reap_child(&r);
	ret = 0;
out:
	if (r.fc)
		stop_ftrace(&r);
	if (go_fd >= 0)
		close(go_fd); /* the child sees EOF and exits 127 */
	if (r.child && !r.child_exited)
		waitpid(r.pid, NULL, 0);
	ret = close_capture(&r, &bs, ret);
	bpf_collector_detach(r.bc);
	if (ret == 0 && stop_signal && !r.child)
		return 0;
	return ret;
}
