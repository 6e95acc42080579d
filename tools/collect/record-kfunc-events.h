/* Events from the kernel function programs (tools/collect/kfunc.bpf.c) to their
 * collector (tools/collect/record-kfunc.c), through the kfunc_events ring buffer.
 * Shared by both sides, so only fixed-width kernel UAPI types. */
#ifndef KVMSCOPE_RECORD_KFUNC_EVENTS_H
#define KVMSCOPE_RECORD_KFUNC_EVENTS_H

#include <linux/types.h>

#define KFUNC_MAX 64		/* functions per record (ids below this) */

/* Counters in the per-CPU `kfunc_counters` array map. */
enum kfunc_counter {
	KFUNC_CNT_LOST_RINGBUF = 0,	/* reserve failed: a call lost */
	KFUNC_CNT_NO_ENTRY = 1,		/* a return without its entry (recursion, started before) */
	KFUNC_CNT_MAX = 2,
};

/* One call, sent at its return. */
struct kfunc_event {
	__u64 entry_ns;		/* bpf_ktime_get_ns at entry; 0: not seen */
	__u64 exit_ns;
	__u64 ret;		/* the return register */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 cpu;
	__u32 func_id;
};

/* Key of the entry time kept between entry and return. */
struct kfunc_entry_key {
	__u32 tid;
	__u32 func_id;
};

#endif
