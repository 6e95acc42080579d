/* Unit tests of the KVM door's name tables (vmm/kvm-names.c) and of -fault
 * injection through kvm_ioctl() (vmm/kvm.c).
 *
 * Injection is checked on real file descriptors with harmless ioctls:
 * KVM_GET_API_VERSION / KVM_CHECK_EXTENSION on /dev/kvm when it can be
 * opened (those tests are skipped otherwise), and on /dev/null, where every
 * real ioctl fails with ENOTTY, so an injected errno is told apart. The fd
 * kind and vCPU index kvm_ioctl() matches rules against are labels in
 * struct kvm_fd, so one /dev/kvm descriptor can play every kind. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvm.h"

#include "tap-skip.h"

static int kvm_fd = -1;	 /* /dev/kvm, or -1 */
static int null_fd = -1; /* /dev/null */

/* ---- ioctl names ---- */

static void test_ioctl_name_known_numbers(void **state)
{
	(void)state;
	/* numbers written out: the ABI, independent of the header macros */
	assert_int_equal(KVM_RUN, 0xae80);
	assert_string_equal(kvm_ioctl_name(0xae80), "KVM_RUN");
	assert_int_equal(KVM_CREATE_VM, 0xae01);
	assert_string_equal(kvm_ioctl_name(0xae01), "KVM_CREATE_VM");
	assert_string_equal(kvm_ioctl_name(0xae00), "KVM_GET_API_VERSION");
	assert_string_equal(kvm_ioctl_name(0xae03), "KVM_CHECK_EXTENSION");
	/* _IOW(KVMIO, 0xe1, struct kvm_device_attr): 24-byte argument */
	assert_int_equal(KVM_SET_DEVICE_ATTR, 0x4018aee1);
	assert_string_equal(kvm_ioctl_name(0x4018aee1), "KVM_SET_DEVICE_ATTR");
	assert_string_equal(kvm_ioctl_name(KVM_HAS_DEVICE_ATTR), "KVM_HAS_DEVICE_ATTR");
#ifdef __x86_64__
	/* _IOW(KVMIO, 0x90, struct kvm_cpuid2): 8-byte header */
	assert_int_equal(KVM_SET_CPUID2, 0x4008ae90);
	assert_string_equal(kvm_ioctl_name(0x4008ae90), "KVM_SET_CPUID2");
	/* QEMU's int request arrives sign-extended: the kernel reads 32 bits */
	assert_string_equal(kvm_ioctl_name(0xffffffffc008ae05UL), "KVM_GET_SUPPORTED_CPUID");
#endif
	assert_string_equal(kvm_ioctl_name(0xffffffff00000000UL | 0xae80), "KVM_RUN");
}

/* A capture names its machine: an analyst built for one arch decodes the
 * other's requests, the ones whose number depends on a struct's size too. */
static void test_ioctl_name_other_arch(void **state)
{
	(void)state;
	assert_string_equal(kvm_ioctl_name_arch(KVM_ARCH_X86_64, 0xc008ae05), "KVM_GET_SUPPORTED_CPUID");
	assert_string_equal(kvm_ioctl_name_arch(KVM_ARCH_X86_64, 0x8090ae81), "KVM_GET_REGS");
	assert_string_equal(kvm_ioctl_name_arch(KVM_ARCH_ARM64, 0x8360ae81), "KVM_GET_REGS");
	assert_string_equal(kvm_ioctl_name_arch(KVM_ARCH_ARM64, 0x4020aeae), "KVM_ARM_VCPU_INIT");
	assert_null(kvm_ioctl_name_arch(KVM_ARCH_ARM64, 0xc008ae05)); /* x86's only */
	assert_null(kvm_ioctl_name_arch(KVM_ARCH_X86_64, 0x4020aeae)); /* arm64's only */
	/* the requests every arch shares, on either */
	assert_string_equal(kvm_ioctl_name_arch(KVM_ARCH_ARM64, 0xae80), "KVM_RUN");
	assert_string_equal(kvm_ioctl_name_arch(KVM_ARCH_X86_64, 0x4018aee1), "KVM_SET_DEVICE_ATTR");
	/* QEMU passes requests sign-extended to 64 bits */
	assert_string_equal(kvm_ioctl_name_arch(KVM_ARCH_X86_64, 0xffffffffc008ae05ull),
			    "KVM_GET_SUPPORTED_CPUID");
	assert_int_equal(kvm_arch_by_machine("aarch64"), KVM_ARCH_ARM64);
	assert_int_equal(kvm_arch_by_machine("arm64"), KVM_ARCH_ARM64);
	assert_int_equal(kvm_arch_by_machine("x86_64"), KVM_ARCH_X86_64);
#ifdef __x86_64__
	assert_int_equal(kvm_arch_by_machine(NULL), KVM_ARCH_X86_64);
	assert_int_equal(kvm_arch_by_machine("riscv64"), KVM_ARCH_X86_64);
#endif
}

static void test_ioctl_name_unknown(void **state)
{
	(void)state;
	static const unsigned long unknown[] = { 0, 1, 0xae7f, 0xaeff, 0xdeadbeef,
						 0x5401 /* TCGETS */, ~0UL };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_null(kvm_ioctl_name(unknown[i]));
	assert_int_equal(kvm_ioctl_by_name(""), 0);
	assert_int_equal(kvm_ioctl_by_name("KVM_NOPE"), 0);
	assert_int_equal(kvm_ioctl_by_name("kvm_run"), 0); /* exact case */
	assert_int_equal(kvm_ioctl_by_name("KVM_RUN "), 0);
}

#define N(x) { #x, (unsigned long)(x) }
static const struct {
	const char *name;
	unsigned long request;
} names[] = {
	/* system */
	N(KVM_GET_API_VERSION), N(KVM_CREATE_VM), N(KVM_CHECK_EXTENSION),
	N(KVM_GET_VCPU_MMAP_SIZE),
	/* VM */
	N(KVM_CREATE_VCPU), N(KVM_GET_DIRTY_LOG), N(KVM_SET_USER_MEMORY_REGION),
	N(KVM_SET_TSS_ADDR), N(KVM_SET_IDENTITY_MAP_ADDR), N(KVM_CREATE_IRQCHIP), N(KVM_IRQ_LINE),
	N(KVM_IRQ_LINE_STATUS), N(KVM_GET_IRQCHIP), N(KVM_SET_IRQCHIP), N(KVM_CREATE_PIT2),
	N(KVM_SET_GSI_ROUTING), N(KVM_IRQFD), N(KVM_IOEVENTFD), N(KVM_SET_BOOT_CPU_ID),
	N(KVM_SET_CLOCK), N(KVM_GET_CLOCK), N(KVM_SIGNAL_MSI), N(KVM_CREATE_DEVICE),
	N(KVM_SET_PMU_EVENT_FILTER), N(KVM_MEMORY_ENCRYPT_OP), N(KVM_MEMORY_ENCRYPT_REG_REGION),
	N(KVM_MEMORY_ENCRYPT_UNREG_REGION), N(KVM_CLEAR_DIRTY_LOG), N(KVM_RESET_DIRTY_RINGS),
	N(KVM_GET_STATS_FD), N(KVM_ENABLE_CAP), N(KVM_SET_TSC_KHZ), N(KVM_GET_TSC_KHZ),
	N(KVM_ARM_SET_DEVICE_ADDR),
	/* vCPU */
	N(KVM_RUN), N(KVM_GET_REGS), N(KVM_SET_REGS), N(KVM_GET_SREGS), N(KVM_SET_SREGS),
	N(KVM_TRANSLATE), N(KVM_INTERRUPT), N(KVM_SET_SIGNAL_MASK), N(KVM_GET_FPU),
	N(KVM_SET_FPU), N(KVM_GET_MP_STATE), N(KVM_SET_MP_STATE), N(KVM_NMI),
	N(KVM_SET_GUEST_DEBUG), N(KVM_GET_VCPU_EVENTS), N(KVM_SET_VCPU_EVENTS),
	N(KVM_SET_ONE_REG), N(KVM_GET_REG_LIST), N(KVM_KVMCLOCK_CTRL), N(KVM_SMI),
	N(KVM_GET_XSAVE2), N(KVM_ARM_VCPU_FINALIZE),
	/* device */
	N(KVM_SET_DEVICE_ATTR), N(KVM_GET_DEVICE_ATTR), N(KVM_HAS_DEVICE_ATTR),
#ifdef __x86_64__
	N(KVM_GET_SUPPORTED_CPUID), N(KVM_GET_EMULATED_CPUID), N(KVM_GET_MSR_INDEX_LIST),
	N(KVM_GET_MSR_FEATURE_INDEX_LIST), N(KVM_SET_CPUID), N(KVM_SET_CPUID2), N(KVM_GET_CPUID2),
	N(KVM_GET_MSRS), N(KVM_SET_MSRS), N(KVM_GET_LAPIC), N(KVM_SET_LAPIC), N(KVM_GET_XSAVE),
	N(KVM_SET_XSAVE), N(KVM_GET_XCRS), N(KVM_SET_XCRS), N(KVM_GET_DEBUGREGS),
	N(KVM_SET_DEBUGREGS), N(KVM_GET_PIT2), N(KVM_SET_PIT2), N(KVM_GET_SREGS2),
	N(KVM_SET_SREGS2), N(KVM_X86_SETUP_MCE), N(KVM_X86_SET_MCE), N(KVM_X86_SET_MSR_FILTER),
	N(KVM_GET_NESTED_STATE), N(KVM_SET_NESTED_STATE), N(KVM_GET_SUPPORTED_HV_CPUID),
#endif
#ifdef __aarch64__
	N(KVM_ARM_VCPU_INIT), N(KVM_ARM_PREFERRED_TARGET),
#endif
};

/* name -> number -> name, for every name above */
static void test_ioctl_round_trip(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned long req = kvm_ioctl_by_name(names[i].name);
		/* the one shared number is told apart by the fd it is issued on */
		const char *back = names[i].request == KVM_ARM_SET_DEVICE_ADDR
					   ? kvm_ioctl_name_fd(KVM_FD_VM, names[i].request)
					   : kvm_ioctl_name(names[i].request);
		if (req != names[i].request) {
			print_message("# kvm_ioctl_by_name(%s) = %#lx, want %#lx\n", names[i].name,
				      req, names[i].request);
			bad++;
		}
		if (!back || strcmp(back, names[i].name) != 0) {
			print_message("# kvm_ioctl_name(%#lx) = %s, want %s\n", names[i].request,
				      back ? back : "NULL", names[i].name);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* KVM_GET_ONE_REG (vCPU) and KVM_ARM_SET_DEVICE_ADDR (VM) are both
 * _IOW(KVMIO, 0xab, 16-byte struct) in <linux/kvm.h>: one number, two names. */
static void test_ioctl_name_get_one_reg(void **state)
{
	(void)state;
	assert_int_equal(KVM_GET_ONE_REG, KVM_ARM_SET_DEVICE_ADDR);
	assert_int_equal(kvm_ioctl_by_name("KVM_GET_ONE_REG"), KVM_GET_ONE_REG);
	assert_string_equal(kvm_ioctl_name(KVM_GET_ONE_REG), "KVM_GET_ONE_REG");
	assert_string_equal(kvm_ioctl_name_fd(KVM_FD_VCPU, KVM_GET_ONE_REG), "KVM_GET_ONE_REG");
	assert_string_equal(kvm_ioctl_name_fd(KVM_FD_VM, KVM_ARM_SET_DEVICE_ADDR),
			    "KVM_ARM_SET_DEVICE_ADDR");
}

static void test_exit_reason_names(void **state)
{
	(void)state;
	assert_string_equal(kvm_exit_reason_name(2), "KVM_EXIT_IO");
	assert_string_equal(kvm_exit_reason_name(8), "KVM_EXIT_SHUTDOWN");
	assert_string_equal(kvm_exit_reason_name(24), "KVM_EXIT_SYSTEM_EVENT");
	assert_string_equal(kvm_exit_reason_name(0), "KVM_EXIT_UNKNOWN");
	assert_string_equal(kvm_exit_reason_name(5), "KVM_EXIT_HLT");
	assert_string_equal(kvm_exit_reason_name(6), "KVM_EXIT_MMIO");
	assert_string_equal(kvm_exit_reason_name(9), "KVM_EXIT_FAIL_ENTRY");
	assert_string_equal(kvm_exit_reason_name(10), "KVM_EXIT_INTR");
	assert_string_equal(kvm_exit_reason_name(17), "KVM_EXIT_INTERNAL_ERROR");
	assert_null(kvm_exit_reason_name(1000));
	assert_null(kvm_exit_reason_name(UINT32_MAX));
	/* every reason up to KVM_EXIT_NOTIFY has a name of the right shape */
	for (uint32_t r = 0; r <= KVM_EXIT_NOTIFY; r++) {
		const char *n = kvm_exit_reason_name(r);
		assert_non_null(n);
		assert_int_equal(strncmp(n, "KVM_EXIT_", 9), 0);
	}
}

static void test_system_event_names(void **state)
{
	(void)state;
	assert_string_equal(kvm_system_event_name(KVM_SYSTEM_EVENT_SHUTDOWN),
			    "KVM_SYSTEM_EVENT_SHUTDOWN");
	assert_string_equal(kvm_system_event_name(1), "KVM_SYSTEM_EVENT_SHUTDOWN");
	assert_string_equal(kvm_system_event_name(2), "KVM_SYSTEM_EVENT_RESET");
	assert_string_equal(kvm_system_event_name(3), "KVM_SYSTEM_EVENT_CRASH");
	assert_null(kvm_system_event_name(0));
	assert_null(kvm_system_event_name(99));
}

static void test_errno_names(void **state)
{
	(void)state;
	assert_string_equal(errno_name(22), "EINVAL");
	assert_string_equal(errno_name(EINTR), "EINTR");
	assert_string_equal(errno_name(ENOENT), "ENOENT");
	assert_string_equal(errno_name(ENXIO), "ENXIO");
	assert_string_equal(errno_name(0), "E?");
	assert_string_equal(errno_name(-22), "E?");
	assert_string_equal(errno_name(99999), "E?");

	assert_int_equal(errno_by_name("EINVAL"), 22);
	assert_int_equal(errno_by_name("22"), 22);
	assert_int_equal(errno_by_name("EBUSY"), EBUSY);
	assert_int_equal(errno_by_name("ENODEV"), ENODEV);
	assert_int_equal(errno_by_name("EFAULT"), EFAULT);
	assert_int_equal(errno_by_name("EPERM"), 1);
	assert_int_equal(errno_by_name("1"), 1);
	assert_int_equal(errno_by_name("4095"), 4095);
	assert_int_equal(errno_by_name("4096"), -1);
	assert_int_equal(errno_by_name("0"), -1);
	assert_int_equal(errno_by_name("-22"), -1);
	assert_int_equal(errno_by_name("EWHATEVER"), -1);
	assert_int_equal(errno_by_name("einval"), -1);
	assert_int_equal(errno_by_name(""), -1);
	assert_int_equal(errno_by_name("22x"), -1);
	/* every errno the C library names round-trips */
	for (int e = 1; e < 134; e++) {
		const char *n = strerrorname_np(e);
		if (n)
			assert_int_equal(errno_by_name(n), e);
	}
}

/* ---- -fault rules: parsing ---- */

static int fault_teardown(void **state)
{
	(void)state;
	kvm_fault_clear();
	return 0;
}

static void test_fault_parse_accepts(void **state)
{
	(void)state;
	static const char *const good[] = {
		"ioctl=KVM_RUN,errno=EINTR",
		"ioctl=KVM_RUN,errno=4",
		"errno=EINVAL,ioctl=KVM_CREATE_VM",
		"ioctl=KVM_CHECK_EXTENSION,errno=EINVAL,after=2,count=3",
		"ioctl=KVM_RUN,errno=EFAULT,count=0",
		"ioctl=KVM_RUN,errno=EFAULT,after=0x10,count=010",
		"ioctl=KVM_SET_DEVICE_ATTR,errno=ENXIO,fd=device",
		"ioctl=KVM_RUN,errno=EINTR,fd=vcpu,cpu=1",
		"ioctl=KVM_CREATE_VCPU,errno=ENOMEM,fd=vm",
		"ioctl=KVM_GET_API_VERSION,errno=EIO,fd=system",
		"ioctl=KVM_RUN,errno=EINTR,after=4294967295",
	};
	char e[256];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		e[0] = '\0';
		if (kvm_fault_parse(good[i], e, sizeof(e)) != 0)
			fail_msg("rejected '%s': %s", good[i], e);
		kvm_fault_clear();
	}
}

static void test_fault_parse_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{ "ioctl=KVM_NOPE,errno=EINVAL", "-fault: unknown ioctl 'KVM_NOPE'" },
		{ "ioctl=,errno=EINVAL", "-fault: unknown ioctl ''" },
		{ "ioctl=KVM_RUN,errno=EBOGUS", "-fault: unknown errno 'EBOGUS'" },
		{ "ioctl=KVM_RUN,errno=0", "-fault: unknown errno '0'" },
		{ "ioctl=KVM_RUN,errno=-4", "-fault: unknown errno '-4'" },
		{ "ioctl=KVM_RUN", "-fault: both ioctl=NAME and errno=ERRNO are required" },
		{ "errno=EINVAL", "-fault: both ioctl=NAME and errno=ERRNO are required" },
		{ "", "-fault: both ioctl=NAME and errno=ERRNO are required" },
		{ "after=1", "-fault: both ioctl=NAME and errno=ERRNO are required" },
		{ "ioctl", "-fault: 'ioctl' is not KEY=VALUE" },
		{ "ioctl=KVM_RUN,errno=EINVAL,count", "-fault: 'count' is not KEY=VALUE" },
		{ "ioctl=KVM_RUN,errno=EINVAL,after=x", "-fault: after=x is not a number" },
		{ "ioctl=KVM_RUN,errno=EINVAL,after=", "-fault: after= is not a number" },
		{ "ioctl=KVM_RUN,errno=EINVAL,count=-1", "-fault: count=-1 is not a number" },
		{ "ioctl=KVM_RUN,errno=EINVAL,cpu=one", "-fault: cpu=one is not a number" },
		{ "ioctl=KVM_RUN,errno=EINVAL,after=4294967296",
		  "-fault: after=4294967296 is not a number" },
		{ "ioctl=KVM_RUN,errno=EINVAL,fd=host",
		  "-fault: fd=host: expected system, vm, vcpu or device" },
		{ "ioctl=KVM_RUN,errno=EINVAL,fd=", "-fault: fd=: expected system, vm, vcpu or device" },
		{ "ioctl=KVM_RUN,errno=EINVAL,foo=1", "-fault: invalid parameter 'foo'" },
		{ "ioctl=KVM_RUN,errno=EINVAL,Ioctl=KVM_RUN", "-fault: invalid parameter 'Ioctl'" },
	};
	char e[256];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e[0] = '\0';
		if (kvm_fault_parse(bad[i].spec, e, sizeof(e)) != -1)
			fail_msg("accepted '%s'", bad[i].spec);
		if (strcmp(e, bad[i].msg) != 0)
			fail_msg("'%s': message '%s', want '%s'", bad[i].spec, e, bad[i].msg);
	}
	char longspec[600];
	memset(longspec, 'a', sizeof(longspec));
	memcpy(longspec, "ioctl=", 6);
	longspec[sizeof(longspec) - 1] = '\0';
	assert_int_equal(kvm_fault_parse(longspec, e, sizeof(e)), -1);
	assert_string_equal(e, "-fault: argument too long");
}

/* cpu=N names one vCPU index; a number that is no int must not become the
 * "any vCPU" wildcard (-1). */
static void test_fault_parse_cpu_out_of_range(void **state)
{
	(void)state;
	char e[256];
	struct kvm_fd cpu0 = { null_fd, KVM_FD_VCPU, 0 };
	if (kvm_fault_parse("ioctl=KVM_RUN,errno=EINTR,cpu=4294967295,count=0", e, sizeof(e)) == 0) {
		errno = 0;
		assert_int_equal(kvm_ioctl(&cpu0, KVM_RUN, NULL), -1);
		assert_int_equal(errno, ENOTTY); /* not injected */
	}
}

static void test_fault_parse_rule_limit(void **state)
{
	(void)state;
	char e[256];
	for (int i = 0; i < 16; i++)
		assert_int_equal(kvm_fault_parse("ioctl=KVM_RUN,errno=EINTR", e, sizeof(e)), 0);
	assert_int_equal(kvm_fault_parse("ioctl=KVM_RUN,errno=EINTR", e, sizeof(e)), -1);
	assert_string_equal(e, "-fault: at most 16 rules");
	kvm_fault_clear();
	assert_int_equal(kvm_fault_parse("ioctl=KVM_RUN,errno=EINTR", e, sizeof(e)), 0);
}

/* ---- -fault rules: behaviour through kvm_ioctl() ---- */

static int group_setup(void **state)
{
	(void)state;
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	return null_fd >= 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	if (kvm_fd >= 0)
		close(kvm_fd);
	close(null_fd);
	return 0;
}

static void need_kvm(void)
{
	if (kvm_fd < 0) {
		print_message("# /dev/kvm cannot be opened (%s): skipped\n", strerror(errno));
		skip();
	}
}

static void add_rule(const char *spec)
{
	char e[256];
	if (kvm_fault_parse(spec, e, sizeof(e)) != 0)
		fail_msg("kvm_fault_parse(%s): %s", spec, e);
}

/* n calls of KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY); writes 'o' for a
 * success, 'F' for -1/EINVAL, '?' for anything else */
static void check_ext_calls(const struct kvm_fd *h, int n, char *out)
{
	for (int i = 0; i < n; i++) {
		errno = 0;
		int r = kvm_ioctl_int(h, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);
		int e = errno;
		out[i] = r > 0 ? 'o' : (r == -1 && e == EINVAL) ? 'F' : '?';
	}
	out[n] = '\0';
}

static void test_kvm_no_rules_passes_through(void **state)
{
	(void)state;
	need_kvm();
	struct kvm_fd h = { kvm_fd, KVM_FD_SYSTEM, -1 };
	assert_int_equal(kvm_ioctl(&h, KVM_GET_API_VERSION, NULL), KVM_API_VERSION);
	assert_int_equal(kvm_ioctl_int(&h, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY), 1);
	/* a real failure keeps its errno: KVM_RUN is no /dev/kvm ioctl */
	errno = 0;
	assert_int_equal(kvm_ioctl(&h, KVM_RUN, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_kvm_after_and_count(void **state)
{
	(void)state;
	need_kvm();
	struct kvm_fd h = { kvm_fd, KVM_FD_SYSTEM, -1 };
	char got[16];
	add_rule("ioctl=KVM_CHECK_EXTENSION,errno=EINVAL,after=2,count=3");
	/* another ioctl is not affected, and does not count */
	assert_int_equal(kvm_ioctl(&h, KVM_GET_API_VERSION, NULL), KVM_API_VERSION);
	check_ext_calls(&h, 8, got);
	assert_string_equal(got, "ooFFFooo");
	assert_int_equal(kvm_ioctl(&h, KVM_GET_API_VERSION, NULL), KVM_API_VERSION);
}

/* Injection cases on KVM_CHECK_EXTENSION, one per row: each step may clear
 * the rules and add one, then makes CALLS calls on a handle of KIND (and
 * vCPU) and compares what they did, as check_ext_calls writes it. */
struct fault_step {
	bool clear;		/* kvm_fault_clear() first */
	const char *rule;	/* then add this rule (NULL: none) */
	enum kvm_fd_kind kind;
	int cpu;
	int calls;
	const char *want;
};
struct fault_case {
	struct fault_step steps[4];	/* up to the first with no calls */
};

#define EXT "ioctl=KVM_CHECK_EXTENSION,errno=EINVAL"
static const struct fault_case default_is_one_failure = { {
	{ false, EXT, KVM_FD_SYSTEM, -1, 4, "Fooo" },
} };
static const struct fault_case count_zero_is_unlimited = { {
	{ false, EXT ",after=1,count=0", KVM_FD_SYSTEM, -1, 40,
	  "oFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" },
} };
static const struct fault_case fd_filter = { {
	{ false, EXT ",fd=vm,count=2", KVM_FD_SYSTEM, -1, 3, "ooo" },
	{ false, NULL, KVM_FD_DEVICE, -1, 2, "oo" },
	{ false, NULL, KVM_FD_VM, -1, 3, "FFo" }, /* only the vm kind counts */
} };
static const struct fault_case cpu_filter = { {
	{ false, EXT ",cpu=1,after=1,count=2", KVM_FD_VCPU, 0, 3, "ooo" },
	{ false, NULL, KVM_FD_SYSTEM, -1, 2, "oo" },
	{ false, NULL, KVM_FD_VCPU, 1, 4, "oFFo" },
} };
static const struct fault_case fault_clear = { {
	{ false, EXT ",count=0", KVM_FD_SYSTEM, -1, 2, "FF" },
	{ true, NULL, KVM_FD_SYSTEM, -1, 2, "oo" },
	/* a new rule starts counting afresh */
	{ false, EXT ",after=1", KVM_FD_SYSTEM, -1, 3, "oFo" },
} };
#undef EXT

static void test_fault_case(void **state)
{
	const struct fault_case *c = *state;
	need_kvm();
	for (const struct fault_step *st = c->steps; st < c->steps + 4 && st->calls; st++) {
		struct kvm_fd h = { kvm_fd, st->kind, st->cpu };
		char got[64];
		if (st->clear)
			kvm_fault_clear();
		if (st->rule)
			add_rule(st->rule);
		check_ext_calls(&h, st->calls, got);
		if (strcmp(got, st->want))
			fail_msg("step %td (%s): \"%s\", want \"%s\"", st - c->steps,
				 st->rule ? st->rule : "the same rules", got, st->want);
	}
}

static void test_kvm_injected_errno(void **state)
{
	(void)state;
	need_kvm();
	struct kvm_fd h = { kvm_fd, KVM_FD_SYSTEM, -1 };
	add_rule("ioctl=KVM_GET_API_VERSION,errno=EBUSY,count=2");
	errno = 0;
	assert_int_equal(kvm_ioctl(&h, KVM_GET_API_VERSION, NULL), -1);
	assert_int_equal(errno, EBUSY);
	errno = EPERM;
	assert_int_equal(kvm_ioctl(&h, KVM_GET_API_VERSION, NULL), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(kvm_ioctl(&h, KVM_GET_API_VERSION, NULL), KVM_API_VERSION);
}

static void test_kvm_two_rules_two_ioctls(void **state)
{
	(void)state;
	need_kvm();
	struct kvm_fd h = { kvm_fd, KVM_FD_SYSTEM, -1 };
	char got[16];
	add_rule("ioctl=KVM_GET_API_VERSION,errno=ENODEV,count=0");
	add_rule("ioctl=KVM_CHECK_EXTENSION,errno=EINVAL,after=1");
	errno = 0;
	assert_int_equal(kvm_ioctl(&h, KVM_GET_API_VERSION, NULL), -1);
	assert_int_equal(errno, ENODEV);
	check_ext_calls(&h, 3, got);
	assert_string_equal(got, "oFo");
	assert_int_equal(kvm_ioctl(&h, KVM_GET_API_VERSION, NULL), -1);
	assert_int_equal(errno, ENODEV);
}

/* The same, without /dev/kvm: on /dev/null every real ioctl fails with
 * ENOTTY, an injected one with the rule's errno. */
static void test_null_fd_injection(void **state)
{
	(void)state;
	struct kvm_fd h = { null_fd, KVM_FD_VCPU, 2 };
	char got[16];
	int i;

	add_rule("ioctl=KVM_RUN,errno=EINTR,fd=vcpu,cpu=2,after=1,count=2");
	for (i = 0; i < 5; i++) {
		errno = 0;
		assert_int_equal(kvm_ioctl(&h, KVM_RUN, NULL), -1);
		got[i] = errno == EINTR ? 'I' : errno == ENOTTY ? 't' : '?';
	}
	got[i] = '\0';
	assert_string_equal(got, "tIItt");
}

static void test_null_fd_other_vcpu(void **state)
{
	(void)state;
	struct kvm_fd other = { null_fd, KVM_FD_VCPU, 3 };
	add_rule("ioctl=KVM_RUN,errno=EINTR,cpu=2,count=0");
	for (int i = 0; i < 3; i++) {
		errno = 0;
		assert_int_equal(kvm_ioctl(&other, KVM_RUN, NULL), -1);
		assert_int_equal(errno, ENOTTY);
	}
}

int main(void)
{
#define F(f) cmocka_unit_test_teardown(f, fault_teardown)
/* a row of the fault_case table, named as its test was before the table */
#define FC(c) { "test_kvm_" #c, test_fault_case, NULL, fault_teardown, (void *)&c }
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioctl_name_known_numbers),
		cmocka_unit_test(test_ioctl_name_unknown),
		cmocka_unit_test(test_ioctl_name_other_arch),
		cmocka_unit_test(test_ioctl_round_trip),
		cmocka_unit_test(test_ioctl_name_get_one_reg),
		cmocka_unit_test(test_exit_reason_names),
		cmocka_unit_test(test_system_event_names),
		cmocka_unit_test(test_errno_names),
		F(test_fault_parse_accepts),
		F(test_fault_parse_rejects),
		F(test_fault_parse_rule_limit),
		F(test_fault_parse_cpu_out_of_range),
		F(test_kvm_no_rules_passes_through),
		F(test_kvm_after_and_count),
		FC(default_is_one_failure),
		FC(count_zero_is_unlimited),
		F(test_kvm_injected_errno),
		FC(fd_filter),
		FC(cpu_filter),
		FC(fault_clear),
		F(test_kvm_two_rules_two_ioctls),
		F(test_null_fd_injection),
		F(test_null_fd_other_vcpu),
	};
	return tap_run_group("kvm-names", tests, group_setup, group_teardown);
}
