/* Unit tests of the arm64 board (vmm/arm64/: PMU set-up first, then vCPU
 * init, vGIC, boot loading and reset) through the real KVM door (vmm/kvm.c,
 * with -fault rules), cross-built for arm64 and run under
 * qemu-aarch64-static, since arm64 KVM cannot run on this host.
 *
 * The kernel side is a fake ioctl() defined here, which the door's calls
 * resolve to: it keeps per-vCPU PMU state and answers KVM_HAS/SET_DEVICE_ATTR
 * with the errno map of torvalds/linux arch/arm64/kvm/pmu-emul.c (spec §9.4).
 * Each case runs arm64_pmu_setup() (or arch_set_irq()) in a child, because a failure ends in
 * abort() as in QEMU, and checks its stderr and how it ended: the seed's
 * "PMU: KVM_SET_DEVICE_ATTR: Invalid argument" / "failed to set irq for PMU"
 * from an injected EINVAL and from genuine causes. */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <libfdt.h>

#include "arm64/arm64.h"
#include "device.h"
#include "kvm.h"
#include "pmu-attrs.h"
#include "trace.h"

#include "tap-skip.h"

/* ---- the fake kernel ---- */

#define VCPU_FD_BASE 100
#define VM_FD 10
#define NCPUS 2

static struct {
	bool has_pmu[NCPUS];  /* vCPU created with KVM_ARM_VCPU_PMU_V3 */
	int irq[NCPUS];	      /* 0 = not set */
	bool inited[NCPUS];
	bool vgic_created, vgic_inited;
	bool no_host_pmu;     /* 6.7+: VCPU_INIT with PMUv3 fails without a host PMU */
	bool no_vgic_v2;      /* a GICv3-only host (no GICV): VGIC_V2 -> ENODEV */
	uint32_t features[NCPUS]; /* what KVM_ARM_VCPU_INIT was given */
	int calls;
	char log[2048];	      /* "fd:NAME[:group.attr] " per call, in order */
	uint64_t pc[NCPUS], pstate[NCPUS], x0[NCPUS]; /* KVM_SET_ONE_REG */
	int nset[NCPUS];
} k;

#define CORE(field)                                                                        \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                             \
	 (offsetof(struct kvm_regs, field) / sizeof(uint32_t)))

#define GIC_FD 50
#define TEST_RAM (64ULL << 20) /* guest RAM of the boot tests */

static void log_call(int fd, unsigned long req, void *arg)
{
	size_t n = strlen(k.log);
	const char *name = req == KVM_ARM_VCPU_INIT	? "INIT"
			   : req == KVM_GET_ONE_REG	? "GET_ONE_REG"
			   : req == KVM_CREATE_DEVICE	? "CREATE_DEVICE"
			   : req == KVM_HAS_DEVICE_ATTR ? "HAS"
			   : req == KVM_SET_DEVICE_ATTR ? "SET"
			   : req == KVM_IRQ_LINE	? "IRQ_LINE"
							: "?";
	if (req == KVM_HAS_DEVICE_ATTR || req == KVM_SET_DEVICE_ATTR) {
		const struct kvm_device_attr *a = arg;
		snprintf(k.log + n, sizeof(k.log) - n, "%d:%s:%u.%u ", fd, name, (unsigned)a->group,
			 (unsigned)a->attr);
	} else {
		snprintf(k.log + n, sizeof(k.log) - n, "%d:%s ", fd, name);
	}
}

static int kfail(int e)
{
	errno = e;
	return -1;
}

/* kvm_arm_pmu_v3_set_attr / has_attr, in the kernel's order of checks */
static int pmu_attr(int cpu, unsigned long req, const struct kvm_device_attr *a)
{
	if (a->group != KVM_ARM_VCPU_PMU_V3_CTRL)
		return kfail(ENXIO);
	if (req == KVM_HAS_DEVICE_ATTR)
		return k.has_pmu[cpu] && a->attr <= KVM_ARM_VCPU_PMU_V3_SET_PMU ? 0 : kfail(ENXIO);
	if (!k.has_pmu[cpu])
		return kfail(ENODEV);
	if (k.inited[cpu])
		return kfail(EBUSY);
	switch (a->attr) {
	case KVM_ARM_VCPU_PMU_V3_IRQ: {
		int irq = *(const int *)(uintptr_t)a->addr;
		if (!k.vgic_created)
			return kfail(EINVAL);
		if (irq < 16 || irq > 1019)
			return kfail(EINVAL);
		for (int i = 0; i < NCPUS; i++)
			if (i != cpu && k.irq[i] && irq < 32 && k.irq[i] != irq)
				return kfail(EINVAL); /* PPIs must match across vCPUs */
		if (k.irq[cpu])
			return kfail(EBUSY);
		k.irq[cpu] = irq;
		return 0;
	}
	case KVM_ARM_VCPU_PMU_V3_INIT:
		if (k.vgic_created && !k.vgic_inited)
			return kfail(ENODEV);
		if (k.vgic_created && !k.irq[cpu])
			return kfail(ENXIO);
		k.inited[cpu] = true;
		return 0;
	}
	return kfail(ENXIO);
}

/* The door (vmm/kvm.c) calls ioctl(); this definition is the one it gets. */
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	k.calls++;
	log_call(fd, req, arg);
	if (fd == VM_FD && req == KVM_CREATE_DEVICE) {
		struct kvm_create_device *d = arg;
		if (d->type != KVM_DEV_TYPE_ARM_VGIC_V2 && d->type != KVM_DEV_TYPE_ARM_VGIC_V3)
			return kfail(ENODEV);
		if (d->type == KVM_DEV_TYPE_ARM_VGIC_V2 && k.no_vgic_v2)
			return kfail(ENODEV); /* kvm_vgic_create: no GICv2 emulation */
		if (d->flags & KVM_CREATE_DEVICE_TEST)
			return 0;
		if (k.vgic_created)
			return kfail(EEXIST);
		k.vgic_created = true;
		d->fd = GIC_FD;
		return 0;
	}
	if (fd == GIC_FD && req == KVM_SET_DEVICE_ATTR) {
		const struct kvm_device_attr *at = arg;
		if (at->group == KVM_DEV_ARM_VGIC_GRP_CTRL && at->attr == KVM_DEV_ARM_VGIC_CTRL_INIT)
			k.vgic_inited = true;
		return 0;
	}
	if (fd == VM_FD && req == KVM_IRQ_LINE) {
		/* kvm_vm_ioctl_irq_line: an SPI needs the in-kernel irqchip */
		const struct kvm_irq_level *l = arg;
		uint32_t type = l->irq >> KVM_ARM_IRQ_TYPE_SHIFT & KVM_ARM_IRQ_TYPE_MASK;
		uint32_t num = l->irq & KVM_ARM_IRQ_NUM_MASK;
		if (type != KVM_ARM_IRQ_TYPE_SPI)
			return kfail(EINVAL);
		if (!k.vgic_created)
			return kfail(ENXIO);
		return num < 32 ? kfail(EINVAL) : 0;
	}
	int cpu = fd - VCPU_FD_BASE;
	if (cpu < 0 || cpu >= NCPUS)
		return kfail(ENOTTY);
	if (req == KVM_ARM_VCPU_INIT) {
		const struct kvm_vcpu_init *init = arg;
		bool pmu = init->features[0] & (1u << KVM_ARM_VCPU_PMU_V3);
		if (pmu && k.no_host_pmu)
			return kfail(EINVAL);
		k.features[cpu] = init->features[0];
		k.has_pmu[cpu] = pmu;
		return 0;
	}
	if (req == KVM_SET_ONE_REG) {
		const struct kvm_one_reg *r = arg;
		uint64_t v = *(const uint64_t *)(uintptr_t)r->addr;
		if (r->id == CORE(regs.pc))
			k.pc[cpu] = v;
		else if (r->id == CORE(regs.pstate))
			k.pstate[cpu] = v;
		else if (r->id == CORE(regs.regs[0]))
			k.x0[cpu] = v;
		k.nset[cpu]++;
		return 0;
	}
	if (req == KVM_GET_ONE_REG) {
		const struct kvm_one_reg *r = arg;
		if (r->id != ARM64_SYS_REG(3, 0, 0, 0, 5))
			return kfail(ENOENT);
		*(uint64_t *)(uintptr_t)r->addr = 0x80000000ULL | (uint64_t)cpu; /* MPIDR, RES1 bit 31 */
		return 0;
	}
	if (req != KVM_HAS_DEVICE_ATTR && req != KVM_SET_DEVICE_ATTR)
		return kfail(ENOTTY);
	return pmu_attr(cpu, req, arg);
}

/* ---- the board the set-up sees ---- */

/* the board's devices (vmm/device.c, vmm/arm64/uart.c) are not under test */
const struct device arm64_uart_device = { .name = "pl011" };
int devices_init(struct machine *mach, const struct device *const *table, int n)
{
	(void)mach, (void)table, (void)n;
	return 0;
}
void devices_reset(struct machine *mach, const struct device *const *table, int n)
{
	(void)mach, (void)table, (void)n;
}
void devices_exit(struct machine *mach, const struct device *const *table, int n)
{
	(void)mach, (void)table, (void)n;
}

/* vmm/machine.c's, which vmm/arm64/boot.c needs at link time */
void *guest_ptr(struct machine *mach, uint64_t gpa, uint64_t len)
{
	const struct memory_bank *b = &mach->banks[0];
	if (mach->nr_banks < 1 || gpa < b->gpa || len > b->size || gpa - b->gpa > b->size - len)
		return NULL;
	return b->host + (gpa - b->gpa);
}

static struct machine m;
static struct arm64_machine a;

static int setup(void **state)
{
	(void)state;
	memset(&k, 0, sizeof(k));
	k.has_pmu[0] = k.has_pmu[1] = true;
	k.vgic_created = k.vgic_inited = true;
	memset(&m, 0, sizeof(m));
	memset(&a, 0, sizeof(a));
	m.nr_vcpus = NCPUS;
	m.vm = (struct kvm_fd){ VM_FD, KVM_FD_VM, -1 };
	for (int i = 0; i < NCPUS; i++) {
		m.vcpus[i].index = i;
		m.vcpus[i].fd = (struct kvm_fd){ VCPU_FD_BASE + i, KVM_FD_VCPU, i };
	}
	a.pmu = true;
	a.gic = (struct kvm_fd){ 50, KVM_FD_DEVICE, -1 }; /* an in-kernel vGIC */
	a.irqchip_in_kernel = true;
	m.arch = &a;
	kvm_fault_clear();
	return 0;
}

/* Runs arm64_pmu_setup() in a child; returns its stderr (static buffer),
 * *sig the signal that ended it (0 = exited) and *calls its ioctl count. */
static void pmu_setup(void)
{
	arm64_pmu_setup(&m);
}

static void raise_spi(void)
{
	arch_set_irq(&m, 1, 1); /* a board device's line 1: SPI 33 */
}

/* machine_create's vCPU loop: the last vCPU completes the board */
static void init_all_vcpus(void)
{
	for (int i = 0; i < NCPUS; i++)
		if (arch_vcpu_init(&m, &m.vcpus[i]) < 0)
			_exit(1);
	if (write(STDERR_FILENO, k.log, strlen(k.log)) < 0)
		_exit(2);
}

static void init_vcpu0(void)
{
	if (arch_vcpu_init(&m, &m.vcpus[0]) < 0)
		_exit(1);
	free(m.vcpus[0].arch);
}

static void boot_board(void);
static void boot_board_and_load_big(void)
{
	boot_board();
	m.initrd = NULL;
	m.initrd_size = 0;
	m.image_size = TEST_RAM;
	if (arch_load_image(&m) < 0)
		_exit(1);
}

static const char *run_in_child(void (*fn)(void), int *sig, int *calls)
{
	static char buf[4096];
	int fds[2], cfd[2], status;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pipe(cfd), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		close(cfd[0]);
		dup2(fds[1], STDERR_FILENO);
		signal(SIGABRT, SIG_DFL);
		fn();
		char line[32];
		int n = snprintf(line, sizeof(line), "%d %d", k.calls, k.inited[0] + k.inited[1]);
		if (write(cfd[1], line, (size_t)n) < 0)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	close(cfd[1]);
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(buf) - 1 && (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	char cl[32] = "";
	n = read(cfd[0], cl, sizeof(cl) - 1);
	cl[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	close(cfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	*calls = -1;
	sscanf(cl, "%d", calls);
	/* qemu-user adds its own line about the signal: keep the VMM's only */
	char *q = strstr(buf, "qemu: uncaught target signal");
	if (q)
		*q = '\0';
	return buf;
}

/* runs FN in a child, checks how it ended (SIG, 0 = exited) and its whole
 * stderr; returns its ioctl count */
static int expect_child(void (*fn)(void), int sig, const char *err)
{
	int got_sig, calls;
	const char *got = run_in_child(fn, &got_sig, &calls);
	assert_int_equal(got_sig, sig);
	assert_string_equal(got, err);
	return calls;
}

/* a -fault RULE, as the VMM's option adds it, for the runs that follow */
static void add_fault(const char *rule)
{
	char why[128];
	if (kvm_fault_parse(rule, why, sizeof(why)))
		fail_msg("-fault %s: %s", rule, why);
}

static void test_all_vcpus_get_irq_and_init(void **state)
{
	(void)state;
	/* HAS+SET for IRQ and INIT on two vCPUs */
	assert_int_equal(expect_child(pmu_setup, 0, ""), 8);
}

static void test_seed_by_fault_injection(void **state)
{
	(void)state;
	add_fault("ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL,fd=vcpu");
	expect_child(pmu_setup, SIGABRT,
		     "kvmscope-vmm: PMU: KVM_SET_DEVICE_ATTR: Invalid argument\n"
		     "kvmscope-vmm: failed to set irq for PMU\n");
}

static void test_fault_on_second_vcpu_only(void **state)
{
	int sig, calls;
	(void)state;
	add_fault("ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL,fd=vcpu,cpu=1");
	const char *err = run_in_child(pmu_setup, &sig, &calls);
	assert_int_equal(sig, SIGABRT);
	assert_non_null(strstr(err, "failed to set irq for PMU"));
}

static void test_fault_on_init(void **state)
{
	(void)state;
	/* the second SET on vCPU 0 is INIT */
	add_fault("ioctl=KVM_SET_DEVICE_ATTR,errno=ENODEV,fd=vcpu,after=1");
	expect_child(pmu_setup, SIGABRT, "kvmscope-vmm: PMU: KVM_SET_DEVICE_ATTR: No such device\n"
					 "kvmscope-vmm: failed to init PMU\n");
}

/* genuine causes, answered by the fake kernel as pmu-emul.c does */

static void test_no_in_kernel_irqchip_is_the_seed(void **state)
{
	(void)state;
	k.vgic_created = k.vgic_inited = false; /* the VMM believes in a vGIC the kernel lacks */
	expect_child(pmu_setup, SIGABRT,
		     "kvmscope-vmm: PMU: KVM_SET_DEVICE_ATTR: Invalid argument\n"
		     "kvmscope-vmm: failed to set irq for PMU\n");
}

static void test_vgic_not_initialised(void **state)
{
	(void)state;
	k.vgic_inited = false;
	expect_child(pmu_setup, SIGABRT, "kvmscope-vmm: PMU: KVM_SET_DEVICE_ATTR: No such device\n"
					 "kvmscope-vmm: failed to init PMU\n");
}

static void test_vcpu_without_pmu_feature(void **state)
{
	(void)state;
	k.has_pmu[1] = false; /* vCPU 1 initialised without KVM_ARM_VCPU_PMU_V3 */
	expect_child(pmu_setup, SIGABRT,
		     "kvmscope-vmm: PMU: KVM_HAS_DEVICE_ATTR: No such device or address\n"
		     "kvmscope-vmm: failed to set irq for PMU\n");
}

static void test_pmu_off_makes_no_calls(void **state)
{
	(void)state;
	a.pmu = false;
	assert_int_equal(expect_child(pmu_setup, 0, ""), 0);
}

static void test_without_vgic_only_init(void **state)
{
	(void)state;
	a.gic.fd = -1; /* no in-kernel irqchip: QEMU skips the IRQ */
	a.irqchip_in_kernel = false;
	k.vgic_created = k.vgic_inited = false;
	assert_int_equal(expect_child(pmu_setup, 0, ""), 4);
}

/* the seed's pmu=off variant: QEMU's kvm_set_irq perror()s and aborts. The
 * kernel answers ENXIO to an SPI when it has no in-kernel irqchip: the same
 * cause as the PMU IRQ's EINVAL above. */
static void test_irq_line_without_irqchip_is_the_pmu_off_seed(void **state)
{
	(void)state;
	expect_child(raise_spi, 0, "");
	k.vgic_created = false;
	expect_child(raise_spi, SIGABRT, "kvm_set_irq: No such device or address\n");
}

static void test_irq_line_fault_injection(void **state)
{
	(void)state;
	add_fault("ioctl=KVM_IRQ_LINE,errno=ENXIO");
	expect_child(raise_spi, SIGABRT, "kvm_set_irq: No such device or address\n");
}

/* kvm_arch_init_vcpu: PSCI 0.2 and PMUv3 features, secondaries powered off */
static void test_vcpu_init_features_and_mpidr(void **state)
{
	(void)state;
	a.psci_0_2 = true;
	for (int i = 0; i < NCPUS - 1; i++) /* the last vCPU would bring up the GIC */
		assert_int_equal(arch_vcpu_init(&m, &m.vcpus[i]), 0);
	assert_int_equal(k.features[0], (1u << KVM_ARM_VCPU_PSCI_0_2) | (1u << KVM_ARM_VCPU_PMU_V3));
	assert_true(k.has_pmu[0]);
	/* the device tree's cpu reg: MPIDR's affinity bits, RES1 bit 31 dropped */
	assert_int_equal(a.fdt.mpidr[0], 0);
	free(m.vcpus[0].arch);
	a.pmu = false;
	m.vcpus[0].arch = NULL;
	assert_int_equal(arch_vcpu_init(&m, &m.vcpus[0]), 0);
	assert_int_equal(k.features[0], 1u << KVM_ARM_VCPU_PSCI_0_2);
	free(m.vcpus[0].arch);
	m.vcpus[0].arch = NULL;
}

/* 6.7+ kernels with no usable host PMU refuse VCPU_INIT itself (spec §9.4) */
static void test_vcpu_init_without_host_pmu(void **state)
{
	(void)state;
	k.no_host_pmu = true;
	expect_child(init_vcpu0, 0, "kvmscope-vmm: kvm_init_vcpu: kvm_arch_init_vcpu failed (0): "
				    "Invalid argument\n");
	/* with pmu=off the feature is not asked for and the vCPU comes up */
	a.pmu = false;
	expect_child(init_vcpu0, 0, "");
}

/* the board before its last vCPU brings up the vGIC (GICvVERSION), in the
 * kernel as in the VMM */
static void board_without_gic(int version)
{
	k.vgic_created = k.vgic_inited = false;
	a.gic = (struct kvm_fd){ -1, KVM_FD_DEVICE, -1 };
	a.irqchip_in_kernel = false;
	a.gic_version = version;
}

/* the whole board after its vCPUs, in QEMU 7.2's order (compared with QEMU
 * itself in the arm64 lab): every VCPU_INIT, then the vGIC created, sized and
 * initialised, then per vCPU the PMU IRQ (INTID 23) and INIT, then the vGIC's
 * addresses (QEMU's machine-init-done) */
static void test_board_order_as_qemu(void **state)
{
	(void)state;
	board_without_gic(2);
	expect_child(init_all_vcpus, 0,
		     "100:INIT 100:GET_ONE_REG 101:INIT 101:GET_ONE_REG "
		     "10:CREATE_DEVICE 50:SET:3.0 50:SET:4.0 "
		     "100:HAS:0.0 100:SET:0.0 100:HAS:0.1 100:SET:0.1 "
		     "101:HAS:0.0 101:SET:0.0 101:HAS:0.1 101:SET:0.1 "
		     "50:SET:0.0 50:SET:0.1 ");
}

/* -cpu x-pmu-*: the board misconfigures its PMU itself, and the kernel's
 * genuine errno ends it as QEMU would (the lab runs the same four) */
static void test_board_x_pmu_misconfigurations(void **state)
{
	static const struct {
		struct pmu_misconfig x;
		const char *first; /* QEMU's first line; the second is always the IRQ's */
	} cases[] = {
		/* QEMU's HAS first: kvm_arm_pmu_v3_has_attr's ENXIO for a vCPU without a PMU */
		{ { .feature_off_cpus = 2 }, "KVM_HAS_DEVICE_ATTR: No such device or address" },
		/* SET alone: kvm_arm_pmu_v3_set_attr's ENODEV */
		{ { .feature_off_cpus = 2, .no_has_probe = true }, "KVM_SET_DEVICE_ATTR: No such device" },
		/* PPI 6 on vCPU 1, PPI 7 on vCPU 0 */
		{ { .irq_last = 22 }, "KVM_SET_DEVICE_ATTR: Invalid argument" },
		{ { .irq_after_init = true }, "KVM_SET_DEVICE_ATTR: Device or resource busy" },
	};
	char want[160];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		board_without_gic(3);
		a.x_pmu = cases[i].x;
		snprintf(want, sizeof(want), "kvmscope-vmm: PMU: %s\nkvmscope-vmm: failed to set irq for PMU\n",
			 cases[i].first);
		expect_child(init_all_vcpus, SIGABRT, want);
	}
}

/* -fault fd=vcpu picks the PMU's SET out of the GIC's, as the seed needs */
static void test_board_seed_fault_on_vcpu_fd(void **state)
{
	(void)state;
	board_without_gic(3);
	add_fault("ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL,fd=vcpu");
	expect_child(init_all_vcpus, SIGABRT,
		     "kvmscope-vmm: PMU: KVM_SET_DEVICE_ATTR: Invalid argument\n"
		     "kvmscope-vmm: failed to set irq for PMU\n");
}

/* the same rule without fd= hits the vGIC's first attribute instead */
static void test_board_fault_on_gic(void **state)
{
	(void)state;
	board_without_gic(3);
	add_fault("ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL");
	/* a clean start failure, status 1 */
	expect_child(init_all_vcpus, 0, "kvmscope-vmm: KVM_SET_DEVICE_ATTR failed: Group 3 attr "
					"0x0000000000000000: Invalid argument\n");
}

/* ---- GIC version choice and the seed-era board, on a GICv3-only host ---- */

static void gicv3_only_host(bool legacy)
{
	board_without_gic(0);
	k.no_vgic_v2 = true;
	a.legacy = legacy;
}

static void probe_default(void)
{
	int v = arm64_gic_probe_version(&m, 0);
	fprintf(stderr, "v%d", v);
}

static void probe_v2(void)
{
	fprintf(stderr, "v%d", arm64_gic_probe_version(&m, 2));
}

/* QEMU 7.2: probed, GICv3 picked; gic-version=2 refused in QEMU's words */
static void test_gic_probe_picks_v3_refuses_v2(void **state)
{
	(void)state;
	gicv3_only_host(false);
	expect_child(probe_default, 0, "v3");
	assert_int_equal(expect_child(probe_v2, 0, "kvmscope-vmm: host does not support in-kernel "
						   "GICv2 emulation\nv-1"), 2);
	assert_string_equal(k.log, "");
	k.no_vgic_v2 = false; /* a host with both: GICv2 for up to 8 vCPUs, as QEMU */
	expect_child(probe_default, 0, "v2");
}

/* virt-4.1: GICv2 without a probe, the kernel's ENODEV taken as "no vGIC",
 * then the PMU IRQ meets the kernel's EINVAL: the seed, from its cause */
static void test_virt41_is_the_seed(void **state)
{
	(void)state;
	gicv3_only_host(true);
	a.gic_version = arm64_gic_probe_version(&m, 0);
	assert_int_equal(a.gic_version, 2);
	assert_int_equal(k.calls, 0);
	int sig, calls;
	const char *err = run_in_child(init_all_vcpus, &sig, &calls);
	assert_int_equal(sig, SIGABRT);
	assert_string_equal(err, "kvmscope-vmm: PMU: KVM_SET_DEVICE_ATTR: Invalid argument\n"
				 "kvmscope-vmm: failed to set irq for PMU\n");
}

static void board_then_spi(void)
{
	init_all_vcpus();
	raise_spi();
}

/* virt-4.1 with pmu=off: the board comes up without a vGIC, and the first
 * SPI meets the kernel's ENXIO: the seed's second case */
static void test_virt41_pmu_off_is_the_second_seed(void **state)
{
	(void)state;
	gicv3_only_host(true);
	a.gic_version = 2;
	a.pmu = false;
	expect_child(board_then_spi, SIGABRT,
		     "100:INIT 100:GET_ONE_REG 101:INIT 101:GET_ONE_REG 10:CREATE_DEVICE "
		     "kvm_set_irq: No such device or address\n");
}

/* the same GICv2 on the QEMU 7.2 board is an error, with QEMU's hint */
static void test_virt72_gicv2_create_error(void **state)
{
	(void)state;
	gicv3_only_host(false);
	a.gic_version = 2;
	expect_child(init_all_vcpus, 0, "kvmscope-vmm: error creating in-kernel VGIC: No such device\n"
					"Perhaps the host CPU does not support GICv2?\n");
}

/* ---- boot: Image, initrd and device tree in RAM; the boot vCPU's entry ---- */

static uint8_t image[0x2000], initrd[100];
static struct vmm_config cfg;

static void boot_board(void)
{
	static uint8_t *ram;
	if (!ram)
		ram = calloc(1, TEST_RAM);
	assert_non_null(ram);
	memset(&cfg, 0, sizeof(cfg));
	cfg.smp = NCPUS;
	cfg.ram_size = TEST_RAM;
	cfg.append = "console=ttyAMA0";
	m.cfg = &cfg;
	m.banks[0] = (struct memory_bank){ VIRT_RAM_BASE, TEST_RAM, ram };
	m.nr_banks = 1;
	m.ram_size = TEST_RAM;
	m.image = image;
	m.image_size = sizeof(image);
	m.initrd = initrd;
	m.initrd_size = sizeof(initrd);
	virt_fdt_params_from_config(&cfg, &a.fdt);
	a.gic_version = a.fdt.gic_version = 3;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_load_image_initrd_dtb(void **state)
{
	(void)state;
	boot_board();
	memset(image, 0, sizeof(image));
	put_le(image + 8, 0x200000, 8);	      /* text_offset */
	put_le(image + 16, sizeof(image), 8);  /* image_size */
	put_le(image + 56, 0x644d5241, 4);     /* "ARM\x64" */
	memset(initrd, 0x5a, sizeof(initrd));
	assert_int_equal(arch_load_image(&m), 0);
	assert_int_equal(a.entry, VIRT_RAM_BASE + 0x200000);
	assert_memory_equal(guest_ptr(&m, a.entry, sizeof(image)), image, sizeof(image));
	/* initrd at RAM + min(RAM/2, 128 MiB), the tree 2 MiB-aligned after it */
	uint64_t initrd_at = VIRT_RAM_BASE + TEST_RAM / 2;
	assert_memory_equal(guest_ptr(&m, initrd_at, sizeof(initrd)), initrd, sizeof(initrd));
	assert_int_equal(a.dtb_addr, initrd_at + (2 << 20));
	const void *fdt = guest_ptr(&m, a.dtb_addr, 64);
	assert_int_equal(fdt_check_header(fdt), 0);
	int chosen = fdt_path_offset(fdt, "/chosen");
	assert_true(chosen >= 0);
	assert_string_equal(fdt_getprop(fdt, chosen, "bootargs", NULL), "console=ttyAMA0");
	const fdt32_t *start = fdt_getprop(fdt, chosen, "linux,initrd-start", NULL);
	const fdt32_t *end = fdt_getprop(fdt, chosen, "linux,initrd-end", NULL);
	assert_non_null(start);
	assert_non_null(end);
	assert_int_equal(fdt32_to_cpu(start[1]), (uint32_t)initrd_at);
	assert_int_equal(fdt32_to_cpu(end[1]), (uint32_t)initrd_at + sizeof(initrd));
	int intc = fdt_path_offset(fdt, "/intc@8000000");
	assert_string_equal(fdt_getprop(fdt, intc, "compatible", NULL), "arm,gic-v3");
}

static void test_load_flat_binary_and_too_big(void **state)
{
	int sig, calls;
	(void)state;
	boot_board();
	memset(image, 0x11, sizeof(image)); /* no Image header */
	m.initrd = NULL;
	m.initrd_size = 0;
	assert_int_equal(arch_load_image(&m), 0);
	assert_int_equal(a.entry, VIRT_RAM_BASE + 0x80000);
	/* RAM-sized: cannot fit above the load offset */
	const char *err = run_in_child(boot_board_and_load_big, &sig, &calls);
	assert_int_equal(sig, 0);
	assert_non_null(strstr(err, "the kernel (67108864 bytes at 0x40080000) does not fit in guest RAM"));
}

/* a reset: every vCPU re-initialised, the boot vCPU at the kernel with x0 =
 * device tree and EL1h, interrupts masked; secondaries wait for PSCI */
static void test_reset_entry_state(void **state)
{
	(void)state;
	for (int i = 0; i < NCPUS - 1; i++)
		assert_int_equal(arch_vcpu_init(&m, &m.vcpus[i]), 0);
	m.vcpus[1].arch = calloc(1, sizeof(struct arm64_vcpu));
	a.entry = 0x40200000;
	a.dtb_addr = 0x42200000;
	a.boot_x0 = a.dtb_addr;
	assert_int_equal(arch_vcpu_reset(&m, &m.vcpus[0]), 0);
	assert_int_equal(arch_vcpu_reset(&m, &m.vcpus[1]), 0);
	assert_int_equal(k.pc[0], 0x40200000);
	assert_int_equal(k.x0[0], 0x42200000);
	assert_int_equal(k.pstate[0], 0x3c5);
	assert_int_equal(k.nset[1], 0);
	free(m.vcpus[0].arch);
	free(m.vcpus[1].arch);
	m.vcpus[0].arch = m.vcpus[1].arch = NULL;
}

static void test_probe_log_line(void **state)
{
	int sig, calls;
	(void)state;
	assert_true(trace_enable_pattern("arm_pmu_attr") > 0);
	add_fault("ioctl=KVM_SET_DEVICE_ATTR,errno=EINVAL,fd=vcpu");
	const char *err = run_in_child(pmu_setup, &sig, &calls);
	trace_enable_pattern("-arm_pmu_attr");
	assert_non_null(strstr(err, "arm_pmu_attr cpu_index 0, KVM_HAS_DEVICE_ATTR group 0 attr IRQ ret 0 errno 0\n"));
	assert_non_null(strstr(err, "arm_pmu_attr cpu_index 0, KVM_SET_DEVICE_ATTR group 0 attr IRQ ret -1 errno 22\n"));
}

int main(void)
{
#define F(t) cmocka_unit_test_setup(t, setup)
	const struct CMUnitTest tests[] = {
		F(test_all_vcpus_get_irq_and_init),
		F(test_seed_by_fault_injection),
		F(test_fault_on_second_vcpu_only),
		F(test_fault_on_init),
		F(test_no_in_kernel_irqchip_is_the_seed),
		F(test_vgic_not_initialised),
		F(test_vcpu_without_pmu_feature),
		F(test_pmu_off_makes_no_calls),
		F(test_without_vgic_only_init),
		F(test_irq_line_without_irqchip_is_the_pmu_off_seed),
		F(test_irq_line_fault_injection),
		F(test_vcpu_init_features_and_mpidr),
		F(test_vcpu_init_without_host_pmu),
		F(test_board_order_as_qemu),
		F(test_board_x_pmu_misconfigurations),
		F(test_board_seed_fault_on_vcpu_fd),
		F(test_board_fault_on_gic),
		F(test_gic_probe_picks_v3_refuses_v2),
		F(test_virt41_is_the_seed),
		F(test_virt41_pmu_off_is_the_second_seed),
		F(test_virt72_gicv2_create_error),
		F(test_load_image_initrd_dtb),
		F(test_load_flat_binary_and_too_big),
		F(test_reset_entry_state),
		F(test_probe_log_line),
	};
	return tap_run_group("arm64-pmu", tests, NULL, NULL);
}
