/* record-stacks.h - the recorder's user stacks made readable while it records
 * (kvmscope record --stack): a MAPS record per process and a SYMBOL record
 * for each new instruction pointer, asked of the process while it is alive.
 *
 * A short process (a 30 ms VMM under --follow on a loaded host) can be gone
 * before its records leave the ring buffer. Its own probe then says where its
 * binary was loaded: frame 0 of a stack taken at a probe is the probe's
 * address, so its frames in the probe binary are still symbolized; the frames
 * elsewhere (libc) stay raw, and a NOTE says so. */
#ifndef KVMSCOPE_RECORD_STACKS_H
#define KVMSCOPE_RECORD_STACKS_H

#include <stdint.h>

struct cap_writer;
struct record_stacks;

/* PROBE_BINARY: the ELF whose probes are attached (its notes give each
 * probe's address, by the probe table's ids); NULL without memory. */
struct record_stacks *record_stacks_new(struct cap_writer *w, const char *probe_binary);
void record_stacks_free(struct record_stacks *s);

/* A probe hit: the first one of a process takes its mappings and a
 * symbolizer while it is alive; the hit's probe is what a STACK of the same
 * thread is taken at. */
void record_stacks_probe(struct record_stacks *s, uint32_t pid, uint32_t tid, uint32_t probe_id);

/* A stack of thread TID of PID, taken at its last probe: SYMBOL records. */
void record_stacks_stack(struct record_stacks *s, uint32_t pid, uint32_t tid, const uint64_t *ips,
			 uint32_t n);

#endif
