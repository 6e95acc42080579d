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

static void test_time_order_across_cpus(void **state)
{
	(void)state;
	struct cpu_merge *m = cpu_merge_new(3);
	struct seen s = { "", 0 };

	add(m, 0, 10, "a");
	add(m, 0, 40, "d");
	add(m, 1, 20, "b");
	add(m, 2, 30, "c");
	add(m, 1, 50, "e");
	assert_int_equal(cpu_merge_release(m, UINT64_MAX, record, &s), 5);
	assert_string_equal(s.text, "10/0/a 20/1/b 30/2/c 40/0/d 50/1/e");
	assert_int_equal(cpu_merge_held(m), 0);
	cpu_merge_free(m);
}

static void test_ties_keep_add_order(void **state)
{
	(void)state;
	struct cpu_merge *m = cpu_merge_new(2);
	struct seen s = { "", 0 };

	add(m, 1, 7, "first");
	add(m, 0, 7, "second");
	add(m, 1, 7, "third");
	cpu_merge_release(m, UINT64_MAX, record, &s);
	assert_string_equal(s.text, "7/1/first 7/0/second 7/1/third");
	cpu_merge_free(m);
}

static void test_limit_holds_younger_entries(void **state)
{
	(void)state;
	struct cpu_merge *m = cpu_merge_new(2);
	struct seen s = { "", 0 };

	add(m, 0, 100, "x");
	add(m, 0, 300, "z");
	assert_int_equal(cpu_merge_release(m, 200, record, &s), 1);
	assert_string_equal(s.text, "100/0/x");
	assert_int_equal(cpu_merge_held(m), 1);
	/* the other CPU's older entry arrives late: still ahead of z */
	add(m, 1, 250, "y");
	s.text[0] = '\0';
	assert_int_equal(cpu_merge_release(m, UINT64_MAX, record, &s), 2);
	assert_string_equal(s.text, "250/1/y 300/0/z");
	cpu_merge_free(m);
}

static void test_late_entry_of_one_cpu_put_back(void **state)
{
	(void)state;
	struct cpu_merge *m = cpu_merge_new(1);
	struct seen s = { "", 0 };

	add(m, 0, 10, "p");
	add(m, 0, 30, "r");
	add(m, 0, 20, "q");
	add(m, 0, 40, "s");
	assert_int_equal(cpu_merge_release(m, 25, record, &s), 2);
	assert_string_equal(s.text, "10/0/p 20/0/q");
	/* after compaction the out-of-order bytes still belong to their entries */
	add(m, 0, 35, "t");
	s.text[0] = '\0';
	cpu_merge_release(m, UINT64_MAX, record, &s);
	assert_string_equal(s.text, "30/0/r 35/0/t 40/0/s");
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_order_across_cpus),
		cmocka_unit_test(test_ties_keep_add_order),
		cmocka_unit_test(test_limit_holds_younger_entries),
		cmocka_unit_test(test_late_entry_of_one_cpu_put_back),
		cmocka_unit_test(test_many_rounds),
		cmocka_unit_test(test_bad_cpu),
	};
	return cmocka_run_group_tests_name("cpu-merge", tests, NULL, NULL);
}
