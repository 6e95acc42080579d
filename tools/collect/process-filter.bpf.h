/* Which processes a collector's BPF programs record, shared by bpf-collector.bpf.c
 * and kfunc.bpf.c: the filter map's (process-filter.h) target_tgid or, with
 * follow, every tgid in `followed` (the command and everything it starts:
 * seeded by the loader, grown on fork, shrunk on exit); nothing while it is
 * not active. kfunc's loader points its `filter` and `followed` at the BPF
 * collector's, so both see one set. */
#ifndef KVMSCOPE_PROCESS_FILTER_BPF_H
#define KVMSCOPE_PROCESS_FILTER_BPF_H

#include "process-filter.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct process_filter);
} filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} followed SEC(".maps");

static __always_inline bool wanted(__u64 pid_tgid)
{
	__u32 zero = 0, tgid = pid_tgid >> 32;
	struct process_filter *f = bpf_map_lookup_elem(&filter, &zero);

	if (!f || !f->active)
		return false;
	if (!f->follow)
		return tgid == f->target_tgid;
	return bpf_map_lookup_elem(&followed, &tgid) != NULL;
}

#endif
