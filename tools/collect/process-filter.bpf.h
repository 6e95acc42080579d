/* Which processes a collector's BPF programs record, shared by bpf-collector.bpf.c
 * and kfunc.bpf.c: the command's (target_tgid) or, with --follow, every tgid
 * in `followed` (the command and everything it starts: seeded by the loader,
 * grown on fork, shrunk on exit). kfunc's loader points its `followed` at
 * record's, so both see one set. */
#ifndef KVMSCOPE_PROCESS_FILTER_BPF_H
#define KVMSCOPE_PROCESS_FILTER_BPF_H

const volatile __u32 target_tgid = 0;
const volatile bool follow = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} followed SEC(".maps");

static __always_inline bool wanted(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;

	if (!follow)
		return tgid == target_tgid;
	return bpf_map_lookup_elem(&followed, &tgid) != NULL;
}

#endif
