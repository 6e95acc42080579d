/* kvmscope record: attach eBPF to every VMM probe of one process, to kvm
 * tracepoints and to its KVM ioctls (raw_syscalls), and write a capture
 * (tools/capture/capture.h). What the host cannot offer is named, one line each, and
 * recorded as a NOTE; the rest is recorded anyway. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "capture/capture.h"
#include "commands.h"
#include "probe-table.h"
#include "record-events.h"
#include "record-stacks.h"
#include "record.h"
#include "record.skel.h"
#include "ioctl-args.h"
#include "slurp.h"
#include "usdt-notes.h"
#include "ftrace.h"
#include "record-kfunc.h"
#include "ftrace-kept.h"

#define TRACEFS "/sys/kernel/tracing"

/* kvm events recorded by default: what explains an exit and its handling.
 * Per-instruction and per-page events only on request (-e). */
static const char *const default_kvm_events[] = {
	"kvm_entry", "kvm_exit", "kvm_userspace_exit", "kvm_pio", "kvm_mmio", "kvm_msr",
	"kvm_cpuid", "kvm_cr", "kvm_hypercall", "kvm_inj_exception", "kvm_set_irq",
	"kvm_pic_set_irq", "kvm_ioapic_set_irq", "kvm_apic_accept_irq", "kvm_vcpu_wakeup",
	"kvm_fpu", "kvm_smm_transition",
};

struct record_opts {
	const char *output;
	pid_t pid;
	char **command;
	const char *extra_events[64];
	unsigned n_extra;
	const char *stack_probes[64];
	unsigned n_stack;
	bool no_kvm, no_syscalls, quiet;
	bool ftrace;		/* also the ftrace collector, into the same capture */
	bool ftrace_keep;	/* through the kept instance (tools/collect/ftrace-kept.h) */
	bool cleanup;		/* only remove the kept instance */
	const char *functions;	/* kernel functions: BPF (record-kfunc.c), function_graph with --ftrace */
	bool follow;		/* also every process the command starts (BPF map of tgids) */
	const char *binary;	/* --binary: the VMM whose probes to attach */
	uint64_t max_bytes;	/* --max-size: the capture's bound (0: none) */
};

struct recorder {
	struct record_opts *opts;
	struct cap_writer *w;
	struct record_bpf *skel;
	struct ring_buffer *rb;
	pid_t pid;
	bool child;
	int child_status;
	bool child_exited;
	uint64_t probes, kernel_events, write_errors;
	uint64_t last_counters[REC_CNT_MAX];
	unsigned problems;
	struct bpf_link *links[256];
	unsigned nlinks;
	uint32_t tids[256];	/* threads seen: named in the capture */
	uint32_t tid_pids[256];	/* their processes (several with --follow) */
	unsigned ntids;
	struct ftrace_collector *fc;	/* --ftrace */
	struct record_kfunc *kfunc;	/* --functions */
	struct record_stacks *stacks;	/* --stack: their symbols, while the processes live */
};

/* meta thread:TID = its comm ("CPU 0/KVM"), while it is alive to ask */
static void name_thread(struct recorder *r, uint32_t pid, uint32_t tid)
{
	char path[80], comm[64] = "";
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, sizeof(comm), f)) {
		comm[strcspn(comm, "\n")] = 0;
		snprintf(path, sizeof(path), "thread:%u", tid);
		cap_write_meta(r->w, path, comm);
	}
	fclose(f);
}

static void saw_thread(struct recorder *r, uint32_t pid, uint32_t tid)
{
	for (unsigned i = 0; i < r->ntids; i++)
		if (r->tids[i] == tid)
			return;
	if (r->ntids < sizeof(r->tids) / sizeof(r->tids[0])) {
		r->tid_pids[r->ntids] = pid;
		r->tids[r->ntids++] = tid;
	}
	name_thread(r, pid, tid);
}

static void keep_link(struct recorder *r, struct bpf_link *l)
{
	if (r->nlinks < sizeof(r->links) / sizeof(r->links[0]))
		r->links[r->nlinks++] = l;
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* One line per thing the host could not offer; also kept in the capture. */
static void problem(struct recorder *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct recorder *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "kvmscope record: %s\n", line);
	if (r->w)
		cap_write_note(r->w, "%s", line);
	r->problems++;
}

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
		"      --cleanup         remove the kept instance and its uprobe events, then exit\n"
		"      --follow          also record every process the command starts (a test suite's\n"
		"                        VMMs): their probes, kvm events and KVM ioctls\n"
		"      --binary PATH     the VMM whose probes to attach (default: the command, or with\n"
		"                        --follow and a command without probes, kvmscope-vmm beside kvmscope)\n"
		"      --max-size MIB    bound the capture while recording, ring-buffer style: the\n"
		"                        newest events that fit survive (definitions and metadata\n"
		"                        always do); a NOTE says what was dropped. Events go to\n"
		"                        CAPTURE.seg0 and .seg1 (MIB/2 each), joined into CAPTURE\n"
		"                        at the end; killed mid-run, each segment is a capture\n"
		"  -q, --quiet           no summary line\n"
		"\nDefault kvm events:");
	for (size_t i = 0; i < sizeof(default_kvm_events) / sizeof(default_kvm_events[0]); i++)
		fprintf(out, " %s", default_kvm_events[i]);
	fprintf(out, "\n");
}

static int parse_args(int argc, char **argv, struct record_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "event", required_argument, NULL, 'e' },
		{ "stack", required_argument, NULL, 's' },
		{ "no-kvm", no_argument, NULL, 'K' },
		{ "no-syscalls", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ftrace", no_argument, NULL, 'F' },
		{ "functions", required_argument, NULL, 'G' },
		{ "ftrace-keep", no_argument, NULL, 'k' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "follow", no_argument, NULL, 'W' },
		{ "binary", required_argument, NULL, 'B' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	char *end;

	o->output = "kvmscope.capture";
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:p:e:s:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'p':
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > INT_MAX) {
				fprintf(stderr, "kvmscope record: --pid: '%s' is not a process id\n", optarg);
				return -1;
			}
			o->pid = (pid_t)v;
			break;
		case 'e':
			if (!strchr(optarg, ':') || strchr(optarg, '/') || strstr(optarg, "..") ||
			    o->n_extra == 64) {
				fprintf(stderr, "kvmscope record: -e: '%s' is not SYSTEM:EVENT\n", optarg);
				return -1;
			}
			o->extra_events[o->n_extra++] = optarg;
			break;
		case 's':
			if (strcmp(optarg, "all") && probe_lookup(optarg) < 0) {
				fprintf(stderr, "kvmscope record: --stack: no VMM probe '%s'\n", optarg);
				return -1;
			}
			if (o->n_stack < 64)
				o->stack_probes[o->n_stack++] = optarg;
			break;
		case 'K':
			o->no_kvm = true;
			break;
		case 'S':
			o->no_syscalls = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'F':
			o->ftrace = true;
			break;
		case 'G': {
			char names[KFUNC_LIST_MAX][128], err[200];
			if (record_kfunc_parse(optarg, names, KFUNC_LIST_MAX, err, sizeof(err)) < 0) {
				fprintf(stderr, "kvmscope record: %s\n", err);
				return -1;
			}
			o->functions = optarg;
			break;
		}
		case 'k':
			o->ftrace = o->ftrace_keep = true;
			break;
		case 'C':
			o->cleanup = true;
			break;
		case 'W':
			o->follow = true;
			break;
		case 'B':
			o->binary = optarg;
			break;
		case 'M':
			if (cap_parse_max_size(optarg, &o->max_bytes)) {
				fprintf(stderr, "kvmscope record: --max-size: '%s' is not a size in MiB "
					"(1 or more)\n", optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		o->command = argv + optind;
	if (o->cleanup && !o->command && !o->pid)
		return 0;
	if (!o->command == !o->pid) {
		fprintf(stderr, "kvmscope record: give either -- COMMAND or --pid PID\n");
		usage(stderr);
		return -1;
	}
	return 0;
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

/* sched_process_fork's child_pid offset, from its format (-1: unknown) */
static int fork_child_pid_offset(void)
{
	char *format = slurp(TRACEFS "/events/sched/sched_process_fork/format", NULL);
	const char *f = format ? strstr(format, " child_pid;") : NULL;
	const char *off = f ? strstr(f, "offset:") : NULL;
	int v = off ? atoi(off + 7) : -1;
	free(format);
	return v >= 8 && v < 256 ? v : -1;
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

/* ---- tracefs -------------------------------------------------------- */

static int tracefs_ready(struct recorder *r)
{
	struct stat st;
	if (stat(TRACEFS "/events", &st) == 0)
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) == 0 && stat(TRACEFS "/events", &st) == 0)
		return 0;
	problem(r, "tracefs is not mounted at " TRACEFS " and mounting it failed (%s): "
		"no kernel events recorded", strerror(errno));
	return -1;
}

/* Bytes of a raw entry: the end of its last fixed field, or the most we copy
 * when it carries dynamic (__data_loc) data after them. */
uint32_t record_entry_size(const char *format)
{
	uint32_t size = 0;
	for (const char *l = format; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *f = strstr(l, "field:");
		const char *nl = strchr(l, '\n');
		if (!f || (nl && f > nl))
			continue;
		if (!strncmp(f + 6, "__data_loc", 10) || !strncmp(f + 6, "__rel_loc", 9))
			return REC_TP_MAX;
		const char *o = strstr(f, "offset:"), *s = strstr(f, "size:");
		if (!o || !s || (nl && (o > nl || s > nl)))
			continue;
		uint32_t end = (uint32_t)strtoul(o + 7, NULL, 10) + (uint32_t)strtoul(s + 5, NULL, 10);
		if (end > size)
			size = end;
	}
	return size > REC_TP_MAX ? REC_TP_MAX : size;
}

/* Writes the event's FORMAT record and sets its copy size; returns its id. */
static int prepare_event(struct recorder *r, const char *sys, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), TRACEFS "/events/%s/%s/format", sys, name);
	char *format = slurp(path, NULL);
	if (!format) {
		problem(r, "tracepoint %s:%s is absent on this kernel (%s): not recorded", sys, name,
			strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), TRACEFS "/events/%s/%s/id", sys, name);
	char *idtext = slurp(path, NULL);
	int id = idtext ? atoi(idtext) : -1;
	free(idtext);
	if (id <= 0 || id >= REC_MAX_TP_IDS) {
		problem(r, "tracepoint %s:%s has no usable id: not recorded", sys, name);
		free(format);
		return -1;
	}
	uint32_t size = record_entry_size(format), key = (uint32_t)id;
	cap_write_tp_format(r->w, CAP_SRC_BPF, (uint32_t)id, sys, name, format);
	free(format);
	if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.tp_len), &key, &size, BPF_ANY)) {
		problem(r, "tracepoint %s:%s: cannot configure: %s", sys, name, strerror(errno));
		return -1;
	}
	return id;
}

static void attach_event(struct recorder *r, const char *sys, const char *name,
			 struct bpf_program *prog)
{
	int id = prepare_event(r, sys, name);
	if (id < 0)
		return;
	LIBBPF_OPTS(bpf_tracepoint_opts, to, .bpf_cookie = (uint64_t)id);
	struct bpf_link *l = bpf_program__attach_tracepoint_opts(prog, sys, name, &to);
	if (!l)
		problem(r, "tracepoint %s:%s: cannot attach: %s", sys, name, strerror(errno));
	else
		keep_link(r, l);
}

static void attach_kernel_events(struct recorder *r)
{
	const struct record_opts *o = r->opts;

	if (tracefs_ready(r))
		return;
	if (!o->no_syscalls) {
		attach_event(r, "raw_syscalls", "sys_enter", r->skel->progs.sys_enter);
		attach_event(r, "raw_syscalls", "sys_exit", r->skel->progs.sys_exit);
	}
	if (!o->no_kvm) {
		struct stat st;
		if (stat(TRACEFS "/events/kvm", &st) < 0)
			problem(r, "no kvm tracepoints on this host (" TRACEFS "/events/kvm absent: "
				"kvm module not loaded?)");
		else
			for (size_t i = 0; i < sizeof(default_kvm_events) / sizeof(*default_kvm_events); i++)
				attach_event(r, "kvm", default_kvm_events[i], r->skel->progs.kernel_event);
	}
	for (unsigned i = 0; i < o->n_extra; i++) {
		char sys[128];
		const char *colon = strchr(o->extra_events[i], ':');
		snprintf(sys, sizeof(sys), "%.*s", (int)(colon - o->extra_events[i]), o->extra_events[i]);
		attach_event(r, sys, colon + 1, r->skel->progs.kernel_event);
	}
}

/* ---- USDT ----------------------------------------------------------- */

static bool wants_stack(const struct record_opts *o, const char *probe)
{
	for (unsigned i = 0; i < o->n_stack; i++)
		if (!strcmp(o->stack_probes[i], "all") || !strcmp(o->stack_probes[i], probe))
			return true;
	return false;
}

static unsigned attach_probes(struct recorder *r, const char *binary)
{
	unsigned attached = 0, nabsent = 0;
	int conf_fd = bpf_map__fd(r->skel->maps.probe_conf);
	char absent[2048] = "";

	for (unsigned i = 0; i < vmm_probe_count && i < REC_MAX_PROBES; i++) {
		const struct probe_desc *d = &vmm_probe_table[i];
		struct rec_probe_conf conf = { .want_stack = wants_stack(r->opts, d->name) };
		uint8_t types[PROBE_MAX_ARGS];
		for (unsigned a = 0; a < d->nargs; a++) {
			types[a] = (uint8_t)d->arg_types[a];
			if (d->arg_types[a] == PROBE_ARG_STR)
				conf.str_mask |= (uint16_t)(1u << a);
		}
		cap_write_probe_def(r->w, i, PROBE_PROVIDER, d->name, d->format, d->nargs,
				    d->arg_names, types);
		if (bpf_map_update_elem(conf_fd, &i, &conf, BPF_ANY)) {
			problem(r, "probe %s: cannot configure: %s", d->name, strerror(errno));
			continue;
		}
		LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = i);
		/* --follow: every process of the binary, the BPF side keeps the followed ones */
		struct bpf_link *l = bpf_program__attach_usdt(r->skel->progs.vmm_probe,
							      r->opts->follow ? -1 : r->pid, binary,
							      PROBE_PROVIDER, d->name, &uo);
		if (!l) {
			if (errno == ENOENT) { /* not in this binary: one line for all of them */
				size_t used = strlen(absent);
				snprintf(absent + used, sizeof(absent) - used, "%s%s", used ? ", " : "",
					 d->name);
				nabsent++;
			} else {
				problem(r, "probe %s:%s not attached in %s: %s", PROBE_PROVIDER, d->name,
					binary, strerror(errno));
			}
			continue;
		}
		keep_link(r, l);
		attached++;
	}
	if (nabsent && attached)
		problem(r, "%u of %u VMM probes are not in %s (another build of the VMM?): %s", nabsent,
			vmm_probe_count, binary, absent);
	if (vmm_probe_count > REC_MAX_PROBES)
		problem(r, "only the first %d of %u probes are recorded", REC_MAX_PROBES,
			vmm_probe_count);
	return attached;
}

/* The kernel sets each probe's semaphore when it attaches (and when the
 * binary is mapped): read them back from the traced process, so a probe
 * that cannot fire is named rather than silently missing. */
static void check_semaphores(struct recorder *r, const char *binary)
{
	struct usdt_notes notes;
	char err[256], line[4096], path[64];
	unsigned checked = 0, zero = 0;
	char zeros[1024] = "";

	if (usdt_notes_read(binary, &notes, err, sizeof(err)))
		return;
	snprintf(path, sizeof(path), "/proc/%d/maps", r->pid);
	FILE *maps = fopen(path, "re");
	if (!maps) {
		usdt_notes_free(&notes);
		return;
	}
	struct { uint64_t start, end, off; } seg[32];
	unsigned nseg = 0;
	while (fgets(line, sizeof(line), maps) && nseg < 32) {
		unsigned long long start, end, off;
		char file[PATH_MAX];
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %4095s", &start, &end, &off, file) == 4 &&
		    !strcmp(file, binary))
			seg[nseg++] = (typeof(seg[0])){ start, end, off };
	}
	fclose(maps);
	for (size_t i = 0; i < notes.count; i++) {
		const struct usdt_probe *p = &notes.probes[i];
		if (strcmp(p->provider, PROBE_PROVIDER) || !p->semaphore || !p->semaphore_offset_ok)
			continue;
		for (unsigned k = 0; k < nseg; k++) {
			if (p->semaphore_offset < seg[k].off ||
			    p->semaphore_offset >= seg[k].off + (seg[k].end - seg[k].start))
				continue;
			uint16_t sem = 0;
			struct iovec local = { &sem, sizeof(sem) };
			struct iovec remote = { (void *)(uintptr_t)(seg[k].start + p->semaphore_offset -
								   seg[k].off), sizeof(sem) };
			if (process_vm_readv(r->pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(sem))
				break;
			checked++;
			if (!sem) {
				size_t used = strlen(zeros);
				snprintf(zeros + used, sizeof(zeros) - used, "%s%s", used ? ", " : "", p->name);
				zero++;
			}
			break;
		}
	}
	usdt_notes_free(&notes);
	snprintf(line, sizeof(line), "%u/%u", checked - zero, checked);
	cap_write_meta(r->w, "semaphores_set", line);
	if (zero)
		problem(r, "%u probe semaphores still 0 after attaching (these probes cannot fire): %s",
			zero, zeros);
}

/* ---- ring buffer -> capture ---------------------------------------- */

static int on_event(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;
	const struct rec_common *c = data;
	int rc = 0;

	if (size < sizeof(*c))
		return 0;
	saw_thread(r, c->pid, c->tid);
	switch (c->kind) {
	case REC_KIND_PROBE: {
		const struct rec_probe_event *e = data;
		const char *strs[REC_MAX_ARGS] = { 0 };
		unsigned slot = 0, nargs = e->nargs > REC_MAX_ARGS ? REC_MAX_ARGS : e->nargs;
		char bufs[REC_STR_SLOTS][REC_STR_LEN];
		for (unsigned i = 0; i < nargs; i++) {
			if (!(e->str_mask & (1u << i)) || slot >= REC_STR_SLOTS)
				continue;
			memcpy(bufs[slot], e->strs[slot], REC_STR_LEN);
			bufs[slot][REC_STR_LEN - 1] = 0;
			strs[i] = bufs[slot++];
		}
		rc = cap_write_probe(r->w, CAP_SRC_BPF, c->ts_ns, c->pid, c->tid, c->cpu, e->probe_id,
				     nargs, (const uint64_t *)e->args, (uint16_t)(e->str_mask & ((1u << nargs) - 1)), strs);
		r->probes++;
		if (r->stacks)
			record_stacks_probe(r->stacks, c->pid, c->tid, e->probe_id);
		break;
	}
	case REC_KIND_TP: {
		const struct rec_tp_event *e = data;
		if (e->len < 8)
			break;
		rc = cap_write_tp_event(r->w, CAP_SRC_BPF, c->ts_ns, c->pid, c->tid, c->cpu, e->data,
					e->len > REC_TP_MAX ? REC_TP_MAX : e->len);
		r->kernel_events++;
		break;
	}
	case REC_KIND_IOCTL_ARG:
		rc = ioctl_args_write(r->w, data, size);
		break;
	case REC_KIND_STACK: {
		const struct rec_stack_event *e = data;
		uint32_t n = e->nframes > REC_STACK_MAX ? REC_STACK_MAX : e->nframes;
		struct cap_stack hdr = { .nframes = n };
		struct cap_record h = { .type = CAP_REC_STACK, .source = CAP_SRC_BPF,
					.ts_ns = c->ts_ns, .pid = c->pid, .tid = c->tid, .cpu = c->cpu };
		rc = cap_append2(r->w, &h, &hdr, sizeof(hdr), e->ips, n * sizeof(uint64_t));
		if (r->stacks)
			record_stacks_stack(r->stacks, c->pid, c->tid, (const uint64_t *)e->ips, n);
		break;
	}
	}
	if (rc)
		r->write_errors++;
	return 0;
}

/* Sums the per-CPU counters; writes LOST records for what changed. */
static void account_lost(struct recorder *r, uint64_t totals[REC_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(r->skel->maps.counters);
	uint64_t *vals = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(uint64_t));

	for (uint32_t k = 0; k < REC_CNT_MAX; k++) {
		totals[k] = 0;
		if (vals && ncpu > 0 && bpf_map_lookup_elem(fd, &k, vals) == 0)
			for (int c = 0; c < ncpu; c++)
				totals[k] += vals[c];
	}
	free(vals);
	static const struct { enum rec_counter cnt; enum cap_lost_kind kind; } lost[] = {
		{ REC_CNT_LOST_RINGBUF, CAP_LOST_RINGBUF },
		{ REC_CNT_LOST_STRING, CAP_LOST_STRING },
		{ REC_CNT_LOST_STACK, CAP_LOST_STACK },
	};
	for (size_t i = 0; i < sizeof(lost) / sizeof(lost[0]); i++) {
		uint64_t now = totals[lost[i].cnt], before = r->last_counters[lost[i].cnt];
		if (now > before)
			cap_write_lost(r->w, CAP_SRC_BPF, lost[i].kind, now - before);
	}
	memcpy(r->last_counters, totals, sizeof(r->last_counters));
}

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

static void run_loop(struct recorder *r, const char *binary)
{
	bool sems_checked = false;
	uint64_t totals[REC_CNT_MAX];
	uint64_t forwarded_at = 0, last_lost = now_ns(), started = now_ns();
	bool renamed = false;

	for (;;) {
		/* the BPF side wakes us only for a batch (tools/collect/record.bpf.c) */
		int n = ring_buffer__poll(r->rb, RECORD_POLL_MS);
		if (n < 0 && n != -EINTR) {
			problem(r, "ring buffer: %s", strerror(-n));
			break;
		}
		if (r->fc && ftrace_collector_poll(r->fc, 0) < 0) {
			problem(r, "ftrace: reading the trace buffers failed: ftrace collector stopped");
			ftrace_collector_stop(r->fc, NULL);
			r->fc = NULL;
		}
		cap_flush(r->w);
		if (now_ns() - last_lost > 1000000000ull) {
			account_lost(r, totals);
			last_lost = now_ns();
		}
		if (!target_alive(r))
			break;
		/* once the command has exec'd (its first probe fired), or at once with --pid */
		if (!sems_checked && !r->opts->follow && (!r->child || r->probes)) {
			check_semaphores(r, binary);
			sems_checked = true;
		}
		if (!renamed && now_ns() - started > 500000000ull) {
			/* vCPU threads name themselves after their first events */
			for (unsigned i = 0; i < r->ntids; i++)
				name_thread(r, r->tid_pids[i], r->tids[i]);
			renamed = true;
		}
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
	ring_buffer__consume(r->rb);
	account_lost(r, totals);
}

/* the ftrace collector's refusals: printed and noted like ours */
static void ftrace_problem(void *ctx, const char *line)
{
	struct recorder *r = ctx;
	fprintf(stderr, "kvmscope record: ftrace: %s\n", line);
	r->problems++;
}

/* Detaching costs an RCU grace period per uprobe and tracepoint (~100 ms
 * each here, seconds for all): with the capture closed and the summary out,
 * a child does it, so record returns as soon as the traced VMM has gone. */
static void detach_all(struct recorder *r)
{
	int p[2] = { -1, -1 };

	fflush(NULL);
	if (r->nlinks > 4 && !getenv("KVMSCOPE_RECORD_SYNC_DETACH") && pipe2(p, O_CLOEXEC) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			int fd = open("/dev/null", O_RDWR);
			close(p[1]);
			if (fd >= 0) {
				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
			}
			setsid();
			/* hold the last references: wait until the parent dropped its own */
			while (read(p[0], &c, 1) < 0 && errno == EINTR)
				;
			for (unsigned i = 0; i < r->nlinks; i++)
				bpf_link__destroy(r->links[i]);
			_exit(0);
		}
		close(p[0]);
		if (pid < 0) {
			close(p[1]);
			p[1] = -1;
		}
	}
	/* with a child holding them, these closes are quick */
	for (unsigned i = 0; i < r->nlinks; i++)
		bpf_link__destroy(r->links[i]);
	r->nlinks = 0;
	record_bpf__destroy(r->skel);
	r->skel = NULL;
	if (p[1] >= 0)
		close(p[1]);
}

/* --follow: the command's pid seeds the map; fork and exit keep it current */
static int start_following(struct recorder *r)
{
	uint32_t key = (uint32_t)r->pid;
	uint8_t one = 1;

	if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.followed), &key, &one, BPF_ANY)) {
		fprintf(stderr, "kvmscope record: --follow: cannot seed the map: %s\n", strerror(errno));
		return -1;
	}
	struct bpf_link *f = bpf_program__attach_tracepoint(r->skel->progs.follow_fork, "sched",
							     "sched_process_fork");
	if (!f) {
		fprintf(stderr, "kvmscope record: --follow: sched:sched_process_fork: cannot attach: %s\n",
			strerror(errno));
		return -1;
	}
	keep_link(r, f);
	struct bpf_link *e = bpf_program__attach_tracepoint(r->skel->progs.follow_exit, "sched",
							     "sched_process_exit");
	if (!e)
		problem(r, "--follow: sched:sched_process_exit: cannot attach (%s): ended processes "
			"stay followed", strerror(errno));
	else
		keep_link(r, e);
	cap_write_meta(r->w, "follow", "the command and every process it starts");
	return 0;
}

/* libbpf's own messages only on request: failures are named by us */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return getenv("KVMSCOPE_LIBBPF_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = { 0 };
	struct recorder r = { .opts = &o };
	char binary[PATH_MAX], err[512];
	int go_fd = -1, ret = 1;

	if (parse_args(argc, argv, &o))
		return 2;
	if (o.cleanup) {
		if (o.command || o.pid) {
			fprintf(stderr, "kvmscope record: --cleanup takes no command and no --pid\n");
			return 2;
		}
		if (ftrace_kept_cleanup(stdout, err, sizeof(err)) == 0)
			return 0;
		fprintf(stderr, "kvmscope record: --cleanup: %s\n", err);
		return 1;
	}
	libbpf_set_print(libbpf_print);

	if (geteuid() != 0)
		fprintf(stderr, "kvmscope record: not running as root: loading BPF needs CAP_BPF, "
			"CAP_PERFMON and CAP_SYS_ADMIN (for tracefs)\n");

	char *cmdline = o.command ? join_args(o.command) : NULL;
	if (o.pid) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/cmdline", o.pid);
		FILE *f = fopen(path, "re");
		if (!f) {
			fprintf(stderr, "kvmscope record: --pid %d: no such process\n", o.pid);
			return 1;
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
	struct cap_writer_info info = { .target_pid = (uint32_t)o.pid, .command = cmdline,
					.collector = "kvmscope record (bpf)",
					.max_bytes = o.max_bytes };
	r.w = cap_writer_open(o.output, &info, err, sizeof(err));
	free(cmdline);
	if (!r.w) {
		fprintf(stderr, "kvmscope record: %s\n", err);
		return 1;
	}

	/* signals before the child exists: a ^C now still ends cleanly */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (o.command) {
		if (resolve_binary(&o, 0, binary, sizeof(binary))) {
			fprintf(stderr, "kvmscope record: %s: command not found\n", o.command[0]);
			goto out;
		}
		r.pid = spawn_stopped(o.command, &go_fd);
		if (r.pid < 0) {
			fprintf(stderr, "kvmscope record: cannot start %s: %s\n", o.command[0],
				strerror(errno));
			goto out;
		}
		r.child = true;
		cap_writer_set_pid(r.w, (uint32_t)r.pid);
	} else {
		r.pid = o.pid;
		if (resolve_binary(&o, o.pid, binary, sizeof(binary))) {
			fprintf(stderr, "kvmscope record: --pid %d: cannot read its executable: %s\n",
				o.pid, strerror(errno));
			goto out;
		}
	}
	if (choose_probe_binary(&o, binary, sizeof(binary)))
		goto out;
	cap_write_meta(r.w, "binary", binary);

	r.skel = record_bpf__open();
	if (!r.skel) {
		fprintf(stderr, "kvmscope record: cannot open the BPF object: %s\n", strerror(errno));
		goto out;
	}
	r.skel->rodata->target_tgid = (uint32_t)r.pid;
	r.skel->rodata->nr_ioctl = SYS_ioctl;
	ioctl_args_configure(r.skel);
	int child_off = -1;
	if (o.follow) {
		child_off = tracefs_ready(&r) ? -1 : fork_child_pid_offset();
		if (child_off < 0)
			problem(&r, "--follow: sched:sched_process_fork has no child_pid field here: "
				"recording the command's own process only");
		else {
			r.skel->rodata->follow = true;
			r.skel->rodata->fork_child_pid_off = (uint32_t)child_off;
		}
	}
	/* programs are attached by hand, each to many points */
	int lerr = record_bpf__load(r.skel);
	if (lerr) {
		fprintf(stderr, "kvmscope record: cannot load the BPF programs: %s%s\n",
			strerror(-lerr),
			geteuid() ? " (needs root, or CAP_BPF and CAP_PERFMON)"
				  : " (rejected by the kernel: KVMSCOPE_LIBBPF_DEBUG=1 shows why)");
		goto out;
	}
	r.rb = ring_buffer__new(bpf_map__fd(r.skel->maps.events), on_event, &r, NULL);
	if (!r.rb) {
		fprintf(stderr, "kvmscope record: cannot open the ring buffer: %s\n", strerror(errno));
		goto out;
	}
	if (child_off >= 0 && start_following(&r))
		goto out;
	char why[256];
	unsigned attached = 0;
	bool probeless = o.follow && !has_vmm_probes(binary, why, sizeof(why));
	if (probeless)
		problem(&r, "--follow: %s has no VMM probes (%s) and no --binary was given: recording "
			"the kernel events of the command and its children only", binary, why);
	else if (o.n_stack && !(r.stacks = record_stacks_new(r.w, binary)))
		problem(&r, "--stack: out of memory: stacks left raw");
	if (!probeless && !(attached = attach_probes(&r, binary)))
		problem(&r, "no VMM probe (USDT provider " PROBE_PROVIDER ") attached in %s: not a "
			"kvmscope-vmm? recording its kernel events only", binary);
	attach_kernel_events(&r);
	if (o.functions) {
		struct record_kfunc_options ko = {
			.functions = o.functions, .tgid = (uint32_t)r.pid, .follow = child_off >= 0,
			.followed_fd = bpf_map__fd(r.skel->maps.followed), .w = r.w, .rb = r.rb,
		};
		r.kfunc = record_kfunc_start(&ko);
	}
	if (o.ftrace) {
		struct ftrace_options fo = {
			.pid = r.pid, .follow = o.follow, .binary = probeless ? NULL : binary,
			.events = o.extra_events,
			.nevents = o.n_extra, .no_kvm = o.no_kvm, .no_syscalls = o.no_syscalls,
			.functions = o.functions, .probe_defs_written = true, .keep = o.ftrace_keep,
			.problem = ftrace_problem, .problem_ctx = &r,
		};
		char ferr[256];
		if (ftrace_collector_start(&r.fc, r.w, &fo, ferr, sizeof(ferr)))
			problem(&r, "ftrace: %s: recording through BPF only", ferr);
	}
	cap_flush(r.w);

	if (go_fd >= 0) {
		if (write(go_fd, "g", 1) != 1)
			problem(&r, "cannot start the command: %s", strerror(errno));
		close(go_fd);
		go_fd = -1;
	}
	run_loop(&r, binary);

	if (r.child) {
		if (!r.child_exited) {
			waitpid(r.pid, &r.child_status, 0);
			r.child_exited = true;
		}
		char st[32];
		if (WIFEXITED(r.child_status))
			snprintf(st, sizeof(st), "exit %d", WEXITSTATUS(r.child_status));
		else
			snprintf(st, sizeof(st), "signal %d", WTERMSIG(r.child_status));
		cap_write_meta(r.w, "exit_status", st);
	}
	ret = 0;
out:
	if (r.fc) {
		struct ftrace_stats fs = { 0 };
		ftrace_collector_stop(r.fc, &fs);
		r.fc = NULL;
		if (!o.quiet)
			fprintf(stderr, "kvmscope record: ftrace: %llu probes, %llu kernel events, "
				"%llu lost%s\n", (unsigned long long)fs.probes,
				(unsigned long long)fs.kernel_events, (unsigned long long)fs.lost,
				!fs.kept ? "" : fs.kept_reused ? " (kept instance, probes reused)" :
				" (kept instance, probes defined)");
	}
	if (go_fd >= 0)
		close(go_fd); /* the child sees EOF and exits 127 */
	if (r.child && !r.child_exited)
		waitpid(r.pid, NULL, 0);
	struct record_kfunc_stats ks = { 0 };
	record_kfunc_finish(r.kfunc, &ks);
	uint64_t lost = r.last_counters[REC_CNT_LOST_RINGBUF] + ks.lost;
	uint64_t records = cap_writer_records(r.w);
	if (cap_writer_close(r.w, true)) {
		fprintf(stderr, "kvmscope record: %s: write failed\n", o.output);
		ret = 1;
	}
	ring_buffer__free(r.rb);
	record_kfunc_free(r.kfunc);
	record_stacks_free(r.stacks);
	if (ret == 0 && !o.quiet)
		fprintf(stderr, "kvmscope record: %llu records (%llu probe hits, %llu kernel events), "
			"%llu lost%s -> %s\n", (unsigned long long)records,
			(unsigned long long)r.probes, (unsigned long long)r.kernel_events,
			(unsigned long long)lost, r.write_errors ? ", WRITE ERRORS" : "", o.output);
	if (ret == 0 && !o.quiet && o.functions)
		fprintf(stderr, "kvmscope record: %llu kernel function calls (%u of the functions "
			"recorded)\n", (unsigned long long)ks.calls, ks.attached);
	detach_all(&r);
	if (ret == 0 && stop_signal && !r.child)
		return 0;
	return ret;
}
