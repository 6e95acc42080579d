/* cpu-merge.h - entries read from per-CPU trace buffers, put into one time
 * order. Each CPU's buffer is already in time order, so a release merges
 * the CPUs' queues (k-way) instead of sorting everything held: entries
 * younger than the limit wait, since another CPU may still hand in older
 * ones. Equal timestamps keep the order the entries were added in. An
 * entry older than its CPU's last one (not expected of the kernel) is
 * moved back into place. */
#ifndef KVMSCOPE_CPU_MERGE_H
#define KVMSCOPE_CPU_MERGE_H

#include <stddef.h>
#include <stdint.h>

struct cpu_merge;

/* Called for each released entry; its return is summed when > 0. */
typedef int (*cpu_merge_emit)(void *ctx, uint64_t ts, uint32_t cpu, const void *data, uint32_t len);

struct cpu_merge *cpu_merge_new(unsigned ncpus);
void cpu_merge_free(struct cpu_merge *m);

/* A copy of DATA; -1 without memory (or CPU out of range), 0 otherwise. */
int cpu_merge_add(struct cpu_merge *m, unsigned cpu, uint64_t ts, const void *data, uint32_t len);

/* Emits, in time order, every held entry with ts < LIMIT (UINT64_MAX: all).
 * Returns the sum of EMIT's positive returns. */
int cpu_merge_release(struct cpu_merge *m, uint64_t limit, cpu_merge_emit emit, void *ctx);

/* Entries held. */
size_t cpu_merge_held(const struct cpu_merge *m);

#endif
