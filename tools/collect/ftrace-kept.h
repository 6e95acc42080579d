/* The kept ftrace instance (`kvmscope record --ftrace-keep`, used by
 * `kvmscope ci`): one tracefs instance, kvmscope-kept, and one uprobe group
 * per VMM binary, kvmscope_kept_HASH, left set up and enabled between runs.
 *
 * Why: disabling a uprobe event and deleting one each wait for RCU grace
 * periods (tens of ms each, ~30 probes), so a collector that builds and
 * tears down its instance per run pays seconds; enabling is cheap. A kept
 * instance pays that once. Its cost between runs: tracing is off, but the
 * binary's probes stay armed, so every process of that binary traps at each
 * probe it hits (nothing is recorded), and the kvm tracepoints stay
 * registered. `kvmscope record --cleanup` (or `kvmscope ci --cleanup`)
 * removes the instance and every kept group.
 *
 * HASH covers the uprobe definitions (path, offsets, fetch arguments) and the
 * binary's identity (device, inode, size, mtime): a rebuilt or other binary
 * gets a group of its own, and the previous group is removed, never reused.
 * One collector at a time holds the instance (flock on its directory);
 * another one meanwhile gets a private instance, as without --ftrace-keep.
 */
#ifndef KVMSCOPE_FTRACE_KEPT_H
#define KVMSCOPE_FTRACE_KEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tracefs_instance;

#define FTRACE_KEPT_INSTANCE "kvmscope-kept"
#define FTRACE_KEPT_GROUP "kvmscope_kept_"

/* Opens (creating when absent) the kept instance and locks it. 0 with *INST
 * and *LOCK_FD set; 1 when another collector holds it; -1 with ERR. */
int ftrace_kept_open(struct tracefs_instance **inst, int *lock_fd, char *err, size_t errlen);

/* FNV-1a over DATA, continuing from H (start with FTRACE_KEPT_HASH_INIT) */
#define FTRACE_KEPT_HASH_INIT 0xcbf29ce484222325ull
uint64_t ftrace_kept_hash(uint64_t h, const void *data, size_t len);

/* GROUP (kvmscope_kept_ + 16 hex digits) for definitions hashed to H of
 * BINARY, whose identity is mixed in. -1 when BINARY cannot be stat'ed. */
int ftrace_kept_group_name(const char *binary, uint64_t h, char *group, size_t len);

/* Whether GROUP defines every one of the N event NAMES (uprobe_events). */
bool ftrace_kept_group_ready(const char *group, char *const *names, unsigned n);

/* Disables in INST and deletes every uprobe event of a kept group (all of
 * them: a group that is not ready is of another binary or incomplete).
 * Returns how many were deleted. */
unsigned ftrace_kept_remove_groups(struct tracefs_instance *inst);

/* Writes VALUE to FILE of INST unless it already holds it (a selection
 * such as trace_clock's "local [mono]" counts by its bracketed entry):
 * several settings wait for a grace period on every write. 0 or -1. */
int ftrace_kept_setting(struct tracefs_instance *inst, const char *file, const char *value);

/* Removes the kept instance and every kept uprobe group, one line each on
 * OUT. 0, or -1 with ERR, also when a collector holds the instance now
 * (then nothing is removed). */
int ftrace_kept_cleanup(FILE *out, char *err, size_t errlen);

#endif
