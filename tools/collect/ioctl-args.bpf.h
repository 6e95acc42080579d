/* SPDX-License-Identifier: GPL-2.0 */
/* Part of bpf-collector.bpf.c: the struct behind a few KVM ioctls' argument
 * (KVM_ARM_VCPU_INIT, the device attributes, KVM_CREATE_DEVICE), copied out
 * of the traced process with bpf_probe_read_user. Which requests, how many
 * bytes and whether at the syscall's exit come from the loader
 * (tools/collect/ioctl-args.c), from lib/'s table for the host's arch: the numbers
 * differ between arches. Only these requests cost a second record. */
#ifndef KVMSCOPE_IOCTL_ARGS_BPF_H
#define KVMSCOPE_IOCTL_ARGS_BPF_H

#include "ioctl-args-events.h"

const volatile __u32 arg_nreq = 0;
const volatile __u32 arg_req[REC_ARG_REQUESTS] = { 0 };
const volatile __u32 arg_size[REC_ARG_REQUESTS] = { 0 };
const volatile __u32 arg_at_exit[REC_ARG_REQUESTS] = { 0 };

/* a thread inside an ioctl whose struct is read at its exit */
struct arg_pending {
	__u64 request, arg;
	__u32 size, reserved;
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct arg_pending);
} arg_pending SEC(".maps");

static __always_inline void arg_emit(__u64 pid_tgid, __u64 request, __u64 arg, __u32 size,
				     __u32 at_exit)
{
	struct rec_ioctl_arg_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(REC_CNT_LOST_RINGBUF);
		return;
	}
	fill_common(&e->c, REC_KIND_IOCTL_ARG, pid_tgid);
	e->request = request;
	e->arg = arg;
	e->at_exit = at_exit;
	if (size > REC_ARG_MAX)
		size = REC_ARG_MAX;
	/* masked where the call takes it, behind a barrier so that clang keeps
	 * the mask: 6.1's verifier loses the bound of a size spilled across the
	 * helper calls above ("R2 unbounded memory access", seen in the lab) */
	barrier_var(size);
	size &= REC_ARG_BUF - 1;
	e->len = bpf_probe_read_user(e->data, size, (const void *)arg) ? 0 : size;
	submit(e);
}

/* at sys_enter of a KVM ioctl of the target */
static __always_inline void ioctl_args_enter(__u64 pid_tgid, __u64 request, __u64 arg)
{
	__u32 tid = (__u32)pid_tgid;

	for (__u32 i = 0; i < REC_ARG_REQUESTS; i++) {
		if (i >= arg_nreq)
			return;
		if ((__u32)request != arg_req[i])
			continue;
		if (arg_at_exit[i]) {
			struct arg_pending p = { .request = request, .arg = arg, .size = arg_size[i] };
			bpf_map_update_elem(&arg_pending, &tid, &p, BPF_ANY);
		} else {
			arg_emit(pid_tgid, request, arg, arg_size[i], 0);
		}
		return;
	}
}

/* at its sys_exit: the struct the kernel filled in, if the call succeeded */
static __always_inline void ioctl_args_exit(__u64 pid_tgid, long ret)
{
	__u32 tid = (__u32)pid_tgid;
	struct arg_pending *p = bpf_map_lookup_elem(&arg_pending, &tid);

	if (!p)
		return;
	if (ret >= 0)
		arg_emit(pid_tgid, p->request, p->arg, p->size, 1);
	bpf_map_delete_elem(&arg_pending, &tid);
}

#endif
