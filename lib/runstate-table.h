/* QEMU's RunState (qapi/run-state.json): the enum in QAPI order, its names
 * and the allowed transitions (lib/runstate-table.c). No state here: the
 * VMM's current state is vmm/runstate.c's. */
#ifndef KVMSCOPE_RUNSTATE_TABLE_H
#define KVMSCOPE_RUNSTATE_TABLE_H

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

#endif
