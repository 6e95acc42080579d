/* Unit tests of the per-CPU merge (tools/collect/cpu-merge.c): entries come out in
 * time order across CPUs, equal timestamps in the order they were added,
 * younger ones wait for the limit, a CPU's late older entry is put back in
 * place, and the bytes of each entry survive the queues' compaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collect/cpu-merge.h"

/* what the emit callback saw, as "ts/cpu/payload ..." */
struct seen {
	char text[4096];
	int calls;
};

static int record(void *ctx, uint64_t ts, uint32_t cpu, const void *data, uint32_t len)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s%llu/%u/%.*s", n ? " " : "",
		 (unsigned long long)ts, cpu, (int)len, (const char *)data);
	s->calls++;
	return 1;
}

static void add(struct cpu_merge *m, unsigned cpu, uint64_t ts, const char *payload)
{
	assert_int_equal(cpu_merge_add(m, cpu, ts, payload, (uint32_t)strlen(payload)), 0);
}

/* A merge scenario, one per row: on a merge of NCPUS, each step adds an
 * entry or releases up to a limit and compares what came out (its count and
 * what is still held, where the row gives them: ANY skips the check). */
struct merge_step {
	char op;		/* 'a': add; 'r': release */
	unsigned cpu;		/* add: the entry */
	uint64_t ts;
	const char *payload;
	uint64_t limit;		/* release: up to this time */
	int released;		/* how many came out */
	const char *text;	/* ... as record() writes them */
	int held;		/* how many are still held */
};
struct merge_case {
	unsigned ncpus;
	struct merge_step steps[8];	/* up to the first with no op */
};
#define ANY (-1)
#define ADD(cpu, ts, payload) { 'a', (cpu), (ts), (payload), 0, 0, NULL, 0 }
#define RELEASE(limit, released, text, held) { 'r', 0, 0, NULL, (limit), (released), (text), (held) }

static const struct merge_case time_order_across_cpus = { 3, {
	ADD(0, 10, "a"), ADD(0, 40, "d"), ADD(1, 20, "b"), ADD(2, 30, "c"), ADD(1, 50, "e"),
	RELEASE(UINT64_MAX, 5, "10/0/a 20/1/b 30/2/c 40/0/d 50/1/e", 0),
} };
static const struct merge_case ties_keep_add_order = { 2, {
	ADD(1, 7, "first"), ADD(0, 7, "second"), ADD(1, 7, "third"),
	RELEASE(UINT64_MAX, ANY, "7/1/first 7/0/second 7/1/third", ANY),
} };
static const struct merge_case limit_holds_younger_entries = { 2, {
	ADD(0, 100, "x"), ADD(0, 300, "z"),
	RELEASE(200, 1, "100/0/x", 1),
	/* the other CPU's older entry arrives late: still ahead of z */
	ADD(1, 250, "y"),
	RELEASE(UINT64_MAX, 2, "250/1/y 300/0/z", ANY),
} };
static const struct merge_case late_entry_of_one_cpu_put_back = { 1, {
	ADD(0, 10, "p"), ADD(0, 30, "r"), ADD(0, 20, "q"), ADD(0, 40, "s"),
	RELEASE(25, 2, "10/0/p 20/0/q", ANY),
	/* after compaction the out-of-order bytes still belong to their entries */
	ADD(0, 35, "t"),
	RELEASE(UINT64_MAX, ANY, "30/0/r 35/0/t 40/0/s", ANY),
} };

static void test_merge_case(void **state)
{
	const struct merge_case *c = *state;
	struct cpu_merge *m = cpu_merge_new(c->ncpus);

	for (const struct merge_step *st = c->steps; st < c->steps + 8 && st->op; st++) {
		struct seen s = { "", 0 };
		int released, held;

		if (st->op == 'a') {
			add(m, st->cpu, st->ts, st->payload);
			continue;
		}
		released = cpu_merge_release(m, st->limit, record, &s);
		held = (int)cpu_merge_held(m);
		if ((st->released != ANY && released != st->released) || strcmp(s.text, st->text) ||
		    (st->held != ANY && held != st->held))
			fail_msg("step %td: released %d \"%s\", %d held; want %d \"%s\", %d held",
				 st - c->steps, released, s.text, held, st->released, st->text, st->held);
	}
	cpu_merge_free(m);
}

/* each payload is its own timestamp in decimal; the order must not go back */
struct order_check {
	uint64_t last;
	unsigned n;
	int bad;
};

static int check_emit(void *ctx, uint64_t t, uint32_t cpu, const void *data, uint32_t len)
{
	struct order_check *c = ctx;
	char buf[32];

	(void)cpu;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, (const char *)data);
	if (strtoull(buf, NULL, 10) != t || t < c->last)
		c->bad++;
	c->last = t;
	c->n++;
	return 1;
}

/* many rounds of adds and partial releases, as a collector polls: every
 * entry once, in order, its bytes intact */
static void test_many_rounds(void **state)
{
	(void)state;
	struct cpu_merge *m = cpu_merge_new(4);
	struct order_check c = { 0, 0, 0 };
	uint64_t ts[4] = { 0, 0, 0, 0 };
	unsigned seed = 1, emitted = 0, added = 0;

	for (int round = 0; round < 200; round++) {
		for (int k = 0; k < 100; k++) {
			unsigned cpu = (seed = seed * 1103515245u + 12345u) % 4;
			char buf[32];
			ts[cpu] += 1 + (seed >> 16) % 50;
			int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)ts[cpu]);
			assert_int_equal(cpu_merge_add(m, cpu, ts[cpu], buf, (uint32_t)n), 0);
			added++;
		}
		/* what every CPU is past */
		uint64_t low = ts[0];
		for (int k = 1; k < 4; k++)
			low = ts[k] < low ? ts[k] : low;
		emitted += (unsigned)cpu_merge_release(m, low, check_emit, &c);
	}
	emitted += (unsigned)cpu_merge_release(m, UINT64_MAX, check_emit, &c);
	assert_int_equal(c.bad, 0);
	assert_int_equal(emitted, added);
	assert_int_equal(c.n, added);
	assert_int_equal(cpu_merge_held(m), 0);
	cpu_merge_free(m);
}

static void test_bad_cpu(void **state)
{
	(void)state;
	struct cpu_merge *m = cpu_merge_new(2);

	assert_int_equal(cpu_merge_add(m, 2, 1, "x", 1), -1);
	assert_int_equal(cpu_merge_held(m), 0);
	cpu_merge_free(m);
}

int main(void)
{
/* a row of the merge_case table, named as its test was before the table */
#define MC(c) { "test_" #c, test_merge_case, NULL, NULL, (void *)&c }
	const struct CMUnitTest tests[] = {
		MC(time_order_across_cpus),
		MC(ties_keep_add_order),
		MC(limit_holds_younger_entries),
		MC(late_entry_of_one_cpu_put_back),
		cmocka_unit_test(test_many_rounds),
		cmocka_unit_test(test_bad_cpu),
	};
	return cmocka_run_group_tests_name("cpu-merge", tests, NULL, NULL);
}
