/* The arm64 `virt` board: KVM capabilities, the vGIC and the PMU set up in
 * QEMU machvirt_init's order once every vCPU exists, and the PL011 console. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm64.h"
#include "bus.h"
#include "device.h"
#include "error.h"

static const struct device *const board_devices[] = { &arm64_uart_device };
#define NR_BOARD_DEVICES ((int)(sizeof(board_devices) / sizeof(board_devices[0])))

int arch_machine_init(struct machine *m)
{
	struct arm64_machine *a = calloc(1, sizeof(*a));
	struct kvm_vcpu_init preferred;

	if (!a)
		return -1;
	m->arch = a;
	a->gic = (struct kvm_fd){ -1, KVM_FD_DEVICE, -1 };
	if (kvm_ioctl(&m->vm, KVM_ARM_PREFERRED_TARGET, &preferred) < 0) {
		error_report("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return -1;
	}
	a->target = preferred.target;
	a->psci_0_2 = kvm_ioctl_int(&m->vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PSCI_0_2) > 0;
	/* kvm_arch_init_vcpu: the PMU feature only when KVM offers it; without
	 * the capability QEMU quietly drops has_pmu unless pmu=on was asked */
	bool cap = kvm_ioctl_int(&m->vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3) > 0;
	if (m->cfg->pmu == PMU_ON && !cap) {
		error_report("'pmu' feature not supported by KVM on this host");
		return -1;
	}
	a->pmu = m->cfg->pmu != PMU_OFF && cap;
	a->x_pmu = m->cfg->x_pmu;
	a->legacy = m->cfg->virt_legacy;
	a->gic_version = arm64_gic_probe_version(m, m->cfg->gic_version);
	if (a->gic_version < 0)
		return -1;
	if (a->gic_version == 2 && m->nr_vcpus > 8) {
		error_report("Number of SMP CPUs requested (%d) exceeds max CPUs supported by "
			     "machine 'mach-virt' (8)", m->nr_vcpus);
		return -1;
	}
	virt_fdt_params_from_config(m->cfg, &a->fdt);
	a->fdt.gic_version = a->gic_version;
	a->fdt.pmu = a->pmu;
	return devices_init(m, board_devices, NR_BOARD_DEVICES);
}

void arch_machine_destroy(struct machine *m)
{
	if (!m->arch)
		return;
	devices_exit(m, board_devices, NR_BOARD_DEVICES);
	bus_unregister_all(&mmio_bus);
	arm64_gic_destroy(m);
	free(m->arch);
	m->arch = NULL;
}

void arch_machine_reset(struct machine *m)
{
	/* the vGIC resets with the vCPUs; the devices drive their lines to it */
	devices_reset(m, board_devices, NR_BOARD_DEVICES);
}

void arch_machine_powerdown(struct machine *m)
{
	(void)m;
	/* QEMU's virt presses a GPIO/ACPI power button; this board has none */
	warn_report("system_powerdown: the virt board here has no power button");
}

int arch_load_image(struct machine *m)
{
	return arm64_load(m);
}

/* kvm_arm_set_irq: an SPI on the vGIC. QEMU's kvm_set_irq aborts when
 * KVM_IRQ_LINE fails (the seed's "kvm_set_irq: No such device or address"). */
void arch_set_irq(struct machine *m, int irq, int level)
{
	struct kvm_irq_level line = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (uint32_t)(irq + 32),
		.level = (uint32_t)level,
	};
	if (kvm_ioctl(&m->vm, KVM_IRQ_LINE, &line) < 0) {
		fprintf(stderr, "kvm_set_irq: %s\n", strerror(errno));
		abort();
	}
}
