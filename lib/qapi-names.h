/* QAPI enums the VMM shares with QEMU: ShutdownCause and the -action values,
 * with their names (lib/qapi-names.c). Pure tables: the VMM and the
 * analyst read them alike. */
#ifndef KVMSCOPE_QAPI_NAMES_H
#define KVMSCOPE_QAPI_NAMES_H

#include <stdbool.h>

enum shutdown_cause {
	SHUTDOWN_CAUSE_NONE,
	SHUTDOWN_CAUSE_HOST_ERROR,
	SHUTDOWN_CAUSE_HOST_QMP_QUIT,
	SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
	SHUTDOWN_CAUSE_HOST_SIGNAL,
	SHUTDOWN_CAUSE_HOST_UI,
	SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
	SHUTDOWN_CAUSE_GUEST_RESET,
	SHUTDOWN_CAUSE_GUEST_PANIC,
	SHUTDOWN_CAUSE_SUBSYSTEM_RESET,
	SHUTDOWN_CAUSE_SNAPSHOT_LOAD,
	SHUTDOWN_CAUSE__MAX,
};

enum reboot_action { REBOOT_ACTION_RESET, REBOOT_ACTION_SHUTDOWN };
enum shutdown_action { SHUTDOWN_ACTION_POWEROFF, SHUTDOWN_ACTION_PAUSE };
enum panic_action {
	PANIC_ACTION_PAUSE,
	PANIC_ACTION_SHUTDOWN,
	PANIC_ACTION_EXIT_FAILURE,
	PANIC_ACTION_NONE,
};
enum watchdog_action {
	WATCHDOG_ACTION_RESET,
	WATCHDOG_ACTION_SHUTDOWN,
	WATCHDOG_ACTION_POWEROFF,
	WATCHDOG_ACTION_PAUSE,
	WATCHDOG_ACTION_DEBUG,
	WATCHDOG_ACTION_NONE,
	WATCHDOG_ACTION_INJECT_NMI,
};

const char *shutdown_cause_name(enum shutdown_cause cause);
bool shutdown_caused_by_guest(enum shutdown_cause cause);
/* Value names of each action kind, for -action and set-action. -1 if unknown. */
int reboot_action_by_name(const char *s);
int shutdown_action_by_name(const char *s);
int panic_action_by_name(const char *s);
int watchdog_action_by_name(const char *s);

#endif
