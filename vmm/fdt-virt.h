/* The device tree of the arm64 `virt` board, built with libfdt from a plain
 * description (QEMU hw/arm/virt.c's layout and node shapes). Pure: builds and
 * is unit-tested on any host; vmm/arm64 puts the blob in guest RAM and
 * -machine virt,dumpdtb=FILE writes it without touching KVM. */
#ifndef VMM_FDT_VIRT_H
#define VMM_FDT_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* QEMU's virt memory map (hw/arm/virt.c base_memmap) */
#define VIRT_GIC_DIST_BASE 0x08000000ULL
#define VIRT_GIC_DIST_SIZE 0x00010000ULL
#define VIRT_GIC_CPU_BASE 0x08010000ULL /* GICv2 CPU interface */
#define VIRT_GIC_CPU_SIZE 0x00010000ULL
#define VIRT_GIC_REDIST_BASE 0x080a0000ULL /* GICv3 redistributors, 128 KiB each */
#define VIRT_GIC_REDIST_SIZE 0x00f60000ULL
#define VIRT_GIC_REDIST_STRIDE 0x20000ULL
#define VIRT_UART_BASE 0x09000000ULL
#define VIRT_UART_SIZE 0x00001000ULL
#define VIRT_UART_SPI 1 /* hw/arm/virt.c a15irqmap[VIRT_UART] */
#define VIRT_RAM_BASE 0x40000000ULL

/* Architected timer PPIs (hw/arm/virt.h ARCH_TIMER_*_IRQ) */
#define VIRT_TIMER_S_EL1_PPI 13
#define VIRT_TIMER_NS_EL1_PPI 14
#define VIRT_TIMER_VIRT_PPI 11
#define VIRT_TIMER_NS_EL2_PPI 10

/* include/hw/arm/fdt.h */
#define GIC_FDT_IRQ_TYPE_SPI 0
#define GIC_FDT_IRQ_TYPE_PPI 1
#define GIC_FDT_IRQ_FLAGS_EDGE_LO_HI 1
#define GIC_FDT_IRQ_FLAGS_LEVEL_HI 4
#define GIC_FDT_IRQ_PPI_CPU_START 8

/* PSCI 0.2 function IDs the "arm,psci" binding lists */
#define VIRT_PSCI_FN64_CPU_SUSPEND 0xc4000001u
#define VIRT_PSCI_FN_CPU_OFF 0x84000002u
#define VIRT_PSCI_FN64_CPU_ON 0xc4000003u
#define VIRT_PSCI_FN64_MIGRATE 0xc4000005u

struct virt_fdt_params {
	int ncpus;
	uint64_t mpidr[VMM_MAX_VCPUS]; /* the "reg" of each cpu node (affinity bits) */
	uint64_t ram_base, ram_size;
	int gic_version;	       /* 2 or 3 */
	bool pmu;		       /* add /pmu */
	const char *bootargs;	       /* NULL: no bootargs */
	uint64_t initrd_start, initrd_end; /* end == 0: no initrd */
};

/* The description a configuration gives before any vCPU exists: MPIDRs as
 * KVM assigns them (Aff0 = index % 16, Aff1 = index / 16), the GIC version
 * and PMU the options ask for (gic-version unset: 2, as QEMU without a KVM to
 * probe; pmu unset: on). */
void virt_fdt_params_from_config(const struct vmm_config *cfg, struct virt_fdt_params *p);

/* Builds the blob into buf. Returns its size, or -1 with a message in err. */
int virt_fdt_build(const struct virt_fdt_params *p, void *buf, size_t size, char *err,
		   size_t errlen);

/* The PMU's "interrupts" flags cell: level-high, plus the CPU mask on GICv2. */
uint32_t virt_fdt_ppi_flags(int gic_version, int ncpus);

/* -machine virt,dumpdtb=FILE: build from cfg, write, report, as QEMU's
 * qemu_fdt_dumpdtb. Returns 0 or -1 (message printed). */
int virt_dump_dtb(const struct vmm_config *cfg);

#endif
