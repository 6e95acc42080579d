/* Per-CPU counters of one BPF object (records lost and the like), summed by
 * its reader: define COUNTERS_MAP (the map's name) and COUNTERS_MAX (its
 * slots) before including; count(which) adds one on this CPU. Shared by
 * bpf-collector.bpf.c and kfunc.bpf.c. */
#ifndef KVMSCOPE_COUNTERS_BPF_H
#define KVMSCOPE_COUNTERS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNTERS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} COUNTERS_MAP SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&COUNTERS_MAP, &which);
	if (c)
		(*c)++;
}

#endif
