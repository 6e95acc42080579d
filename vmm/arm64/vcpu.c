/* arm64 vCPUs: KVM_ARM_VCPU_INIT with PSCI 0.2, PMUv3 (when the board has a
 * PMU) and secondaries powered off; after the last vCPU, the rest of
 * QEMU's machvirt_init order: vGIC, then the PMU attributes. Resets repeat
 * VCPU_INIT and give the boot vCPU Linux's entry state. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm64.h"
#include "error.h"

#define CORE_REG(field)                                                                    \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                             \
	 (offsetof(struct kvm_regs, field) / sizeof(uint32_t)))
#define REG_MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)
#define MPIDR_AFFINITY_MASK 0xff00ffffffULL
/* EL1h with D, A, I, F masked: the arm64 Linux boot protocol */
#define BOOT_PSTATE (PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT)

static int get_reg(struct vcpu *v, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };
	return kvm_ioctl(&v->fd, KVM_GET_ONE_REG, &r);
}

static int set_reg(struct vcpu *v, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };
	return kvm_ioctl(&v->fd, KVM_SET_ONE_REG, &r);
}

/* machvirt_init after its CPU loop: create_gic, then virt_cpu_post_init;
 * then the vGIC's addresses, as QEMU's machine-init-done notifier */
static int board_after_cpus(struct machine *m)
{
	struct arm64_machine *a = arm64_of(m);
	if (arm64_gic_create(m) < 0)
		return -1;
	arm64_pmu_setup(m); /* aborts on failure, as QEMU */
	if (arm64_gic_place(m) < 0)
		return -1;
	a->board_done = true;
	return 0;
}

int arch_vcpu_init(struct machine *m, struct vcpu *v)
{
	struct arm64_machine *a = arm64_of(m);
	struct arm64_vcpu *av = calloc(1, sizeof(*av));
	uint64_t mpidr = 0;

	if (!av)
		return -1;
	v->arch = av;
	av->init.target = a->target;
	if (v->index > 0)
		av->init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (a->psci_0_2)
		av->init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	/* (x-pmu-feature-off: this vCPU without it, the board's PMU set-up unchanged) */
	if (a->pmu && !(a->x_pmu.feature_off_cpus & (1u << v->index)))
		av->init.features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
	if (kvm_ioctl(&v->fd, KVM_ARM_VCPU_INIT, &av->init) < 0) {
		error_report("kvm_init_vcpu: kvm_arch_init_vcpu failed (%d): %s", v->index,
			     strerror(errno));
		return -1;
	}
	if (get_reg(v, REG_MPIDR_EL1, &mpidr) < 0) {
		error_report("cpu %d: reading MPIDR_EL1: %s", v->index, strerror(errno));
		return -1;
	}
	av->mpidr = mpidr & MPIDR_AFFINITY_MASK;
	a->fdt.mpidr[v->index] = av->mpidr;
	if (v->index == m->nr_vcpus - 1)
		return board_after_cpus(m);
	return 0;
}

int arch_vcpu_reset(struct machine *m, struct vcpu *v)
{
	struct arm64_machine *a = arm64_of(m);
	struct arm64_vcpu *av = v->arch;

	/* kvm_arm_reset_vcpu: VCPU_INIT again resets the registers */
	if (kvm_ioctl(&v->fd, KVM_ARM_VCPU_INIT, &av->init) < 0) {
		error_report("cpu %d: KVM_ARM_VCPU_INIT on reset: %s", v->index, strerror(errno));
		return -1;
	}
	if (v->index != 0)
		return 0; /* powered off until the guest's PSCI CPU_ON */
	if (set_reg(v, CORE_REG(regs.pstate), BOOT_PSTATE) < 0 ||
	    set_reg(v, CORE_REG(regs.pc), a->entry) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[0]), a->boot_x0) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[1]), 0) < 0 || set_reg(v, CORE_REG(regs.regs[2]), 0) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[3]), 0) < 0) {
		error_report("cpu 0: setting the boot registers: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int arch_vcpu_handle_exit(struct machine *m, struct vcpu *v)
{
	(void)m;
	(void)v;
	return 1; /* PSCI SYSTEM_OFF/RESET arrive as KVM_EXIT_SYSTEM_EVENT (kvm-exit.c) */
}

void arch_vcpu_unhandled_mmio(struct machine *m, struct vcpu *v)
{
	(void)m;
	if (!v->run->mmio.is_write)
		memset(v->run->mmio.data, 0, sizeof(v->run->mmio.data));
}

void arch_vcpu_dump_state(struct vcpu *v)
{
	uint64_t pc = 0, pstate = 0, sp = 0;
	get_reg(v, CORE_REG(regs.pc), &pc);
	get_reg(v, CORE_REG(regs.pstate), &pstate);
	get_reg(v, CORE_REG(sp_el1), &sp);
	fprintf(stderr, " PC=%016" PRIx64 " SP_EL1=%016" PRIx64 " PSTATE=%08" PRIx64 "\n",
		pc, sp, pstate);
}
