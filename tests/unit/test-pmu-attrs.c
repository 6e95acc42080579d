/* Unit tests of the arm64 PMUv3 attribute plan (vmm/pmu-attrs.c): QEMU's
 * order of KVM_HAS/SET_DEVICE_ATTR calls per vCPU, the exact two lines QEMU
 * prints for a failing step (the seed's "PMU: KVM_SET_DEVICE_ATTR: Invalid
 * argument" / "failed to set irq for PMU"), and the runner stopping at the
 * first failure. kvm_ioctl() is faked here: it records every call with its
 * decoded attribute and fails the call the test scripts, with the errno the
 * kernel's kvm_arm_pmu_v3_{has,set}_attr gives for that cause (spec §9.4). */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pmu-attrs.h"
#include "pmu-misconfig.h"

#include "tap-skip.h"

/* ---- the fake KVM door ---- */

struct call {
	unsigned long request;
	int kind, cpu;
	uint64_t group, attr;
	int value; /* *addr for IRQ, else -1 */
};

static struct call calls[64];
static int ncalls;
static int fail_at = -1; /* index of the call to fail */
static int fail_errno;

int kvm_ioctl(const struct kvm_fd *h, unsigned long request, void *arg)
{
	const struct kvm_device_attr *a = arg;
	struct call *c = &calls[ncalls];

	assert_true(ncalls < 64);
	c->request = request;
	c->kind = (int)h->kind;
	c->cpu = h->cpu_index;
	c->group = a->group;
	c->attr = a->attr;
	c->value = a->addr ? *(const int *)(uintptr_t)a->addr : -1;
	if (ncalls++ == fail_at) {
		errno = fail_errno;
		return -1;
	}
	return 0;
}

static struct kvm_fd vcpus[4];

static int setup(void **state)
{
	(void)state;
	ncalls = 0;
	fail_at = -1;
	for (int i = 0; i < 4; i++)
		vcpus[i] = (struct kvm_fd){ 100 + i, KVM_FD_VCPU, i };
	return 0;
}

static const struct pmu_attr_inputs two_cpus_gic = {
	.ncpus = 2, .pmu = true, .irqchip_in_kernel = true, .irq = VIRT_PMU_INTID,
};

/* ---- the plan ---- */

static void test_constants_are_the_abi(void **state)
{
	(void)state;
	assert_int_equal(ARM_VCPU_PMU_V3_FEATURE, 3);
	assert_int_equal(ARM_VCPU_PMU_V3_CTRL, 0);
	assert_int_equal(ARM_VCPU_PMU_V3_IRQ, 0);
	assert_int_equal(ARM_VCPU_PMU_V3_INIT, 1);
	/* PPI 7 is INTID 23: what the seed's gdb shows as irq=23 */
	assert_int_equal(VIRT_PMU_INTID, 23);
}

static void test_plan_order_per_vcpu_irq_then_init(void **state)
{
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	(void)state;
	assert_int_equal(pmu_attr_plan(&two_cpus_gic, plan, 8), 8);
	static const struct { int cpu; enum pmu_attr_op op; uint64_t attr; } want[] = {
		{ 0, PMU_ATTR_HAS, ARM_VCPU_PMU_V3_IRQ },  { 0, PMU_ATTR_SET, ARM_VCPU_PMU_V3_IRQ },
		{ 0, PMU_ATTR_HAS, ARM_VCPU_PMU_V3_INIT }, { 0, PMU_ATTR_SET, ARM_VCPU_PMU_V3_INIT },
		{ 1, PMU_ATTR_HAS, ARM_VCPU_PMU_V3_IRQ },  { 1, PMU_ATTR_SET, ARM_VCPU_PMU_V3_IRQ },
		{ 1, PMU_ATTR_HAS, ARM_VCPU_PMU_V3_INIT }, { 1, PMU_ATTR_SET, ARM_VCPU_PMU_V3_INIT },
	};
	for (int i = 0; i < 8; i++) {
		assert_int_equal(plan[i].cpu, want[i].cpu);
		assert_int_equal(plan[i].op, want[i].op);
		assert_int_equal(plan[i].group, ARM_VCPU_PMU_V3_CTRL);
		assert_int_equal(plan[i].attr, want[i].attr);
		assert_int_equal(plan[i].has_value, want[i].attr == ARM_VCPU_PMU_V3_IRQ);
		if (plan[i].has_value)
			assert_int_equal(plan[i].value, 23);
	}
}

static void test_plan_without_irqchip_skips_irq(void **state)
{
	struct pmu_attr_inputs in = two_cpus_gic;
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	(void)state;
	in.irqchip_in_kernel = false;
	assert_int_equal(pmu_attr_plan(&in, plan, 8), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(plan[i].attr, ARM_VCPU_PMU_V3_INIT);
		assert_int_equal(plan[i].cpu, i / 2);
		assert_false(plan[i].has_value);
	}
}

static void test_plan_without_pmu_is_empty(void **state)
{
	struct pmu_attr_inputs in = two_cpus_gic;
	struct pmu_attr_step plan[8];
	(void)state;
	in.pmu = false; /* pmu=off, or KVM without KVM_CAP_ARM_PMU_V3 */
	assert_int_equal(pmu_attr_plan(&in, plan, 8), 0);
}

static void test_plan_refuses_small_buffer(void **state)
{
	struct pmu_attr_step plan[7];
	(void)state;
	assert_int_equal(pmu_attr_plan(&two_cpus_gic, plan, 7), -1);
}

/* ---- QEMU's messages ---- */

static void expect_lines(const struct pmu_attr_step *s, int err, const char *first,
			 const char *second)
{
	char a[256], b[128];
	pmu_attr_failure_lines(s, err, a, sizeof(a), b, sizeof(b));
	assert_string_equal(a, first);
	assert_string_equal(b, second);
}

static void test_messages_match_qemu_and_the_seed(void **state)
{
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	(void)state;
	assert_int_equal(pmu_attr_plan(&two_cpus_gic, plan, 8), 8);
	/* the seed: SET(IRQ) -> EINVAL */
	expect_lines(&plan[1], EINVAL, "PMU: KVM_SET_DEVICE_ATTR: Invalid argument",
		     "failed to set irq for PMU");
	/* vCPU without the PMU feature: has_attr -ENXIO */
	expect_lines(&plan[0], ENXIO, "PMU: KVM_HAS_DEVICE_ATTR: No such device or address",
		     "failed to set irq for PMU");
	/* INIT before the vGIC is initialised: -ENODEV */
	expect_lines(&plan[3], ENODEV, "PMU: KVM_SET_DEVICE_ATTR: No such device",
		     "failed to init PMU");
	/* INIT with an irqchip but no IRQ set: -ENXIO */
	expect_lines(&plan[3], ENXIO, "PMU: KVM_SET_DEVICE_ATTR: No such device or address",
		     "failed to init PMU");
	/* IRQ already set on this vCPU: -EBUSY */
	expect_lines(&plan[1], EBUSY, "PMU: KVM_SET_DEVICE_ATTR: Device or resource busy",
		     "failed to set irq for PMU");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(pmu_attr_name(0), "IRQ");
	assert_string_equal(pmu_attr_name(1), "INIT");
	assert_string_equal(pmu_attr_name(2), "FILTER");
	assert_string_equal(pmu_attr_name(3), "SET_PMU");
	assert_string_equal(pmu_attr_name(99), "?");
	assert_string_equal(pmu_attr_op_ioctl_name(PMU_ATTR_HAS), "KVM_HAS_DEVICE_ATTR");
	assert_string_equal(pmu_attr_op_ioctl_name(PMU_ATTR_SET), "KVM_SET_DEVICE_ATTR");
}

/* ---- running the plan through the door ---- */

static void test_run_all_steps_in_order_on_the_right_fds(void **state)
{
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	int err = 0;
	(void)state;
	int n = pmu_attr_plan(&two_cpus_gic, plan, 8);
	assert_int_equal(pmu_attr_run(plan, n, vcpus, 2, &err), -1);
	assert_int_equal(ncalls, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(calls[i].request,
				 i % 2 ? KVM_SET_DEVICE_ATTR : KVM_HAS_DEVICE_ATTR);
		assert_int_equal(calls[i].kind, KVM_FD_VCPU);
		assert_int_equal(calls[i].cpu, i / 4);
		assert_int_equal(calls[i].group, 0);
		assert_int_equal(calls[i].attr, (i / 2) % 2);
		assert_int_equal(calls[i].value, (i / 2) % 2 == 0 ? 23 : -1);
	}
}

static void test_run_stops_at_first_failure(void **state)
{
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	int err = 0;
	(void)state;
	int n = pmu_attr_plan(&two_cpus_gic, plan, 8);
	fail_at = 1; /* cpu 0 SET(IRQ): the seed */
	fail_errno = EINVAL;
	assert_int_equal(pmu_attr_run(plan, n, vcpus, 2, &err), 1);
	assert_int_equal(err, EINVAL);
	assert_int_equal(ncalls, 2); /* no INIT, no cpu 1 after the failure */
	assert_string_equal(plan[1].on_failure, "failed to set irq for PMU");
}

static void test_run_failure_on_second_vcpu_init(void **state)
{
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	int err = 0;
	(void)state;
	int n = pmu_attr_plan(&two_cpus_gic, plan, 8);
	fail_at = 7;
	fail_errno = ENODEV;
	assert_int_equal(pmu_attr_run(plan, n, vcpus, 2, &err), 7);
	assert_int_equal(err, ENODEV);
	assert_int_equal(plan[7].cpu, 1);
	assert_string_equal(plan[7].on_failure, "failed to init PMU");
}

static void test_run_rejects_cpu_without_fd(void **state)
{
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	int err = 0;
	(void)state;
	int n = pmu_attr_plan(&two_cpus_gic, plan, 8);
	/* only one fd for a two-vCPU plan: an error, not an out-of-bounds read */
	assert_int_equal(pmu_attr_run(plan, n, vcpus, 1, &err), 4);
	assert_int_equal(err, EINVAL);
	assert_int_equal(ncalls, 4);
}

/* ---- -cpu x-pmu-* (vmm/pmu-misconfig.c): the misconfigured plans ---- */

static void test_plan_irq_last_differs_on_the_last_vcpu(void **state)
{
	struct pmu_attr_inputs in = two_cpus_gic;
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	(void)state;
	in.irq_last = 22;
	assert_int_equal(pmu_attr_plan(&in, plan, 8), 8);
	assert_int_equal(plan[1].value, 23); /* cpu 0's SET(IRQ) */
	assert_int_equal(plan[5].cpu, 1);
	assert_int_equal(plan[5].value, 22); /* cpu 1's: a different PPI */
}

static void test_plan_irq_after_init_ends_with_cpu0_irq(void **state)
{
	struct pmu_attr_inputs in = two_cpus_gic;
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS_MISCONFIG(2)];
	(void)state;
	in.irq_after_init = true;
	assert_int_equal(pmu_attr_plan(&in, plan, 8), -1); /* needs the room for 2 more */
	assert_int_equal(pmu_attr_plan(&in, plan, 10), 10);
	assert_int_equal(plan[7].attr, ARM_VCPU_PMU_V3_INIT);
	assert_int_equal(plan[8].op, PMU_ATTR_HAS);
	assert_int_equal(plan[9].op, PMU_ATTR_SET);
	assert_int_equal(plan[9].cpu, 0);
	assert_int_equal(plan[9].attr, ARM_VCPU_PMU_V3_IRQ);
	assert_string_equal(plan[9].on_failure, "failed to set irq for PMU");
}

/* x-pmu-has-probe=off: SET alone, in QEMU's order otherwise */
static void test_plan_without_has_probe_sets_only(void **state)
{
	static const struct { int cpu; uint64_t attr; } want[] = {
		{ 0, ARM_VCPU_PMU_V3_IRQ }, { 0, ARM_VCPU_PMU_V3_INIT },
		{ 1, ARM_VCPU_PMU_V3_IRQ }, { 1, ARM_VCPU_PMU_V3_INIT },
	};
	struct pmu_attr_inputs in = two_cpus_gic;
	struct pmu_attr_step plan[PMU_ATTR_MAX_STEPS(2)];
	(void)state;
	in.no_has_probe = true;
	int n = pmu_attr_plan(&in, plan, 8);
	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++)
		assert_true(plan[i].op == PMU_ATTR_SET && plan[i].cpu == want[i].cpu &&
			    plan[i].attr == want[i].attr);
}

static void test_misconfig_parse(void **state)
{
	struct pmu_misconfig mc = { 0 };
	char err[160];
	(void)state;
	assert_int_equal(pmu_misconfig_parse("pmu", "off", &mc, err, sizeof(err)), 0);
	assert_int_equal(pmu_misconfig_parse("x-pmu-feature-off", "1", &mc, err, sizeof(err)), 1);
	assert_int_equal(mc.feature_off_cpus, 2);
	assert_int_equal(pmu_misconfig_parse("x-pmu-feature-off", "8", &mc, err, sizeof(err)), -1);
	assert_string_equal(err, "Parameter 'x-pmu-feature-off' expects a vCPU index 0..7");
	assert_int_equal(pmu_misconfig_parse("x-pmu-irq-last", "22", &mc, err, sizeof(err)), 1);
	assert_int_equal(mc.irq_last, 22);
	assert_int_equal(pmu_misconfig_parse("x-pmu-irq-last", "0", &mc, err, sizeof(err)), -1);
	assert_int_equal(pmu_misconfig_parse("x-pmu-irq-last", "1024", &mc, err, sizeof(err)), -1);
	assert_int_equal(pmu_misconfig_parse("x-pmu-irq-after-init", "on", &mc, err, sizeof(err)), 1);
	assert_true(mc.irq_after_init);
	assert_int_equal(pmu_misconfig_parse("x-pmu-has-probe", "off", &mc, err, sizeof(err)), 1);
	assert_true(mc.no_has_probe);
	assert_int_equal(pmu_misconfig_parse("x-pmu-has-probe", "yes", &mc, err, sizeof(err)), -1);
	assert_string_equal(err, "Parameter 'x-pmu-has-probe' expects 'on' or 'off'");
}

int main(void)
{
#define F(t) cmocka_unit_test_setup(t, setup)
	const struct CMUnitTest tests[] = {
		F(test_constants_are_the_abi),
		F(test_plan_order_per_vcpu_irq_then_init),
		F(test_plan_without_irqchip_skips_irq),
		F(test_plan_without_pmu_is_empty),
		F(test_plan_refuses_small_buffer),
		F(test_messages_match_qemu_and_the_seed),
		F(test_names),
		F(test_run_all_steps_in_order_on_the_right_fds),
		F(test_run_stops_at_first_failure),
		F(test_run_failure_on_second_vcpu_init),
		F(test_run_rejects_cpu_without_fd),
		F(test_plan_irq_last_differs_on_the_last_vcpu),
		F(test_plan_irq_after_init_ends_with_cpu0_irq),
		F(test_plan_without_has_probe_sets_only),
		F(test_misconfig_parse),
	};
	return tap_run_group("pmu-attrs", tests, NULL, NULL);
}
