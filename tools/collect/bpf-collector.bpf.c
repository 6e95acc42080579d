// SPDX-License-Identifier: GPL-2.0
/* The BPF collector's programs (bpf-collector.h): one generic USDT program for every VMM probe (the probe
 * id is the BPF cookie), one generic tracepoint program that copies the raw
 * trace entry (the bytes ftrace would store; cookie = tracefs event id), and
 * the raw_syscalls pair filtered to the target's KVM ioctls. The filter is
 * the request's type (_IOC_TYPE == KVMIO, 0xAE, which only KVM uses) rather
 * than a list of fds, so vCPU and device fds opened later are covered too.
 * Everything goes into one ring buffer; a record that does not fit is
 * counted, never waited for. No CO-RE: no kernel struct is read, so no BTF
 * or vmlinux.h is needed. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "bpf-collector-events.h"
#include "process-filter.bpf.h"
#define COUNTERS_MAP counters
#define COUNTERS_MAX REC_CNT_MAX
#include "counters.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 fork_child_pid_off = 20;	/* from sched_process_fork's format */
const volatile __u32 nr_ioctl = 16;	/* __NR_ioctl on x86-64; set by the loader */

/* the loader may resize it (record --ring-size) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, REC_RING_KB << 10);
} events SEC(".maps");

/* Waking the reader for every record costs a context switch each, on a
 * 2-core host shared with what is traced: under a test suite's bursts the
 * reader then fell behind and the ring overflowed. It is woken once a batch
 * has gathered, and otherwise reads every RECORD_POLL_MS (record.c); a ring
 * smaller than twice the batch is read on that timer only. */
#define WAKEUP_BYTES (256 << 10)

static __always_inline void submit(void *rec)
{
	bpf_ringbuf_submit(rec, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ?
				BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, REC_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct rec_probe_conf);
} probe_conf SEC(".maps");

/* bytes to copy of each tracefs event id (0: not ours) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, REC_MAX_TP_IDS);
	__type(key, __u32);
	__type(value, __u32);
} tp_len SEC(".maps");

/* threads inside a KVM ioctl: their sys_exit is ours too */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} in_ioctl SEC(".maps");



static __always_inline void fill_common(struct rec_common *c, __u32 kind, __u64 pid_tgid)
{
	c->kind = kind;
	c->cpu = bpf_get_smp_processor_id();
	c->ts_ns = bpf_ktime_get_ns();
	c->pid = pid_tgid >> 32;
	c->tid = (__u32)pid_tgid;
}

SEC("usdt")
int vmm_probe(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 id = (__u32)bpf_usdt_cookie(ctx);
	struct rec_probe_conf *conf = bpf_map_lookup_elem(&probe_conf, &id);
	struct rec_probe_event *e;
	struct rec_stack_event *s;
	int nargs, slot = 0;

	if (!wanted(pid_tgid)) /* --follow attaches to every process of the binary */
		return 0;
	count(REC_CNT_PROBE_HITS);
	if (!conf)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(REC_CNT_LOST_RINGBUF);
		return 0;
	}
	fill_common(&e->c, REC_KIND_PROBE, pid_tgid);
	e->probe_id = id;
	e->str_mask = 0;
	nargs = bpf_usdt_arg_cnt(ctx);
	if (nargs < 0)
		nargs = 0;
	if (nargs > REC_MAX_ARGS)
		nargs = REC_MAX_ARGS;
	e->nargs = nargs;
	for (int i = 0; i < REC_MAX_ARGS; i++) {
		long v = 0;
		if (i >= nargs)
			break;
		bpf_usdt_arg(ctx, i, &v);
		e->args[i] = v;
		if (!(conf->str_mask & (1u << i)) || slot >= REC_STR_SLOTS)
			continue;
		e->str_mask |= 1u << i;
		if (bpf_probe_read_user_str(e->strs[slot & (REC_STR_SLOTS - 1)], REC_STR_LEN,
					    (const void *)v) < 0) {
			e->strs[slot & (REC_STR_SLOTS - 1)][0] = 0;
			count(REC_CNT_LOST_STRING);
		}
		slot++;
	}

	/* reserved after e, so the reader sees it right after its probe. Both
	 * are submitted on the path that holds s: a second test of s after a
	 * helper call is a branch the 6.1 verifier cannot rule out ("Unreleased
	 * reference", seen in the lab) */
	if (conf->want_stack) {
		s = bpf_ringbuf_reserve(&events, sizeof(*s), 0);
		if (s) {
			s->c = e->c;
			s->c.kind = REC_KIND_STACK;
			long n = bpf_get_stack(ctx, s->ips, sizeof(s->ips), BPF_F_USER_STACK);
			if (n < 0) {
				count(REC_CNT_LOST_STACK);
				n = 0;
			}
			s->nframes = n / sizeof(__u64);
			s->reserved = 0;
			submit(e);
			submit(s);
			return 0;
		}
		count(REC_CNT_LOST_STACK);
	}
	submit(e);
	return 0;
}

/* The kernel overwrites the first 8 bytes of a tracepoint's entry (the
 * common fields) with a pt_regs pointer before it runs BPF: rebuild them as
 * ftrace has them, the event id coming from the attach cookie. */
struct common_fields {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
};

static __always_inline int emit_tp(void *ctx, __u32 len, __u64 pid_tgid)
{
	struct rec_tp_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(REC_CNT_LOST_RINGBUF);
		return 0;
	}
	fill_common(&e->c, REC_KIND_TP, pid_tgid);
	if (len > REC_TP_MAX)
		len = REC_TP_MAX;
	e->len = len;
	e->reserved = 0;
	if (bpf_probe_read_kernel(e->data, len, ctx) < 0 || len < sizeof(struct common_fields)) {
		e->len = 0;
	} else {
		struct common_fields *cf = (struct common_fields *)e->data;
		cf->common_type = (__u16)bpf_get_attach_cookie(ctx);
		cf->common_flags = 0;
		cf->common_preempt_count = 0;
		cf->common_pid = (__s32)pid_tgid;
	}
	submit(e);
	count(REC_CNT_TP_HITS);
	return 0;
}

/* Any tracepoint of the target process: the raw entry, sized by its format. */
SEC("tracepoint")
int kernel_event(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 id, *len;

	if (!wanted(pid_tgid))
		return 0;
	id = (__u32)bpf_get_attach_cookie(ctx); /* the tracefs event id */
	len = bpf_map_lookup_elem(&tp_len, &id);
	if (!len || !*len)
		return 0;
	return emit_tp(ctx, *len, pid_tgid);
}

#include "ioctl-args.bpf.h"

/* raw_syscalls:sys_enter entry: common header (8 bytes), long id, args[6] */
struct sys_enter_entry {
	__u64 common;
	long id;
	unsigned long args[6];
};
struct sys_exit_entry {
	__u64 common;
	long id;
	long ret;
};

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct sys_enter_entry *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	__u8 one = 1;

	if (ctx->id != nr_ioctl || !wanted(pid_tgid))
		return 0;
	if (((ctx->args[1] >> 8) & 0xff) != 0xAE) /* _IOC_TYPE(cmd) == KVMIO */
		return 0;
	bpf_map_update_elem(&in_ioctl, &tid, &one, BPF_ANY);
	emit_tp(ctx, sizeof(*ctx), pid_tgid);
	ioctl_args_enter(pid_tgid, ctx->args[1], ctx->args[2]);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sys_exit(struct sys_exit_entry *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;

	if (!bpf_map_lookup_elem(&in_ioctl, &tid) || !wanted(pid_tgid))
		return 0;
	bpf_map_delete_elem(&in_ioctl, &tid);
	emit_tp(ctx, sizeof(*ctx), pid_tgid);
	ioctl_args_exit(pid_tgid, ctx->ret);
	return 0;
}

/* --follow: sched_process_fork runs in the parent before the child can run,
 * so a child is followed from its first instruction. The child's pid is read
 * at the offset its format names (the comms before it are __data_loc now). */
SEC("tracepoint/sched/sched_process_fork")
int follow_fork(void *ctx)
{
	__u32 parent = bpf_get_current_pid_tgid() >> 32;
	__s32 child = 0;
	__u8 one = 1;

	if (!bpf_map_lookup_elem(&followed, &parent))
		return 0;
	if (bpf_probe_read_kernel(&child, sizeof(child), (char *)ctx + (fork_child_pid_off & 0xff)) ||
	    child <= 0)
		return 0;
	__u32 key = (__u32)child;
	bpf_map_update_elem(&followed, &key, &one, BPF_ANY);
	return 0;
}

/* a thread's or a process's end: its id may be reused by an unrelated one */
SEC("tracepoint/sched/sched_process_exit")
int follow_exit(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&followed, &tid);
	return 0;
}
