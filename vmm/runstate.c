#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "runstate.h"
#include "trace.h"

static const char *const runstate_names[RUN_STATE__MAX] = {
	[RUN_STATE_DEBUG] = "debug",
	[RUN_STATE_INMIGRATE] = "inmigrate",
	[RUN_STATE_INTERNAL_ERROR] = "internal-error",
	[RUN_STATE_IO_ERROR] = "io-error",
	[RUN_STATE_PAUSED] = "paused",
	[RUN_STATE_POSTMIGRATE] = "postmigrate",
	[RUN_STATE_PRELAUNCH] = "prelaunch",
	[RUN_STATE_FINISH_MIGRATE] = "finish-migrate",
	[RUN_STATE_RESTORE_VM] = "restore-vm",
	[RUN_STATE_RUNNING] = "running",
	[RUN_STATE_SAVE_VM] = "save-vm",
	[RUN_STATE_SHUTDOWN] = "shutdown",
	[RUN_STATE_SUSPENDED] = "suspended",
	[RUN_STATE_WATCHDOG] = "watchdog",
	[RUN_STATE_GUEST_PANICKED] = "guest-panicked",
	[RUN_STATE_COLO] = "colo",
};

/* QEMU's runstate_transitions_def (system/runstate.c, 8.x baseline, which
 * 7.2 shares); later additions are left out on purpose. */
static const struct {
	enum run_state from, to;
} transitions[] = {
	{ RUN_STATE_DEBUG, RUN_STATE_RUNNING },
	{ RUN_STATE_DEBUG, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_DEBUG, RUN_STATE_PRELAUNCH },
	{ RUN_STATE_DEBUG, RUN_STATE_SUSPENDED },

	{ RUN_STATE_INMIGRATE, RUN_STATE_INTERNAL_ERROR },
	{ RUN_STATE_INMIGRATE, RUN_STATE_IO_ERROR },
	{ RUN_STATE_INMIGRATE, RUN_STATE_PAUSED },
	{ RUN_STATE_INMIGRATE, RUN_STATE_RUNNING },
	{ RUN_STATE_INMIGRATE, RUN_STATE_SHUTDOWN },
	{ RUN_STATE_INMIGRATE, RUN_STATE_SUSPENDED },
	{ RUN_STATE_INMIGRATE, RUN_STATE_WATCHDOG },
	{ RUN_STATE_INMIGRATE, RUN_STATE_GUEST_PANICKED },
	{ RUN_STATE_INMIGRATE, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_INMIGRATE, RUN_STATE_PRELAUNCH },
	{ RUN_STATE_INMIGRATE, RUN_STATE_POSTMIGRATE },
	{ RUN_STATE_INMIGRATE, RUN_STATE_COLO },

	{ RUN_STATE_INTERNAL_ERROR, RUN_STATE_PAUSED },
	{ RUN_STATE_INTERNAL_ERROR, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_INTERNAL_ERROR, RUN_STATE_PRELAUNCH },

	{ RUN_STATE_IO_ERROR, RUN_STATE_RUNNING },
	{ RUN_STATE_IO_ERROR, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_IO_ERROR, RUN_STATE_PRELAUNCH },

	{ RUN_STATE_PAUSED, RUN_STATE_RUNNING },
	{ RUN_STATE_PAUSED, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_PAUSED, RUN_STATE_POSTMIGRATE },
	{ RUN_STATE_PAUSED, RUN_STATE_PRELAUNCH },
	{ RUN_STATE_PAUSED, RUN_STATE_COLO },

	{ RUN_STATE_POSTMIGRATE, RUN_STATE_RUNNING },
	{ RUN_STATE_POSTMIGRATE, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_POSTMIGRATE, RUN_STATE_PRELAUNCH },

	{ RUN_STATE_PRELAUNCH, RUN_STATE_RUNNING },
	{ RUN_STATE_PRELAUNCH, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_PRELAUNCH, RUN_STATE_INMIGRATE },

	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_RUNNING },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_PAUSED },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_POSTMIGRATE },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_PRELAUNCH },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_COLO },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_INTERNAL_ERROR },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_IO_ERROR },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_SHUTDOWN },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_SUSPENDED },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_WATCHDOG },
	{ RUN_STATE_FINISH_MIGRATE, RUN_STATE_GUEST_PANICKED },

	{ RUN_STATE_RESTORE_VM, RUN_STATE_RUNNING },
	{ RUN_STATE_RESTORE_VM, RUN_STATE_PRELAUNCH },

	{ RUN_STATE_COLO, RUN_STATE_RUNNING },
	{ RUN_STATE_COLO, RUN_STATE_PRELAUNCH },
	{ RUN_STATE_COLO, RUN_STATE_SHUTDOWN },

	{ RUN_STATE_RUNNING, RUN_STATE_DEBUG },
	{ RUN_STATE_RUNNING, RUN_STATE_INTERNAL_ERROR },
	{ RUN_STATE_RUNNING, RUN_STATE_IO_ERROR },
	{ RUN_STATE_RUNNING, RUN_STATE_PAUSED },
	{ RUN_STATE_RUNNING, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_RUNNING, RUN_STATE_RESTORE_VM },
	{ RUN_STATE_RUNNING, RUN_STATE_SAVE_VM },
	{ RUN_STATE_RUNNING, RUN_STATE_SHUTDOWN },
	{ RUN_STATE_RUNNING, RUN_STATE_WATCHDOG },
	{ RUN_STATE_RUNNING, RUN_STATE_GUEST_PANICKED },
	{ RUN_STATE_RUNNING, RUN_STATE_COLO },
	{ RUN_STATE_RUNNING, RUN_STATE_SUSPENDED },

	{ RUN_STATE_SAVE_VM, RUN_STATE_RUNNING },

	{ RUN_STATE_SHUTDOWN, RUN_STATE_PAUSED },
	{ RUN_STATE_SHUTDOWN, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_SHUTDOWN, RUN_STATE_PRELAUNCH },
	{ RUN_STATE_SHUTDOWN, RUN_STATE_COLO },

	{ RUN_STATE_SUSPENDED, RUN_STATE_RUNNING },
	{ RUN_STATE_SUSPENDED, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_SUSPENDED, RUN_STATE_PRELAUNCH },
	{ RUN_STATE_SUSPENDED, RUN_STATE_COLO },

	{ RUN_STATE_WATCHDOG, RUN_STATE_RUNNING },
	{ RUN_STATE_WATCHDOG, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_WATCHDOG, RUN_STATE_PRELAUNCH },
	{ RUN_STATE_WATCHDOG, RUN_STATE_COLO },

	{ RUN_STATE_GUEST_PANICKED, RUN_STATE_RUNNING },
	{ RUN_STATE_GUEST_PANICKED, RUN_STATE_FINISH_MIGRATE },
	{ RUN_STATE_GUEST_PANICKED, RUN_STATE_PRELAUNCH },
};

/* Initial state, as in QEMU. */
static enum run_state current_run_state = RUN_STATE_PRELAUNCH;

const char *runstate_name(enum run_state s)
{
	return (unsigned)s < RUN_STATE__MAX ? runstate_names[s] : "?";
}

int runstate_by_name(const char *name)
{
	for (int s = 0; s < RUN_STATE__MAX; s++)
		if (!strcmp(runstate_names[s], name))
			return s;
	return -1;
}

bool runstate_transition_allowed(enum run_state from, enum run_state to)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (transitions[i].from == from && transitions[i].to == to)
			return true;
	return false;
}

enum run_state runstate_get(void)
{
	return __atomic_load_n(&current_run_state, __ATOMIC_ACQUIRE);
}

bool runstate_check(enum run_state s)
{
	return runstate_get() == s;
}

bool runstate_is_running(void)
{
	return runstate_check(RUN_STATE_RUNNING);
}

bool runstate_needs_reset(void)
{
	return runstate_check(RUN_STATE_INTERNAL_ERROR) || runstate_check(RUN_STATE_SHUTDOWN);
}

void runstate_set(enum run_state new_state)
{
	enum run_state cur = runstate_get();

	if ((unsigned)new_state >= RUN_STATE__MAX)
		abort();
	trace_runstate_set((int)cur, runstate_name(cur), (int)new_state, runstate_name(new_state));
	if (new_state == cur)
		return;
	if (!runstate_transition_allowed(cur, new_state)) {
		error_report("invalid runstate transition: '%s' -> '%s'", runstate_name(cur),
			     runstate_name(new_state));
		abort();
	}
	__atomic_store_n(&current_run_state, new_state, __ATOMIC_RELEASE);
}
