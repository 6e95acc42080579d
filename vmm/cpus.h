/* vCPU threads: one per vCPU ("CPU n/KVM"), parked and resumed by the main
 * loop, kicked out of KVM_RUN with a signal and kvm_run.immediate_exit. */
#ifndef VMM_CPUS_H
#define VMM_CPUS_H

#include "machine.h"

int vcpus_start(struct machine *m);
/* Ask every thread to leave and join them. */
void vcpus_stop_threads(struct machine *m);
void pause_all_vcpus(void);
/* Only while running, as QEMU's. */
void resume_all_vcpus(void);
/* From a vCPU thread: park this vCPU after the current exit. */
void cpu_stop_current(void);
/* Mark every vCPU to load its boot state before it runs again. */
void vcpus_request_reset(void);
/* The vCPU the calling thread runs, or NULL (main thread). */
struct vcpu *current_vcpu(void);

#endif
