/* GIC version choice of the arm64 virt board (vmm/virt-gic.c): QEMU 7.2's
 * finalize_gic_version under KVM, and QEMU 4.1's virt-4.1 board. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tap-skip.h"
#include "virt-gic.h"

#define V2 VIRT_GIC_PROBE_V2
#define V3 VIRT_GIC_PROBE_V3

static char err[160];

static int choose(bool legacy, int asked, unsigned probe, int ncpus)
{
	err[0] = '\0';
	return virt_gic_choose(legacy, asked, probe, ncpus, err, sizeof(err));
}

static void test_qemu72(void **state)
{
	(void)state;
	/* no gic-version: v2 where it fits, else v3 */
	assert_int_equal(choose(false, 0, V2 | V3, 8), 2);
	assert_int_equal(choose(false, 0, V2 | V3, 9), 3);
	assert_int_equal(choose(false, 0, V3, 1), 3); /* the lab: GICv3 only */
	assert_int_equal(choose(false, 0, V2, 9), -1);
	assert_string_equal(err, "host only supports in-kernel GICv2 emulation but more than 8 "
				 "vcpus are requested");
	/* host and max: the highest offered */
	assert_int_equal(choose(false, VIRT_GIC_ASK_HOST, V2 | V3, 1), 3);
	assert_int_equal(choose(false, VIRT_GIC_ASK_MAX, V2, 1), 2);
	/* asked for what the host lacks: QEMU's words */
	assert_int_equal(choose(false, 2, V3, 1), -1);
	assert_string_equal(err, "host does not support in-kernel GICv2 emulation");
	assert_int_equal(choose(false, 3, V2, 1), -1);
	assert_string_equal(err, "host does not support in-kernel GICv3 emulation");
	assert_int_equal(choose(false, 0, 0, 1), -1);
	assert_string_equal(err, "Unable to determine GIC version supported by host");
	assert_true(virt_gic_needs_probe(false, 2));
}

static void test_qemu41(void **state)
{
	(void)state;
	/* GICv2 by default and when asked, whatever the host: no probe */
	assert_false(virt_gic_needs_probe(true, 0));
	assert_false(virt_gic_needs_probe(true, 2));
	assert_int_equal(choose(true, 0, 0, 1), 2);
	assert_int_equal(choose(true, 2, 0, 1), 2);
	assert_int_equal(choose(true, 3, 0, 1), 3);
	assert_true(virt_gic_needs_probe(true, VIRT_GIC_ASK_HOST));
	assert_int_equal(choose(true, VIRT_GIC_ASK_HOST, V3, 1), 3);
	assert_int_equal(choose(true, VIRT_GIC_ASK_HOST, 0, 1), -1);
	/* kvm_arm_gic_realize's fallback errnos */
	assert_true(virt_gic_legacy_fallback(ENODEV));
	assert_true(virt_gic_legacy_fallback(ENOTSUP));
	assert_false(virt_gic_legacy_fallback(EINVAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu72),
		cmocka_unit_test(test_qemu41),
	};
	return tap_run_group("virt-gic", tests, NULL, NULL);
}
