/* What a collector killed before ftrace_collector_stop left behind: its
 * instance (kvmscope-PID) and its uprobe group (kvmscope_PID), PID being the
 * collector's own. The kept instance and groups (ftrace-kept.h) are not
 * stale: they outlive their collector on purpose. */
#ifndef KVMSCOPE_FTRACE_STALE_H
#define KVMSCOPE_FTRACE_STALE_H

/* Removes those of collectors that are gone. */
void ftrace_remove_stale(void);

#endif
