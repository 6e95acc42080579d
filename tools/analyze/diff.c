/* kvmscope diff A B: where two runs of the same scenario part ways ("it works
 * on 6.1 and fails on 7.2: where?"). Each capture becomes, per thread, the
 * sequence of its KVM ioctls with their outcomes, and the kernel function
 * calls recorded under them (record --functions); repeats in a row fold into
 * one step (a guest's KVM_RUN count depends on timing, not on the kernel).
 * Threads are paired by name ("CPU 0/KVM" is the same vCPU in both runs, as
 * QEMU names them too), and the first step whose ioctl, return value or errno
 * differs is shown with both sides' context. Exit status as diff(1): 0 the
 * same, 1 they differ, 2 trouble. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"
#include "benign-errno.h"
#include "kvm-caps.h"
#include "kvm-names.h"
#include "timeline.h"

#define CONTEXT_STEPS 3

struct step {
	char key[224];	 /* what is compared: "KVM_SET_DEVICE_ATTR = -1 EINVAL" */
	uint64_t ts;	 /* the first of the fold */
	uint32_t repeat; /* how many in a row */
};

struct thread_steps {
	char name[64]; /* "CPU 0/KVM", or "thread #N" in order of appearance */
	uint32_t tid;
	struct step *s;
	size_t n, cap;
};

struct run {
	const char *path;
	struct timeline tl;
	struct thread_steps *t;
	size_t nt;
};

/* ioctls whose non-negative answer is a new descriptor: its number is the
 * process's business, not the kernel's verdict */
static bool returns_fd(const char *name)
{
	static const char *const fd_ioctls[] = {
		"KVM_CREATE_VM", "KVM_CREATE_VCPU", "KVM_GET_STATS_FD", "KVM_CREATE_GUEST_MEMFD",
	};
	for (size_t i = 0; i < sizeof(fd_ioctls) / sizeof(fd_ioctls[0]); i++)
		if (!strcmp(name, fd_ioctls[i]))
			return true;
	return false;
}

/* The compared text of one ioctl, or false for an expected answer that
 * depends on timing or on the host's size (benign-errno.h: an interrupted
 * KVM_RUN, a size probe's E2BIG), which is no place where runs part. Only
 * KVM_CHECK_EXTENSION's argument is a value (the capability); every other one
 * is a pointer that moves run to run. */
static bool step_key(const struct timeline *tl, char *buf, size_t len, uint64_t cmd, uint64_t arg,
		     int64_t ret)
{
	const char *name = timeline_ioctl_name(tl, cmd);
	if (ret < 0 && ret >= -4095 && benign_errno(name, errno_name((int)-ret)))
		return false;
	char unknown[24], args[64] = "";
	if (!name) {
		snprintf(unknown, sizeof(unknown), "ioctl 0x%x", (uint32_t)cmd);
		name = unknown;
	}
	if (!strcmp(name, "KVM_CHECK_EXTENSION") && kvm_cap_name(arg))
		snprintf(args, sizeof(args), "(%s)", kvm_cap_name(arg));
	else if (!strcmp(name, "KVM_CHECK_EXTENSION"))
		snprintf(args, sizeof(args), "(cap %llu)", (unsigned long long)arg);
	if (ret < 0 && ret >= -4095)
		snprintf(buf, len, "%s%s = -1 %s", name, args, errno_name((int)-ret));
	else if (returns_fd(name))
		snprintf(buf, len, "%s%s = fd", name, args);
	else
		snprintf(buf, len, "%s%s = %lld", name, args, (long long)ret);
	return true;
}

/* A main thread whose name the recorder did not read (the process was gone
 * first: a VMM that fails at start) is named as the kernel names it, after
 * the command's file, cut to 15 bytes (TASK_COMM_LEN), so it still pairs
 * with the other run's. */
static void main_thread_name(const struct timeline *tl, char *buf, size_t len)
{
	const char *cmd = tl->command ? tl->command : "";
	size_t n = strcspn(cmd, " ");
	const char *slash = memrchr(cmd, '/', n);
	const char *base = slash ? slash + 1 : cmd;
	size_t blen = (size_t)(cmd + n - base);
	snprintf(buf, len, "%.*s", (int)(blen > 15 ? 15 : blen), base);
}

static struct thread_steps *thread_of(struct run *r, uint32_t pid, uint32_t tid, size_t *unnamed)
{
	for (size_t i = 0; i < r->nt; i++)
		if (r->t[i].tid == tid)
			return &r->t[i];
	struct thread_steps *t = realloc(r->t, (r->nt + 1) * sizeof(*t));
	if (!t)
		return NULL;
	r->t = t;
	t = &r->t[r->nt++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	const char *name = timeline_thread_name(&r->tl, tid);
	if (name)
		snprintf(t->name, sizeof(t->name), "%s", name);
	else if (tid == pid && r->tl.command)
		main_thread_name(&r->tl, t->name, sizeof(t->name));
	else
		snprintf(t->name, sizeof(t->name), "thread #%zu", ++*unnamed);
	return t;
}

static int add_step(struct thread_steps *t, const char *key, uint64_t ts)
{
	if (t->n && !strcmp(t->s[t->n - 1].key, key)) {
		t->s[t->n - 1].repeat++;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct step *s = realloc(t->s, cap * sizeof(*s));
		if (!s)
			return -1;
		t->s = s;
		t->cap = cap;
	}
	struct step *s = &t->s[t->n++];
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->ts = ts;
	s->repeat = 1;
	return 0;
}

/* The kernel's answers (syscall spans) where the capture has them; an ioctl
 * that -fault failed never reached the kernel, so its exit probe stands for
 * it. A capture without syscalls (BPF refused) uses the exit probes alone. */
/* The spans of the ioctls left out as expected answers: the kernel function
 * calls inside them (kvm_vcpu_ioctl's -EINTR under an interrupted KVM_RUN)
 * are timing as much as the ioctl is. */
struct benign_span {
	uint32_t tid;
	uint64_t from, to;
};

static bool in_benign_span(const struct benign_span *b, size_t n, const struct tl_event *e)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].tid == e->tid && e->ts >= b[i].from && e->ts <= b[i].to)
			return true;
	return false;
}

static int collect_steps(struct run *r)
{
	const struct timeline *tl = &r->tl;
	struct benign_span *benign = NULL;
	size_t nbenign = 0;
	bool *has_syscall = calloc(tl->n + 1, sizeof(bool));
	bool any_syscall = false;
	size_t unnamed = 0;
	if (!has_syscall)
		return -1;
	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].kind == TL_IOCTL) {
			any_syscall = true;
			if (tl->ev[i].parent >= 0)
				has_syscall[tl->ev[i].parent] = true;
		}
	int rc = 0;
	for (size_t i = 0; i < tl->n && !rc; i++) {
		const struct tl_event *e = &tl->ev[i];
		char key[224];
		if (e->kind == TL_IOCTL && e->has_exit) {
			if (!step_key(tl, key, sizeof(key), e->cmd, e->arg, e->ret)) {
				struct benign_span *b = realloc(benign, (nbenign + 1) * sizeof(*b));
				if (!b) {
					rc = -1;
					break;
				}
				benign = b;
				benign[nbenign++] = (struct benign_span){ e->tid, e->ts, e->end_ts };
				continue;
			}
		} else if (e->kind == TL_PROBE && e->link >= 0 &&
			   !strcmp(timeline_probe_name(tl, e->id) ?: "", "kvm_ioctl_exit") &&
			   !(any_syscall && has_syscall[e->link])) {
			uint64_t type = 0, ret = 0, err = 0, arg = 0;
			if (timeline_probe_arg(tl, e, "type", &type, NULL) ||
			    timeline_probe_arg(tl, e, "ret", &ret, NULL))
				continue;
			timeline_probe_arg(tl, e, "err", &err, NULL);
			timeline_probe_arg(tl, e, "arg", &arg, NULL);
			int32_t r32 = (int32_t)ret;
			if (!step_key(tl, key, sizeof(key), type, arg,
				      r32 < 0 ? -(int64_t)(int32_t)err : r32))
				continue;
		} else if (e->kind == TL_KFUNC) {
			char call[192];
			if (in_benign_span(benign, nbenign, e))
				continue;
			timeline_format_kfunc(tl, e, call, sizeof(call));
			/* indented by nesting: depth 2 is a call directly under its ioctl */
			snprintf(key, sizeof(key), "%*skfunc %s",
				 2 * (e->depth > 2 ? e->depth - 2 : 0) + 2, "", call);
		} else {
			continue;
		}
		struct thread_steps *t = thread_of(r, e->pid, e->tid, &unnamed);
		rc = t ? add_step(t, key, e->ts) : -1;
	}
	free(has_syscall);
	free(benign);
	return rc;
}

static const struct thread_steps *find_thread(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nt; i++)
		if (!strcmp(r->t[i].name, name))
			return &r->t[i];
	return NULL;
}

struct divergence {
	const struct thread_steps *a, *b; /* b NULL: the thread is only in A (or a only in B) */
	size_t at;			  /* first differing step */
	uint64_t ts;			  /* when, on A's clock (B's if A ended there) */
};

static size_t first_difference(const struct thread_steps *a, const struct thread_steps *b)
{
	size_t i = 0;
	while (i < a->n && i < b->n && !strcmp(a->s[i].key, b->s[i].key))
		i++;
	return i;
}

static void print_side(const char *label, const struct run *r, const struct thread_steps *t,
		       size_t at)
{
	size_t from = at > CONTEXT_STEPS ? at - CONTEXT_STEPS : 0;
	printf("  %s: %s (kernel %s)\n", label, r->path, r->tl.kernel_release ?: "?");
	for (size_t i = from; i < t->n && i <= at + CONTEXT_STEPS; i++) {
		printf("  %s %10.6f  %s", i == at ? ">" : " ", timeline_rel_s(&r->tl, t->s[i].ts),
		       t->s[i].key);
		if (t->s[i].repeat > 1)
			printf("  (x%u)", t->s[i].repeat);
		putchar('\n');
	}
	if (at >= t->n)
		printf("  >             (no further KVM ioctl in this thread)\n");
}

static json_t *side_json(const struct run *r, const struct thread_steps *t, size_t at)
{
	json_t *o = json_object();
	json_object_set_new(o, "capture", json_string(r->path));
	json_object_set_new(o, "kernel", json_string(r->tl.kernel_release ?: ""));
	json_object_set_new(o, "thread", t ? json_string(t->name) : json_null());
	if (t && at < t->n) {
		json_object_set_new(o, "step", json_string(t->s[at].key));
		json_object_set_new(o, "repeat", json_integer(t->s[at].repeat));
		json_object_set_new(o, "t", json_real(timeline_rel_s(&r->tl, t->s[at].ts)));
	} else {
		json_object_set_new(o, "step", json_null());
	}
	return o;
}

/* Every thread whose steps differ, or that only one run has; earliest first. */
static size_t find_divergences(const struct run *a, const struct run *b, struct divergence *out)
{
	size_t n = 0;
	for (size_t i = 0; i < a->nt; i++) {
		const struct thread_steps *ta = &a->t[i], *tb = find_thread(b, ta->name);
		size_t at = tb ? first_difference(ta, tb) : 0;
		if (tb && at == ta->n && at == tb->n)
			continue;
		uint64_t ts = at < ta->n ? ta->s[at].ts : ta->s[ta->n - 1].ts;
		out[n++] = (struct divergence){ ta, tb, at, ts };
	}
	for (size_t i = 0; i < b->nt; i++)
		if (!find_thread(a, b->t[i].name))
			out[n++] = (struct divergence){ NULL, &b->t[i], 0, UINT64_MAX };
	for (size_t i = 1; i < n; i++) /* few threads: insertion sort */
		for (size_t j = i; j > 0 && out[j].ts < out[j - 1].ts; j--) {
			struct divergence d = out[j];
			out[j] = out[j - 1];
			out[j - 1] = d;
		}
	return n;
}

static void print_text(const struct run *a, const struct run *b, const struct divergence *d,
		       size_t n)
{
	if (!n) {
		printf("kvmscope diff: the same KVM ioctls with the same outcomes in every thread "
		       "(%zu threads)\n", a->nt);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		const struct thread_steps *t = d[k].a ? d[k].a : d[k].b;
		if (k == 1)
			printf("\nalso:\n");
		if (!d[k].a || !d[k].b) {
			printf("%sthread \"%s\" is only in %s (%zu ioctl steps)\n", k ? "  " : "",
			       t->name, d[k].a ? a->path : b->path, t->n);
			continue;
		}
		if (k) {
			printf("  thread \"%s\", step %zu: %s | %s\n", t->name, d[k].at + 1,
			       d[k].at < d[k].a->n ? d[k].a->s[d[k].at].key : "(ends)",
			       d[k].at < d[k].b->n ? d[k].b->s[d[k].at].key : "(ends)");
			continue;
		}
		printf("first difference: thread \"%s\", step %zu (after %zu equal steps)\n", t->name,
		       d[k].at + 1, d[k].at);
		print_side("A", a, d[k].a, d[k].at);
		print_side("B", b, d[k].b, d[k].at);
	}
}

static void print_json(const struct run *a, const struct run *b, const struct divergence *d,
		       size_t n)
{
	json_t *root = json_object(), *list = json_array();
	for (size_t k = 0; k < n; k++) {
		json_t *o = json_object();
		const struct thread_steps *t = d[k].a ? d[k].a : d[k].b;
		json_object_set_new(o, "thread", json_string(t->name));
		json_object_set_new(o, "step", json_integer((json_int_t)d[k].at + 1));
		json_object_set_new(o, "a", side_json(a, d[k].a, d[k].at));
		json_object_set_new(o, "b", side_json(b, d[k].b, d[k].at));
		json_array_append_new(list, o);
	}
	json_object_set_new(root, "same", json_boolean(n == 0));
	json_object_set_new(root, "differences", list);
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kvmscope diff [--format text|json] A.capture B.capture\n"
		"\n"
		"Where two runs of the same scenario part ways: per thread (paired by name,\n"
		"e.g. \"CPU 0/KVM\"), the first KVM ioctl or recorded kernel function call\n"
		"(kvmscope record's kernel functions) whose request, return value or errno differs, with\n"
		"both sides' context. Repeats in a row count as one step;\n"
		"expected answers (an interrupted KVM_RUN, a size probe's E2BIG) are left out.\n"
		"Exit status: 0 the same, 1 they differ, 2 trouble.\n");
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->nt; i++)
		free(r->t[i].s);
	free(r->t);
	timeline_free(&r->tl);
}

static int load_run(struct run *r, const char *path)
{
	char err[256];
	memset(r, 0, sizeof(*r));
	r->path = path;
	if (timeline_load(&r->tl, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "kvmscope diff: %s: %s\n", path, err);
		return -1;
	}
	if (r->tl.truncated || r->tl.corrupt[0])
		fprintf(stderr, "kvmscope diff: warning: %s: read up to its last whole record (%llu)\n",
			path, (unsigned long long)r->tl.records);
	if (collect_steps(r) < 0) {
		fprintf(stderr, "kvmscope diff: out of memory\n");
		return -1;
	}
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format = "text";
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json")) {
		fprintf(stderr, "kvmscope diff: --format: '%s' is not text or json\n", format);
		return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "kvmscope diff: two captures, please (%d given)\n", argc - optind);
		usage(stderr);
		return 2;
	}
	struct run a, b;
	if (load_run(&a, argv[optind]) < 0) {
		run_free(&a);
		return 2;
	}
	if (load_run(&b, argv[optind + 1]) < 0) {
		run_free(&a);
		run_free(&b);
		return 2;
	}
	struct divergence *d = calloc(a.nt + b.nt + 1, sizeof(*d));
	int rc = 2;
	if (d) {
		size_t n = find_divergences(&a, &b, d);
		if (!strcmp(format, "json"))
			print_json(&a, &b, d, n);
		else
			print_text(&a, &b, d, n);
		rc = n ? 1 : 0;
	}
	free(d);
	run_free(&a);
	run_free(&b);
	return rc;
}
