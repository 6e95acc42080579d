/* Events from the BPF collector's programs (bpf-collector.bpf.c) to its
 * reader (bpf-collector.c), through one BPF ring buffer. Shared by both
 * sides, so only fixed-width kernel UAPI types. */
#ifndef KVMSCOPE_BPF_COLLECTOR_EVENTS_H
#define KVMSCOPE_BPF_COLLECTOR_EVENTS_H

#include <linux/types.h>

#define REC_MAX_ARGS 12
#define REC_STR_SLOTS 4		/* string arguments read per probe hit */
#define REC_STR_LEN 128		/* bytes per string, NUL included */
#define REC_TP_MAX 256		/* bytes of a raw trace entry copied */
#define REC_STACK_MAX 32	/* user stack frames */
#define REC_MAX_PROBES 64	/* probe ids (BPF cookies) below this */
#define REC_MAX_TP_IDS 4096	/* tracefs event ids below this */
/* The ring's size when none is asked for: about 25,000 probe records, a
 * test suite's burst while the reader is off the CPU. */
#define REC_RING_KB (16 << 10)

enum rec_kind {
	REC_KIND_PROBE = 1,
	REC_KIND_TP = 2,
	REC_KIND_STACK = 3,
	REC_KIND_IOCTL_ARG = 4,		/* ioctl-args-events.h */
};

/* Counters in the per-CPU `counters` array map. */
enum rec_counter {
	REC_CNT_LOST_RINGBUF = 0,	/* reserve failed: record lost */
	REC_CNT_LOST_STRING = 1,	/* a string argument unreadable (record kept) */
	REC_CNT_LOST_STACK = 2,		/* a stack unreadable (record kept) */
	REC_CNT_PROBE_HITS = 3,		/* probe hits seen (kept or not) */
	REC_CNT_TP_HITS = 4,		/* tracepoint hits passing the filters */
	REC_CNT_MAX = 5,
};

struct rec_common {
	__u32 kind;		/* enum rec_kind */
	__u32 cpu;
	__u64 ts_ns;		/* bpf_ktime_get_ns: CLOCK_MONOTONIC */
	__u32 pid;		/* tgid */
	__u32 tid;
};

struct rec_probe_event {
	struct rec_common c;
	__u32 probe_id;		/* the BPF cookie: index in vmm_probe_table */
	__u16 nargs;
	__u16 str_mask;		/* arguments with a string in strs[] (in order) */
	__u64 args[REC_MAX_ARGS];
	char strs[REC_STR_SLOTS][REC_STR_LEN];
};

struct rec_tp_event {
	struct rec_common c;
	__u32 len;		/* bytes of data[] that are the entry */
	__u32 reserved;
	__u8 data[REC_TP_MAX];	/* raw trace entry, common_type first */
};

struct rec_stack_event {
	struct rec_common c;
	__u32 nframes;
	__u32 reserved;
	__u64 ips[REC_STACK_MAX];
};

/* Per-probe settings (array map `probe_conf`, index = probe id). */
struct rec_probe_conf {
	__u16 str_mask;		/* which arguments are C strings */
	__u16 want_stack;
	__u32 reserved;
};

#endif
