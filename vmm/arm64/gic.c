/* The in-kernel vGIC: version choice (vmm/virt-gic.c), creation, placement
 * at the virt memory map, and CTRL_INIT (QEMU create_gic). On virt-4.1 a
 * GICv2 the kernel cannot create leaves the board without a vGIC device, as
 * QEMU 4.1 did: every later interrupt ioctl then meets the kernel's answer
 * for a VM without an in-kernel irqchip. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arm64.h"
#include "error.h"
#include "virt-gic.h"

#define VIRT_GIC_NR_IRQS 288 /* 256 SPIs + 32 private, as QEMU's virt */

static uint32_t device_type(int version)
{
	return version == 3 ? KVM_DEV_TYPE_ARM_VGIC_V3 : KVM_DEV_TYPE_ARM_VGIC_V2;
}

static bool vgic_supported(struct machine *m, int version)
{
	struct kvm_create_device test = {
		.type = device_type(version),
		.flags = KVM_CREATE_DEVICE_TEST,
	};
	return kvm_ioctl(&m->vm, KVM_CREATE_DEVICE, &test) == 0;
}

int arm64_gic_probe_version(struct machine *m, int asked)
{
	bool legacy = arm64_of(m)->legacy;
	unsigned probe = 0;
	char err[160];

	if (virt_gic_needs_probe(legacy, asked))
		probe = (vgic_supported(m, 2) ? VIRT_GIC_PROBE_V2 : 0) |
			(vgic_supported(m, 3) ? VIRT_GIC_PROBE_V3 : 0);
	int v = virt_gic_choose(legacy, asked, probe, m->nr_vcpus, err, sizeof(err));
	if (v < 0)
		error_report("%s", err);
	return v;
}

/* kvm_device_access(): QEMU's wording on failure */
static int device_set(struct machine *m, uint32_t group, uint64_t attr, void *addr)
{
	struct kvm_device_attr a = { .group = group, .attr = attr,
				     .addr = (uint64_t)(uintptr_t)addr };
	if (kvm_ioctl(&arm64_of(m)->gic, KVM_SET_DEVICE_ATTR, &a) < 0) {
		error_report("KVM_SET_DEVICE_ATTR failed: Group %" PRIu32 " attr 0x%016" PRIx64
			     ": %s", group, attr, strerror(errno));
		return -1;
	}
	return 0;
}

int arm64_gic_create(struct machine *m)
{
	struct arm64_machine *a = arm64_of(m);
	struct kvm_create_device dev = { .type = device_type(a->gic_version) };
	uint32_t nr_irqs = VIRT_GIC_NR_IRQS;

	a->irqchip_in_kernel = true; /* QEMU's kvm_irqchip_in_kernel(), whatever follows */
	if (kvm_ioctl(&m->vm, KVM_CREATE_DEVICE, &dev) < 0) {
		if (a->legacy && a->gic_version == 2 && virt_gic_legacy_fallback(errno))
			return 0; /* QEMU 4.1: the legacy irqchip API, no vGIC device */
		if (a->gic_version == 3) {
			error_report("error creating in-kernel VGICv3: %s", strerror(errno));
		} else {
			error_report("error creating in-kernel VGIC: %s", strerror(errno));
			if (!a->legacy)
				fprintf(stderr, "Perhaps the host CPU does not support GICv2?\n");
		}
		return -1;
	}
	a->gic.fd = (int)dev.fd;
	if (device_set(m, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs) < 0)
		return -1;
	/* initialised now, after every vCPU exists, so the PMU INIT that
	 * follows finds it (else the kernel answers -ENODEV) */
	return device_set(m, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

/* The vGIC's addresses, after the PMU: QEMU registers them with
 * kvm_arm_register_device and sets them when the machine is done
 * (kvm_arm_machine_init_done), as seen from the kernel side in the lab. */
int arm64_gic_place(struct machine *m)
{
	struct arm64_machine *a = arm64_of(m);
	uint64_t dist = VIRT_GIC_DIST_BASE, cpu = VIRT_GIC_CPU_BASE, redist = VIRT_GIC_REDIST_BASE;

	if (a->gic.fd < 0)
		return 0;
	if (a->gic_version == 3) {
		if (device_set(m, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) < 0 ||
		    device_set(m, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist) < 0)
			return -1;
		return 0;
	}
	if (device_set(m, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST, &dist) < 0 ||
	    device_set(m, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU, &cpu) < 0)
		return -1;
	return 0;
}

void arm64_gic_destroy(struct machine *m)
{
	struct arm64_machine *a = arm64_of(m);
	if (a->gic.fd >= 0)
		close(a->gic.fd);
	a->gic.fd = -1;
}
