/* kvmscope record --functions: kernel functions through BPF (tools/collect/kfunc.bpf.c).
 * Per function: fentry/fexit when the kernel's BTF (vmlinux or the module's)
 * describes it, else kprobe/kretprobe; neither, or a function the kernel
 * does not have, is a NOTE and the record goes on. Each function gets a
 * KFUNC_DEF record; each call a KFUNC record (capture-kfunc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "capture/capture-kfunc.h"
#include "collector.h"
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
	bool btf;		/* its BTF is known: fentry/fexit can be tried */
	char why[160];		/* why fentry was not used, for the NOTE */
};
_Static_assert(sizeof(((struct kfunc_target *)0)->module) == 64, "read_kallsyms reads %63[^]]");

struct record_kfunc {
	struct cap_writer *w;
	struct kfunc_bpf *base;	/* the maps, and the kprobe pair */
	struct kfunc_bpf *objs[KFUNC_MAX];	/* fentry/fexit: one for all, or one per function */
	unsigned nobjs;
	struct kfunc_target t[KFUNC_MAX];
	unsigned n;
	struct bpf_link *links[2 * KFUNC_MAX];
	unsigned nlinks;
	uint64_t calls, write_errors, last_lost;
	struct collector_voice voice;
};

/* what cannot be recorded: a line on stderr and a NOTE, as the collector's own */
#define note(k, ...) collector_problem(&(k)->voice, __VA_ARGS__)

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
	/* a kernel module's name is under 64 bytes (MODULE_NAME_LEN is 56):
	 * read it into a buffer the size of the target's field, so it fits */
	char line[512], sym[256], mod[sizeof(k->t[0].module)];
	unsigned long long addr;
	char type;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		mod[0] = 0;
		if (sscanf(line, "%llx %c %255s [%63[^]]]", &addr, &type, sym, mod) < 3 ||
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

/* The kernel's BTF, and its modules' as they are asked for: each is parsed
 * once (a module's on top of vmlinux's), however many functions it has. */
struct btf_cache {
	struct btf *vmlinux;
	struct {
		char name[64];
		struct btf *btf;	/* NULL: the module has none */
	} mod[16];
	unsigned nmod;
};

static struct btf *btf_of(struct btf_cache *c, const char *module)
{
	if (!module[0] || !c->vmlinux)
		return c->vmlinux;
	for (unsigned i = 0; i < c->nmod; i++)
		if (!strcmp(c->mod[i].name, module))
			return c->mod[i].btf;
	struct btf *b = btf__load_module_btf(module, c->vmlinux);
	if (c->nmod < sizeof(c->mod) / sizeof(c->mod[0])) {
		snprintf(c->mod[c->nmod].name, sizeof(c->mod[0].name), "%s", module);
		c->mod[c->nmod++].btf = b;
	} else {
		btf__free(b); /* too many modules to keep: asked again next time */
		b = NULL;
	}
	return b;
}

static void btf_cache_free(struct btf_cache *c)
{
	for (unsigned i = 0; i < c->nmod; i++)
		btf__free(c->mod[i].btf);
	btf__free(c->vmlinux);
}

/* The return type from BTF: kind, size and its C name. false: no BTF for it. */
static bool describe_return(struct kfunc_target *t, struct btf_cache *cache)
{
	struct btf *btf = btf_of(cache, t->module);
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
	return found;
}

static void keep(struct record_kfunc *k, struct bpf_link *l)
{
	if (l && k->nlinks < sizeof(k->links) / sizeof(k->links[0]))
		k->links[k->nlinks++] = l;
}

static struct bpf_program *pair_prog(struct kfunc_bpf *o, bool exit, uint32_t id)
{
	char name[32];
	snprintf(name, sizeof(name), "kfunc_%s%u", exit ? "exit" : "entry", id);
	return bpf_object__find_program_by_name(o->obj, name);
}

/* A copy of the object with only these programs: the fentry/fexit pairs of
 * IDS, aimed at their functions, and the kprobe pair if KPROBES. The maps
 * are the base's (the first copy makes them). NULL with *err. */
static struct kfunc_bpf *load_copy(const struct record_kfunc *k, const struct record_kfunc_options *o,
				   const uint32_t *ids, unsigned n, bool kprobes, int *err)
{
	struct kfunc_bpf *c = kfunc_bpf__open();
	struct bpf_program *p;

	if (!c) {
		*err = -errno;
		return NULL;
	}
	bpf_object__for_each_program(p, c->obj)
		bpf_program__set_autoload(p, false);
	bpf_program__set_autoload(c->progs.kprobe_entry, kprobes);
	bpf_program__set_autoload(c->progs.kprobe_exit, kprobes);
	*err = 0;
	for (unsigned i = 0; i < n * 2 && !*err; i++) {
		p = pair_prog(c, i & 1, ids[i / 2]);
		*err = p ? bpf_program__set_autoload(p, true) : -ENOENT;
		if (!*err)
			*err = bpf_program__set_attach_target(p, 0, k->t[ids[i / 2]].name);
	}
	if (!*err && k->base)
		*err = bpf_map__reuse_fd(c->maps.kfunc_events, bpf_map__fd(k->base->maps.kfunc_events));
	if (!*err && k->base)
		*err = bpf_map__reuse_fd(c->maps.kfunc_counters, bpf_map__fd(k->base->maps.kfunc_counters));
	if (!*err && k->base)
		*err = bpf_map__reuse_fd(c->maps.kfunc_entries, bpf_map__fd(k->base->maps.kfunc_entries));
	/* one process filter for all: the BPF collector's */
	if (!*err)
		*err = bpf_map__reuse_fd(c->maps.filter, o->filter_fd);
	if (!*err)
		*err = bpf_map__reuse_fd(c->maps.followed, o->followed_fd);
	if (!*err)
		*err = kfunc_bpf__load(c);
	if (*err) {
		*err = *err < 0 ? *err : -*err;
		kfunc_bpf__destroy(c);
		return NULL;
	}
	return c;
}

/* the loaded pair of function ID in C, attached; 0 or -errno */
static int attach_pair(struct record_kfunc *k, struct kfunc_bpf *c, uint32_t id)
{
	struct bpf_link *in = bpf_program__attach_trace(pair_prog(c, false, id));
	int rc = in ? 0 : -errno;
	struct bpf_link *out = in ? bpf_program__attach_trace(pair_prog(c, true, id)) : NULL;

	if (in && !out) {
		rc = -errno;
		bpf_link__destroy(in);
	}
	if (rc)
		return rc;
	keep(k, in);
	keep(k, out);
	k->t[id].def.attach = CAP_KFUNC_FENTRY;
	return 0;
}

static void keep_object(struct record_kfunc *k, struct kfunc_bpf *c)
{
	if (k->nobjs < KFUNC_MAX)
		k->objs[k->nobjs++] = c;
	else
		kfunc_bpf__destroy(c);
}

/* the kernel's refusal in words: -524 is the kernel's own ENOTSUPP, which
 * libc has no text for (arm64 6.1, the arm64 lab: no ftrace direct calls
 * before 6.4, so no BPF trampoline on a kernel function) */
static void refusal(int rc, char *buf, size_t len)
{
	if (rc == -524)
		snprintf(buf, len, "ENOTSUPP (524): the kernel cannot attach a BPF trampoline to it "
				   "(on arm64, kernels before 6.4 have no ftrace direct calls)");
	else
		snprintf(buf, len, "%s", strerror(-rc));
}

/* fentry/fexit for the functions IDS: every pair in one object (one parse
 * of the kernel's BTF); if the kernel refuses that object, one object per
 * function, so that each gets its own answer. A refused one keeps its
 * reason in why[] and is left to kprobes. */
static void attach_fentry(struct record_kfunc *k, const uint32_t *ids, unsigned n,
			  const struct record_kfunc_options *o)
{
	int rc;
	struct kfunc_bpf *all = n ? load_copy(k, o, ids, n, false, &rc) : NULL;

	if (all)
		keep_object(k, all);
	for (unsigned i = 0; i < n; i++) {
		struct kfunc_target *t = &k->t[ids[i]];
		struct kfunc_bpf *one = all ? all : load_copy(k, o, &ids[i], 1, false, &rc);
		if (one && !all)
			keep_object(k, one);
		if (one)
			rc = attach_pair(k, one, ids[i]);
		if (rc) {
			char text[sizeof(t->why) - 16];
			refusal(rc, text, sizeof(text));
			snprintf(t->why, sizeof(t->why), "fentry: %s; ", text);
		}
	}
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

/* Is ID's function there, and what BTF says of it. false: absent (a NOTE). */
static bool look_up(struct record_kfunc *k, uint32_t id, struct btf_cache *btf, bool kallsyms)
{
	struct kfunc_target *t = &k->t[id];
	/* KVMSCOPE_FUNCTIONS_VIA=kprobe: kprobes even with BTF (tests, bench) */
	const char *via = getenv("KVMSCOPE_FUNCTIONS_VIA");

	if (kallsyms && !t->in_kallsyms) {
		note(k, "kernel function %s: absent on this kernel (not in /proc/kallsyms, or "
			"inlined): not recorded", t->name);
		return false;
	}
	t->def.func_id = id;
	snprintf(t->ret_type, sizeof(t->ret_type), "?");
	t->btf = describe_return(t, btf);
	if (!t->btf)
		snprintf(t->why, sizeof(t->why), "fentry: no BTF for it; ");
	else if (via && !strcmp(via, "kprobe"))
		snprintf(t->why, sizeof(t->why), "fentry: not tried (KVMSCOPE_FUNCTIONS_VIA=kprobe); ");
	return true;
}

/* kprobes for what fentry did not take; the definition of what attached */
static void finish_one(struct record_kfunc *k, uint32_t id)
{
	struct kfunc_target *t = &k->t[id];
	int rc = 0;

	if (!t->def.attach) {
		rc = attach_kprobe(k, t, id);
		if (!rc)
			t->def.attach = CAP_KFUNC_KPROBE;
	}
	if (rc) {
		note(k, "kernel function %s: cannot attach (%skprobe: %s): its calls are not recorded",
		     t->name, t->why, strerror(-rc));
		return;
	}
	/* recorded, but not the way asked first: say why (t->why ends "; ") */
	if (t->def.attach == CAP_KFUNC_KPROBE && t->why[0])
		note(k, "kernel function %s: recorded with kprobe/kretprobe instead of fentry/fexit "
			"(%.*s)", t->name, (int)strlen(t->why) - 2, t->why);
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
	k->voice = *o->voice;
	if (n < 0) {
		note(k, "%s", err);
		free(k);
		return NULL;
	}
	k->n = (unsigned)n;
	for (unsigned i = 0; i < k->n; i++)
		memcpy(k->t[i].name, names[i], sizeof(names[i]));
	k->base = load_copy(k, o, NULL, 0, true, &rc);
	if (!k->base ||
	    ring_buffer__add(o->rb, bpf_map__fd(k->base->maps.kfunc_events), on_event, k)) {
		note(k, "kernel functions (--functions %s): cannot load their BPF programs (%s): not "
			"recorded", o->functions, strerror(rc < 0 ? -rc : rc ? rc : errno));
		record_kfunc_free(k);
		return NULL;
	}
	bool kallsyms = read_kallsyms(k);
	struct btf_cache btf = { .vmlinux = btf__load_vmlinux_btf() };
	bool present[KFUNC_MAX];
	uint32_t fentry[KFUNC_MAX];
	unsigned nfentry = 0;
	for (uint32_t i = 0; i < k->n; i++) {
		present[i] = look_up(k, i, &btf, kallsyms);
		if (present[i] && !k->t[i].why[0])
			fentry[nfentry++] = i;
	}
	btf_cache_free(&btf);
	attach_fentry(k, fentry, nfentry, o);
	for (uint32_t i = 0; i < k->n; i++)
		if (present[i])
			finish_one(k, i);
	return k;
}

unsigned record_kfunc_attached(const struct record_kfunc *k)
{
	return k ? k->nlinks / 2 : 0;
}

void record_kfunc_finish(struct record_kfunc *k, struct record_kfunc_stats *st)
{
	uint64_t totals[KFUNC_CNT_MAX] = { 0 };

	if (!k)
		return; /* (before the allocation: a record without --functions leaked it) */
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = ncpu > 0 ? calloc((size_t)ncpu, sizeof(uint64_t)) : NULL;
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
	for (unsigned i = 0; i < k->nobjs; i++)
		kfunc_bpf__destroy(k->objs[i]);
	kfunc_bpf__destroy(k->base);
	free(k);
}
