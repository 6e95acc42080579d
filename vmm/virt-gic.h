/* Which GIC the arm64 `virt` board gets under KVM, from what the host's KVM
 * offers (KVM_CREATE_DEVICE with KVM_CREATE_DEVICE_TEST, as QEMU's
 * kvm_arm_vgic_probe). Two policies:
 * - QEMU 7.2 (`virt`, `virt-7.2`): finalize_gic_version. No gic-version:
 *   GICv2 when the host has it and there are at most 8 vCPUs, else GICv3;
 *   host/max: GICv3 when offered, else GICv2; an asked version the host
 *   lacks is refused ("host does not support in-kernel GICv2 emulation").
 * - QEMU 4.1 (`virt-4.1`, the seed's): GICv2 unless asked, no probe; host/max
 *   probe (3, else 2). A GICv2 the kernel cannot create (ENODEV/ENOTSUP)
 *   falls back to no in-kernel vGIC at all (kvm_arm_gic_realize).
 * Pure: unit-tested on any host. */
#ifndef VMM_VIRT_GIC_H
#define VMM_VIRT_GIC_H

#include <stdbool.h>
#include <stddef.h>

#define VIRT_GIC_ASK_NONE 0
#define VIRT_GIC_ASK_HOST (-1)
#define VIRT_GIC_ASK_MAX (-2)
#define VIRT_GIC_V2_MAX_CPUS 8

#define VIRT_GIC_PROBE_V2 1u
#define VIRT_GIC_PROBE_V3 2u

/* Does the policy need the probe for this request? (QEMU 4.1 probes only
 * for host/max.) */
bool virt_gic_needs_probe(bool legacy, int asked);

/* The version (2 or 3), or -1 with QEMU's message in err. */
int virt_gic_choose(bool legacy, int asked, unsigned probe, int ncpus, char *err,
		    size_t errlen);

/* virt-4.1: an in-kernel GICv2 create failing with this errno means "no
 * in-kernel vGIC, go on" rather than an error. */
bool virt_gic_legacy_fallback(int err);

#endif
