/* Unit tests of -cpu host,pmu-filter= parsing (vmm/pmu-filter.c): the x86
 * KVM_SET_PMU_EVENT_FILTER action and events, and a message naming the bad
 * part of every malformed value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pmu-filter.h"

#include "tap-skip.h"

static void test_allow_and_deny(void **state)
{
	struct pmu_filter_config f;
	char err[256];
	(void)state;
	assert_int_equal(pmu_filter_parse("allow:0xc0:0x3c", &f, err, sizeof(err)), 0);
	assert_true(f.set);
	assert_int_equal(f.action, PMU_FILTER_ALLOW);
	assert_int_equal(f.nevents, 2);
	assert_int_equal(f.events[0], 0xc0);
	assert_int_equal(f.events[1], 0x3c);
	assert_int_equal(pmu_filter_parse("deny:0x01c2", &f, err, sizeof(err)), 0);
	assert_int_equal(f.action, PMU_FILTER_DENY);
	assert_int_equal(f.nevents, 1);
	assert_int_equal(f.events[0], 0x1c2);
	/* AMD's event select bits 11:8 live in bits 35:32 */
	assert_int_equal(pmu_filter_parse("deny:0x1000000c0", &f, err, sizeof(err)), 0);
	assert_int_equal(f.events[0], 0x1000000c0ULL);
	/* the KVM ABI values */
	assert_int_equal(PMU_FILTER_ALLOW, 0);
	assert_int_equal(PMU_FILTER_DENY, 1);
}

static void expect_error(const char *spec, const char *needle)
{
	struct pmu_filter_config f;
	char err[256] = "";
	assert_int_equal(pmu_filter_parse(spec, &f, err, sizeof(err)), -1);
	if (!strstr(err, needle))
		fail_msg("'%s': message '%s' lacks '%s'", spec, err, needle);
	assert_false(f.set);
}

static void test_rejects(void **state)
{
	(void)state;
	expect_error("maybe:0xc0", "action 'maybe'");
	expect_error("", "action ''");
	expect_error("allow", "no events after 'allow:'");
	expect_error("deny:", "no events after 'deny:'");
	expect_error("allow:0xc0:zz", "event 'zz'");
	expect_error("allow:-1", "event '-1'");
	expect_error("allow:0x10000", "event '0x10000'"); /* beyond the unit mask */
	expect_error("allow::", "no events");
}

static void test_event_limit(void **state)
{
	char spec[1024] = "allow";
	struct pmu_filter_config f;
	char err[256];
	(void)state;
	for (int i = 0; i < VMM_MAX_PMU_FILTER_EVENTS; i++)
		strcat(spec, ":0xc0");
	assert_int_equal(pmu_filter_parse(spec, &f, err, sizeof(err)), 0);
	assert_int_equal(f.nevents, VMM_MAX_PMU_FILTER_EVENTS);
	strcat(spec, ":0xc0");
	expect_error(spec, "at most 64 events");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_and_deny),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_event_limit),
	};
	return tap_run_group("pmu-filter", tests, NULL, NULL);
}
