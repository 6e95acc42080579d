/* kvmscope record --functions: kernel functions through BPF (probes/kfunc.bpf.c).
 * Per function: fentry/fexit when the kernel's BTF (vmlinux or the module's)
 * describes it, else kprobe/kretprobe; neither, or a function the kernel
 * does not have, is a NOTE and the record goes on. Each function gets a
 * KFUNC_DEF record; each call a KFUNC record (capture-kfunc.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "capture-kfunc.h"
#include "kfunc.skel.h"
#include "record-kfunc-events.h"
#include "record-kfunc.h"

_Static_assert(KFUNC_LIST_MAX == KFUNC_MAX, "one limit for the list and the BPF ids");

struct kfunc_target {
	char name[128];
	char module[64];	/* "" for vmlinux */
	bool in_kallsyms;
	struct cap_kfunc_def def;
	char ret_type[64];
	struct kfunc_bpf *copy;	/* fentry/fexit: this function's own copy */
};

struct record_kfunc {
	struct cap_writer *w;
	struct kfunc_bpf *base;	/* the maps, and the kprobe pair */
	struct kfunc_target t[KFUNC_MAX];
	unsigned n;
	struct bpf_link *links[2 * KFUNC_MAX];
	unsigned nlinks;
	uint64_t calls, write_errors, last_lost;
};

static void note(struct record_kfunc *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct record_kfunc *k, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "kvmscope record: %s\n", line);
	cap_write_note(k->w, "%s", line);
}

/* "f,g" -> targets; a bad name is an error (it is the user's typing) */
int record_kfunc_parse(const char *list, char names[][128], unsigned max, char *err, size_t errlen)
{
	unsigned n = 0;

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= 128 || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						       "0123456789_.") < len) {
			snprintf(err, errlen, "--functions: bad function name '%.*s'", (int)len, p);
			return -1;
		}
		if (n == max) {
			snprintf(err, errlen, "--functions: more than %u functions", max);
			return -1;
		}
		memcpy(names[n], p, len);
		names[n++][len] = 0;
		p += len + (p[len] == ',');
	}
	if (!n)
		snprintf(err, errlen, "--functions: no function named");
	return n ? (int)n : -1;
}

/* Which targets the kernel has, and in which module. false: kallsyms unreadable. */
static bool read_kallsyms(struct record_kfunc *k)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], sym[256], mod[80];
	unsigned long long addr;
	char type;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		mod[0] = 0;
		if (sscanf(line, "%llx %c %255s [%79[^]]]", &addr, &type, sym, mod) < 3 ||
		    (type != 't' && type != 'T'))
			continue;
		for (unsigned i = 0; i < k->n; i++)
			if (!k->t[i].in_kallsyms && !strcmp(sym, k->t[i].name)) {
				k->t[i].in_kallsyms = true;
				snprintf(k->t[i].module, sizeof(k->t[i].module), "%s", mod);
			}
	}
	fclose(f);
	return true;
}

/* The return type from BTF: kind, size and its C name. false: no BTF for it. */
static bool describe_return(struct kfunc_target *t, struct btf *vmlinux)
{
	struct btf *mod = t->module[0] && vmlinux ? btf__load_module_btf(t->module, vmlinux) : NULL;
	struct btf *btf = mod ? mod : vmlinux;
	bool found = false;

	int id = btf ? btf__find_by_name_kind(btf, t->name, BTF_KIND_FUNC) : -1;
	const struct btf_type *fn = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
	if (proto && btf_is_func_proto(proto)) {
		int rid = proto->type ? btf__resolve_type(btf, proto->type) : 0;
		const struct btf_type *r = rid > 0 ? btf__type_by_id(btf, rid) : NULL;
		found = true;
		snprintf(t->ret_type, sizeof(t->ret_type), "void");
		t->def.ret_kind = CAP_KFUNC_RET_VOID;
		if (r && btf_is_ptr(r)) {
			t->def.ret_kind = CAP_KFUNC_RET_POINTER;
			t->def.ret_size = 8;
			snprintf(t->ret_type, sizeof(t->ret_type), "pointer");
		} else if (r && (btf_is_int(r) || btf_is_enum(r))) {
			bool sign = btf_is_int(r) && (btf_int_encoding(r) & BTF_INT_SIGNED);
			t->def.ret_kind = sign ? CAP_KFUNC_RET_SIGNED : CAP_KFUNC_RET_UNSIGNED;
			t->def.ret_size = (uint8_t)r->size;
			snprintf(t->ret_type, sizeof(t->ret_type), "%s",
				 btf__name_by_offset(btf, r->name_off) ?: "int");
		}
	}
	btf__free(mod);
	return found;
}

static void keep(struct record_kfunc *k, struct bpf_link *l)
{
	if (l && k->nlinks < sizeof(k->links) / sizeof(k->links[0]))
		k->links[k->nlinks++] = l;
}

/* fentry/fexit: a copy of the object whose programs target this function */
static int attach_fentry(struct record_kfunc *k, struct kfunc_target *t, uint32_t id,
			 const struct record_kfunc_options *o)
{
	struct kfunc_bpf *c = kfunc_bpf__open();
	int rc;

	if (!c)
		return -errno;
	c->rodata->target_tgid = o->tgid;
	c->rodata->follow = o->follow;
	c->rodata->func_id = id;
	bpf_program__set_autoload(c->progs.kprobe_entry, false);
	bpf_program__set_autoload(c->progs.kprobe_exit, false);
	if ((rc = bpf_program__set_attach_target(c->progs.kfunc_entry, 0, t->name)) ||
	    (rc = bpf_program__set_attach_target(c->progs.kfunc_exit, 0, t->name)) ||
	    (rc = bpf_map__reuse_fd(c->maps.kfunc_events, bpf_map__fd(k->base->maps.kfunc_events))) ||
	    (rc = bpf_map__reuse_fd(c->maps.kfunc_counters, bpf_map__fd(k->base->maps.kfunc_counters))) ||
	    (rc = bpf_map__reuse_fd(c->maps.kfunc_entries, bpf_map__fd(k->base->maps.kfunc_entries))) ||
	    (rc = bpf_map__reuse_fd(c->maps.followed, bpf_map__fd(k->base->maps.followed))) ||
	    (rc = kfunc_bpf__load(c))) {
		kfunc_bpf__destroy(c);
		return rc < 0 ? rc : -rc;
	}
	struct bpf_link *in = bpf_program__attach_trace(c->progs.kfunc_entry);
	rc = in ? 0 : -errno;
	struct bpf_link *out = in ? bpf_program__attach_trace(c->progs.kfunc_exit) : NULL;
	if (in && !out) {
		rc = -errno;
		bpf_link__destroy(in);
	}
	if (rc) {
		kfunc_bpf__destroy(c);
		return rc;
	}
	keep(k, in);
	keep(k, out);
	t->copy = c;
	return 0;
}

static int attach_kprobe(struct record_kfunc *k, struct kfunc_target *t, uint32_t id)
{
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = id);
	struct bpf_link *in = bpf_program__attach_kprobe_opts(k->base->progs.kprobe_entry, t->name, &opts);
	if (!in)
		return -errno;
	opts.retprobe = true;
	struct bpf_link *out = bpf_program__attach_kprobe_opts(k->base->progs.kprobe_exit, t->name, &opts);
	if (!out) {
		int rc = -errno;
		bpf_link__destroy(in);
		return rc;
	}
	keep(k, in);
	keep(k, out);
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct record_kfunc *k = ctx;
	const struct kfunc_event *e = data;

	if (size < sizeof(*e) || e->func_id >= k->n)
		return 0;
	struct cap_kfunc call = { .func_id = e->func_id, .ret = e->ret };
	uint64_t ts = e->entry_ns;
	if (!e->entry_ns || e->entry_ns > e->exit_ns) {
		call.flags = CAP_KFUNC_NO_ENTRY;
		ts = e->exit_ns;
	} else {
		call.duration_ns = e->exit_ns - e->entry_ns;
	}
	if (cap_write_kfunc(k->w, ts, e->pid, e->tid, e->cpu, &call))
		k->write_errors++;
	k->calls++;
	return 0;
}

/* The base object: the shared maps and the kprobe pair (no fentry target). */
static struct kfunc_bpf *load_base(const struct record_kfunc_options *o, int *err)
{
	struct kfunc_bpf *b = kfunc_bpf__open();

	if (!b) {
		*err = -errno;
		return NULL;
	}
	b->rodata->target_tgid = o->tgid;
	b->rodata->follow = o->follow;
	bpf_program__set_autoload(b->progs.kfunc_entry, false);
	bpf_program__set_autoload(b->progs.kfunc_exit, false);
	if (o->followed_fd >= 0 && (*err = bpf_map__reuse_fd(b->maps.followed, o->followed_fd))) {
		kfunc_bpf__destroy(b);
		return NULL;
	}
	if ((*err = kfunc_bpf__load(b))) {
		kfunc_bpf__destroy(b);
		return NULL;
	}
	return b;
}

static void attach_one(struct record_kfunc *k, uint32_t id, struct btf *vmlinux, bool kallsyms,
		       const struct record_kfunc_options *o)
{
	struct kfunc_target *t = &k->t[id];
	char why[160] = "";
	int rc = -ENOENT;

	if (kallsyms && !t->in_kallsyms) {
		note(k, "kernel function %s: absent on this kernel (not in /proc/kallsyms, or "
			"inlined): not recorded", t->name);
		return;
	}
	t->def.func_id = id;
	snprintf(t->ret_type, sizeof(t->ret_type), "?");
	bool btf = describe_return(t, vmlinux);
	/* KVMSCOPE_FUNCTIONS_VIA=kprobe: kprobes even with BTF (tests, bench) */
	const char *via = getenv("KVMSCOPE_FUNCTIONS_VIA");
	if (btf && via && !strcmp(via, "kprobe")) {
		snprintf(why, sizeof(why), "fentry: not tried (KVMSCOPE_FUNCTIONS_VIA=kprobe); ");
	} else if (btf) {
		rc = attach_fentry(k, t, id, o);
		if (!rc)
			t->def.attach = CAP_KFUNC_FENTRY;
		else
			snprintf(why, sizeof(why), "fentry: %s; ", strerror(-rc));
	} else {
		snprintf(why, sizeof(why), "fentry: no BTF for it; ");
	}
	if (rc) {
		rc = attach_kprobe(k, t, id);
		if (!rc)
			t->def.attach = CAP_KFUNC_KPROBE;
	}
	if (rc) {
		note(k, "kernel function %s: cannot attach (%skprobe: %s): its calls are not recorded",
		     t->name, why, strerror(-rc));
		return;
	}
	cap_write_kfunc_def(k->w, &t->def, t->name, t->module, t->ret_type);
}

struct record_kfunc *record_kfunc_start(const struct record_kfunc_options *o)
{
	char names[KFUNC_MAX][128], err[200];
	int n = record_kfunc_parse(o->functions, names, KFUNC_MAX, err, sizeof(err));
	struct record_kfunc *k = calloc(1, sizeof(*k));
	int rc = 0;

	if (!k)
		return NULL;
	k->w = o->w;
	if (n < 0) {
		note(k, "%s", err);
		free(k);
		return NULL;
	}
	k->n = (unsigned)n;
	for (unsigned i = 0; i < k->n; i++)
		memcpy(k->t[i].name, names[i], sizeof(names[i]));
	k->base = load_base(o, &rc);
	if (!k->base ||
	    ring_buffer__add(o->rb, bpf_map__fd(k->base->maps.kfunc_events), on_event, k)) {
		note(k, "kernel functions (--functions %s): cannot load their BPF programs (%s): not "
			"recorded", o->functions, strerror(rc < 0 ? -rc : rc ? rc : errno));
		record_kfunc_free(k);
		return NULL;
	}
	bool kallsyms = read_kallsyms(k);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	for (unsigned i = 0; i < k->n; i++)
		attach_one(k, i, vmlinux, kallsyms, o);
	btf__free(vmlinux);
	return k;
}

unsigned record_kfunc_attached(const struct record_kfunc *k)
{
	return k ? k->nlinks / 2 : 0;
}

void record_kfunc_finish(struct record_kfunc *k, struct record_kfunc_stats *st)
{
	uint64_t totals[KFUNC_CNT_MAX] = { 0 };
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = ncpu > 0 ? calloc((size_t)ncpu, sizeof(uint64_t)) : NULL;

	if (!k)
		return;
	for (uint32_t c = 0; c < KFUNC_CNT_MAX && vals && k->base; c++)
		if (bpf_map_lookup_elem(bpf_map__fd(k->base->maps.kfunc_counters), &c, vals) == 0)
			for (int i = 0; i < ncpu; i++)
				totals[c] += vals[i];
	free(vals);
	if (totals[KFUNC_CNT_LOST_RINGBUF])
		cap_write_lost(k->w, CAP_SRC_BPF, CAP_LOST_RINGBUF, totals[KFUNC_CNT_LOST_RINGBUF]);
	if (totals[KFUNC_CNT_NO_ENTRY])
		note(k, "kernel functions: %llu returns without their entry (a call begun before "
			"the record, or a recursive one): their durations are unknown",
		     (unsigned long long)totals[KFUNC_CNT_NO_ENTRY]);
	if (st) {
		st->attached = record_kfunc_attached(k);
		st->calls = k->calls;
		st->lost = totals[KFUNC_CNT_LOST_RINGBUF];
		st->write_errors = k->write_errors;
	}
}

void record_kfunc_free(struct record_kfunc *k)
{
	if (!k)
		return;
	for (unsigned i = 0; i < k->nlinks; i++)
		bpf_link__destroy(k->links[i]);
	for (unsigned i = 0; i < k->n; i++)
		kfunc_bpf__destroy(k->t[i].copy);
	kfunc_bpf__destroy(k->base);
	free(k);
}
