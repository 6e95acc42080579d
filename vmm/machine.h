/* The machine: KVM handles, guest RAM, vCPUs and the boot image, plus the
 * hooks each architecture (vmm/x86, vmm/arm64) implements. */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "kvm.h"
#include "system.h"

struct vcpu {
	int index;
	struct kvm_fd fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	pid_t tid;
	/* guarded by the cpus lock (vmm/cpus.c) */
	bool stop;	   /* asked to park */
	bool stopped;	   /* parked */
	bool reset_pending; /* load the boot state before running again */
	bool quit;	   /* leave the thread */
	void *arch;	   /* per-architecture vCPU state */
};

struct memory_bank {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct machine {
	const struct vmm_config *cfg;
	struct kvm_fd sys, vm;
	uint8_t *ram;
	uint64_t ram_size;
	struct memory_bank banks[2];
	int nr_banks;
	int nr_vcpus;
	struct vcpu vcpus[VMM_MAX_VCPUS];
	uint8_t *image;		/* the -kernel file, kept for reloads on reset */
	size_t image_size;
	uint8_t *initrd;
	size_t initrd_size;
	void *arch;		/* struct x86_machine / struct arm64_machine */
};

extern struct machine *current_machine;

/* Host pointer for [gpa, gpa+len) in guest RAM, or NULL. */
void *guest_ptr(struct machine *m, uint64_t gpa, uint64_t len);

/* Generic set-up (vmm/machine.c) */
int machine_create(struct machine *m, const struct vmm_config *cfg);
void machine_destroy(struct machine *m);
/* qemu_system_reset's machine part: devices, then vCPUs marked for reset. */
void machine_reset(enum shutdown_cause reason);
/* Board reaction to a powerdown request: the PM block's power button. */
void machine_powerdown(void);

/* Architecture hooks */
int arch_machine_init(struct machine *m);
void arch_machine_destroy(struct machine *m);
/* Load (or reload) the boot image into guest memory. */
int arch_load_image(struct machine *m);
void arch_machine_reset(struct machine *m);
int arch_vcpu_init(struct machine *m, struct vcpu *v);
/* Put the vCPU into its boot state (entry registers per boot protocol). */
int arch_vcpu_reset(struct machine *m, struct vcpu *v);
/* Exits only one architecture has: 0 handled, -1 internal error,
 * 1 not an exit this architecture knows. */
int arch_vcpu_handle_exit(struct machine *m, struct vcpu *v);
/* A guest MMIO access no device claimed (reads: fill run->mmio.data). */
void arch_vcpu_unhandled_mmio(struct machine *m, struct vcpu *v);
/* Common exit handling (vmm/kvm-exit.c): 0 handled, -1 internal error. */
int kvm_handle_exit(struct machine *m, struct vcpu *v);
/* Print the registers, as QEMU's cpu_dump_state does on internal errors. */
void arch_vcpu_dump_state(struct vcpu *v);
/* Devices' power-button hook (the PM block). */
void arch_machine_powerdown(struct machine *m);

#endif
