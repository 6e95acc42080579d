/* The ioctl-argument record from the BPF program (tools/collect/ioctl-args.bpf.h)
 * to the collector (tools/collect/ioctl-args.c), through record's ring buffer:
 * kind REC_KIND_IOCTL_ARG of bpf-collector-events.h. Fixed-width UAPI types only. */
#ifndef KVMSCOPE_IOCTL_ARGS_EVENTS_H
#define KVMSCOPE_IOCTL_ARGS_EVENTS_H

#include <linux/types.h>

#include "bpf-collector-events.h"

#define REC_ARG_REQUESTS 8	/* requests whose struct is copied, at most */
#define REC_ARG_MAX 32		/* bytes copied, at most (struct kvm_vcpu_init) */
#define REC_ARG_BUF 64		/* room for them: a power of two, for the verifier's mask */

struct rec_ioctl_arg_event {
	struct rec_common c;
	__u64 request;
	__u64 arg;		/* the pointer the struct was read from */
	__u32 len;		/* bytes of data[]: 0 when it could not be read */
	__u32 at_exit;		/* read at the syscall's exit (KVM_CREATE_DEVICE's fd) */
	__u8 data[REC_ARG_BUF];
};

#endif
