/* The VMM's run state and runstate_set(), the one place it changes; the
 * names and the allowed transitions are lib/runstate-table.c's. */
#include <stdlib.h>

#include "error.h"
#include "runstate.h"
#include "trace.h"

/* Initial state, as in QEMU. */
static enum run_state current_run_state = RUN_STATE_PRELAUNCH;

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
