/* What the kept collectors (ftrace-kept.h, bpf-kept.h) share: one collector
 * at a time holds a kept directory, by flock on it. */
#ifndef KVMSCOPE_KEPT_LOCK_H
#define KVMSCOPE_KEPT_LOCK_H

#include <stddef.h>

/* DIR opened and flocked without waiting: its fd (the lock goes with it);
 * -2 when another collector holds it; -1 with ERR (naming it NAME) when it
 * cannot be opened, or was removed while we locked it (a cleanup). */
int kept_lock(const char *dir, const char *name, char *err, size_t errlen);

#endif
