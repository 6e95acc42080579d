/* Names of QAPI enums the VMM shares with QEMU: ShutdownCause and the -action
 * values. Pure tables, so the analysis tools and fuzz targets link them too. */
#include <string.h>

#include "qapi-names.h"

static const char *const cause_names[SHUTDOWN_CAUSE__MAX] = {
	[SHUTDOWN_CAUSE_NONE] = "none",
	[SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
	[SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
	[SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
	[SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
	[SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
	[SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
	[SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
	[SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
	[SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
	[SHUTDOWN_CAUSE_SNAPSHOT_LOAD] = "snapshot-load",
};

const char *shutdown_cause_name(enum shutdown_cause cause)
{
	return (unsigned)cause < SHUTDOWN_CAUSE__MAX ? cause_names[cause] : "?";
}

/* relies on the enum order, as QEMU's does */
bool shutdown_caused_by_guest(enum shutdown_cause cause)
{
	return cause >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN;
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

int reboot_action_by_name(const char *s)
{
	static const char *const names[] = { "reset", "shutdown" };
	return lookup(names, 2, s);
}

int shutdown_action_by_name(const char *s)
{
	static const char *const names[] = { "poweroff", "pause" };
	return lookup(names, 2, s);
}

int panic_action_by_name(const char *s)
{
	static const char *const names[] = { "pause", "shutdown", "exit-failure", "none" };
	return lookup(names, 4, s);
}

int watchdog_action_by_name(const char *s)
{
	static const char *const names[] = { "reset", "shutdown", "poweroff", "pause",
					     "debug", "none", "inject-nmi" };
	return lookup(names, 7, s);
}
