/* The kept BPF collector (`kvmscope record --bpf-keep`, used by `kvmscope
 * ci`): the BPF collector's maps and attached links pinned in bpffs under
 * /sys/fs/bpf/kvmscope-kept/set-HASH, made by one run and reused by the
 * next, which only points the process filter at its command.
 *
 * Why: a BPF link on a uprobe or a tracepoint is a perf event, and closing
 * one waits for RCU grace periods under the kernel's event_mutex (0.07-0.38 s
 * each here, 7-8 s for the ~50 a run holds). A run that follows another
 * waits behind the previous run's detaching for its own perf_event_open and
 * tracefs reads; back to back, a CI job's short commands queued up seconds
 * each. A kept set attaches once. Its cost between runs: the filter is off,
 * so nothing is recorded, but the VMM binary's probes stay armed (every
 * process of it traps at each probe it hits) and the kvm tracepoints run a
 * program that returns at once. `kvmscope record --cleanup` (or `kvmscope ci
 * --cleanup`) removes every set.
 *
 * HASH covers what the set was made of: kvmscope itself, the VMM binary's
 * identity, the ring's size, the kernel events. Another combination gets a
 * set of its own and the previous one is removed. One collector at a time
 * holds the directory (flock); another one meanwhile records privately.
 * KVMSCOPE_KEPT_INSTANCE (ftrace-kept.h) names a second directory, as it
 * names a second kept ftrace instance. */
#ifndef KVMSCOPE_BPF_KEPT_H
#define KVMSCOPE_BPF_KEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct bpf_link;
struct bpf_kept;

#define BPF_KEPT_ROOT "/sys/fs/bpf"

/* Opens (mounting bpffs and creating the directory when absent) and locks
 * the kept directory for the set IDENTITY. 0 with *OUT; 1 when another
 * collector holds it; -1 with ERR. */
int bpf_kept_open(struct bpf_kept **out, uint64_t identity, char *err, size_t errlen);

/* Whether the set exists, complete: then it is reused as it is. Otherwise
 * open made a directory for it (any other set is gone). */
bool bpf_kept_ready(const struct bpf_kept *k);

/* The directory the maps are pinned in (ready or being made). */
const char *bpf_kept_dir(const struct bpf_kept *k);

/* Whether the set holds a link pinned as NAME. */
bool bpf_kept_has(const struct bpf_kept *k, const char *name);

/* Making: pins L as NAME (a-z, 0-9, -, _, :). 0 or -1 with errno. */
int bpf_kept_pin(struct bpf_kept *k, struct bpf_link *l, const char *name);

/* Making, until the commit: keeps LINE, a thing the host refused, to be
 * said again by every run that reuses the set. */
void bpf_kept_note(struct bpf_kept *k, const char *line);

/* Reusing: says each kept line through SAY. */
void bpf_kept_replay(const struct bpf_kept *k, void (*say)(void *ctx, const char *line),
		     void *ctx);

/* Making: the set is complete and ready for the next run. 0 or -1 with ERR. */
int bpf_kept_commit(struct bpf_kept *k, char *err, size_t errlen);

/* Unlocks and frees K (NULL is fine); a set being made but not committed
 * is removed. */
void bpf_kept_close(struct bpf_kept *k);

/* Removes every kept set, one line on OUT. 0, or -1 with ERR, also when a
 * collector holds the directory now (then nothing is removed). */
int bpf_kept_cleanup(FILE *out, char *err, size_t errlen);

#endif
