/* The in-kernel vGIC: version choice (QEMU finalize_gic_version), creation,
 * placement at the virt memory map, and CTRL_INIT (QEMU create_gic). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "arm64.h"
#include "error.h"

#define VIRT_GIC_NR_IRQS 288 /* 256 SPIs + 32 private, as QEMU's virt */
#define GIC_V2_MAX_CPUS 8

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
	bool v2 = vgic_supported(m, 2), v3 = vgic_supported(m, 3);

	if (asked) {
		if ((asked == 2 && !v2) || (asked == 3 && !v3)) {
			error_report("host does not support in-kernel GICv%d emulation", asked);
			return -1;
		}
		return asked;
	}
	/* no gic-version: GICv2 where it fits, for compatibility, else GICv3 */
	if (v2 && m->nr_vcpus <= GIC_V2_MAX_CPUS)
		return 2;
	if (v3)
		return 3;
	error_report(v2 ? "host only supports in-kernel GICv2 emulation but more than 8 vcpus "
			  "are requested"
			: "Unable to determine GIC version supported by host");
	return -1;
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
	uint64_t dist = VIRT_GIC_DIST_BASE, cpu = VIRT_GIC_CPU_BASE, redist = VIRT_GIC_REDIST_BASE;

	if (kvm_ioctl(&m->vm, KVM_CREATE_DEVICE, &dev) < 0) {
		error_report("Creating in-kernel GICv%d failed: %s", a->gic_version, strerror(errno));
		return -1;
	}
	a->gic.fd = (int)dev.fd;
	if (device_set(m, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs) < 0)
		return -1;
	if (a->gic_version == 3) {
		if (device_set(m, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) < 0 ||
		    device_set(m, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist) < 0)
			return -1;
	} else {
		if (device_set(m, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST, &dist) < 0 ||
		    device_set(m, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU, &cpu) < 0)
			return -1;
	}
	/* initialised now, after every vCPU exists, so the PMU INIT that
	 * follows finds it (else the kernel answers -ENODEV) */
	return device_set(m, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

void arm64_gic_destroy(struct machine *m)
{
	struct arm64_machine *a = arm64_of(m);
	if (a->gic.fd >= 0)
		close(a->gic.fd);
	a->gic.fd = -1;
}
