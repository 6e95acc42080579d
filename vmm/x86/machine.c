/* The x86 board: in-kernel PIC/IOAPIC/LAPIC and PIT, and the devices of
 * vmm/hw/ at their PC addresses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../hw/devices.h"
#include "error.h"
#include "x86.h"

/* just below the 4 GiB boundary, out of RAM's way, as QEMU places them */
#define TSS_ADDR 0xfeffd000UL
#define IDENTITY_MAP_ADDR 0xfeffc000UL

static const struct device *const board_devices[] = {
	&serial_device, &i8042_device, &pm_device, &cf9_device, &debugexit_device,
	&pvpanic_device,
};
#define NR_BOARD_DEVICES ((int)(sizeof(board_devices) / sizeof(board_devices[0])))

int arch_machine_init(struct machine *m)
{
	struct x86_machine *x = calloc(1, sizeof(*x));
	uint64_t idmap = IDENTITY_MAP_ADDR;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (!x)
		return -1;
	m->arch = x;
	if (kvm_ioctl(&m->vm, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0 ||
	    kvm_ioctl_int(&m->vm, KVM_SET_TSS_ADDR, TSS_ADDR) < 0) {
		error_report("KVM_SET_TSS_ADDR/IDENTITY_MAP_ADDR: %s", strerror(errno));
		return -1;
	}
	if (kvm_ioctl(&m->vm, KVM_CREATE_IRQCHIP, NULL) < 0) {
		error_report("Create kernel irqchip failed: %s", strerror(errno));
		return -1;
	}
	if (kvm_ioctl(&m->vm, KVM_CREATE_PIT2, &pit) < 0) {
		error_report("Create kernel PIT failed: %s", strerror(errno));
		return -1;
	}
	/* power-on states, restored on every system reset */
	for (unsigned i = 0; i < 3; i++) {
		x->chips[i].chip_id = i;
		if (kvm_ioctl(&m->vm, KVM_GET_IRQCHIP, &x->chips[i]) < 0) {
			error_report("KVM_GET_IRQCHIP: %s", strerror(errno));
			return -1;
		}
	}
	if (kvm_ioctl(&m->vm, KVM_GET_PIT2, &x->pit) < 0) {
		error_report("KVM_GET_PIT2: %s", strerror(errno));
		return -1;
	}
	if (x86_cpuid_init(m) < 0)
		return -1;
	return devices_init(m, board_devices, NR_BOARD_DEVICES);
}

void arch_machine_destroy(struct machine *m)
{
	struct x86_machine *x = m->arch;
	if (!x)
		return;
	devices_exit(m, board_devices, NR_BOARD_DEVICES);
	free(x->cpuid);
	free(x);
	m->arch = NULL;
}

void arch_machine_reset(struct machine *m)
{
	struct x86_machine *x = m->arch;

	for (unsigned i = 0; i < 3; i++)
		if (kvm_ioctl(&m->vm, KVM_SET_IRQCHIP, &x->chips[i]) < 0)
			warn_report("KVM_SET_IRQCHIP(%u): %s", i, strerror(errno));
	if (kvm_ioctl(&m->vm, KVM_SET_PIT2, &x->pit) < 0)
		warn_report("KVM_SET_PIT2: %s", strerror(errno));
	devices_reset(m, board_devices, NR_BOARD_DEVICES);
}

void arch_machine_powerdown(struct machine *m)
{
	(void)m;
	pm_press_power_button();
}

void arch_set_irq(struct machine *m, int irq, int level)
{
	struct kvm_irq_level line = { .irq = (uint32_t)irq, .level = (uint32_t)level };
	if (kvm_ioctl(&m->vm, KVM_IRQ_LINE, &line) < 0)
		warn_report("KVM_IRQ_LINE %d: %s", irq, strerror(errno));
}

uint64_t x86_ram_below_4g(const struct machine *m)
{
	return m->banks[0].size;
}

int arch_load_image(struct machine *m)
{
	struct x86_machine *x = m->arch;

	if (m->cfg->loader_file)
		return boot_flat_load(m, m->image, m->image_size, m->cfg->loader_addr, &x->boot);
	switch (x86_detect_image(m->image, m->image_size)) {
	case X86_IMAGE_LINUX:
		return boot_linux_load(m, &x->boot);
	case X86_IMAGE_MULTIBOOT:
		return boot_multiboot_load(m, &x->boot);
	case X86_IMAGE_FLAT:
		break;
	}
	if (m->initrd) {
		error_report("-initrd needs a Linux or multiboot kernel");
		return -1;
	}
	return boot_flat_load(m, m->image, m->image_size, X86_FLAT_DEFAULT_ADDR, &x->boot);
}
