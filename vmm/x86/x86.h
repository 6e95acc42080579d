/* x86 board state shared by the files under vmm/x86/. */
#ifndef VMM_X86_H
#define VMM_X86_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "machine.h"

enum x86_boot_mode {
	X86_BOOT_REAL16, /* flat binaries */
	X86_BOOT_PROT32, /* multiboot v1: 32-bit flat protected mode, paging off */
	X86_BOOT_LONG64, /* Linux 64-bit boot protocol: long mode, identity paging */
};

/* Where and how the boot vCPU starts, as the loader decided. */
struct x86_boot_state {
	enum x86_boot_mode mode;
	uint64_t rip, rsp, rax, rbx, rsi;
	uint16_t real_segment; /* REAL16: CS=DS=ES=SS */
	uint64_t cr3;
	uint64_t gdt_base;
	uint16_t gdt_limit;
};

struct x86_machine {
	struct kvm_cpuid2 *cpuid; /* what KVM supports, adjusted for -cpu */
	struct x86_boot_state boot;
	struct kvm_irqchip chips[3]; /* power-on PIC master, slave, IOAPIC */
	struct kvm_pit_state2 pit;
};

struct x86_vcpu {
	struct kvm_sregs sregs; /* power-on snapshots, restored on every reset */
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
};

static inline struct x86_machine *x86_of(struct machine *m)
{
	return m->arch;
}

/* cpuid.c */
int x86_cpuid_init(struct machine *m);
int x86_cpuid_set(struct machine *m, struct vcpu *v);

/* boot*.c */
enum x86_image_kind { X86_IMAGE_FLAT, X86_IMAGE_MULTIBOOT, X86_IMAGE_LINUX };
enum x86_image_kind x86_detect_image(const uint8_t *img, size_t len);
int boot_flat_load(struct machine *m, const uint8_t *img, size_t len, uint64_t addr,
		   struct x86_boot_state *bs);
int boot_multiboot_load(struct machine *m, struct x86_boot_state *bs);
int boot_linux_load(struct machine *m, struct x86_boot_state *bs);
/* Guest RAM below 4 GiB, which both loaders describe to the guest. */
uint64_t x86_ram_below_4g(const struct machine *m);

#define X86_FLAT_DEFAULT_ADDR 0x10000

#endif
