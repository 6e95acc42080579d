/* kvmscope diff A.cap B.cap: where two runs of the same scenario part ways.
 * Each capture becomes, per thread (named as the VMM names it: "CPU 0/KVM";
 * thread ids differ between runs), a sequence of steps: the KVM ioctls the
 * VMM made (its kvm_ioctl_exit probes, or the syscalls of a capture without
 * them) with their return value and errno, and the kernel function calls
 * recorded under them (record --functions). Repeats of one step in a row
 * (KVM_RUN, over and over) count as one step, since how often a loop turns
 * is timing. The first step whose text differs, or that one side lacks, is
 * printed with the steps before it and after it on both sides. A KVM_RUN
 * interrupted (EINTR) is how a VMM stops its vCPUs, so it is no step. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kvm.h"
#include "timeline.h"

#define CONTEXT 3

struct step {
	char *text;	/* "KVM_ENABLE_CAP = -1 EINVAL", "  kfunc kvm_vm_ioctl_enable_cap [kvm]() = ..." */
	unsigned repeat;
	uint64_t ts;
};

struct thread_steps {
	char *name;
	struct step *v;
	size_t n, cap;
};

struct run {
	const char *path;
	struct timeline tl;
	struct thread_steps *t;
	size_t nt;
};

static struct thread_steps *thread_named(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nt; i++)
		if (!strcmp(r->t[i].name, name))
			return &r->t[i];
	struct thread_steps *t = realloc(r->t, (r->nt + 1) * sizeof(*t));
	if (!t)
		return NULL;
	r->t = t;
	t = &r->t[r->nt++];
	*t = (struct thread_steps){ .name = strdup(name) };
	return t->name ? t : NULL;
}

static void add_step(struct run *r, const struct tl_event *e, const char *text)
{
	char name[64];
	const char *tn = timeline_thread_name(&r->tl, e->tid);
	if (!tn) {
		snprintf(name, sizeof(name), "%s", e->tid == e->pid ? "main" : "thread");
		tn = name;
	}
	struct thread_steps *t = thread_named(r, tn);
	if (!t)
		return;
	if (t->n && !strcmp(t->v[t->n - 1].text, text)) {
		t->v[t->n - 1].repeat++;
		return;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct step *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct step){ .text = strdup(text), .repeat = 1, .ts = e->ts };
}

static bool has_exit_probes(const struct timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].kind == TL_PROBE && timeline_probe_name(tl, tl->ev[i].id) &&
		    !strcmp(timeline_probe_name(tl, tl->ev[i].id), "kvm_ioctl_exit"))
			return true;
	return false;
}

/* the step of one event, or "" when it is not a step */
static void step_text(const struct timeline *tl, const struct tl_event *e, bool probes, char *buf,
		      size_t len)
{
	uint64_t ret, err;
	const char *name = NULL, *errname = NULL, *dummy;

	buf[0] = 0;
	if (e->kind == TL_KFUNC) {
		char call[256];
		timeline_format_kfunc(tl, e, call, sizeof(call));
		snprintf(buf, len, "%*skfunc %s", 2 * (e->depth > 2 ? e->depth - 2 : 0) + 2, "", call);
	} else if (probes && e->kind == TL_PROBE && timeline_probe_name(tl, e->id) &&
		   !strcmp(timeline_probe_name(tl, e->id), "kvm_ioctl_exit") &&
		   !timeline_probe_arg(tl, e, "name", &ret, &name) &&
		   !timeline_probe_arg(tl, e, "ret", &ret, &dummy) &&
		   !timeline_probe_arg(tl, e, "err", &err, &dummy)) {
		uint64_t unused;
		timeline_probe_arg(tl, e, "errname", &unused, &errname);
		if (!strcmp(name ? name : "", "KVM_RUN") && err == 4)
			return; /* EINTR: how a VMM stops its vCPUs, timing */
		if ((int32_t)ret < 0)
			snprintf(buf, len, "%s = %d %s", name ? name : "?", (int32_t)ret,
				 errname ? errname : "?");
		else
			snprintf(buf, len, "%s = %d", name ? name : "?", (int32_t)ret);
	} else if (!probes && e->kind == TL_IOCTL) {
		const char *n = kvm_ioctl_name(e->cmd);
		if (n && !strcmp(n, "KVM_RUN") && e->has_exit && e->ret == -4)
			return;
		if (!e->has_exit)
			snprintf(buf, len, "%s = ?", n ? n : "ioctl");
		else if (e->ret < 0 && e->ret >= -4095)
			snprintf(buf, len, "%s = -1 %s", n ? n : "ioctl", errno_name((int)-e->ret));
		else
			snprintf(buf, len, "%s = %lld", n ? n : "ioctl", (long long)e->ret);
	}
}

static int load(struct run *r, const char *path)
{
	char err[256], text[512];

	r->path = path;
	if (timeline_load(&r->tl, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "kvmscope diff: %s\n", err);
		return -1;
	}
	bool probes = has_exit_probes(&r->tl);
	for (size_t i = 0; i < r->tl.n; i++) {
		step_text(&r->tl, &r->tl.ev[i], probes, text, sizeof(text));
		if (text[0])
			add_step(r, &r->tl.ev[i], text);
	}
	return 0;
}

static void free_run(struct run *r)
{
	for (size_t i = 0; i < r->nt; i++) {
		for (size_t k = 0; k < r->t[i].n; k++)
			free(r->t[i].v[k].text);
		free(r->t[i].v);
		free(r->t[i].name);
	}
	free(r->t);
	timeline_free(&r->tl);
}

static void print_step(FILE *out, const char *side, const struct run *r, const struct step *s)
{
	fprintf(out, "  %-2s %10.6f  %s", side, timeline_rel_s(&r->tl, s->ts), s->text);
	if (s->repeat > 1)
		fprintf(out, "  (x%u)", s->repeat);
	fputc('\n', out);
}

/* The first difference on one thread: its index, or -1 if none. */
static long first_difference(const struct thread_steps *a, const struct thread_steps *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a->v[i].text, b->v[i].text))
			return (long)i;
	return a->n == b->n ? -1 : (long)n;
}

static void report_difference(FILE *out, const struct run *A, const struct run *B,
			      const struct thread_steps *a, const struct thread_steps *b, size_t at)
{
	fprintf(out, "thread \"%s\": the runs part ways at step %zu\n", a->name, at + 1);
	for (size_t i = at > CONTEXT ? at - CONTEXT : 0; i < at; i++)
		print_step(out, "=", A, &a->v[i]);
	for (size_t i = at; i < a->n && i < at + CONTEXT + 1; i++)
		print_step(out, i == at ? "A>" : "A ", A, &a->v[i]);
	if (at >= a->n)
		fprintf(out, "  A> (no more steps: %s ends here)\n", A->path);
	for (size_t i = at; i < b->n && i < at + CONTEXT + 1; i++)
		print_step(out, i == at ? "B>" : "B ", B, &b->v[i]);
	if (at >= b->n)
		fprintf(out, "  B> (no more steps: %s ends here)\n", B->path);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: kvmscope diff A.cap B.cap\n"
		     "Where two captures of the same scenario part ways: per thread, the first\n"
		     "KVM ioctl or kernel function call (record --functions) whose name, return\n"
		     "value, errno or order differs, with the steps around it on both sides.\n"
		     "Repeats of a step in a row count once. Exit status: 0 the same, 1 they\n"
		     "differ, 2 usage or input error.\n");
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct run A = { 0 }, B = { 0 };
	unsigned differ = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		usage(c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : 2;
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	if (load(&A, argv[optind]) || load(&B, argv[optind + 1])) {
		free_run(&A);
		free_run(&B);
		return 2;
	}
	struct thread_steps none = { .name = "" };
	for (size_t i = 0; i < A.nt; i++) {
		struct thread_steps *b = NULL;
		for (size_t k = 0; k < B.nt && !b; k++)
			if (!strcmp(B.t[k].name, A.t[i].name))
				b = &B.t[k];
		long at = first_difference(&A.t[i], b ? b : &none);
		if (at >= 0) {
			report_difference(stdout, &A, &B, &A.t[i], b ? b : &none, (size_t)at);
			differ++;
		}
	}
	for (size_t k = 0; k < B.nt; k++) {
		bool in_a = false;
		for (size_t i = 0; i < A.nt && !in_a; i++)
			in_a = !strcmp(A.t[i].name, B.t[k].name);
		if (!in_a) {
			none.name = B.t[k].name;
			report_difference(stdout, &A, &B, &none, &B.t[k], 0);
			differ++;
		}
	}
	if (!differ)
		printf("no difference: the same KVM ioctls and kernel function calls, with the same "
		       "results, on every thread\n");
	free_run(&A);
	free_run(&B);
	return differ ? 1 : 0;
}
