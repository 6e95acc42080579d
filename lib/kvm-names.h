/* Names of KVM's numbers: ioctl requests, exit reasons, system events,
 * errno values (lib/kvm-names.c). Pure tables, shared by the VMM's ioctl
 * door and the analyst's decoders. */
#ifndef KVMSCOPE_KVM_NAMES_H
#define KVMSCOPE_KVM_NAMES_H

#include <stdint.h>

enum kvm_fd_kind {
	KVM_FD_SYSTEM,
	KVM_FD_VM,
	KVM_FD_VCPU,
	KVM_FD_DEVICE,
};

/* The architectures whose captures the analyst decodes: a request's number
 * depends on the arch when its argument struct does (kvm_regs...). */
enum kvm_arch {
	KVM_ARCH_X86_64,
	KVM_ARCH_ARM64,
};

/* "x86_64"/"amd64" or "aarch64"/"arm64" (uname -m, as a capture's META
 * machine says); anything else or NULL: the arch this was built for. */
enum kvm_arch kvm_arch_by_machine(const char *machine);

/* Unknown values give NULL. Requests are 32 bits: a sign-extended one
 * (QEMU's 0xffffffffc008ae05) is decoded as its low half. */
const char *kvm_ioctl_name_arch(enum kvm_arch arch, uint64_t request);
/* The same, for the arch this was built for. */
const char *kvm_ioctl_name(unsigned long request);
/* The name of REQUEST on an fd of kind FD_KIND (enum kvm_fd_kind): a few
 * numbers mean different ioctls on different fds. */
const char *kvm_ioctl_name_fd(int fd_kind, unsigned long request);
/* The request number of a name ("KVM_RUN") on the arch this was built for, or 0. */
unsigned long kvm_ioctl_by_name(const char *name);
const char *kvm_exit_reason_name(uint32_t reason);
const char *kvm_system_event_name(uint32_t type);
/* "EINVAL" for 22; "E?" when unknown. */
const char *errno_name(int err);
/* 22 for "EINVAL" or "22"; -1 when unknown. */
int errno_by_name(const char *name);

#endif
