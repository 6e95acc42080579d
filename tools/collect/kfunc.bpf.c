// SPDX-License-Identifier: GPL-2.0
/* kvmscope record --functions: every call of chosen kernel functions made by
 * the recorded processes, with its duration and return value. Two ways in:
 *  - fentry/fexit: KFUNC_MAX pairs of programs, pair N for function id N; the
 *    loader sets each used pair's attach target (fixed at load) and loads
 *    them in one object (one parse of the kernel's BTF), or, when that load
 *    fails, one copy per function to find which cannot; the maps are shared
 *    by every copy (the loader reuses the first copy's fds).
 *  - kprobe/kretprobe: one copy of the pair attached to every function that
 *    has no BTF, the function id being the attach cookie.
 * The entry stores its time per (thread, function); the return sends one
 * event. The process filter is process-filter.bpf.h's, with the `followed`
 * map the loader points at bpf-collector.bpf.c's own. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "process-filter.bpf.h"
#include "record-kfunc-events.h"
#define COUNTERS_MAP kfunc_counters
#define COUNTERS_MAX KFUNC_CNT_MAX
#include "counters.bpf.h"

char LICENSE[] SEC("license") = "GPL";


struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} kfunc_events SEC(".maps");


/* entry times; LRU, so a thread killed inside a call leaves nothing for good */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kfunc_entry_key);
	__type(value, __u64);
} kfunc_entries SEC(".maps");



static __always_inline int on_entry(__u32 id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct kfunc_entry_key key = { .tid = (__u32)pid_tgid, .func_id = id };
	__u64 now;

	if (!wanted(pid_tgid))
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&kfunc_entries, &key, &now, BPF_ANY);
	return 0;
}

static __always_inline int on_return(__u32 id, __u64 ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct kfunc_entry_key key = { .tid = (__u32)pid_tgid, .func_id = id };
	__u64 now = bpf_ktime_get_ns(), *entry;
	struct kfunc_event *e;

	if (!wanted(pid_tgid))
		return 0;
	entry = bpf_map_lookup_elem(&kfunc_entries, &key);
	e = bpf_ringbuf_reserve(&kfunc_events, sizeof(*e), 0);
	if (!e) {
		count(KFUNC_CNT_LOST_RINGBUF);
		if (entry)
			bpf_map_delete_elem(&kfunc_entries, &key);
		return 0;
	}
	e->entry_ns = entry ? *entry : 0;
	if (entry)
		bpf_map_delete_elem(&kfunc_entries, &key);
	else
		count(KFUNC_CNT_NO_ENTRY);
	e->exit_ns = now;
	e->ret = ret;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->cpu = bpf_get_smp_processor_id();
	e->func_id = id;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#define KFUNC_PAIR(n)						\
	SEC("fentry")						\
	int kfunc_entry##n(void *ctx)				\
	{							\
		return on_entry(n);				\
	}							\
	SEC("fexit")						\
	int kfunc_exit##n(void *ctx)				\
	{							\
		__u64 ret = 0;					\
		bpf_get_func_ret(ctx, &ret);			\
		return on_return(n, ret);			\
	}
/* one pair per function id, 0 .. KFUNC_MAX - 1 */
KFUNC_PAIR(0) KFUNC_PAIR(1) KFUNC_PAIR(2) KFUNC_PAIR(3) KFUNC_PAIR(4) KFUNC_PAIR(5) KFUNC_PAIR(6) KFUNC_PAIR(7)
KFUNC_PAIR(8) KFUNC_PAIR(9) KFUNC_PAIR(10) KFUNC_PAIR(11) KFUNC_PAIR(12) KFUNC_PAIR(13) KFUNC_PAIR(14) KFUNC_PAIR(15)
KFUNC_PAIR(16) KFUNC_PAIR(17) KFUNC_PAIR(18) KFUNC_PAIR(19) KFUNC_PAIR(20) KFUNC_PAIR(21) KFUNC_PAIR(22) KFUNC_PAIR(23)
KFUNC_PAIR(24) KFUNC_PAIR(25) KFUNC_PAIR(26) KFUNC_PAIR(27) KFUNC_PAIR(28) KFUNC_PAIR(29) KFUNC_PAIR(30) KFUNC_PAIR(31)
KFUNC_PAIR(32) KFUNC_PAIR(33) KFUNC_PAIR(34) KFUNC_PAIR(35) KFUNC_PAIR(36) KFUNC_PAIR(37) KFUNC_PAIR(38) KFUNC_PAIR(39)
KFUNC_PAIR(40) KFUNC_PAIR(41) KFUNC_PAIR(42) KFUNC_PAIR(43) KFUNC_PAIR(44) KFUNC_PAIR(45) KFUNC_PAIR(46) KFUNC_PAIR(47)
KFUNC_PAIR(48) KFUNC_PAIR(49) KFUNC_PAIR(50) KFUNC_PAIR(51) KFUNC_PAIR(52) KFUNC_PAIR(53) KFUNC_PAIR(54) KFUNC_PAIR(55)
KFUNC_PAIR(56) KFUNC_PAIR(57) KFUNC_PAIR(58) KFUNC_PAIR(59) KFUNC_PAIR(60) KFUNC_PAIR(61) KFUNC_PAIR(62) KFUNC_PAIR(63)
_Static_assert(KFUNC_MAX == 64, "a pair per function id");

SEC("kprobe")
int kprobe_entry(struct pt_regs *ctx)
{
	return on_entry((__u32)bpf_get_attach_cookie(ctx));
}

SEC("kretprobe")
int kprobe_exit(struct pt_regs *ctx)
{
	return on_return((__u32)bpf_get_attach_cookie(ctx), PT_REGS_RC(ctx));
}
