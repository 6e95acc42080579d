/* The one door to KVM: every ioctl on a KVM file descriptor goes through
 * kvm_ioctl(), which decodes its name, fires the entry/exit probes (USDT and
 * -trace), records errno and applies -fault rules. Nothing else calls ioctl()
 * on a KVM fd. */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stddef.h>
#include <stdint.h>

enum kvm_fd_kind {
	KVM_FD_SYSTEM,
	KVM_FD_VM,
	KVM_FD_VCPU,
	KVM_FD_DEVICE,
};

struct kvm_fd {
	int fd;
	enum kvm_fd_kind kind;
	int cpu_index; /* vCPU fds; -1 otherwise */
};

/* Returns what ioctl(2) returned; on failure -1 with errno set. */
int kvm_ioctl(const struct kvm_fd *h, unsigned long request, void *arg);
/* Same, for requests whose argument is an integer (KVM_CHECK_EXTENSION...). */
int kvm_ioctl_int(const struct kvm_fd *h, unsigned long request, unsigned long arg);

const char *kvm_fd_kind_name(enum kvm_fd_kind kind);

/* Name tables (vmm/kvm-names.c). Unknown values give NULL. */
const char *kvm_ioctl_name(unsigned long request);
/* The name of REQUEST on an fd of kind FD_KIND (enum kvm_fd_kind): a few
 * numbers mean different ioctls on different fds. */
const char *kvm_ioctl_name_fd(int fd_kind, unsigned long request);
/* The request number of a name ("KVM_RUN"), or 0. */
unsigned long kvm_ioctl_by_name(const char *name);
const char *kvm_exit_reason_name(uint32_t reason);
const char *kvm_system_event_name(uint32_t type);
/* "EINVAL" for 22; "E?" when unknown. */
const char *errno_name(int err);
/* 22 for "EINVAL" or "22"; -1 when unknown. */
int errno_by_name(const char *name);

/* -fault ioctl=NAME,errno=ERRNO[,after=N][,count=N][,fd=system|vm|vcpu|device][,cpu=N]
 * count=0 fails every matching call after the first N. */
int kvm_fault_parse(const char *spec, char *err, size_t errlen);
void kvm_fault_clear(void);

#endif
