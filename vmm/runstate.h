/* The VMM's run state and runstate_set(), the one place the state changes.
 * The enum, its names and QEMU's transition table: lib/runstate-table.h. */
#ifndef VMM_RUNSTATE_H
#define VMM_RUNSTATE_H

#include <stdbool.h>

#include "runstate-table.h"

enum run_state runstate_get(void);
bool runstate_check(enum run_state s);
bool runstate_is_running(void);
/* internal-error or shutdown: only a reset gets the guest going again */
bool runstate_needs_reset(void);
/* Trace, then (unless equal) check the table: an illegal transition prints
 * QEMU's message and aborts. */
void runstate_set(enum run_state new_state);

#endif
