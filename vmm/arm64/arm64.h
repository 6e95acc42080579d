/* arm64 `virt` board state shared by the files under vmm/arm64/. */
#ifndef VMM_ARM64_H
#define VMM_ARM64_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "fdt-virt.h"
#include "machine.h"
#include "pmu-misconfig.h"

struct arm64_machine {
	uint32_t target;	  /* KVM_ARM_PREFERRED_TARGET */
	bool psci_0_2;		  /* KVM_CAP_ARM_PSCI_0_2 */
	bool pmu;		  /* vCPUs get KVM_ARM_VCPU_PMU_V3 */
	struct pmu_misconfig x_pmu; /* -cpu x-pmu-*: misconfigured on purpose */
	bool legacy;		  /* -machine virt-4.1: QEMU 4.1's board */
	int gic_version;	  /* 2 or 3 */
	bool irqchip_in_kernel;	  /* a vGIC was set up, or (virt-4.1) fell back */
	struct kvm_fd gic;	  /* the in-kernel vGIC device */
	bool board_done;	  /* GIC and PMU set up after the last vCPU */
	struct virt_fdt_params fdt; /* filled as the board comes up */
	uint64_t entry;		  /* where the boot vCPU starts */
	uint64_t dtb_addr;
	uint64_t boot_x0;	  /* the device tree for Linux, 0 for an ELF */
};

struct arm64_vcpu {
	struct kvm_vcpu_init init; /* features, reused by every reset */
	uint64_t mpidr;
};

static inline struct arm64_machine *arm64_of(struct machine *m)
{
	return m->arch;
}

/* uart.c: the PL011 console at VIRT_UART_BASE */
extern const struct device arm64_uart_device;

/* gic.c: create, place and initialise the in-kernel vGIC (QEMU create_gic) */
int arm64_gic_probe_version(struct machine *m, int asked);
int arm64_gic_create(struct machine *m);
int arm64_gic_place(struct machine *m); /* after the PMU, as QEMU */
void arm64_gic_destroy(struct machine *m);

/* pmu.c: QEMU virt_cpu_post_init's PMU part; aborts as QEMU does on failure */
void arm64_pmu_setup(struct machine *m);

/* boot.c: Image, initrd and device tree into guest RAM */
int arm64_load(struct machine *m);

#endif
