/* The one door to KVM: every ioctl on a KVM file descriptor goes through
 * kvm_ioctl(), which decodes its name, fires the entry/exit probes (USDT and
 * -trace), records errno and applies -fault rules. Nothing else calls ioctl()
 * on a KVM fd. */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stddef.h>
#include <stdint.h>

#include "kvm-names.h"

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

/* -fault ioctl=NAME,errno=ERRNO[,after=N][,count=N][,fd=system|vm|vcpu|device][,cpu=N]
 * count=0 fails every matching call after the first N. */
int kvm_fault_parse(const char *spec, char *err, size_t errlen);
void kvm_fault_clear(void);

#endif
