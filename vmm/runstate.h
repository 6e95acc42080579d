/* QEMU's RunState (qapi/run-state.json): the enum in QAPI order, the allowed
 * transitions, and runstate_set(), the one place the state changes. */
#ifndef VMM_RUNSTATE_H
#define VMM_RUNSTATE_H

#include <stdbool.h>

enum run_state {
	RUN_STATE_DEBUG,
	RUN_STATE_INMIGRATE,
	RUN_STATE_INTERNAL_ERROR,
	RUN_STATE_IO_ERROR,
	RUN_STATE_PAUSED,
	RUN_STATE_POSTMIGRATE,
	RUN_STATE_PRELAUNCH,
	RUN_STATE_FINISH_MIGRATE,
	RUN_STATE_RESTORE_VM,
	RUN_STATE_RUNNING,
	RUN_STATE_SAVE_VM,
	RUN_STATE_SHUTDOWN,
	RUN_STATE_SUSPENDED,
	RUN_STATE_WATCHDOG,
	RUN_STATE_GUEST_PANICKED,
	RUN_STATE_COLO,
	RUN_STATE__MAX,
};

const char *runstate_name(enum run_state s);
/* -1 for an unknown name */
int runstate_by_name(const char *name);
bool runstate_transition_allowed(enum run_state from, enum run_state to);

enum run_state runstate_get(void);
bool runstate_check(enum run_state s);
bool runstate_is_running(void);
/* internal-error or shutdown: only a reset gets the guest going again */
bool runstate_needs_reset(void);
/* Trace, then (unless equal) check the table: an illegal transition prints
 * QEMU's message and aborts. */
void runstate_set(enum run_state new_state);

#endif
