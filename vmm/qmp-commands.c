/* The QMP commands and what each does in each run state, as QEMU 7.2's
 * monitor/qmp-cmds.c, monitor/qmp-cmds-control.c, softmmu/runstate.c and
 * runstate-action.c do it. Replies have QEMU's member order.
 *
 * Differences kept on purpose (compared side by side with
 * qemu-system-x86_64 7.2 -M pc on tests/guests/hello.elf):
 *  - query-version reports 7.2.0 with package "kvmscope-vmm VERSION": the
 *    run-state semantics are 7.2's, the program is not QEMU.
 *  - query-commands lists only the commands below.
 *  - no dump, migration or suspend exists, so stop/cont never give the
 *    "dump in process" or "Migration is not finalized yet" errors and cont
 *    has no inmigrate/suspended branches to take.
 *  - the greeting offers no capabilities (QEMU offers "oob" on a -qmp
 *    socket): commands run in the main loop; enable ["oob"] is refused with
 *    QEMU's "Capability oob not available". */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "machine.h"
#include "qmp-dispatch.h"
#include "runstate.h"
#include "system.h"
#include "version.h"

static json_t *qmp_capabilities(struct qmp_session *s, json_t *args, struct qmp_error *err)
{
	json_t *enable = json_object_get(args, "enable");
	size_t i;
	json_t *cap;

	if (s->negotiated) {
		qmp_error_setg(err, QMP_ERROR_COMMAND_NOT_FOUND,
			       "Capabilities negotiation is already complete, command ignored");
		return NULL;
	}
	json_array_foreach(enable, i, cap) {
		/* "oob" is the only QMPCapability and it is not offered here */
		qmp_error_setg(err, QMP_ERROR_GENERIC, "Capability %s not available",
			       json_string_value(cap));
		return NULL;
	}
	s->negotiated = true;
	return NULL;
}

static json_t *query_status(struct qmp_session *s, json_t *args, struct qmp_error *err)
{
	(void)s, (void)args, (void)err;
	return json_pack("{s:s,s:b,s:b}", "status", runstate_name(runstate_get()), "singlestep", 0,
			 "running", runstate_is_running());
}

static json_t *query_version(struct qmp_session *s, json_t *args, struct qmp_error *err)
{
	(void)s, (void)args, (void)err;
	return json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu", "micro", 0, "minor", QEMU_SEMANTICS_MINOR,
			 "major", QEMU_SEMANTICS_MAJOR, "package", "kvmscope-vmm " KVMSCOPE_VERSION);
}

static json_t *query_commands(struct qmp_session *s, json_t *args, struct qmp_error *err)
{
	json_t *list = json_array();
	(void)s, (void)args, (void)err;
	for (size_t i = 0; i < qmp_command_count; i++)
		json_array_append_new(list, json_pack("{s:s}", "name", qmp_commands[i].name));
	return list;
}

static json_t *query_name(struct qmp_session *s, json_t *args, struct qmp_error *err)
{
	(void)s, (void)args, (void)err;
	if (current_machine && current_machine->cfg && current_machine->cfg->name)
		return json_pack("{s:s}", "name", current_machine->cfg->name);
	return json_object();
}

static json_t *query_cpus_fast(struct qmp_session *s, json_t *args, struct qmp_error *err)
{
	json_t *list = json_array();
	(void)s, (void)args, (void)err;
	for (int i = 0; current_machine && i < current_machine->nr_vcpus; i++) {
		const struct vcpu *v = &current_machine->vcpus[i];
		char path[64];
		/* vcpus_start() returns once every thread has its id */
		snprintf(path, sizeof(path), "/machine/unattached/device[%d]", i);
		/* one core and one thread per socket, as QEMU's -smp N */
		json_array_append_new(
			list, json_pack("{s:i,s:{s:i,s:i,s:i},s:s,s:i,s:s}", "thread-id", (int)v->tid,
					"props", "core-id", 0, "thread-id", 0, "socket-id", i,
					"qom-path", path, "cpu-index", v->index, "target",
#if defined(__aarch64__)
					"aarch64"
#else
					"x86_64"
#endif
					));
	}
	return list;
}

/* a command without arguments that only asks for something and returns {} */
#define QMP_REQUEST(fn, ...)                                                                       \
	static json_t *fn(struct qmp_session *s, json_t *args, struct qmp_error *err)             \
	{                                                                                          \
		(void)s, (void)args, (void)err;                                                    \
		__VA_ARGS__;                                                                       \
		return NULL;                                                                       \
	}

/* not running (prelaunch, paused, shutdown, ...): nothing, no event */
QMP_REQUEST(stop, vm_stop(RUN_STATE_PAUSED))

static json_t *cont(struct qmp_session *s, json_t *args, struct qmp_error *err)
{
	(void)s, (void)args;
	if (runstate_needs_reset()) {
		qmp_error_setg(err, QMP_ERROR_GENERIC, "Resetting the Virtual Machine is required");
		return NULL;
	}
	vm_start(); /* already running: nothing, no event */
	return NULL;
}

QMP_REQUEST(system_reset, qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET))
QMP_REQUEST(system_powerdown, qemu_system_powerdown_request())
/* exits even with -no-shutdown */
QMP_REQUEST(quit,
	    __atomic_store_n(&run_actions.shutdown, SHUTDOWN_ACTION_POWEROFF, __ATOMIC_RELEASE);
	    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT))

static json_t *set_action(struct qmp_session *s, json_t *args, struct qmp_error *err)
{
	const char *v;
	(void)s, (void)err;
	/* QEMU's order: reboot, panic, watchdog, then shutdown */
	if ((v = json_string_value(json_object_get(args, "reboot"))))
		__atomic_store_n(&run_actions.reboot, reboot_action_by_name(v), __ATOMIC_RELEASE);
	if ((v = json_string_value(json_object_get(args, "panic"))))
		__atomic_store_n(&run_actions.panic, panic_action_by_name(v), __ATOMIC_RELEASE);
	if ((v = json_string_value(json_object_get(args, "watchdog"))))
		__atomic_store_n(&run_actions.watchdog, watchdog_action_by_name(v),
				 __ATOMIC_RELEASE);
	if ((v = json_string_value(json_object_get(args, "shutdown"))))
		__atomic_store_n(&run_actions.shutdown, shutdown_action_by_name(v),
				 __ATOMIC_RELEASE);
	return NULL;
}

static const char *const qmp_capability_values[] = { "oob", NULL };
static const char *const reboot_values[] = { "reset", "shutdown", NULL };
static const char *const shutdown_values[] = { "poweroff", "pause", NULL };
static const char *const panic_values[] = { "pause", "shutdown", "exit-failure", "none", NULL };
static const char *const watchdog_values[] = { "reset", "shutdown", "poweroff", "pause",
					       "debug", "none", "inject-nmi", NULL };

static const struct qmp_arg capabilities_args[] = {
	{ "enable", QMP_ARG_LIST, true, qmp_capability_values },
	{ NULL, 0, false, NULL },
};
static const struct qmp_arg set_action_args[] = {
	{ "reboot", QMP_ARG_STR, true, reboot_values },
	{ "shutdown", QMP_ARG_STR, true, shutdown_values },
	{ "panic", QMP_ARG_STR, true, panic_values },
	{ "watchdog", QMP_ARG_STR, true, watchdog_values },
	{ NULL, 0, false, NULL },
};

const struct qmp_command qmp_commands[] = {
	{ "qmp_capabilities", qmp_capabilities, capabilities_args },
	{ "query-status", query_status, NULL },
	{ "query-version", query_version, NULL },
	{ "query-commands", query_commands, NULL },
	{ "query-name", query_name, NULL },
	{ "query-cpus-fast", query_cpus_fast, NULL },
	{ "stop", stop, NULL },
	{ "cont", cont, NULL },
	{ "system_reset", system_reset, NULL },
	{ "system_powerdown", system_powerdown, NULL },
	{ "quit", quit, NULL },
	{ "set-action", set_action, set_action_args },
};
const size_t qmp_command_count = sizeof(qmp_commands) / sizeof(qmp_commands[0]);
