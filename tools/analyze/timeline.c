/* The merged timeline: load a capture, sort, pair syscalls, join spans.
 * See timeline.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>
#include <traceevent/trace-seq.h>

#include "kvm-caps.h"
#include "kvm-names.h"
#include "timeline.h"
#include "timeline-format.h"

#define MAX_FIELD_END 4096

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 1024;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*arr, ncap * elem);
	if (!n)
		return -1;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* a table indexed by id (a probe's, a kernel function's) grown to hold ID,
 * the new entries zeroed */
static int grow_to_id(void **arr, uint32_t *n, uint32_t id, size_t elem)
{
	if (id < *n)
		return 0;
	char *p = realloc(*arr, ((size_t)id + 1) * elem);
	if (!p)
		return -1;
	memset(p + *n * elem, 0, ((size_t)id + 1 - *n) * elem);
	*arr = p;
	*n = id + 1;
	return 0;
}

static int cmp_event(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_symbol(const void *a, const void *b)
{
	const struct tl_symbol *x = a, *y = b;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

const char *timeline_meta(const struct timeline *tl, const char *key)
{
	for (size_t i = tl->nmeta; i >= 2; i -= 2)
		if (!strcmp(tl->meta[i - 2], key))
			return tl->meta[i - 1];
	return NULL;
}

const char *timeline_symbol(const struct timeline *tl, uint64_t ip)
{
	size_t lo = 0, hi = tl->nsymbols;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (tl->symbols[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < tl->nsymbols && tl->symbols[lo].ip == ip ? tl->symbols[lo].text : NULL;
}

/* OK: a definition record decoded and its id is below 4096; one that is not
 * is counted as malformed */
static bool def_ok(struct timeline *tl, bool ok)
{
	if (!ok)
		tl->malformed++;
	return ok;
}

static void add_probe_def(struct timeline *tl, const struct cap_record *rec)
{
	struct cap_probe_def_view v;
	if (!def_ok(tl, !cap_decode_probe_def(rec, &v) && v.probe_id < 4096) ||
	    grow_to_id((void **)&tl->probes, &tl->nprobes, v.probe_id, sizeof(*tl->probes)))
		return;
	tl->probes[v.probe_id].defined = true;
	tl->probes[v.probe_id].v = v;
}

/* the definition of a kernel function: kfunc calls of that id are named */
static void add_kfunc_def(struct timeline *tl, const struct cap_record *rec)
{
	struct cap_kfunc_def_view v;
	if (!def_ok(tl, !cap_decode_kfunc_def(rec, &v) && v.func_id < 4096) ||
	    grow_to_id((void **)&tl->kfuncs, &tl->nkfuncs, v.func_id, sizeof(*tl->kfuncs)))
		return;
	tl->kfuncs[v.func_id] = v;
}

/* libtraceevent trusts the format text it parses (a mangled one can crash
 * it), and a capture is outside input. A format identical to this host's own
 * tracefs file is trusted; any other is first parsed and printed over
 * zeroed, all-ones and patterned entries in a child process. */
static bool format_is_local(const struct cap_tp_format_view *f)
{
	char path[512];
	if (strchr(f->system, '/') || strchr(f->name, '/') || strstr(f->system, "..") ||
	    strstr(f->name, ".."))
		return false;
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s/format", f->system, f->name);
	FILE *file = fopen(path, "re");
	if (!file)
		return false;
	size_t len = strlen(f->format);
	char *buf = malloc(len + 2);
	size_t n = buf ? fread(buf, 1, len + 1, file) : 0;
	fclose(file);
	bool same = buf && n == len && !memcmp(buf, f->format, len);
	free(buf);
	return same;
}

/* In the forked child: 0 when libtraceevent parses the format and prints
 * zeroed, all-ones and patterned entries of it, 1 when it refuses it. */
static int format_prints(struct tep_handle *tep, const struct cap_tp_format_view *f)
{
	static uint8_t data[MAX_FIELD_END + 64];
	if (tep_parse_event(tep, f->format, strlen(f->format), f->system))
		return 1;
	struct tep_event *ev = tep_find_event(tep, (int)f->event_id);
	if (!ev)
		return 1;
	for (struct tep_format_field *fl = ev->format.fields; fl; fl = fl->next)
		if (fl->offset < 0 || fl->size < 0 || fl->offset + fl->size > MAX_FIELD_END)
			return 1;
	int fd = open("/dev/null", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, 1), dup2(fd, 2);
		close(fd);
	}
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = pass == 0 ? 0 : pass == 1 ? 0xff : (uint8_t)(i * 37 + 11);
		memcpy(data, &f->event_id, 2);
		struct tep_record r = { .size = (int)sizeof(data), .data = data };
		struct trace_seq s;
		trace_seq_init(&s);
		tep_print_event(tep, &s, &r, "%s", TEP_PRINT_INFO);
		trace_seq_destroy(&s);
	}
	return 0;
}

static bool format_is_safe(const struct cap_tp_format_view *f)
{
	/* kvmscope ci analysing the capture its own record just wrote here: reading
	 * tracefs would wait on the kernel's event_mutex, held through a grace
	 * period per uprobe while that record's BPF links are released */
	const char *own = getenv("KVMSCOPE_CAPTURE_FORMATS_LOCAL");
	if (own && !strcmp(own, "1"))
		return true;
	if (format_is_local(f))
		return true;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		/* a crash here is the answer, not an error to report (nor, under a
		 * sanitizer or a fuzzer, a finding in this program) */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		struct tep_handle *tep = tep_alloc();
		int st = tep ? format_prints(tep, f) : 1;
		tep_free(tep); /* valgrind follows the child: it leaked the handle */
		_exit(st);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void add_format(struct timeline *tl, const struct cap_record *rec)
{
	struct cap_tp_format_view f;
	if (cap_decode_tp_format(rec, &f)) {
		tl->malformed++;
		return;
	}
	if (tep_find_event(tl->tep, (int)f.event_id))
		return; /* the same event from the other collector */
	if (!format_is_safe(&f)) {
		tl->malformed++;
		return;
	}
	if (tep_parse_event(tl->tep, f.format, strlen(f.format), f.system) != 0) {
		tl->malformed++;
		return;
	}
	struct tep_event *ev = tep_find_event(tl->tep, (int)f.event_id);
	if (!ev)
		return; /* the text named another id than the record */
	for (struct tep_format_field *fl = ev->format.fields; fl; fl = fl->next)
		if (fl->offset < 0 || fl->size < 0 || fl->offset + fl->size > MAX_FIELD_END)
			ev->flags |= TEP_EVENT_FL_NOHANDLE; /* refuse to decode it */
	if (!strcmp(f.system, "raw_syscalls") && !strcmp(f.name, "sys_enter"))
		tl->sys_enter_id = (int)f.event_id;
	if (!strcmp(f.system, "raw_syscalls") && !strcmp(f.name, "sys_exit"))
		tl->sys_exit_id = (int)f.event_id;
}

static void add_meta(struct timeline *tl, const struct cap_record *rec, size_t *thread_cap,
		     size_t *meta_cap)
{
	const char *k, *v;
	if (cap_decode_meta(rec, &k, &v)) {
		tl->malformed++;
		return;
	}
	if (grow((void **)&tl->meta, meta_cap, tl->nmeta + 2, sizeof(*tl->meta)) == 0) {
		tl->meta[tl->nmeta++] = k;
		tl->meta[tl->nmeta++] = v;
	}
	if (!strcmp(k, "command"))
		tl->command = v;
	else if (!strcmp(k, "kernel_release"))
		tl->kernel_release = v;
	else if (!strcmp(k, "hostname"))
		tl->hostname = v;
	else if (!strcmp(k, "binary"))
		tl->binary = v;
	else if (!strcmp(k, "exit_status"))
		tl->exit_status = v;
	else if (!strcmp(k, "machine"))
		tl->machine = v;
	else if (!strncmp(k, "thread:", 7)) {
		uint32_t tid = (uint32_t)strtoul(k + 7, NULL, 10);
		for (size_t i = 0; i < tl->nthreads; i++)
			if (tl->threads[i].tid == tid) {
				tl->threads[i].name = v;
				return;
			}
		if (grow((void **)&tl->threads, thread_cap, tl->nthreads + 1, sizeof(*tl->threads)))
			return;
		tl->threads[tl->nthreads++] = (struct tl_thread){ .tid = tid, .name = v };
	}
}

static const char *probe_name_of(const struct timeline *tl, uint32_t id)
{
	return id < tl->nprobes && tl->probes[id].defined ? tl->probes[id].v.name : NULL;
}

static bool is_entry_probe(const char *name)
{
	return name && (!strcmp(name, "kvm_ioctl") || !strcmp(name, "kvm_vm_ioctl") ||
			!strcmp(name, "kvm_vcpu_ioctl") || !strcmp(name, "kvm_device_ioctl"));
}

/* Per-thread join state. A suite recorded with --follow has thousands of
 * threads, so they are found through an open-addressing index by tid. */
struct thread_state {
	uint32_t tid;
	int32_t open_probe;	/* entry probe of the VMM ioctl span, or -1 */
	int32_t open_ioctl;	/* TL_IOCTL waiting for its sys_exit, or -1 */
	uint8_t nkfunc;		/* kernel function calls open at this point ... */
	uint64_t kfunc_end[8];	/* ... and when they return */
};

struct thread_table {
	struct thread_state *v;
	size_t n, cap;
	uint32_t *slot;		/* position in v + 1; 0: empty */
	size_t nslots;		/* a power of two, at least twice n */
};

static size_t tid_slot(const struct thread_table *t, uint32_t tid)
{
	size_t h = (tid * 2654435761u) & (t->nslots - 1);

	while (t->slot[h] && t->v[t->slot[h] - 1].tid != tid)
		h = (h + 1) & (t->nslots - 1);
	return h;
}

static int reindex(struct thread_table *t, size_t nslots)
{
	uint32_t *slot = calloc(nslots, sizeof(*slot));

	if (!slot)
		return -1;
	free(t->slot);
	t->slot = slot;
	t->nslots = nslots;
	for (size_t i = 0; i < t->n; i++)
		t->slot[tid_slot(t, t->v[i].tid)] = (uint32_t)i + 1;
	return 0;
}

static struct thread_state *thread_of(struct thread_table *t, uint32_t tid)
{
	size_t h;

	if (t->nslots) {
		h = tid_slot(t, tid);
		if (t->slot[h])
			return &t->v[t->slot[h] - 1];
	}
	if (grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v)) ||
	    ((t->n + 1) * 2 > t->nslots && reindex(t, t->nslots ? t->nslots * 2 : 64)))
		return NULL;
	t->v[t->n] = (struct thread_state){ .tid = tid, .open_probe = -1, .open_ioctl = -1 };
	t->n++;
	t->slot[tid_slot(t, tid)] = (uint32_t)t->n;
	return &t->v[t->n - 1];
}

/* __NR_ioctl of the machine that wrote the capture (asked per syscall: the
 * meta list holds a line per thread, too long to search each time) */
static uint64_t nr_ioctl(const struct timeline *tl)
{
	return tl->machine && !strcmp(tl->machine, "aarch64") ? 29 : 16;
}

static uint64_t field_u64(const struct tep_event *ev, const char *name, const uint8_t *data,
			  uint32_t len, bool *ok)
{
	struct tep_format_field *f = tep_find_field((struct tep_event *)ev, name);
	unsigned long long v = 0;
	*ok = f && f->offset >= 0 && f->size > 0 && (uint32_t)(f->offset + f->size) <= len &&
	      tep_read_number_field(f, data, &v) == 0;
	return v;
}

/* Second pass over the sorted events: pair syscalls, open and close spans. */
static void join(struct timeline *tl)
{
	struct thread_table threads = { 0 };
	size_t out = 0;

	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *e = &tl->ev[i];
		struct thread_state *t = thread_of(&threads, e->tid);
		tl->ev[out] = *e;
		e = &tl->ev[out];
		int32_t self = (int32_t)out;
		e->parent = -1;
		e->link = -1;
		if (!t || e->kind == TL_LOST || e->kind == TL_NOTE) {
			out++;
			continue;
		}
		if (e->kind == TL_IOCTL && e->id == (uint32_t)tl->sys_exit_id) {
			/* a sys_exit: completes the open ioctl of its thread */
			if (t->open_ioctl >= 0) {
				struct tl_event *s = &tl->ev[t->open_ioctl];
				s->end_ts = e->ts;
				s->ret = e->ret;
				s->has_exit = 1;
				s->is_error = e->ret < 0;
				t->open_ioctl = -1;
				continue; /* folded into its enter */
			}
			e->kind = TL_KERNEL; /* the exit of another syscall: shown as it is */
		}
		e->parent = t->open_probe;
		e->depth = (uint8_t)((t->open_probe >= 0) + (t->open_ioctl >= 0 && e->kind != TL_IOCTL));
		if (e->kind == TL_KFUNC) {
			/* calls nest: those begun earlier that have not returned yet */
			while (t->nkfunc && t->kfunc_end[t->nkfunc - 1] < e->end_ts)
				t->nkfunc--;
			e->depth = (uint8_t)(e->depth + t->nkfunc);
			e->link = t->open_ioctl; /* the syscall it ran under, or -1 */
			if (t->nkfunc < 8)
				t->kfunc_end[t->nkfunc++] = e->end_ts;
		} else if (e->kind == TL_IOCTL) {
			t->open_ioctl = self;
		} else if (e->kind == TL_PROBE) {
			const char *name = probe_name_of(tl, e->id);
			if (is_entry_probe(name)) {
				e->parent = -1;
				e->depth = 0;
				t->open_probe = self;
				t->open_ioctl = -1;
			} else if (name && !strcmp(name, "kvm_ioctl_exit") && t->open_probe >= 0) {
				struct tl_event *entry = &tl->ev[t->open_probe];
				entry->link = self;
				entry->end_ts = e->ts;
				e->link = t->open_probe;
				uint64_t ret;
				const char *dummy;
				if (timeline_probe_arg(tl, e, "ret", &ret, &dummy) == 0 && (int32_t)ret < 0)
					e->is_error = entry->is_error = 1;
				t->open_probe = -1;
				t->open_ioctl = -1;
			} else if (name && !strcmp(name, "kvm_ioctl_exit")) {
				uint64_t ret;
				const char *dummy;
				if (timeline_probe_arg(tl, e, "ret", &ret, &dummy) == 0 && (int32_t)ret < 0)
					e->is_error = 1;
			}
		}
		out++;
	}
	tl->n = out;
	free(threads.v);
	free(threads.slot);
}

static int add_event(struct timeline *tl, size_t *cap, const struct cap_record *rec, uint8_t kind)
{
	if (grow((void **)&tl->ev, cap, tl->n + 1, sizeof(*tl->ev)))
		return -1;
	struct tl_event *e = &tl->ev[tl->n];
	memset(e, 0, sizeof(*e));
	e->rec = rec;
	e->ts = e->end_ts = rec->ts_ns;
	e->pid = rec->pid;
	e->tid = rec->tid;
	e->cpu = rec->cpu;
	e->seq = (uint32_t)tl->n;
	e->kind = kind;
	tl->n++;
	return 0;
}

int timeline_load(struct timeline *tl, const char *path, char *err, size_t errlen)
{
	return timeline_load_source(tl, path, TL_SOURCE_AUTO, err, errlen);
}

/* Keeps one collector's copy of the events (records of the collector
 * itself - lost counts, notes - are kept whatever their source). */
static void choose_source(struct timeline *tl, int source)
{
	for (size_t i = 0; i < tl->n; i++) {
		unsigned src = tl->ev[i].rec->source;
		tl->events_bpf += src == CAP_SRC_BPF;
		tl->events_ftrace += src == CAP_SRC_FTRACE;
	}
	if (source == TL_SOURCE_ALL)
		return;
	if (source == TL_SOURCE_AUTO) {
		if (!tl->events_bpf || !tl->events_ftrace)
			return;
		source = CAP_SRC_BPF;
	}
	size_t out = 0;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		/* kernel function calls come from BPF only: no copy to choose from */
		bool keep = e->kind == TL_LOST || e->kind == TL_NOTE || e->kind == TL_KFUNC ||
			    (e->rec->source != CAP_SRC_BPF && e->rec->source != CAP_SRC_FTRACE) ||
			    e->rec->source == (unsigned)source;
		if (keep)
			tl->ev[out++] = *e;
		else
			tl->dropped_source++;
	}
	tl->n = out;
}

/* The growth state of the timeline's arrays while a capture is read. */
struct load_caps {
	size_t ev, thread, notes, symbols, meta;
};

static int take_kfunc(struct timeline *tl, struct load_caps *caps, const struct cap_record *rec)
{
	const struct cap_kfunc *k;
	if (cap_decode_kfunc(rec, &k)) {
		tl->malformed++;
		return 0;
	}
	if (add_event(tl, &caps->ev, rec, TL_KFUNC))
		return -1;
	struct tl_event *e = &tl->ev[tl->n - 1];
	const struct cap_kfunc_def_view *d = timeline_kfunc_def(tl, k->func_id);
	e->id = k->func_id;
	e->end_ts = e->ts + k->duration_ns;
	e->has_exit = !(k->flags & CAP_KFUNC_NO_ENTRY);
	e->ret = cap_kfunc_value(d, k->ret);
	e->is_error = cap_kfunc_errno(d, k->ret) != 0;
	return 0;
}

/* A stack belongs to the probe just before it on the same thread. */
static void take_stack(struct timeline *tl, const struct cap_record *rec)
{
	const struct cap_stack *st;
	if (cap_decode_stack(rec, &st)) {
		tl->malformed++;
		return;
	}
	for (size_t i = tl->n; i-- > 0 && i + 8 > tl->n;)
		if (tl->ev[i].kind == TL_PROBE && tl->ev[i].tid == rec->tid &&
		    tl->ev[i].ts == rec->ts_ns) {
			tl->ev[i].stack = st;
			return;
		}
}

/* A raw_syscalls sys_enter/sys_exit of an ioctl becomes a TL_IOCTL half
 * (join() folds the exit into its enter); any other entry a TL_KERNEL. */
static int take_tp_event(struct timeline *tl, struct load_caps *caps, const struct cap_record *rec)
{
	const uint8_t *data;
	uint32_t len;
	uint16_t id;
	if (cap_decode_tp_event(rec, &data, &len, &id)) {
		tl->malformed++;
		return 0;
	}
	bool ok = true;
	uint8_t kind = TL_KERNEL;
	struct tep_event *ev = tep_find_event(tl->tep, id);
	if (ev && (id == tl->sys_enter_id || id == tl->sys_exit_id))
		kind = TL_IOCTL;
	if (add_event(tl, &caps->ev, rec, kind))
		return -1;
	struct tl_event *e = &tl->ev[tl->n - 1];
	e->id = id;
	if (kind != TL_IOCTL)
		return 0;
	if (id == tl->sys_enter_id) {
		/* args[] is an array: fd, cmd, arg at 16, 24, 32 */
		struct tep_format_field *f = tep_find_field(ev, "args");
		if (f && f->offset >= 0 && (uint32_t)f->offset + 24 <= len) {
			memcpy(&e->fd, data + f->offset, 8);
			memcpy(&e->cmd, data + f->offset + 8, 8);
			memcpy(&e->arg, data + f->offset + 16, 8);
		}
		/* an ftrace capture may hold every syscall: only ioctls pair */
		if (field_u64(ev, "id", data, len, &ok) != nr_ioctl(tl) || !ok)
			e->kind = TL_KERNEL;
	} else {
		e->ret = (int64_t)field_u64(ev, "ret", data, len, &ok);
	}
	return 0;
}

static int take_lost(struct timeline *tl, struct load_caps *caps, const struct cap_record *rec)
{
	const struct cap_lost *lost;
	if (cap_decode_lost(rec, &lost)) {
		tl->malformed++;
		return 0;
	}
	if (lost->kind == CAP_LOST_RINGBUF || lost->kind == CAP_LOST_FTRACE)
		tl->lost += lost->count;
	return add_event(tl, &caps->ev, rec, TL_LOST);
}

static int take_symbol(struct timeline *tl, struct load_caps *caps, const struct cap_record *rec)
{
	const char *text;
	uint64_t ip;
	if (cap_decode_symbol(rec, &ip, &text)) {
		tl->malformed++;
		return 0;
	}
	if (grow((void **)&tl->symbols, &caps->symbols, tl->nsymbols + 1, sizeof(*tl->symbols)))
		return -1;
	tl->symbols[tl->nsymbols++] = (struct tl_symbol){ .ip = ip, .text = text };
	return 0;
}

static int take_note(struct timeline *tl, struct load_caps *caps, const struct cap_record *rec)
{
	const char *text;
	if (cap_decode_text(rec, &text)) {
		tl->malformed++;
		return 0;
	}
	if (grow((void **)&tl->notes, &caps->notes, tl->nnotes + 1, sizeof(*tl->notes)))
		return -1;
	tl->notes[tl->nnotes++] = text;
	return 0;
}

/* One record into the timeline: -1 only when memory ran out. */
static int take_record(struct timeline *tl, struct load_caps *caps, const struct cap_record *rec)
{
	struct cap_probe_view pv;

	switch (rec->type) {
	case CAP_REC_META:
		add_meta(tl, rec, &caps->thread, &caps->meta);
		return 0;
	case CAP_REC_PROBE_DEF:
		add_probe_def(tl, rec);
		return 0;
	case CAP_REC_TP_FORMAT:
		add_format(tl, rec);
		return 0;
	case CAP_REC_PROBE:
		if (cap_decode_probe(rec, &pv)) {
			tl->malformed++;
			return 0;
		}
		if (add_event(tl, &caps->ev, rec, TL_PROBE))
			return -1;
		tl->ev[tl->n - 1].id = pv.probe_id;
		return 0;
	case CAP_REC_KFUNC_DEF:
		add_kfunc_def(tl, rec);
		return 0;
	case CAP_REC_KFUNC:
		return take_kfunc(tl, caps, rec);
	case CAP_REC_STACK:
		take_stack(tl, rec);
		return 0;
	case CAP_REC_TP_EVENT:
		return take_tp_event(tl, caps, rec);
	case CAP_REC_LOST:
		return take_lost(tl, caps, rec);
	case CAP_REC_SYMBOL:
		return take_symbol(tl, caps, rec);
	case CAP_REC_NOTE:
		return take_note(tl, caps, rec);
	case CAP_REC_IOCTL_ARG:
		timeline_attach_ioctl_arg(tl, rec);
		return 0;
	case CAP_REC_MAPS:
	case CAP_REC_END:
		return 0;
	default:
		/* a record type from a later minor version: skipped, but said */
		tl->unknown++;
		return 0;
	}
}

/* Opens the capture and the event parser; the events array is sized from
 * the file (records are 64 bytes or more: one allocation). */
static int load_open(struct timeline *tl, const char *path, struct load_caps *caps, char *err,
		     size_t errlen)
{
	memset(tl, 0, sizeof(*tl));
	tl->sys_enter_id = tl->sys_exit_id = -1;
	if (timeline_format_open(tl)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tl->reader = cap_open(path, err, errlen);
	if (!tl->reader) {
		timeline_format_close(tl); /* (fuzz-capture: every refused file leaked it) */
		return -1;
	}
	caps->ev = cap_file_size(tl->reader) / 64 + 16;
	tl->ev = malloc(caps->ev * sizeof(*tl->ev));
	if (!tl->ev)
		caps->ev = 0;
	tl->tep = tep_alloc();
	if (!tl->tep) {
		snprintf(err, errlen, "out of memory");
		cap_close(tl->reader);
		free(tl->ev);
		timeline_format_close(tl);
		return -1;
	}
	tep_set_loglevel(TEP_LOG_NONE);
	tep_set_long_size(tl->tep, 8);
	tep_set_file_bigendian(tl->tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tl->tep, TEP_LITTLE_ENDIAN);
	return 0;
}

int timeline_load_source(struct timeline *tl, const char *path, int source, char *err,
			 size_t errlen)
{
	struct load_caps caps = { 0 };
	const struct cap_record *rec;
	enum cap_next_result res;

	if (load_open(tl, path, &caps, err, errlen))
		return -1;
	while ((res = cap_next(tl->reader, &rec)) == CAP_NEXT_OK) {
		if (take_record(tl, &caps, rec)) {
			snprintf(err, errlen, "out of memory after %llu records",
				 (unsigned long long)cap_records_read(tl->reader));
			timeline_free(tl);
			return -1;
		}
	}
	if (res == CAP_NEXT_CORRUPT)
		snprintf(tl->corrupt, sizeof(tl->corrupt), "%s", cap_error(tl->reader));
	tl->records = cap_records_read(tl->reader);
	tl->truncated = cap_truncated(tl->reader, &tl->partial_bytes);
	tl->clean_end = cap_saw_end(tl->reader);

	choose_source(tl, source);
	qsort(tl->ev, tl->n, sizeof(*tl->ev), cmp_event);
	if (tl->nsymbols)
		qsort(tl->symbols, tl->nsymbols, sizeof(*tl->symbols), cmp_symbol);
	join(tl);
	timeline_ioctl_args_fds(tl);
	return 0;
}

void timeline_free(struct timeline *tl)
{
	timeline_format_close(tl);
	free(tl->ev);
	free(tl->probes);
	free(tl->kfuncs);
	free(tl->threads);
	free(tl->notes);
	free(tl->symbols);
	free(tl->meta);
	if (tl->tep)
		tep_free(tl->tep);
	cap_close(tl->reader);
	memset(tl, 0, sizeof(*tl));
}

const char *timeline_probe_name(const struct timeline *tl, uint32_t probe_id)
{
	return probe_name_of(tl, probe_id);
}

const struct cap_probe_def_view *timeline_probe_def(const struct timeline *tl, uint32_t probe_id)
{
	return probe_id < tl->nprobes && tl->probes[probe_id].defined ? &tl->probes[probe_id].v
								       : NULL;
}

struct tep_event *timeline_kernel_event(const struct timeline *tl, const struct tl_event *e)
{
	return tep_find_event(tl->tep, (int)e->id);
}

const char *timeline_thread_name(const struct timeline *tl, uint32_t tid)
{
	for (size_t i = 0; i < tl->nthreads; i++)
		if (tl->threads[i].tid == tid)
			return tl->threads[i].name;
	return NULL;
}

int timeline_probe_arg(const struct timeline *tl, const struct tl_event *e, const char *name,
		       uint64_t *num, const char **str)
{
	const struct cap_probe_def_view *d = timeline_probe_def(tl, e->id);
	struct cap_probe_view pv;
	if (!d || e->kind != TL_PROBE || cap_decode_probe(e->rec, &pv))
		return -1;
	for (unsigned i = 0; i < d->nargs && i < pv.nargs; i++) {
		if (strcmp(d->arg_names[i], name))
			continue;
		*num = pv.args[i];
		if (str)
			*str = pv.strs[i];
		return 0;
	}
	return -1;
}

double timeline_rel_s(const struct timeline *tl, uint64_t ts)
{
	uint64_t start = cap_header(tl->reader)->start_mono_ns;
	return ts >= start ? (double)(ts - start) / 1e9 : -(double)(start - ts) / 1e9;
}

/* libtraceevent 1.7 leaks a few bytes per parsed format (a strdup inside
 * tep_parse_event, freed by no tep_free), and libtracefs keeps the tracing
 * directory it found in a strdup'ed static (record --ftrace): not ours to
 * fix, so LeakSanitizer builds (make asan) are told to ignore those two. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\nleak:libtracefs.so\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
