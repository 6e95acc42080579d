/* The process filter's one value, shared by the BPF programs
 * (process-filter.bpf.h) and their loaders. A map rather than load-time
 * constants, so that a kept collector (bpf-kept.h), loaded once, is pointed
 * at each run's command, and is off between runs. */
#ifndef KVMSCOPE_PROCESS_FILTER_H
#define KVMSCOPE_PROCESS_FILTER_H

#include <linux/types.h>

struct process_filter {
	__u32 target_tgid; /* the command's process ... */
	__u8 follow;       /* ... or the tgids in `followed` */
	__u8 active;       /* 0: record nothing */
	__u16 reserved;
};

#endif
