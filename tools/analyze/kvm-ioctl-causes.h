/* What makes a KVM ioctl fail with a given errno, ranked most likely first,
 * and which `kvmscope record` tells the causes apart; and the ioctl behind
 * each of QEMU's kvm_* helpers, per architecture. Facts from the kernel's
 * handlers (virt/kvm, arch/x86/kvm, arch/arm64/kvm, arch/riscv/kvm) and the
 * public reports in tests/fixtures/real. */
#ifndef KVMSCOPE_KVM_IOCTL_CAUSES_H
#define KVMSCOPE_KVM_IOCTL_CAUSES_H

#include <stddef.h>

#include "analyze/logs/qemulog.h"

struct ioctl_causes {
	const char *ioctl;   /* as the decoder names it */
	const char *errname; /* NULL: any errno */
	const char *arch;    /* "x86", "arm64", "riscv"; NULL: any */
	const char *causes[4];
	const char *tell_apart;
};

/* The best entry for IOCTL failing with ERRNAME on ARCH (either may be NULL),
 * or NULL when nothing is known. */
const struct ioctl_causes *ioctl_causes_find(const char *ioctl, const char *errname,
					     const char *arch);

/* The ioctl behind QEMU's helper FUNCTION on ARCH ("KVM_ARM_VCPU_INIT" for
 * kvm_arch_init_vcpu on arm64); when ARCH is NULL and it differs per
 * architecture, a list ("KVM_ARM_VCPU_INIT on arm64, KVM_SET_CPUID2 on x86,
 * ..."); NULL when FUNCTION is not known. */
const char *ioctl_of_helper(const char *function, const char *arch);

/* The architecture of the VMM that wrote events [FROM, TO) of S: from the
 * program name (qemu-system-aarch64), a command line or an x86 register
 * dump; NULL when the input does not say. */
const char *vmm_arch(const struct qlog_stream *s, size_t from, size_t to);

#endif
