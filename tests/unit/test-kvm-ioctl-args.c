/* Unit tests of the ioctl-argument decoder (lib/kvm-ioctl-args.c): the
 * structs record copies out of a VMM (capture format 1.2) put in words,
 * built from the kernel's UAPI structs here so a layout slip shows. Where
 * this is built for arm64 or x86, the request numbers record looks for are
 * checked against <linux/kvm.h>. */
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kvm-ioctl-args.h"

#include "tap-skip.h"

static char buf[256];

static int fmt(enum kvm_arch arch, const char *ioctl, const void *d, size_t len, unsigned fdk)
{
	memset(buf, 'x', sizeof(buf));
	return kvm_ioctl_args_format(arch, ioctl, d, len, fdk, buf, sizeof(buf));
}

static void test_vcpu_init_features(void **state)
{
	/* struct kvm_vcpu_init is arm64's; the same layout as bytes */
	uint32_t init[8] = { 5, (1u << 0) | (1u << 2) | (1u << 3) };
	(void)state;
	assert_true(fmt(KVM_ARCH_ARM64, "KVM_ARM_VCPU_INIT", init, sizeof(init), 0) > 0);
	assert_string_equal(buf, "target=5 features=POWER_OFF,PSCI_0_2,PMU_V3");
	init[1] = 0;
	fmt(KVM_ARCH_ARM64, "KVM_ARM_VCPU_INIT", init, sizeof(init), 0);
	assert_string_equal(buf, "target=5 features=0");
	init[1] = (1u << 2) | (1u << 20); /* a bit this table has no name for */
	fmt(KVM_ARCH_ARM64, "KVM_ARM_VCPU_INIT", init, sizeof(init), 0);
	assert_string_equal(buf, "target=5 features=PSCI_0_2,bit20");
	/* short: refused, not read past */
	assert_int_equal(fmt(KVM_ARCH_ARM64, "KVM_ARM_VCPU_INIT", init, 31, 0), -1);
}

static void test_device_attr_per_fd(void **state)
{
	struct kvm_device_attr a = { .group = 0, .attr = 0, .addr = 0x1000 };
	(void)state;
	assert_int_equal(sizeof(a), 24);
	fmt(KVM_ARCH_ARM64, "KVM_SET_DEVICE_ATTR", &a, sizeof(a), KVM_ATTR_FD_VCPU);
	assert_string_equal(buf, "group=KVM_ARM_VCPU_PMU_V3_CTRL attr=KVM_ARM_VCPU_PMU_V3_IRQ addr=0x1000");
	a.attr = 1;
	fmt(KVM_ARCH_ARM64, "KVM_HAS_DEVICE_ATTR", &a, sizeof(a), KVM_ATTR_FD_VCPU);
	assert_string_equal(buf, "group=KVM_ARM_VCPU_PMU_V3_CTRL attr=KVM_ARM_VCPU_PMU_V3_INIT addr=0x1000");
	/* the same numbers on a GICv3 device are its CTRL group's INIT... */
	a.group = 4;
	a.attr = 0;
	a.addr = 0;
	fmt(KVM_ARCH_ARM64, "KVM_SET_DEVICE_ATTR", &a, sizeof(a), KVM_ATTR_FD_DEVICE + 7);
	assert_string_equal(buf, "group=KVM_DEV_ARM_VGIC_GRP_CTRL attr=KVM_DEV_ARM_VGIC_CTRL_INIT addr=0x0");
	a.group = 0;
	a.attr = 3;
	fmt(KVM_ARCH_ARM64, "KVM_SET_DEVICE_ATTR", &a, sizeof(a), KVM_ATTR_FD_DEVICE + 7);
	assert_string_equal(buf, "group=KVM_DEV_ARM_VGIC_GRP_ADDR attr=KVM_VGIC_V3_ADDR_TYPE_REDIST addr=0x0");
	/* ...and on an fd nobody knows, numbers */
	fmt(KVM_ARCH_ARM64, "KVM_SET_DEVICE_ATTR", &a, sizeof(a), KVM_ATTR_FD_UNKNOWN);
	assert_string_equal(buf, "group=0 attr=3 addr=0x0");
	/* x86: /dev/kvm's XSAVE components (QEMU 7.2 asks), a vCPU's TSC offset */
	a = (struct kvm_device_attr){ .group = 0, .attr = 0, .addr = 0x7ff0 };
	fmt(KVM_ARCH_X86_64, "KVM_GET_DEVICE_ATTR", &a, sizeof(a), KVM_ATTR_FD_SYSTEM);
	assert_string_equal(buf, "group=KVM_X86_GRP_SYSTEM attr=KVM_X86_XCOMP_GUEST_SUPP addr=0x7ff0");
	fmt(KVM_ARCH_X86_64, "KVM_SET_DEVICE_ATTR", &a, sizeof(a), KVM_ATTR_FD_VCPU);
	assert_string_equal(buf, "group=KVM_VCPU_TSC_CTRL attr=KVM_VCPU_TSC_OFFSET addr=0x7ff0");
	a.flags = 2;
	fmt(KVM_ARCH_X86_64, "KVM_SET_DEVICE_ATTR", &a, sizeof(a), KVM_ATTR_FD_VCPU);
	assert_string_equal(buf, "group=KVM_VCPU_TSC_CTRL attr=KVM_VCPU_TSC_OFFSET addr=0x7ff0 flags=0x2");
}

static void test_create_device(void **state)
{
	struct kvm_create_device d = { .type = 7, .fd = 9 };
	(void)state;
	assert_int_equal(sizeof(d), 12);
	fmt(KVM_ARCH_ARM64, "KVM_CREATE_DEVICE", &d, sizeof(d), 0);
	assert_string_equal(buf, "type=KVM_DEV_TYPE_ARM_VGIC_V3 fd=9");
	d.flags = KVM_CREATE_DEVICE_TEST;
	d.type = 5;
	fmt(KVM_ARCH_ARM64, "KVM_CREATE_DEVICE", &d, sizeof(d), 0);
	assert_string_equal(buf, "type=KVM_DEV_TYPE_ARM_VGIC_V2 flags=KVM_CREATE_DEVICE_TEST");
	d = (struct kvm_create_device){ .type = 99, .fd = 3 };
	fmt(KVM_ARCH_X86_64, "KVM_CREATE_DEVICE", &d, sizeof(d), 0);
	assert_string_equal(buf, "type=99 fd=3");
	assert_string_equal(kvm_device_type_name(4), "KVM_DEV_TYPE_VFIO");
	assert_null(kvm_device_type_name(0));
}

static void test_truncation_and_others(void **state)
{
	uint32_t init[8] = { 5, 0xff };
	char small[12];
	(void)state;
	/* snprintf's contract: the whole length back, the buffer terminated */
	int n = kvm_ioctl_args_format(KVM_ARCH_ARM64, "KVM_ARM_VCPU_INIT", init, sizeof(init), 0,
				      small, sizeof(small));
	assert_true(n > (int)sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(fmt(KVM_ARCH_ARM64, "KVM_RUN", init, sizeof(init), 0), -1);
	assert_int_equal(fmt(KVM_ARCH_ARM64, NULL, init, sizeof(init), 0), -1);
}

/* the request numbers record looks for, where <linux/kvm.h> has them */
static void test_specs_are_the_abi(void **state)
{
	(void)state;
	for (size_t i = 0; i < kvm_ioctl_arg_nspecs; i++) {
		const struct kvm_ioctl_arg_spec *s = &kvm_ioctl_arg_specs[i];
		assert_true(s->size <= KVM_IOCTL_ARG_MAX);
		if (!strcmp(s->name, "KVM_SET_DEVICE_ATTR"))
			assert_int_equal(s->size, _IOC_SIZE(KVM_SET_DEVICE_ATTR));
		if (!strcmp(s->name, "KVM_CREATE_DEVICE"))
			assert_int_equal(s->size, _IOC_SIZE(KVM_CREATE_DEVICE));
#ifdef __aarch64__ /* struct kvm_vcpu_init is arm64's */
		if (!strcmp(s->name, "KVM_ARM_VCPU_INIT"))
			assert_int_equal(s->size, _IOC_SIZE(KVM_ARM_VCPU_INIT));
#endif
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_init_features),
		cmocka_unit_test(test_device_attr_per_fd),
		cmocka_unit_test(test_create_device),
		cmocka_unit_test(test_truncation_and_others),
		cmocka_unit_test(test_specs_are_the_abi),
	};
	tap_skip_filter_start();
	return tap_skip_filter_end(cmocka_run_group_tests_name("kvm-ioctl-args", tests, NULL, NULL));
}
