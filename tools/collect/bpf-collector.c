/* The BPF collector (see bpf-collector.h): loading and attaching the
 * programs of bpf-collector.bpf.c, reading their ring into the capture. */
#include "bpf-collector.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/capture.h"
#include "collector.h"
#include "probe-table.h"
#include "process-filter.h"
#include "bpf-collector-events.h"
#include "record-kfunc.h"
#include "record-stacks.h"
#include "bpf-collector.skel.h"
#include "bpf-kept.h"
#include "ftrace-kept.h"
#include "ioctl-args.h"
#include "slurp.h"
#include "usdt-attach.h"
#include "usdt-notes.h"

#define TRACEFS "/sys/kernel/tracing"
#define MAX_LINKS 256 /* the VMM's probe sites, kvm tracepoints, syscalls, fork and exit */

/* the threads seen, each named once: open addressing on tid + 1 (0: free
 * slot), doubled at 3/4 full - a test suite under --follow runs thousands */
struct seen_threads {
	uint32_t *keys, *pids;
	size_t cap, n;
};

struct bpf_collector {
	struct bpf_options o;
	struct collector_voice voice;
	struct cap_writer *w;
	struct bpf_collector_bpf *skel;
	struct ring_buffer *rb;
	uint64_t probes, kernel_events, write_errors;
	uint64_t last_counters[REC_CNT_MAX];
	struct bpf_link *links[MAX_LINKS];
	unsigned nlinks, unpinned;	/* links, and those only we hold */
	struct seen_threads seen;
	struct record_kfunc *kfunc;	/* functions */
	struct record_stacks *stacks;	/* stack_probes: their symbols, while the processes live */
	uint64_t started_ns, lost_counted_ns;
	bool sems_checked, renamed;
	struct bpf_kept *kept;	/* --bpf-keep: the pinned set, being made or reused */
	bool reusing;		/* the set was there: nothing is loaded or attached */
	bool discarding;	/* reading what an earlier run left in the ring */
};

#define problem(bc, ...) collector_problem(&(bc)->voice, __VA_ARGS__)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* meta thread:TID = its comm ("CPU 0/KVM"), while it is alive to ask */
static void name_thread(struct bpf_collector *bc, uint32_t pid, uint32_t tid)
{
	char path[80], comm[64] = "";
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, sizeof(comm), f)) {
		comm[strcspn(comm, "\n")] = 0;
		snprintf(path, sizeof(path), "thread:%u", tid);
		cap_write_meta(bc->w, path, comm);
	}
	fclose(f);
}

static bool seen_grow(struct seen_threads *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	uint32_t *keys = calloc(cap, sizeof(*keys)), *pids = calloc(cap, sizeof(*pids));
	if (!keys || !pids) {
		free(keys);
		free(pids);
		return false;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->keys[i])
			continue;
		size_t h = (s->keys[i] * 2654435761u) & (cap - 1);
		while (keys[h])
			h = (h + 1) & (cap - 1);
		keys[h] = s->keys[i];
		pids[h] = s->pids[i];
	}
	free(s->keys);
	free(s->pids);
	s->keys = keys;
	s->pids = pids;
	s->cap = cap;
	return true;
}

/* A thread's first record names it; without memory it is named again each time. */
static void saw_thread(struct bpf_collector *bc, uint32_t pid, uint32_t tid)
{
	struct seen_threads *s = &bc->seen;
	uint32_t key = tid + 1;

	if ((s->n + 1) * 4 > s->cap * 3 && !seen_grow(s)) {
		name_thread(bc, pid, tid);
		return;
	}
	size_t h = (key * 2654435761u) & (s->cap - 1);
	while (s->keys[h] && s->keys[h] != key)
		h = (h + 1) & (s->cap - 1);
	if (s->keys[h])
		return;
	s->keys[h] = key;
	s->pids[h] = pid;
	s->n++;
	name_thread(bc, pid, tid);
}

/* Holds L until detach; making a kept set, pins it as NAME there. */
static void keep_link(struct bpf_collector *bc, struct bpf_link *l, const char *name)
{
	if (!bc->kept)
		bc->unpinned++;
	else if (bpf_kept_pin(bc->kept, l, name)) {
		problem(bc, "--bpf-keep: cannot pin %s: %s (detached after this run)", name,
			strerror(errno));
		bc->unpinned++;
	}
	if (bc->nlinks < MAX_LINKS)
		bc->links[bc->nlinks++] = l;
	else
		bpf_link__destroy(l);
}

static int tracefs_ready(struct bpf_collector *bc)
{
	struct stat st;
	if (stat(TRACEFS "/events", &st) == 0)
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) == 0 && stat(TRACEFS "/events", &st) == 0)
		return 0;
	problem(bc, "tracefs is not mounted at " TRACEFS " and mounting it failed (%s): "
		"no kernel events recorded", strerror(errno));
	return -1;
}

/* Bytes of a raw entry: the end of its last fixed field, or the most we copy
 * when it carries dynamic (__data_loc) data after them. */
static uint32_t entry_size(const char *format)
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
static int prepare_event(struct bpf_collector *bc, const char *sys, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), TRACEFS "/events/%s/%s/format", sys, name);
	char *format = slurp(path, NULL);
	if (!format) {
		problem(bc, "tracepoint %s:%s is absent on this kernel (%s): not recorded", sys, name,
			strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), TRACEFS "/events/%s/%s/id", sys, name);
	char *idtext = slurp(path, NULL);
	int id = idtext ? atoi(idtext) : -1;
	free(idtext);
	if (id <= 0 || id >= REC_MAX_TP_IDS) {
		problem(bc, "tracepoint %s:%s has no usable id: not recorded", sys, name);
		free(format);
		return -1;
	}
	uint32_t size = entry_size(format), key = (uint32_t)id;
	cap_write_tp_format(bc->w, CAP_SRC_BPF, (uint32_t)id, sys, name, format);
	free(format);
	if (bpf_map_update_elem(bpf_map__fd(bc->skel->maps.tp_len), &key, &size, BPF_ANY)) {
		problem(bc, "tracepoint %s:%s: cannot configure: %s", sys, name, strerror(errno));
		return -1;
	}
	return id;
}

/* The event's FORMAT record and its program; a reused set has the program
 * attached already, or said why not when it was made. */
static void attach_event(struct bpf_collector *bc, const char *sys, const char *name,
			 struct bpf_program *prog)
{
	char pin[160];

	snprintf(pin, sizeof(pin), "tp:%s:%s", sys, name);
	if (bc->reusing) {
		if (bpf_kept_has(bc->kept, pin))
			prepare_event(bc, sys, name);
		return;
	}
	int id = prepare_event(bc, sys, name);
	if (id < 0)
		return;
	LIBBPF_OPTS(bpf_tracepoint_opts, to, .bpf_cookie = (uint64_t)id);
	struct bpf_link *l = bpf_program__attach_tracepoint_opts(prog, sys, name, &to);
	if (!l)
		problem(bc, "tracepoint %s:%s: cannot attach: %s", sys, name, strerror(errno));
	else
		keep_link(bc, l, pin);
}

/* Whether record -e's event I is one attached anyway: a default kvm event,
 * or named before (the program's second attach to a tracepoint is refused:
 * EEXIST). raw_syscalls' are not: their own programs keep KVM ioctls only. */
static bool attached_already(const struct bpf_options *o, unsigned i, const char *sys,
			     const char *name)
{
	if (!o->no_kvm && !strcmp(sys, "kvm"))
		for (size_t k = 0; k < collector_kvm_event_count; k++)
			if (!strcmp(name, collector_kvm_events[k]))
				return true;
	for (unsigned k = 0; k < i; k++)
		if (!strcmp(o->events[k], o->events[i]))
			return true;
	return false;
}

static void attach_kernel_events(struct bpf_collector *bc)
{
	const struct bpf_options *o = &bc->o;

	if (tracefs_ready(bc))
		return;
	if (!o->no_syscalls) {
		attach_event(bc, "raw_syscalls", "sys_enter", bc->skel->progs.sys_enter);
		attach_event(bc, "raw_syscalls", "sys_exit", bc->skel->progs.sys_exit);
	}
	if (!o->no_kvm) {
		struct stat st;
		if (stat(TRACEFS "/events/kvm", &st) < 0) {
			if (!bc->reusing) /* else said again from the set */
				problem(bc, "no kvm tracepoints on this host (" TRACEFS "/events/kvm "
					"absent: kvm module not loaded?)");
		} else
			for (size_t i = 0; i < collector_kvm_event_count; i++)
				attach_event(bc, "kvm", collector_kvm_events[i], bc->skel->progs.kernel_event);
	}
	for (unsigned i = 0; i < o->nevents; i++) {
		char sys[128];
		const char *colon = strchr(o->events[i], ':');
		snprintf(sys, sizeof(sys), "%.*s", (int)(colon - o->events[i]), o->events[i]);
		if (!attached_already(o, i, sys, colon + 1))
			attach_event(bc, sys, colon + 1, bc->skel->progs.kernel_event);
	}
}

static bool wants_stack(const struct bpf_options *o, const char *probe)
{
	for (unsigned i = 0; i < o->nstack; i++)
		if (!strcmp(o->stack_probes[i], "all") || !strcmp(o->stack_probes[i], probe))
			return true;
	return false;
}

/* Attaches PROBE (id I) at every site; making a kept set, pins each site's
 * link as usdt:PROBE:K. The count, or -1 with ERR, 0 when absent. */
static int attach_probe(struct bpf_collector *bc, struct usdt_attach *ua, const char *binary,
			unsigned i, char *err, size_t errlen)
{
	const char *name = vmm_probe_table[i].name;
	struct bpf_link *links[16];
	char pin[96];

	/* every process of the binary under --follow or kept: the BPF side keeps its own */
	int n = usdt_attach_probe(ua, bc->skel->progs.vmm_probe,
				  bc->o.follow || bc->kept ? -1 : bc->o.pid, binary, PROBE_PROVIDER, name,
				  i, links, 16, err, errlen);
	for (int k = 0; k < n; k++) {
		snprintf(pin, sizeof(pin), "usdt:%s:%d", name, k);
		keep_link(bc, links[k], pin);
	}
	return n;
}

/* PROBE_DEF records and each probe's configuration; then, unless a reused
 * kept set has them, the probes attached. Returns how many are attached. */
static unsigned attach_probes(struct bpf_collector *bc, const char *binary)
{
	unsigned attached = 0, nabsent = 0;
	int conf_fd = bpf_map__fd(bc->skel->maps.probe_conf);
	char absent[2048] = "", err[256], pin[96];
	struct usdt_attach ua;

	if (!bc->reusing && usdt_attach_open(&ua, binary, bpf_map__fd(bc->skel->maps.__bpf_usdt_specs),
					     err, sizeof(err))) {
		problem(bc, "VMM probes of %s: %s", binary, err);
		return 0;
	}
	for (unsigned i = 0; i < vmm_probe_count && i < REC_MAX_PROBES; i++) {
		const struct probe_desc *d = &vmm_probe_table[i];
		struct rec_probe_conf conf = { .want_stack = wants_stack(&bc->o, d->name) };
		uint8_t types[PROBE_MAX_ARGS];
		for (unsigned a = 0; a < d->nargs; a++) {
			types[a] = (uint8_t)d->arg_types[a];
			if (d->arg_types[a] == PROBE_ARG_STR)
				conf.str_mask |= (uint16_t)(1u << a);
		}
		cap_write_probe_def(bc->w, i, PROBE_PROVIDER, d->name, d->format, d->nargs,
				    d->arg_names, types);
		if (bpf_map_update_elem(conf_fd, &i, &conf, BPF_ANY)) {
			problem(bc, "probe %s: cannot configure: %s", d->name, strerror(errno));
			continue;
		}
		if (bc->reusing) {
			snprintf(pin, sizeof(pin), "usdt:%s:0", d->name);
			attached += bpf_kept_has(bc->kept, pin);
			continue;
		}
		int n = attach_probe(bc, &ua, binary, i, err, sizeof(err));
		if (n == 0) { /* not in this binary: one line for all of them */
			size_t used = strlen(absent);
			snprintf(absent + used, sizeof(absent) - used, "%s%s", used ? ", " : "", d->name);
			nabsent++;
		} else if (n < 0) {
			problem(bc, "probe %s:%s not attached in %s: %s", PROBE_PROVIDER, d->name, binary,
				err);
		} else {
			attached++;
		}
	}
	if (bc->reusing)
		return attached;
	usdt_attach_close(&ua);
	if (nabsent && attached)
		problem(bc, "%u of %u VMM probes are not in %s (another build of the VMM?): %s", nabsent,
			vmm_probe_count, binary, absent);
	if (vmm_probe_count > REC_MAX_PROBES)
		problem(bc, "only the first %d of %u probes are recorded", REC_MAX_PROBES,
			vmm_probe_count);
	return attached;
}

/* The kernel sets each probe's semaphore when it attaches (and when the
 * binary is mapped): read them back from the traced process, so a probe
 * that cannot fire is named rather than silently missing. */
static void check_semaphores(struct bpf_collector *bc, const char *binary)
{
	struct usdt_notes notes;
	char err[256], line[4096], path[64];
	unsigned checked = 0, zero = 0;
	char zeros[1024] = "";

	if (usdt_notes_read(binary, &notes, err, sizeof(err)))
		return;
	snprintf(path, sizeof(path), "/proc/%d/maps", bc->o.pid);
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
			if (process_vm_readv(bc->o.pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(sem))
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
	cap_write_meta(bc->w, "semaphores_set", line);
	if (zero)
		problem(bc, "%u probe semaphores still 0 after attaching (these probes cannot fire): %s",
			zero, zeros);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct bpf_collector *bc = ctx;
	const struct rec_common *c = data;
	int rc = 0;

	if (size < sizeof(*c) || bc->discarding)
		return 0;
	saw_thread(bc, c->pid, c->tid);
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
		rc = cap_write_probe(bc->w, CAP_SRC_BPF, c->ts_ns, c->pid, c->tid, c->cpu, e->probe_id,
				     nargs, (const uint64_t *)e->args, (uint16_t)(e->str_mask & ((1u << nargs) - 1)), strs);
		bc->probes++;
		if (bc->stacks)
			record_stacks_probe(bc->stacks, c->pid, c->tid, e->probe_id);
		break;
	}
	case REC_KIND_TP: {
		const struct rec_tp_event *e = data;
		if (e->len < 8)
			break;
		rc = cap_write_tp_event(bc->w, CAP_SRC_BPF, c->ts_ns, c->pid, c->tid, c->cpu, e->data,
					e->len > REC_TP_MAX ? REC_TP_MAX : e->len);
		bc->kernel_events++;
		break;
	}
	case REC_KIND_STACK: {
		const struct rec_stack_event *e = data;
		uint32_t n = e->nframes > REC_STACK_MAX ? REC_STACK_MAX : e->nframes;
		struct cap_stack hdr = { .nframes = n };
		struct cap_record h = { .type = CAP_REC_STACK, .source = CAP_SRC_BPF,
					.ts_ns = c->ts_ns, .pid = c->pid, .tid = c->tid, .cpu = c->cpu };
		rc = cap_append2(bc->w, &h, &hdr, sizeof(hdr), e->ips, n * sizeof(uint64_t));
		if (bc->stacks)
			record_stacks_stack(bc->stacks, c->pid, c->tid, (const uint64_t *)e->ips, n);
		break;
	}
	case REC_KIND_IOCTL_ARG:
		rc = ioctl_args_write(bc->w, data, size);
		break;
	}
	if (rc)
		bc->write_errors++;
	return 0;
}

/* Sums the per-CPU counters; writes LOST records for what changed. */
static void account_lost(struct bpf_collector *bc, uint64_t totals[REC_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(bc->skel->maps.counters);
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
		uint64_t now = totals[lost[i].cnt], before = bc->last_counters[lost[i].cnt];
		if (now > before)
			cap_write_lost(bc->w, CAP_SRC_BPF, lost[i].kind, now - before);
	}
	memcpy(bc->last_counters, totals, sizeof(bc->last_counters));
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

/* The fork and exit programs that keep `followed` current: for --follow,
 * and in every kept set, for whichever later run follows. 0 or -1 with ERR. */
static int attach_follow(struct bpf_collector *bc, char *err, size_t errlen)
{
	struct bpf_link *f = bpf_program__attach_tracepoint(bc->skel->progs.follow_fork, "sched",
							     "sched_process_fork");
	if (!f) {
		snprintf(err, errlen, "--follow: sched:sched_process_fork: cannot attach: %s",
			 strerror(errno));
		return -1;
	}
	keep_link(bc, f, "follow:fork");
	struct bpf_link *e = bpf_program__attach_tracepoint(bc->skel->progs.follow_exit, "sched",
							     "sched_process_exit");
	if (!e)
		problem(bc, "--follow: sched:sched_process_exit: cannot attach (%s): ended processes "
			"stay followed", strerror(errno));
	else
		keep_link(bc, e, "follow:exit");
	return 0;
}

/* --follow: the command's pid seeds the map; fork and exit keep it current */
static int start_following(struct bpf_collector *bc, char *err, size_t errlen)
{
	uint32_t key = (uint32_t)bc->o.pid;
	uint8_t one = 1;

	if (bpf_map_update_elem(bpf_map__fd(bc->skel->maps.followed), &key, &one, BPF_ANY)) {
		snprintf(err, errlen, "--follow: cannot seed the map: %s", strerror(errno));
		return -1;
	}
	if (!bc->reusing && attach_follow(bc, err, errlen))
		return -1;
	cap_write_meta(bc->w, "follow", "the command and every process it starts");
	return 0;
}

/* Points the programs at the command (FOLLOWING: and what it starts), or
 * with ACTIVE false at nobody. 0, or -1 with ERR. */
static int set_filter(struct bpf_collector *bc, bool following, bool active, char *err,
		      size_t errlen)
{
	struct process_filter f = { .target_tgid = (uint32_t)bc->o.pid, .follow = following,
				    .active = active };
	uint32_t zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(bc->skel->maps.filter), &zero, &f, BPF_ANY)) {
		snprintf(err, errlen, "cannot set the process filter: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* libbpf's own messages only on request: failures are named by us */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return getenv("KVMSCOPE_LIBBPF_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

/* Whether this run follows the command's children: sched_process_fork must
 * name its child_pid, which the programs read at its offset. A kept set
 * carries the fork programs for any later run; a reused one says whether it
 * has them. */
static bool can_follow(struct bpf_collector *bc)
{
	if (bc->reusing) {
		bool has = bpf_kept_has(bc->kept, "follow:fork");
		if (bc->o.follow && !has)
			problem(bc, "--follow: the kept set follows no children (see its notes): "
				"recording the command's own process only");
		return bc->o.follow && has;
	}
	if (!bc->o.follow && !bc->kept)
		return false;
	int child_off = tracefs_ready(bc) ? -1 : fork_child_pid_offset();
	if (child_off < 0) {
		if (bc->o.follow)
			problem(bc, "--follow: sched:sched_process_fork has no child_pid field here: "
				"recording the command's own process only");
		return false;
	}
	bc->skel->rodata->fork_child_pid_off = (uint32_t)child_off;
	return true;
}

/* A kept set's maps live in its directory: made there now, or reused from
 * there, in which case no program is loaded (the pinned links hold theirs). */
static void keep_maps(struct bpf_collector *bc)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_map(map, bc->skel->obj) {
		if (bpf_map__is_internal(map))
			continue; /* .rodata and the like: read at load only */
		snprintf(path, sizeof(path), "%s/%s", bpf_kept_dir(bc->kept), bpf_map__name(map));
		bpf_map__set_pin_path(map, path);
	}
	if (bc->reusing)
		bpf_object__for_each_program(prog, bc->skel->obj)
			bpf_program__set_autoload(prog, false);
}

/* Opens and loads the programs (sized ring, follow offsets) and the ring. */
static int load(struct bpf_collector *bc, bool *following, char *err, size_t errlen)
{
	bc->skel = bpf_collector_bpf__open();
	if (!bc->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	bc->skel->rodata->nr_ioctl = SYS_ioctl;
	ioctl_args_configure(bc->skel);
	if (bc->o.ring_kb &&
	    bpf_map__set_max_entries(bc->skel->maps.events, bc->o.ring_kb << 10)) {
		snprintf(err, errlen, "cannot size the ring buffer to %u KiB", bc->o.ring_kb);
		return -1;
	}
	bool follow_ok = can_follow(bc);
	*following = bc->o.follow && follow_ok;
	if (bc->kept)
		keep_maps(bc);
	/* programs are attached by hand, each to many points */
	int lerr = bpf_collector_bpf__load(bc->skel);
	if (lerr) {
		snprintf(err, errlen, "cannot load the BPF programs: %s%s", strerror(-lerr),
			 geteuid() ? " (needs root, or CAP_BPF and CAP_PERFMON)"
				   : " (rejected by the kernel: KVMSCOPE_LIBBPF_DEBUG=1 shows why)");
		return -1;
	}
	bc->rb = ring_buffer__new(bpf_map__fd(bc->skel->maps.events), on_event, bc, NULL);
	if (!bc->rb) {
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		return -1;
	}
	/* a kept set follows for whichever later run does */
	if (bc->kept && !bc->reusing && follow_ok && !*following && attach_follow(bc, err, errlen))
		problem(bc, "%s: later runs cannot --follow through the kept set", err);
	return 0;
}

/* What a kept set is made of (bpf-kept.h): this kvmscope, the VMM binary,
 * the ring's size and the kernel events. */
static uint64_t kept_identity(const struct bpf_options *o)
{
	const char *files[] = { "/proc/self/exe", o->binary };
	uint64_t h = FTRACE_KEPT_HASH_INIT;
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		if (!files[i] || stat(files[i], &st) < 0)
			continue;
		uint64_t id[] = { st.st_dev, st.st_ino, (uint64_t)st.st_size,
				  (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec };
		h = ftrace_kept_hash(h, files[i], strlen(files[i]) + 1);
		h = ftrace_kept_hash(h, id, sizeof(id));
	}
	uint32_t conf[] = { o->ring_kb ? o->ring_kb : REC_RING_KB, o->no_kvm, o->no_syscalls,
			    o->nevents };
	h = ftrace_kept_hash(h, conf, sizeof(conf));
	for (unsigned i = 0; i < o->nevents; i++)
		h = ftrace_kept_hash(h, o->events[i], strlen(o->events[i]) + 1);
	return h;
}

/* Making a kept set, its problems are kept in it too, for the runs that
 * reuse it to say again. */
static void keep_problem(void *ctx, const char *line)
{
	struct bpf_collector *bc = ctx;

	if (bc->kept)
		bpf_kept_note(bc->kept, line);
}

static void say_kept(void *ctx, const char *line)
{
	problem((struct bpf_collector *)ctx, "%s", line);
}

/* --bpf-keep: the set to make or reuse; when another collector holds it or
 * bpffs refuses, this run records privately, as without the option. */
static void open_kept(struct bpf_collector *bc)
{
	char err[512];
	int rc = bpf_kept_open(&bc->kept, kept_identity(&bc->o), err, sizeof(err));

	if (rc == 0) {
		bc->reusing = bpf_kept_ready(bc->kept);
		cap_write_meta(bc->w, "bpf_kept", bc->reusing ? "reused" : "made");
	} else if (rc == 1) {
		cap_write_meta(bc->w, "bpf_kept", "held by another collector: private");
	} else {
		problem(bc, "--bpf-keep: %s: recording without a kept set", err);
	}
}

/* Clears a hash map whose keys are u32 */
static void clear_map(int fd)
{
	uint32_t key;

	while (bpf_map_get_next_key(fd, NULL, &key) == 0)
		if (bpf_map_delete_elem(fd, &key))
			break;
}

/* A reused set: what the last run left goes before this one starts (a run
 * killed midway leaves its filter on, records in the ring, counts). */
static int reset_kept_state(struct bpf_collector *bc, char *err, size_t errlen)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *zeros = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(uint64_t));

	if (set_filter(bc, false, false, err, errlen)) {
		free(zeros);
		return -1;
	}
	bc->discarding = true;
	ring_buffer__consume(bc->rb);
	bc->discarding = false;
	clear_map(bpf_map__fd(bc->skel->maps.followed));
	clear_map(bpf_map__fd(bc->skel->maps.in_ioctl));
	clear_map(bpf_map__fd(bc->skel->maps.arg_pending));
	for (uint32_t k = 0; zeros && k < REC_CNT_MAX; k++)
		bpf_map_update_elem(bpf_map__fd(bc->skel->maps.counters), &k, zeros, BPF_ANY);
	free(zeros);
	bpf_kept_replay(bc->kept, say_kept, bc);
	return 0;
}

int bpf_collector_start(struct bpf_collector **out, struct cap_writer *w,
			const struct bpf_options *opts, char *err, size_t errlen)
{
	struct bpf_collector *bc = calloc(1, sizeof(*bc));
	bool following;

	*out = NULL;
	if (!bc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	bc->o = *opts;
	bc->w = w;
	bc->voice = (struct collector_voice){ .w = w, .who = "kvmscope bpf", .say = opts->problem,
					      .ctx = opts->problem_ctx, .heard = keep_problem,
					      .heard_ctx = bc };
	bc->started_ns = bc->lost_counted_ns = now_ns();
	libbpf_set_print(libbpf_print);
	if (opts->keep)
		open_kept(bc);
	if (load(bc, &following, err, errlen) ||
	    (bc->reusing && reset_kept_state(bc, err, errlen)) ||
	    (following && start_following(bc, err, errlen)) ||
	    set_filter(bc, following, true, err, errlen)) {
		bpf_collector_detach(bc);
		return -1;
	}
	const char *binary = opts->binary;
	if (binary && opts->nstack && !(bc->stacks = record_stacks_new(w, binary)))
		problem(bc, "--stack: out of memory: stacks left raw");
	if (binary && !attach_probes(bc, binary) && !bc->reusing)
		problem(bc, "no VMM probe (USDT provider " PROBE_PROVIDER ") attached in %s: not a "
			"kvmscope-vmm? recording its kernel events only", binary);
	attach_kernel_events(bc);
	if (bc->kept && !bc->reusing && bpf_kept_commit(bc->kept, err, errlen))
		problem(bc, "--bpf-keep: %s", err);
	if (opts->functions) {
		struct record_kfunc_options ko = {
			.functions = opts->functions, .filter_fd = bpf_map__fd(bc->skel->maps.filter),
			.followed_fd = bpf_map__fd(bc->skel->maps.followed), .w = w,
			.voice = &bc->voice, .rb = bc->rb,
		};
		bc->kfunc = record_kfunc_start(&ko);
	}
	*out = bc;
	return 0;
}

int bpf_collector_poll(struct bpf_collector *bc, int timeout_ms)
{
	uint64_t totals[REC_CNT_MAX];

	/* the BPF side wakes us only for a batch (bpf-collector.bpf.c) */
	int n = ring_buffer__poll(bc->rb, timeout_ms);
	if (n < 0 && n != -EINTR) {
		problem(bc, "ring buffer: %s", strerror(-n));
		return -1;
	}
	if (now_ns() - bc->lost_counted_ns > 1000000000ull) {
		account_lost(bc, totals);
		bc->lost_counted_ns = now_ns();
	}
	/* once the command has exec'd (its first probe fired), or at once with --pid */
	if (!bc->sems_checked && bc->o.binary && !bc->o.follow && (!bc->o.exec_pending || bc->probes)) {
		check_semaphores(bc, bc->o.binary);
		bc->sems_checked = true;
	}
	if (!bc->renamed && now_ns() - bc->started_ns > 500000000ull) {
		/* vCPU threads name themselves after their first events */
		for (size_t i = 0; i < bc->seen.cap; i++)
			if (bc->seen.keys[i])
				name_thread(bc, bc->seen.pids[i], bc->seen.keys[i] - 1);
		bc->renamed = true;
	}
	return n < 0 ? 0 : n;
}

void bpf_collector_stop(struct bpf_collector *bc, struct bpf_stats *stats)
{
	uint64_t totals[REC_CNT_MAX];
	struct record_kfunc_stats ks = { 0 };

	ring_buffer__consume(bc->rb);
	account_lost(bc, totals);
	record_kfunc_finish(bc->kfunc, &ks);
	if (!stats)
		return;
	*stats = (struct bpf_stats){
		.probes = bc->probes, .kernel_events = bc->kernel_events,
		.lost = bc->last_counters[REC_CNT_LOST_RINGBUF] + ks.lost,
		.write_errors = bc->write_errors, .functions = bc->o.functions != NULL,
		.function_calls = ks.calls, .functions_attached = ks.attached,
	};
}

/* Detaching costs an RCU grace period per uprobe and tracepoint (~100 ms
 * each here, seconds for all): with the capture closed and the summary out,
 * a child does it, so record returns as soon as the traced VMM has gone. */
void bpf_collector_detach(struct bpf_collector *bc)
{
	int p[2] = { -1, -1 };

	if (!bc)
		return;
	if (bc->kept && bc->skel) {
		/* the set stays, recording nothing until the next run points it */
		char err[128];
		set_filter(bc, false, false, err, sizeof(err));
		clear_map(bpf_map__fd(bc->skel->maps.followed));
	}
	ring_buffer__free(bc->rb);
	record_kfunc_free(bc->kfunc);
	record_stacks_free(bc->stacks);
	fflush(NULL);
	if (bc->unpinned > 4 && !getenv("KVMSCOPE_RECORD_SYNC_DETACH") && pipe2(p, O_CLOEXEC) == 0) {
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
			for (unsigned i = 0; i < bc->nlinks; i++)
				bpf_link__destroy(bc->links[i]);
			_exit(0);
		}
		close(p[0]);
		if (pid < 0) {
			close(p[1]);
			p[1] = -1;
		}
	}
	/* with a child holding them, these closes are quick */
	for (unsigned i = 0; i < bc->nlinks; i++)
		bpf_link__destroy(bc->links[i]);
	bc->nlinks = 0;
	bpf_collector_bpf__destroy(bc->skel);
	bc->skel = NULL;
	bpf_kept_close(bc->kept);
	if (p[1] >= 0)
		close(p[1]);
	free(bc->seen.keys);
	free(bc->seen.pids);
	free(bc);
}
