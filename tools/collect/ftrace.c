/* The ftrace collector (see ftrace.h): instance setup, per-CPU raw buffer
 * reading with libtracefs/kbuffer, decoding with libtraceevent from the
 * kernel's format files, conversion into capture records. */
#include "errtext.h"
#include "ftrace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <traceevent/event-parse.h>
#include <traceevent/kbuffer.h>
#include <tracefs/tracefs.h>

#include "capture/capture.h"
#include "collector.h"
#include "cpu-merge.h"
#include "ftrace-formats.h"
#include "ftrace-kept.h"
#include "ftrace-stale.h"
#include "ftrace-trace-dat.h"
#include "probe-table.h"
#include "bpf-collector-events.h"
#include "thread-process.h"
#include "usdt-notes.h"

#define MAX_EVENT_ID 65536
#define HOLD_BACK_NS 20000000ull /* entries younger than this wait for the other CPUs */
#define KVMIO 0xAE

enum ev_kind { EV_TP = 1, EV_SYS_ENTER, EV_SYS_EXIT, EV_PROBE };

struct ev_info {
	enum ev_kind kind;
	struct tep_event *event;
	uint32_t copy_size; /* TP: bytes of the raw entry kept (as the BPF side) */
	/* EV_PROBE */
	uint32_t probe_id;
	unsigned nargs;
	uint16_t str_mask;
	struct tep_format_field *args[PROBE_MAX_ARGS];
	struct tep_format_field *strs[PROBE_MAX_ARGS];
};

struct ftrace_collector {
	struct ftrace_options o;
	struct cap_writer *w;
	struct tracefs_instance *inst;
	char inst_name[64];
	char group[32];
	struct tep_handle *tep;
	struct ev_info **by_id; /* [MAX_EVENT_ID] */
	int ncpus;
	struct tracefs_cpu **cpus;
	int *raw_fds; /* RAW_DIR/cpuN, -1 when not kept */
	struct kbuffer *kbuf;
	void *page;
	int page_size;
	struct cpu_merge *merge; /* entries read, until every CPU is past them */
	char **uprobes; /* "GROUP/NAME" to remove */
	unsigned nuprobes;
	struct thread_process *threads; /* tid -> process: entries carry the tid only */
	int ioctl_tids[4096]; /* open addressing: threads inside a KVM ioctl (0 empty, -1 deleted) */
	uint64_t last_lost;
	struct ftrace_stats st;
	bool tracing_off;
	/* the kept instance (ftrace-kept.h): held by LOCK_FD, its events enabled
	 * before this run and those this run wants ("\nSYS:NAME\n..." lists) */
	bool kept;
	int lock_fd;
	char *enabled_before;
	char *wanted;
	struct collector_voice voice;	/* problems: opts' callback and a NOTE */
};

/* one line per refusal: the caller's callback (or stderr) and a NOTE */
#define problem(fc, ...) collector_problem(&(fc)->voice, __VA_ARGS__)

static uint64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* the kernel's own words for the last tracefs error, or errno's */
static const char *tracefs_why(struct tracefs_instance *inst, char *buf, size_t len)
{
	int saved = errno;
	char *last = tracefs_error_last(inst);

	if (last && *last) {
		char *nl = strchr(last, '\n');
		if (nl)
			*nl = '\0';
		snprintf(buf, len, "%s (%s)", strerror(saved), last);
	} else {
		snprintf(buf, len, "%s", strerror(saved));
	}
	free(last);
	return buf;
}

/* ---- event table ----------------------------------------------------- */

/* bytes the BPF collector copies of an entry: up to the end of the last
 * fixed field, or REC_TP_MAX when dynamic data follows */
static uint32_t entry_copy_size(struct tep_event *ev)
{
	uint32_t end = 0;

	for (struct tep_format_field *f = ev->format.common_fields; f; f = f->next)
		if ((uint32_t)(f->offset + f->size) > end)
			end = (uint32_t)(f->offset + f->size);
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next) {
		if (f->flags & TEP_FIELD_IS_DYNAMIC)
			return REC_TP_MAX;
		if ((uint32_t)(f->offset + f->size) > end)
			end = (uint32_t)(f->offset + f->size);
	}
	return end > REC_TP_MAX ? REC_TP_MAX : end;
}

static struct ev_info *add_event(struct ftrace_collector *fc, const char *sys, const char *name,
				 enum ev_kind kind)
{
	char *format;
	struct tep_event *ev = ftrace_formats_event(fc->tep, sys, name, &format);
	if (!ev || ev->id <= 0 || ev->id >= MAX_EVENT_ID) {
		problem(fc, "event %s:%s: no format parsed: not recorded", sys, name);
		free(format);
		return NULL;
	}
	struct ev_info *info = calloc(1, sizeof(*info));
	if (!info) {
		free(format);
		return NULL;
	}
	info->kind = kind;
	info->event = ev;
	info->copy_size = entry_copy_size(ev);
	fc->by_id[ev->id] = info;
	if (kind != EV_PROBE) {
		if (!format)
			format = tracefs_event_file_read(NULL, sys, name, "format", NULL);
		if (format)
			cap_write_tp_format(fc->w, CAP_SRC_FTRACE, (uint32_t)ev->id, sys, name, format);
	}
	free(format);
	return info;
}

/* Writes the enable file of SYS/NAME in INST, or of every event when SYS is
 * NULL: tracefs_event_enable() looks through every system of the kernel
 * (thousands of stat calls) on each call. */
static int set_event_enabled(struct tracefs_instance *inst, const char *sys, const char *name,
			     bool on)
{
	char path[256];

	if (sys)
		snprintf(path, sizeof(path), "events/%s/%s/enable", sys, name);
	else
		snprintf(path, sizeof(path), "events/enable");
	return tracefs_instance_file_write(inst, path, on ? "1" : "0") < 0 ? -1 : 0;
}

/* whether LIST ("\nSYS:NAME\n...") names SYS:NAME */
static bool listed(const char *list, const char *sys, const char *name)
{
	char key[256];
	snprintf(key, sizeof(key), "\n%s:%s\n", sys, name);
	return list && strstr(list, key);
}

static void want(struct ftrace_collector *fc, const char *sys, const char *name)
{
	char *more = NULL;
	if (asprintf(&more, "%s%s:%s\n", fc->wanted ? fc->wanted : "\n", sys, name) < 0)
		return;
	free(fc->wanted);
	fc->wanted = more;
}

static int enable_event(struct ftrace_collector *fc, const char *sys, const char *name)
{
	char why[256];
	/* kept: enabling is cheap, disabling waits for grace periods; keep what is on */
	bool on = fc->kept && listed(fc->enabled_before, sys, name);

	if (fc->kept)
		want(fc, sys, name);
	if (!on && set_event_enabled(fc->inst, sys, name, true)) {
		problem(fc, "event %s:%s cannot be enabled: %s: not recorded", sys, name,
			tracefs_why(fc->inst, why, sizeof(why)));
		return -1;
	}
	fc->st.events_enabled++;
	return 0;
}

/* kept: what an earlier run enabled and this one does not want */
static void disable_unwanted(struct ftrace_collector *fc)
{
	char *list = fc->enabled_before ? strdup(fc->enabled_before) : NULL, *save = NULL;

	for (char *e = list ? strtok_r(list, "\n", &save) : NULL; e; e = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(e, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (!listed(fc->wanted, e, colon + 1))
			set_event_enabled(fc->inst, e, colon + 1, false);
	}
	free(list);
}

static void setup_kernel_events(struct ftrace_collector *fc)
{
	const struct ftrace_options *o = &fc->o;

	if (!o->no_syscalls) {
		char filter[32];
		snprintf(filter, sizeof(filter), "id == %d", (int)SYS_ioctl);
		for (int exit = 0; exit < 2; exit++) {
			const char *name = exit ? "sys_exit" : "sys_enter";
			/* only ioctls reach the buffer; KVM's are picked in user space */
			char *path = NULL;
			if (asprintf(&path, "events/raw_syscalls/%s/filter", name) < 0)
				path = NULL;
			else if (fc->kept) /* replacing a filter waits for a grace period */
				ftrace_kept_setting(fc->inst, path, filter);
			else
				tracefs_instance_file_write(fc->inst, path, filter);
			free(path);
			if (!enable_event(fc, "raw_syscalls", name))
				add_event(fc, "raw_syscalls", name, exit ? EV_SYS_EXIT : EV_SYS_ENTER);
		}
	}
	if (!o->no_kvm) {
		if (!ftrace_formats_event(fc->tep, "kvm", "kvm_exit", NULL))
			problem(fc, "no kvm events on this host (kvm module not loaded?)");
		else
			for (size_t i = 0; i < collector_kvm_event_count; i++)
				if (!enable_event(fc, "kvm", collector_kvm_events[i]))
					add_event(fc, "kvm", collector_kvm_events[i], EV_TP);
	}
	for (unsigned i = 0; o->events && i < o->nevents; i++) {
		char sys[128];
		const char *colon = strchr(o->events[i], ':');
		if (!colon || colon == o->events[i] || strchr(o->events[i], '/')) {
			problem(fc, "event '%s' is not SYSTEM:NAME: not recorded", o->events[i]);
			continue;
		}
		snprintf(sys, sizeof(sys), "%.*s", (int)(colon - o->events[i]), o->events[i]);
		if (!enable_event(fc, sys, colon + 1))
			add_event(fc, sys, colon + 1, EV_TP);
	}
}

/* ---- USDT probes as uprobe events ------------------------------------ */

/* forgets the uprobe events, deleting them unless they are kept */
static void remove_uprobes(struct ftrace_collector *fc)
{
	for (unsigned i = 0; i < fc->nuprobes; i++) {
		char line[160];
		snprintf(line, sizeof(line), "-:%s", fc->uprobes[i]);
		if (!fc->kept)
			tracefs_instance_file_append(NULL, "uprobe_events", line);
		free(fc->uprobes[i]);
	}
	free(fc->uprobes);
	fc->uprobes = NULL;
	fc->nuprobes = 0;
}

/* The uprobe_events line of probe P in GROUP into DEF, or -1 after saying
 * why it is not recorded (SAY: only the first time). */
static int probe_definition(struct ftrace_collector *fc, const struct usdt_probe *p,
			    unsigned machine, const char *group, char *def, size_t len, bool say)
{
	char why[256];
	int id = probe_lookup(p->name);
	if (id < 0) {
		if (say)
			problem(fc, "probe %s:%s of %s is not in this kvmscope's probe list: not recorded",
				p->provider, p->name, fc->o.binary);
		return -1;
	}
	const struct probe_desc *d = &vmm_probe_table[id];
	if (d->nargs != p->nargs) {
		if (say)
			problem(fc, "probe %s has %u arguments in %s but %u in the probe list: not "
				"recorded", p->name, p->nargs, fc->o.binary, d->nargs);
		return -1;
	}
	uint16_t str_mask = 0;
	for (unsigned a = 0; a < d->nargs; a++)
		if (d->arg_types[a] == PROBE_ARG_STR)
			str_mask |= (uint16_t)(1u << a);
	if (ftrace_uprobe_definition(p, machine, group, fc->o.binary, str_mask, def, len, why,
				     sizeof(why))) {
		if (say)
			problem(fc, "%s: not recorded", why);
		return -1;
	}
	return 0;
}

/* Kept: FC's group becomes the one of these definitions (hash H) and this
 * binary. Returns true when it is fully defined already; otherwise every
 * kept group (another binary's, or an incomplete one) is removed first. */
static bool kept_group_ready(struct ftrace_collector *fc, uint64_t h, char *const *names,
			     unsigned n)
{
	if (ftrace_kept_group_name(fc->o.binary, h, fc->group, sizeof(fc->group)) < 0)
		snprintf(fc->group, sizeof(fc->group), "%s%016llx", ftrace_kept_group_prefix(),
			 (unsigned long long)h);
	if (ftrace_kept_group_ready(fc->group, names, n))
		return true;
	ftrace_kept_remove_groups(fc->inst);
	return false;
}

static void define_probes(struct ftrace_collector *fc, struct usdt_notes *notes)
{
	size_t n = notes->count ? notes->count : 1;
	char def[2048], why[256];
	const struct usdt_probe **ok = calloc(n, sizeof(*ok));
	char **names = calloc(n, sizeof(*names));
	unsigned nok = 0;
	uint64_t h = FTRACE_KEPT_HASH_INIT;

	fc->uprobes = calloc(n, sizeof(*fc->uprobes));
	if (!fc->uprobes || !ok || !names)
		goto out;
	for (size_t i = 0; i < notes->count; i++) {
		const struct usdt_probe *p = &notes->probes[i];
		if (strcmp(p->provider, PROBE_PROVIDER) ||
		    probe_definition(fc, p, notes->machine, fc->group, def, sizeof(def), true))
			continue;
		h = ftrace_kept_hash(h, def, strlen(def) + 1);
		names[nok] = (char *)p->name;
		ok[nok++] = p;
	}
	bool reuse = fc->kept && kept_group_ready(fc, h, names, nok);
	fc->st.kept_reused = reuse;
	for (unsigned i = 0; i < nok; i++) {
		const struct usdt_probe *p = ok[i];
		if (probe_definition(fc, p, notes->machine, fc->group, def, sizeof(def), false))
			continue;
		if (!reuse && tracefs_instance_file_append(NULL, "uprobe_events", def) < 0) {
			problem(fc, "uprobe for probe %s refused: %s: not recorded", p->name,
				tracefs_why(NULL, why, sizeof(why)));
			continue;
		}
		if (asprintf(&fc->uprobes[fc->nuprobes], "%s/%s", fc->group, p->name) < 0)
			continue;
		fc->nuprobes++;
		fc->st.probes_defined++;
	}
out:
	free(ok);
	free(names);
}

static void enable_probes(struct ftrace_collector *fc)
{
	for (unsigned i = 0; i < fc->nuprobes; i++) {
		const char *name = strchr(fc->uprobes[i], '/') + 1;
		int id = probe_lookup(name);
		const struct probe_desc *d = &vmm_probe_table[id];
		if (enable_event(fc, fc->group, name))
			continue;
		struct ev_info *info = add_event(fc, fc->group, name, EV_PROBE);
		if (!info)
			continue;
		info->probe_id = (uint32_t)id;
		info->nargs = d->nargs;
		for (unsigned a = 0; a < d->nargs; a++) {
			char field[16];
			snprintf(field, sizeof(field), "a%u", a);
			info->args[a] = tep_find_field(info->event, field);
			if (d->arg_types[a] == PROBE_ARG_STR) {
				info->str_mask |= (uint16_t)(1u << a);
				snprintf(field, sizeof(field), "s%u", a);
				info->strs[a] = tep_find_field(info->event, field);
			}
		}
	}
}

/* ---- function tracing ------------------------------------------------ */

static void setup_functions(struct ftrace_collector *fc)
{
	char why[256];
	char *tracers = tracefs_instance_file_read(fc->inst, "available_tracers", NULL);
	const char *tracer = tracers && strstr(tracers, "function_graph") ? "function_graph" :
			     tracers && strstr(tracers, "function") ? "function" : NULL;
	free(tracers);
	if (!tracer) {
		problem(fc, "--functions: this kernel has no function tracer: not traced");
		return;
	}
	/* the filter takes one function per line; any refusal ends it */
	char *list = strdup(fc->o.functions), *save = NULL;
	for (char *f = list ? strtok_r(list, ",", &save) : NULL; f; f = strtok_r(NULL, ",", &save)) {
		if (tracefs_instance_file_append(fc->inst, "set_ftrace_filter", f) < 0) {
			problem(fc, "--functions: the host refuses function tracing (%s writing "
				"set_ftrace_filter for %s): not traced", tracefs_why(fc->inst, why, sizeof(why)), f);
			free(list);
			return;
		}
	}
	free(list);
	if (tracefs_instance_file_write(fc->inst, "current_tracer", tracer) < 0) {
		problem(fc, "--functions: the host refuses the %s tracer (%s): not traced", tracer,
			tracefs_why(fc->inst, why, sizeof(why)));
		return;
	}
	if (strcmp(tracer, "function_graph"))
		problem(fc, "--functions: no function_graph on this kernel: entries only, no durations");
	fc->st.functions_traced = true;
	static const char *const fevents[] = { "function", "funcgraph_entry", "funcgraph_exit" };
	for (size_t i = 0; i < 3; i++)
		add_event(fc, "ftrace", fevents[i], EV_TP);
}

/* ---- start ----------------------------------------------------------- */

static uint64_t count_lost(struct ftrace_collector *fc);

/* kept: drops what the buffers hold from a run killed before its stop, and
 * counts only the overruns from now on */
static void discard_leftovers(struct ftrace_collector *fc)
{
	for (int c = 0; c < fc->ncpus; c++)
		while (fc->cpus[c] && tracefs_cpu_flush(fc->cpus[c], fc->page) > 0)
			;
	fc->last_lost = count_lost(fc);
}

static int write_setting(struct ftrace_collector *fc, const char *file, const char *value,
			 char *err, size_t errlen)
{
	char why[256];
	/* kept: most settings wait for a grace period on every write */
	int r = fc->kept ? ftrace_kept_setting(fc->inst, file, value)
			 : tracefs_instance_file_write(fc->inst, file, value);

	if (r < 0) {
		seterr(err, errlen, "tracefs instance %s: cannot set %s to '%s': %s", fc->inst_name,
		       file, value, tracefs_why(fc->inst, why, sizeof(why)));
		return -1;
	}
	return 0;
}

/* The instance (the kept one, or a fresh one named in FC), on the mono
 * clock, following the target and the threads it forks; -1 with ERR. */
static int setup_instance(struct ftrace_collector *fc, char *err, size_t errlen)
{
	char why[256];

	if (fc->o.keep && !(fc->o.functions && *fc->o.functions) && !fc->o.raw_dir) {
		if (ftrace_kept_open(&fc->inst, &fc->lock_fd, why, sizeof(why)) == 0) {
			fc->kept = fc->st.kept = true;
			snprintf(fc->inst_name, sizeof(fc->inst_name), "%s",
				 ftrace_kept_instance(NULL, 0));
			snprintf(fc->group, sizeof(fc->group), "kvmscope_kept"); /* until hashed */
		} else {
			problem(fc, "%s: a private instance this run", why);
		}
	}
	if (!fc->inst)
		fc->inst = tracefs_instance_create(fc->inst_name);
	if (!fc->inst) {
		seterr(err, errlen, "cannot create tracefs instance %s: %s", fc->inst_name,
		       strerror(errno));
		return -1;
	}
	char kb[32];
	snprintf(kb, sizeof(kb), "%u", fc->o.buffer_kb ? fc->o.buffer_kb : 4096);
	/* a fresh instance: tracing off while it is set up, no stale events */
	if (tracefs_trace_off(fc->inst) < 0 ||
	    write_setting(fc, "trace_clock", "mono", err, errlen) ||
	    write_setting(fc, "buffer_size_kb", kb, err, errlen) ||
	    write_setting(fc, "options/event-fork", "1", err, errlen))
		return -1;
	/* saved_tgids then knows threads that ended before they were read */
	if (write_setting(fc, "options/record-tgid", "1", NULL, 0) < 0)
		problem(fc, "options/record-tgid refused (%s): a thread that ends before it is "
			"read keeps an unknown process", tracefs_why(fc->inst, why, sizeof(why)));
	char *saved = tracefs_get_tracing_file("saved_tgids");
	fc->threads = thread_process_new(saved);
	tracefs_put_tracing_file(saved);
	if (!fc->threads) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (!fc->kept)
		set_event_enabled(fc->inst, NULL, NULL, false);
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)fc->o.pid);
	if (write_setting(fc, "set_event_pid", pid, err, errlen))
		return -1;
	cap_write_meta(fc->w, "ftrace_instance", fc->inst_name);
	cap_write_meta(fc->w, "ftrace_trace_clock", "mono");

	return 0;
}

/* The events: VMM probes as uprobe events, kernel events, functions, each
 * refusal a problem; -1 with ERR when the kernel's formats are unreadable. */
static int setup_events(struct ftrace_collector *fc, char *err, size_t errlen)
{
	char why[256];

	struct usdt_notes notes = { 0 };
	bool have_notes = false;
	if (fc->o.binary) {
		if (usdt_notes_read(fc->o.binary, &notes, why, sizeof(why)))
			problem(fc, "no VMM probes: %s", why);
		else
			have_notes = true;
		if (have_notes)
			define_probes(fc, &notes);
		if (have_notes && !fc->o.probe_defs_written)
			for (unsigned i = 0; i < vmm_probe_count; i++) {
				const struct probe_desc *d = &vmm_probe_table[i];
				uint8_t types[PROBE_MAX_ARGS];
				for (unsigned a = 0; a < d->nargs; a++)
					types[a] = (uint8_t)d->arg_types[a];
				cap_write_probe_def(fc->w, i, PROBE_PROVIDER, d->name, d->format, d->nargs,
						    d->arg_names, types);
			}
	}

	/* the kernel's symbols only for function tracing, which names functions by address */
	fc->tep = ftrace_formats_new(fc->o.functions && *fc->o.functions, why, sizeof(why));
	if (!fc->tep) {
		seterr(err, errlen, "cannot parse the kernel's event formats: %s", why);
		if (have_notes)
			usdt_notes_free(&notes);
		return -1;
	}
	if (fc->kept) {
		char *on = tracefs_instance_file_read(fc->inst, "set_event", NULL);
		if (asprintf(&fc->enabled_before, "\n%s", on ? on : "") < 0)
			fc->enabled_before = NULL;
		free(on);
		cap_write_meta(fc->w, "ftrace_kept", fc->st.kept_reused ? "reused" : "defined");
	}
	if (have_notes) {
		enable_probes(fc);
		usdt_notes_free(&notes);
	}
	setup_kernel_events(fc);
	if (fc->o.functions && *fc->o.functions)
		setup_functions(fc);
	if (fc->kept)
		disable_unwanted(fc);

	return 0;
}

/* the per-CPU raw buffers, read a page at a time; -1 with ERR */
static int open_buffers(struct ftrace_collector *fc, char *err, size_t errlen)
{
	fc->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (fc->ncpus < 1)
		fc->ncpus = 1;
	fc->cpus = calloc((size_t)fc->ncpus, sizeof(*fc->cpus));
	fc->kbuf = kbuffer_alloc(KBUFFER_LSIZE_SAME_AS_HOST, KBUFFER_ENDIAN_SAME_AS_HOST);
	fc->merge = cpu_merge_new((unsigned)fc->ncpus);
	if (!fc->cpus || !fc->kbuf || !fc->merge) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (int c = 0; c < fc->ncpus; c++) {
		fc->cpus[c] = tracefs_cpu_open(fc->inst, c, true);
		if (fc->cpus[c]) {
			int sz = tracefs_cpu_read_size(fc->cpus[c]);
			if (sz > fc->page_size)
				fc->page_size = sz;
		}
	}
	if (fc->o.raw_dir) {
		fc->raw_fds = calloc((size_t)fc->ncpus, sizeof(int));
		for (int c = 0; fc->raw_fds && c < fc->ncpus; c++) {
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "%s/cpu%d", fc->o.raw_dir, c);
			fc->raw_fds[c] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fc->raw_fds[c] < 0) {
				seterr(err, errlen, "%s: %s", path, strerror(errno));
				return -1;
			}
		}
	}
	if (fc->page_size <= 0 || !(fc->page = malloc((size_t)fc->page_size))) {
		seterr(err, errlen, "cannot open the per-CPU buffers of instance %s", fc->inst_name);
		return -1;
	}
	return 0;
}

int ftrace_collector_start(struct ftrace_collector **out, struct cap_writer *w,
			   const struct ftrace_options *opts, char *err, size_t errlen)
{
	char why[256];

	*out = NULL;
	if (opts->pid <= 0) {
		seterr(err, errlen, "ftrace collector: no target process");
		return -1;
	}
	if (tracefs_tracing_dir_is_mounted(true, NULL) < 0 || !tracefs_tracing_dir()) {
		seterr(err, errlen, "tracefs is not mounted and cannot be mounted (%s)", strerror(errno));
		return -1;
	}
	struct ftrace_collector *fc = calloc(1, sizeof(*fc));
	if (!fc) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	fc->o = *opts;
	fc->w = w;
	fc->voice = (struct collector_voice){ .w = w, .note_prefix = "ftrace: ", .who = "kvmscope ftrace",
					      .say = opts->problem, .ctx = opts->problem_ctx };
	fc->lock_fd = -1;
	snprintf(fc->inst_name, sizeof(fc->inst_name), "%s",
		 opts->instance ? opts->instance : "");
	/* named after this process, so a leftover is known stale once it is gone */
	if (!opts->instance)
		snprintf(fc->inst_name, sizeof(fc->inst_name), "kvmscope-%d", (int)getpid());
	snprintf(fc->group, sizeof(fc->group), "kvmscope_%d", (int)getpid());
	ftrace_remove_stale();
	fc->by_id = calloc(MAX_EVENT_ID, sizeof(*fc->by_id));
	if (!fc->by_id) {
		seterr(err, errlen, "out of memory");
		free(fc);
		return -1;
	}

	if (setup_instance(fc, err, errlen) || setup_events(fc, err, errlen) ||
	    open_buffers(fc, err, errlen))
		goto fail;
	if (fc->kept) /* what a killed run left; overruns so far were not ours */
		discard_leftovers(fc);
	if (tracefs_trace_on(fc->inst) < 0) {
		seterr(err, errlen, "cannot turn tracing on in instance %s: %s", fc->inst_name,
		       tracefs_why(fc->inst, why, sizeof(why)));
		goto fail;
	}
	*out = fc;
	return 0;
fail:
	ftrace_collector_stop(fc, NULL);
	return -1;
}

/* ---- reading --------------------------------------------------------- */

static bool tid_set(struct ftrace_collector *fc, int tid, bool add, bool del)
{
	size_t n = sizeof(fc->ioctl_tids) / sizeof(fc->ioctl_tids[0]);
	size_t h = ((unsigned)tid * 2654435761u) % n, free_slot = n;

	for (size_t i = 0; i < n; i++, h = (h + 1) % n) {
		int v = fc->ioctl_tids[h];
		if (v == tid) {
			if (del)
				fc->ioctl_tids[h] = -1;
			return true;
		}
		if (v == -1 && free_slot == n)
			free_slot = h;
		if (v == 0) {
			if (free_slot == n)
				free_slot = h;
			break;
		}
	}
	if (add && free_slot < n)
		fc->ioctl_tids[free_slot] = tid;
	return false;
}

static uint64_t read_field(const struct tep_format_field *f, const uint8_t *data, uint32_t len)
{
	if (!f || f->offset < 0 || (uint32_t)(f->offset + f->size) > len)
		return 0;
	uint64_t v = 0;
	switch (f->size) {
	case 1: { uint8_t x; memcpy(&x, data + f->offset, 1); v = x;
		  return (f->flags & TEP_FIELD_IS_SIGNED) ? (uint64_t)(int64_t)(int8_t)x : v; }
	case 2: { uint16_t x; memcpy(&x, data + f->offset, 2); v = x;
		  return (f->flags & TEP_FIELD_IS_SIGNED) ? (uint64_t)(int64_t)(int16_t)x : v; }
	case 4: { uint32_t x; memcpy(&x, data + f->offset, 4); v = x;
		  return (f->flags & TEP_FIELD_IS_SIGNED) ? (uint64_t)(int64_t)(int32_t)x : v; }
	case 8: memcpy(&v, data + f->offset, 8); return v;
	}
	return 0;
}

/* a __data_loc string of the entry, bounded by it */
static void read_string(const struct tep_format_field *f, const uint8_t *data, uint32_t len,
			char *buf, size_t buflen)
{
	buf[0] = '\0';
	if (!f || f->size != 4 || (uint32_t)(f->offset + 4) > len)
		return;
	uint32_t loc;
	memcpy(&loc, data + f->offset, 4);
	uint32_t off = loc & 0xffff, n = loc >> 16;
	if (f->flags & TEP_FIELD_IS_RELATIVE)
		off += (uint32_t)(f->offset + f->size);
	if (off >= len || n > len - off)
		return;
	size_t copy = strnlen((const char *)data + off, n);
	if (copy >= buflen)
		copy = buflen - 1;
	memcpy(buf, data + off, copy);
	buf[copy] = '\0';
	if (!strcmp(buf, "(fault)")) /* the kernel could not read it: the BPF side keeps "" */
		buf[0] = '\0';
}

static int convert(struct ftrace_collector *fc, uint64_t ts, uint32_t cpu, const uint8_t *data,
		   uint32_t len)
{
	uint16_t type;
	int32_t tid;

	if (len < 8) {
		fc->st.unparsed++;
		return 0;
	}
	memcpy(&type, data, 2);
	memcpy(&tid, data + 4, 4);
	struct ev_info *info = fc->by_id[type];
	if (!info) {
		fc->st.unparsed++;
		return 0;
	}
	/* set_event_pid with event-fork: the target's threads and the processes
	 * it starts; without follow only its own threads are kept */
	uint32_t pid = thread_process_of(fc->threads, (uint32_t)tid);
	if (!pid) /* gone before it was read, and never saved: its main thread's id at best */
		pid = fc->o.follow ? (uint32_t)tid : (uint32_t)fc->o.pid;
	if (!fc->o.follow && pid != (uint32_t)fc->o.pid) {
		fc->st.filtered++;
		return 0;
	}
	switch (info->kind) {
	case EV_SYS_ENTER: {
		/* long id at 8, unsigned long args[6] at 16: KVM ioctls only */
		uint64_t cmd;
		if (len < 32) {
			fc->st.unparsed++;
			return 0;
		}
		memcpy(&cmd, data + 24, 8);
		if (((cmd >> 8) & 0xff) != KVMIO) {
			fc->st.filtered++;
			tid_set(fc, tid, false, true);
			return 0;
		}
		tid_set(fc, tid, true, false);
		break;
	}
	case EV_SYS_EXIT:
		if (!tid_set(fc, tid, false, true)) {
			fc->st.filtered++;
			return 0;
		}
		break;
	case EV_PROBE: {
		uint64_t args[PROBE_MAX_ARGS];
		char strbuf[PROBE_MAX_ARGS][REC_STR_LEN];
		const char *strs[PROBE_MAX_ARGS] = { 0 };
		unsigned slot = 0;
		for (unsigned a = 0; a < info->nargs; a++) {
			args[a] = read_field(info->args[a], data, len);
			if (!(info->str_mask & (1u << a)) || slot >= REC_STR_SLOTS)
				continue;
			read_string(info->strs[a], data, len, strbuf[a], sizeof(strbuf[a]));
			strs[a] = strbuf[a];
			slot++;
		}
		fc->st.probes++;
		return cap_write_probe(fc->w, CAP_SRC_FTRACE, ts, pid, (uint32_t)tid, cpu,
				       info->probe_id, info->nargs, args, info->str_mask, strs) ? -1 : 1;
	}
	case EV_TP:
		break;
	}
	/* the entry as the BPF collector stores it */
	uint8_t entry[REC_TP_MAX];
	uint32_t n = len < info->copy_size ? len : info->copy_size;
	memcpy(entry, data, n);
	entry[2] = 0; /* common_flags, common_preempt_count: per-collector noise */
	entry[3] = 0;
	fc->st.kernel_events++;
	return cap_write_tp_event(fc->w, CAP_SRC_FTRACE, ts, pid, (uint32_t)tid, cpu, entry, n) ? -1 : 1;
}

static int emit_entry(void *ctx, uint64_t ts, uint32_t cpu, const void *data, uint32_t len)
{
	return convert(ctx, ts, cpu, data, len);
}

/* every sub-buffer one CPU has ready, into the pending queue */
static int drain_cpu(struct ftrace_collector *fc, int cpu, bool flush)
{
	int pages = 0;

	for (;;) {
		int r = flush ? tracefs_cpu_flush(fc->cpus[cpu], fc->page)
			      : tracefs_cpu_read(fc->cpus[cpu], fc->page, true);
		if (r <= 0)
			break;
		pages++;
		if (fc->raw_fds && fc->raw_fds[cpu] >= 0 &&
		    write(fc->raw_fds[cpu], fc->page, (size_t)r) != r) {
			problem(fc, "raw buffer copy of cpu%d: %s: no trace.dat", cpu, strerror(errno));
			close(fc->raw_fds[cpu]);
			fc->raw_fds[cpu] = -1;
			fc->o.raw_dir = NULL;
		}
		if (kbuffer_load_subbuffer(fc->kbuf, fc->page) < 0) {
			fc->st.unparsed++;
			continue;
		}
		unsigned long long ts;
		for (void *data = kbuffer_read_event(fc->kbuf, &ts); data;
		     data = kbuffer_next_event(fc->kbuf, &ts)) {
			int size = kbuffer_event_size(fc->kbuf);
			if (size <= 0)
				continue;
			if (cpu_merge_add(fc->merge, (unsigned)cpu, ts, data, (uint32_t)size))
				return -1;
		}
	}
	return pages;
}

/* writes the entries older than LIMIT in time order, keeps the rest */
static int release(struct ftrace_collector *fc, uint64_t limit)
{
	return fc->merge ? cpu_merge_release(fc->merge, limit, emit_entry, fc) : 0;
}

/* overruns and drops of all CPUs since the start, from per_cpu stats */
static uint64_t count_lost(struct ftrace_collector *fc)
{
	uint64_t total = 0;

	for (int c = 0; c < fc->ncpus; c++) {
		char file[64];
		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", c);
		char *text = tracefs_instance_file_read(fc->inst, file, NULL);
		if (!text)
			continue;
		const char *p;
		if ((p = strstr(text, "overrun:")))
			total += strtoull(p + 8, NULL, 10);
		if ((p = strstr(text, "dropped events:")))
			total += strtoull(p + 15, NULL, 10);
		free(text);
	}
	return total;
}

static void account_lost(struct ftrace_collector *fc)
{
	uint64_t now = count_lost(fc);
	if (now > fc->last_lost) {
		cap_write_lost(fc->w, CAP_SRC_FTRACE, CAP_LOST_FTRACE, now - fc->last_lost);
		fc->st.lost += now - fc->last_lost;
		fc->last_lost = now;
	}
}

int ftrace_collector_poll(struct ftrace_collector *fc, int timeout_ms)
{
	int pages = 0;
	uint64_t started = mono_now();

	for (int c = 0; c < fc->ncpus; c++) {
		if (!fc->cpus[c])
			continue;
		int r = drain_cpu(fc, c, false);
		if (r < 0)
			return -1;
		pages += r;
	}
	if (!pages && timeout_ms > 0) {
		struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	int written = release(fc, started > HOLD_BACK_NS ? started - HOLD_BACK_NS : 0);
	account_lost(fc);
	return written;
}

/* RAW_DIR/trace.dat from the kept sub-buffers (ftrace-trace-dat.h) */
static void export_trace_dat(struct ftrace_collector *fc)
{
	char out[PATH_MAX], why[PATH_MAX + 128];

	if (ftrace_trace_dat(fc->o.raw_dir, fc->ncpus, out, sizeof(out), why, sizeof(why))) {
		problem(fc, "trace.dat: %s", why);
		return;
	}
	fc->st.trace_dat = true;
	cap_write_meta(fc->w, "ftrace_trace_dat", out);
}

int ftrace_collector_stop(struct ftrace_collector *fc, struct ftrace_stats *stats)
{
	if (!fc)
		return 0;
	if (fc->inst) {
		tracefs_trace_off(fc->inst);
		for (int c = 0; fc->cpus && c < fc->ncpus; c++) {
			if (!fc->cpus[c])
				continue;
			if (fc->page) {
				drain_cpu(fc, c, false);
				drain_cpu(fc, c, true);
			}
			tracefs_cpu_close(fc->cpus[c]);
		}
		if (fc->page)
			release(fc, UINT64_MAX);
		account_lost(fc);
		if (!fc->kept)
			set_event_enabled(fc->inst, NULL, NULL, false);
		if (fc->st.functions_traced)
			tracefs_instance_file_write(fc->inst, "current_tracer", "nop");
	}
	if (fc->raw_fds) {
		bool all = fc->o.raw_dir != NULL;
		for (int c = 0; c < fc->ncpus; c++)
			if (fc->raw_fds[c] > 0)
				close(fc->raw_fds[c]);
		if (all && fc->page)
			export_trace_dat(fc);
		free(fc->raw_fds);
	}
	remove_uprobes(fc);
	if (fc->inst) {
		if (!fc->kept)
			tracefs_instance_destroy(fc->inst);
		tracefs_instance_free(fc->inst);
	}
	if (fc->lock_fd >= 0)
		close(fc->lock_fd);
	free(fc->enabled_before);
	free(fc->wanted);
	if (stats)
		*stats = fc->st;
	for (int i = 0; fc->by_id && i < MAX_EVENT_ID; i++)
		free(fc->by_id[i]);
	free(fc->by_id);
	thread_process_free(fc->threads);
	if (fc->tep)
		tep_free(fc->tep);
	if (fc->kbuf)
		kbuffer_free(fc->kbuf);
	free(fc->cpus);
	free(fc->page);
	cpu_merge_free(fc->merge);
	free(fc);
	return 0;
}
