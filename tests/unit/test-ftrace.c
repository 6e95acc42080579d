/* Tests of the ftrace collector (tools/collect/ftrace.c) on the real host: the VMM
 * of this build boots the reboot guest under the collector, and the capture
 * must hold exactly what the VMM itself logged (-trace: every probe hit is
 * one log line), every KVM ioctl's sys_enter/sys_exit, kvm events, no lost
 * events; the instance and the uprobe events are gone afterwards; the
 * refused function tracer is one line and the rest is still recorded.
 * Needs root, tracefs and /dev/kvm: skipped (with the reason) otherwise.
 *
 * Also a driver for scripts (bench-ftrace.sh, ftrace-*.sh) until
 * `kvmscope record --ftrace` calls the same API:
 *   test-ftrace record CAPTURE [--functions F,G] [--binary VMM] [--raw DIR] -- COMMAND ARGS...
 *   (--raw: also DIR/trace.dat for trace-cmd report)
 *   (--binary: the executable with the probes when COMMAND starts it, e.g.
 *   `kvmscope record -- VMM`: the threads it forks are traced too)
 *   test-ftrace compare BPF_CAPTURE FTRACE_CAPTURE   (exit 0: they agree) */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/capture.h"
#include "collect/ftrace.h"
#include "probe-table.h"
#include "collect/usdt-notes.h"

#include "tap-skip.h"
#include "vmm-binary.h"

/* Under LeakSanitizer: two one-time allocations inside the libraries are
 * never freed - libtracefs 1.6.4 caches the tracefs mount path (20 bytes,
 * "/sys/kernel/tracing"), libtraceevent 1.7.1 keeps 2 bytes of a parsed
 * format after tep_free. Not ours; everything of ours is still checked. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtracefs.so\nleak:libtraceevent.so\n";
}

static char build_dir[PATH_MAX / 2];
static char err[512];
static char problems[4096];
static double run_seconds; /* from releasing the command to its exit */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void collect_problem(void *ctx, const char *line)
{
	(void)ctx;
	size_t used = strlen(problems);
	snprintf(problems + used, sizeof(problems) - used, "%s\n", line);
	fprintf(stderr, "ftrace: %s\n", line);
}

/* Runs ARGV held on a pipe until the collector is ready; returns its exit
 * status. STDERR_PATH receives its stderr (NULL: inherited). */
static const char *raw_dir; /* record --raw DIR: keep sub-buffers, make DIR/trace.dat */
static const char *extra_events[16]; /* record --event SYS:NAME */
static unsigned n_extra;

static int record_run(const char *capture, const char *functions, const char *binary,
		      char **argv, const char *stderr_path, struct ftrace_stats *stats)
{
	int go[2];
	if (pipe2(go, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		if (stderr_path) {
			int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd >= 0)
				dup2(fd, 2);
		}
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(go[0]);
	struct cap_writer_info wi = { .target_pid = (uint32_t)pid, .command = argv[0],
				      .collector = "kvmscope ftrace (test driver)" };
	struct cap_writer *w = cap_writer_open(capture, &wi, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	char exe[PATH_MAX];
	if (!realpath(binary ? binary : argv[0], exe))
		snprintf(exe, sizeof(exe), "%s", binary ? binary : argv[0]);
	/* follow: the command may be a collector whose child is the VMM */
	struct ftrace_options o = { .pid = pid, .follow = true, .binary = exe, .functions = functions,
				    .raw_dir = raw_dir, .events = n_extra ? extra_events : NULL,
				    .nevents = n_extra, .problem = collect_problem };
	struct ftrace_collector *fc;
	if (ftrace_collector_start(&fc, w, &o, err, sizeof(err))) {
		fprintf(stderr, "ftrace collector: %s\n", err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		cap_writer_close(w, false);
		return -1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (write(go[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	close(go[1]);
	int status = 0;
	/* a signal ends the command, and the collector still cleans up */
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		if (stop_signal) {
			kill(pid, stop_signal);
			stop_signal = 0;
		}
		if (ftrace_collector_poll(fc, 50) < 0)
			break;
		cap_flush(w);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	run_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ftrace_collector_stop(fc, stats);
	cap_writer_close(w, true);
	return status;
}

/* ---- reading the capture back --------------------------------------- */

struct tally {
	unsigned probes[64];
	unsigned tp[8192];     /* by event id */
	char tp_name[8192][48];
	uint64_t lost, records, bad;
	unsigned rs_ok;        /* runstate_set hits whose strings decoded */
	uint64_t last_ts;
	bool ordered;
};

static int tally_capture(const char *path, struct tally *t)
{
	struct cap_reader *r = cap_open(path, err, sizeof(err));
	const struct cap_record *rec;

	memset(t, 0, sizeof(*t));
	t->ordered = true;
	if (!r)
		return -1;
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		t->records++;
		if (rec->source == CAP_SRC_FTRACE && (rec->type == CAP_REC_PROBE || rec->type == CAP_REC_TP_EVENT)) {
			if (rec->ts_ns < t->last_ts)
				t->ordered = false;
			t->last_ts = rec->ts_ns;
		}
		switch (rec->type) {
		case CAP_REC_PROBE: {
			struct cap_probe_view v;
			if (cap_decode_probe(rec, &v) || v.probe_id >= 64) {
				t->bad++;
				break;
			}
			t->probes[v.probe_id]++;
			if (v.probe_id == (uint32_t)probe_lookup("runstate_set") && v.nargs == 4 &&
			    v.strs[1] && v.strs[3] && *v.strs[1] && *v.strs[3] &&
			    (int)v.args[0] >= 0 && (int)v.args[2] >= 0)
				t->rs_ok++;
			break;
		}
		case CAP_REC_TP_FORMAT: {
			struct cap_tp_format_view v;
			if (!cap_decode_tp_format(rec, &v) && v.event_id < 8192)
				snprintf(t->tp_name[v.event_id], sizeof(t->tp_name[0]), "%s:%s", v.system, v.name);
			break;
		}
		case CAP_REC_TP_EVENT: {
			const uint8_t *data;
			uint32_t len;
			uint16_t id;
			if (cap_decode_tp_event(rec, &data, &len, &id) || id >= 8192)
				t->bad++;
			else
				t->tp[id]++;
			break;
		}
		case CAP_REC_LOST: {
			const struct cap_lost *l;
			if (!cap_decode_lost(rec, &l))
				t->lost += l->count;
			break;
		}
		}
	}
	cap_close(r);
	return 0;
}

static unsigned tp_count(const struct tally *t, const char *name)
{
	for (unsigned i = 0; i < 8192; i++)
		if (!strcmp(t->tp_name[i], name))
			return t->tp[i];
	return 0;
}

/* lines of the VMM's -trace log naming probe NAME */
static unsigned log_count(const char *log, const char *name)
{
	FILE *f = fopen(log, "r");
	char line[4096], pat[128];
	unsigned n = 0;

	if (!f)
		return 0;
	snprintf(pat, sizeof(pat), "] %s ", name);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, pat) != NULL;
	fclose(f);
	return n;
}

static bool host_ready(char *why, size_t len)
{
	struct stat st;
	if (geteuid() != 0) {
		snprintf(why, len, "ftrace needs root");
		return false;
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		snprintf(why, len, "/dev/kvm not usable");
		return false;
	}
	if (stat(vmm_path, &st)) {
		snprintf(why, len, "kvmscope-vmm not built");
		return false;
	}
	return true;
}

static void test_records_match_vmm_log(void **state)
{
	char why[256], capture[PATH_MAX], log[PATH_MAX], guest[PATH_MAX];
	struct ftrace_stats st;
	struct tally *t = calloc(1, sizeof(*t));
	(void)state;

	if (!host_ready(why, sizeof(why))) {
		print_message("skip: %s\n", why);
		free(t);
		skip();
	}
	snprintf(capture, sizeof(capture), "/tmp/test-ftrace-%d.cap", (int)getpid());
	snprintf(log, sizeof(log), "/tmp/test-ftrace-%d.log", (int)getpid());
	snprintf(guest, sizeof(guest), "%s/guests/reboot.elf", build_dir);
	char *argv[] = { vmm_path, "-kernel", guest, "-append", "count=2", "-serial", "null",
			 "-trace", "enable=*", NULL };
	problems[0] = '\0';
	int status = record_run(capture, NULL, NULL, argv, log, &st);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(tally_capture(capture, t), 0);

	/* every probe the VMM logged, once per log line; and nothing lost */
	assert_int_equal(st.probes_defined, vmm_probe_count);
	unsigned total = 0;
	for (unsigned i = 0; i < vmm_probe_count; i++) {
		unsigned want = log_count(log, vmm_probe_table[i].name);
		if (t->probes[i] != want)
			fail_msg("probe %s: %u records, %u log lines", vmm_probe_table[i].name,
				 t->probes[i], want);
		total += want;
	}
	assert_true(total > 100);
	assert_int_equal(t->rs_ok, log_count(log, "runstate_set"));
	assert_int_equal(t->lost, 0);
	assert_int_equal(t->bad, 0);
	assert_true(t->ordered);

	/* one sys_enter and one sys_exit per KVM ioctl (the VMM logs each exit) */
	unsigned ioctls = log_count(log, "kvm_ioctl_exit");
	assert_int_equal(tp_count(t, "raw_syscalls:sys_enter"), ioctls);
	assert_int_equal(tp_count(t, "raw_syscalls:sys_exit"), ioctls);
	/* a return to user space per kvm_run_exit, plus at most the one KVM_RUN
	 * the vCPU kick at shutdown interrupts (EINTR: no exit reason logged) */
	unsigned uexits = tp_count(t, "kvm:kvm_userspace_exit"), runs = log_count(log, "kvm_run_exit");
	if (uexits < runs || uexits > runs + 1)
		fail_msg("%u kvm_userspace_exit events for %u kvm_run_exit lines", uexits, runs);
	/* port I/O exits of the guest (this host's KVM emits no kvm_exit/kvm_entry) */
	assert_true(tp_count(t, "kvm:kvm_pio") > 0);

	/* cleaned up: this process's instance and uprobe group (other
	 * collectors may run beside the test, e.g. kvmscope ci around it) */
	char path[PATH_MAX], group[64];
	snprintf(path, sizeof(path), "/sys/kernel/tracing/instances/kvmscope-%d", (int)getpid());
	if (access(path, F_OK) == 0)
		fail_msg("instance left behind: %s", path);
	snprintf(group, sizeof(group), ":kvmscope_%d/", (int)getpid());
	FILE *f = fopen("/sys/kernel/tracing/uprobe_events", "r");
	if (f) {
		char line[1024];
		while (fgets(line, sizeof(line), f))
			if (strstr(line, group))
				fail_msg("uprobe event left behind: %s", line);
		fclose(f);
	}
	unlink(capture);
	unlink(log);
	free(t);
}

static void test_refused_functions_one_line(void **state)
{
	char why[256], capture[PATH_MAX], guest[PATH_MAX];
	struct ftrace_stats st;
	struct tally *t = calloc(1, sizeof(*t));
	(void)state;

	if (!host_ready(why, sizeof(why))) {
		free(t);
		skip();
	}
	snprintf(capture, sizeof(capture), "/tmp/test-ftrace-f-%d.cap", (int)getpid());
	snprintf(guest, sizeof(guest), "%s/guests/reboot.elf", build_dir);
	char *argv[] = { vmm_path, "-kernel", guest, "-append", "count=1", "-serial", "null", NULL };
	problems[0] = '\0';
	int status = record_run(capture, "kvm_vcpu_ioctl,kvm_arch_vcpu_ioctl_run", NULL, argv, "/dev/null", &st);
	assert_true(WIFEXITED(status));
	assert_int_equal(tally_capture(capture, t), 0);
	if (st.functions_traced) {
		/* a host that allows it: function events recorded */
		assert_true(tp_count(t, "ftrace:funcgraph_exit") + tp_count(t, "ftrace:function") > 0);
	} else {
		/* exactly one line about it, and the rest recorded anyway */
		char *first = strstr(problems, "--functions");
		assert_non_null(first);
		assert_null(strstr(first + 1, "--functions"));
		assert_non_null(strchr(first, '\n'));
		assert_true(t->probes[probe_lookup("runstate_set")] == 2);
		assert_true(tp_count(t, "kvm:kvm_userspace_exit") > 0);
	}
	unlink(capture);
	free(t);
}

static void test_uprobe_definition(void **state)
{
	struct usdt_notes n;
	char def[2048];
	(void)state;

	vmm_notes_read(&n);
	const struct usdt_probe *p = usdt_notes_find(&n, "vmm", "runstate_set");
	assert_non_null(p);
	assert_int_equal(ftrace_uprobe_definition(p, n.machine, "grp", "/x/vmm", 0xa, def, sizeof(def),
						  err, sizeof(err)), 0);
	char want[256];
	snprintf(want, sizeof(want), "p:grp/runstate_set /x/vmm:0x%llx(0x%llx) a0=",
		 (unsigned long long)p->pc_offset, (unsigned long long)p->semaphore_offset);
	assert_memory_equal(def, want, strlen(want));
	assert_non_null(strstr(def, " s1=+0("));
	assert_non_null(strstr(def, " s3=+0("));
	assert_null(strstr(def, " s0="));
	assert_int_equal(ftrace_uprobe_definition(p, n.machine, "grp", "/x y/vmm", 0, def,
						  sizeof(def), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "blank"));
	assert_int_equal(ftrace_uprobe_definition(p, n.machine, "grp", "/x/vmm", 0, def, 40, err,
						  sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));
	usdt_notes_free(&n);
}

static int record_main(int argc, char **argv)
{
	const char *functions = NULL, *binary = NULL;
	int i = 2;
	if (argc < 5) {
		fprintf(stderr, "usage: test-ftrace record CAPTURE [--functions F] [--binary VMM] [--raw DIR] [--event SYS:NAME] -- COMMAND...\n");
		return 2;
	}
	const char *capture = argv[i++];
	while (i + 1 < argc && (!strcmp(argv[i], "--functions") || !strcmp(argv[i], "--binary") ||
				!strcmp(argv[i], "--raw") || !strcmp(argv[i], "--event"))) {
		if (!strcmp(argv[i], "--event") && n_extra < 16)
			extra_events[n_extra++] = argv[i + 1];
		else if (!strcmp(argv[i], "--functions"))
			functions = argv[i + 1];
		else if (!strcmp(argv[i], "--raw"))
			raw_dir = argv[i + 1];
		else
			binary = argv[i + 1];
		i += 2;
	}
	if (strcmp(argv[i], "--") || i + 1 >= argc) {
		fprintf(stderr, "test-ftrace record: expected -- COMMAND\n");
		return 2;
	}
	struct ftrace_stats st;
	int status = record_run(capture, functions, binary, argv + i + 1, NULL, &st);
	fprintf(stderr, "ftrace: %llu probes, %llu kernel events, %llu filtered, %llu lost, %llu unparsed\n",
		(unsigned long long)st.probes, (unsigned long long)st.kernel_events,
		(unsigned long long)st.filtered, (unsigned long long)st.lost,
		(unsigned long long)st.unparsed);
	/* the collector's own CPU time (not the command's), for bench-ftrace.sh */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	fprintf(stderr, "ftrace-bench: events %llu cpu_s %.6f run_s %.6f trace_dat %d\n",
		(unsigned long long)(st.probes + st.kernel_events + st.filtered), cpu, run_seconds,
		st.trace_dat);
	return status < 0 ? 1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- compare: the BPF and the ftrace capture of one run ------------- */

struct item {
	uint64_t ts;
	uint32_t pid, tid; /* pid: each collector's own idea of the thread's process */
	uint16_t type;
	uint16_t len;
	uint32_t id; /* probe id, or event id */
	char name[48];
	unsigned char blob[512]; /* probe: args + strings; event: raw entry */
	unsigned nargs;          /* probe: the arguments again, and its strings */
	uint64_t args[CAP_PROBE_MAX_ARGS];
	char strs[CAP_PROBE_MAX_ARGS][128];
};

/* The same probe hit, except that strings the BPF side could not read
 * (bpf_probe_read_user_str cannot fault a page in; the uprobe's fetch can)
 * are empty in B: those are counted, not differences. */
static bool same_but_unread(const struct item *b, const struct item *f, unsigned *unread)
{
	unsigned n = 0;

	if (b->type != CAP_REC_PROBE || f->type != CAP_REC_PROBE || b->id != f->id ||
	    b->pid != f->pid || b->tid != f->tid || b->nargs != f->nargs ||
	    memcmp(b->args, f->args, b->nargs * sizeof(b->args[0])))
		return false;
	for (unsigned a = 0; a < b->nargs; a++) {
		if (!strcmp(b->strs[a], f->strs[a]))
			continue;
		if (b->strs[a][0])
			return false;
		n++;
	}
	*unread += n;
	return n > 0;
}

static struct item *load_items(const char *path, unsigned source, size_t *n)
{
	struct cap_reader *r = cap_open(path, err, sizeof(err));
	const struct cap_record *rec;
	static char names[8192][48];
	size_t cap = 1024;
	struct item *items = malloc(cap * sizeof(*items));

	*n = 0;
	if (!r || !items) {
		fprintf(stderr, "%s: %s\n", path, err);
		free(items);
		return NULL;
	}
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		struct item it = { .ts = rec->ts_ns, .pid = rec->pid, .tid = rec->tid,
				   .type = rec->type };
		if (rec->type == CAP_REC_TP_FORMAT) {
			struct cap_tp_format_view v;
			if (!cap_decode_tp_format(rec, &v) && v.event_id < 8192)
				snprintf(names[v.event_id], sizeof(names[0]), "%s:%s", v.system, v.name);
			continue;
		}
		if (rec->source != source)
			continue;
		if (rec->type == CAP_REC_PROBE) {
			struct cap_probe_view v;
			if (cap_decode_probe(rec, &v))
				continue;
			it.id = v.probe_id;
			snprintf(it.name, sizeof(it.name), "%s",
				 v.probe_id < vmm_probe_count ? vmm_probe_table[v.probe_id].name : "?");
			size_t used = 0;
			it.nargs = v.nargs;
			for (unsigned a = 0; a < v.nargs; a++) {
				it.args[a] = v.args[a];
				if (v.strs[a])
					snprintf(it.strs[a], sizeof(it.strs[a]), "%s", v.strs[a]);
			}
			for (unsigned a = 0; a < v.nargs && used + 8 <= sizeof(it.blob); a++) {
				memcpy(it.blob + used, &v.args[a], 8);
				used += 8;
				if (v.strs[a]) {
					size_t l = strlen(v.strs[a]) + 1;
					if (used + l > sizeof(it.blob))
						break;
					memcpy(it.blob + used, v.strs[a], l);
					used += l;
				}
			}
			it.len = (uint16_t)used;
		} else if (rec->type == CAP_REC_TP_EVENT) {
			const uint8_t *data;
			uint32_t len;
			uint16_t id;
			if (cap_decode_tp_event(rec, &data, &len, &id))
				continue;
			it.id = id;
			snprintf(it.name, sizeof(it.name), "%s", id < 8192 ? names[id] : "?");
			it.len = (uint16_t)(len > sizeof(it.blob) ? sizeof(it.blob) : len);
			memcpy(it.blob, data, it.len);
		} else {
			continue;
		}
		if (*n == cap) {
			cap *= 2;
			struct item *ni = realloc(items, cap * sizeof(*items));
			if (!ni)
				break;
			items = ni;
		}
		items[(*n)++] = it;
	}
	cap_close(r);
	return items;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return 0;
}

/* Every PROBE and TP_EVENT of BPF_CAP's BPF source must appear, in each
 * thread's order, with the same bytes in FTRACE_CAP's ftrace source. */
static int compare_main(const char *bpf_cap, const char *ftrace_cap)
{
	size_t nb, nf;
	struct item *b = load_items(bpf_cap, CAP_SRC_BPF, &nb);
	struct item *f = load_items(ftrace_cap, CAP_SRC_FTRACE, &nf);
	int bad = 0;
	uint64_t max_dt = 0, lost_strings = 0;
	unsigned probes = 0, events = 0, unread = 0;

	if (!b || !f)
		return 2;
	qsort(b, nb, sizeof(*b), item_cmp);
	qsort(f, nf, sizeof(*f), item_cmp);
	for (size_t i = 0; i < nb || i < nf; i++) {
		if (i >= nb || i >= nf) {
			const struct item *x = i < nb ? &b[i] : &f[i];
			if (bad < 10)
				printf("only in %s: tid %u %s\n", i < nb ? "bpf" : "ftrace", x->tid, x->name);
			bad++;
			continue;
		}
		if ((b[i].pid != f[i].pid || b[i].tid != f[i].tid || b[i].type != f[i].type ||
		     b[i].id != f[i].id ||
		     b[i].len != f[i].len || memcmp(b[i].blob, f[i].blob, b[i].len)) &&
		    !same_but_unread(&b[i], &f[i], &unread)) {
			if (bad < 10)
				printf("differ at %zu: bpf pid %u tid %u %s (%u bytes) / ftrace pid %u tid %u %s "
				       "(%u bytes)\n", i, b[i].pid, b[i].tid, b[i].name, b[i].len, f[i].pid,
				       f[i].tid, f[i].name, f[i].len);
			bad++;
			continue;
		}
		uint64_t dt = b[i].ts > f[i].ts ? b[i].ts - f[i].ts : f[i].ts - b[i].ts;
		if (dt > max_dt)
			max_dt = dt;
		if (b[i].type == CAP_REC_PROBE)
			probes++;
		else
			events++;
	}
	/* the strings BPF could not read must be ones it counted as lost */
	struct cap_reader *r = cap_open(bpf_cap, err, sizeof(err));
	const struct cap_record *rec;
	while (r && cap_next(r, &rec) == CAP_NEXT_OK) {
		const struct cap_lost *l;
		if (rec->type == CAP_REC_LOST && !cap_decode_lost(rec, &l) && l->kind == CAP_LOST_STRING)
			lost_strings += l->count;
	}
	if (r)
		cap_close(r);
	printf("bpf %zu records, ftrace %zu records: %u probe hits and %u kernel events identical, "
	       "%d differ, %u strings only ftrace could read (bpf counted %llu unreadable); "
	       "largest timestamp gap %llu ns\n",
	       nb, nf, probes, events, bad, unread, (unsigned long long)lost_strings,
	       (unsigned long long)max_dt);
	free(b);
	free(f);
	/* both on CLOCK_MONOTONIC: the same event a few microseconds apart at most */
	return bad || unread > lost_strings || !probes || !events || max_dt > 10000000ull ? 1 : 0;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	snprintf(self, sizeof(self), "%s", argv[0]);
	/* BUILD/tests/unit/test-ftrace -> BUILD */
	char *rp = realpath(dirname(self), NULL);
	snprintf(build_dir, sizeof(build_dir), "%s/../..", rp ? rp : ".");
	free(rp);
	vmm_path_init(argv[0]);
	if (argc > 1 && !strcmp(argv[1], "record"))
		return record_main(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "compare"))
		return compare_main(argv[2], argv[3]);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uprobe_definition),
		cmocka_unit_test(test_records_match_vmm_log),
		cmocka_unit_test(test_refused_functions_one_line),
	};
	tap_skip_filter_start();
	return tap_skip_filter_end(cmocka_run_group_tests(tests, NULL, NULL));
}
