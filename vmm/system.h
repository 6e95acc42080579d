/* Requests, actions and the main loop's decisions, as QEMU's system/runstate.c
 * and runstate-action.c make them. The function names are QEMU's so that
 * trace lines and habits carry over. */
#ifndef VMM_SYSTEM_H
#define VMM_SYSTEM_H

#include <stdbool.h>
#include <sys/types.h>

#include "runstate.h"

#include "qapi-names.h"

struct run_actions {
	enum reboot_action reboot;
	enum shutdown_action shutdown;
	enum panic_action panic;
	enum watchdog_action watchdog;
};

/* QEMU's defaults: reboot=reset, shutdown=poweroff, panic=shutdown. */
extern struct run_actions run_actions;

/* Requests: they record and wake the main loop; the work happens in
 * main_loop_should_exit(). Safe from any thread. */
void qemu_system_reset_request(enum shutdown_cause reason);
void qemu_system_shutdown_request(enum shutdown_cause reason);
void qemu_system_shutdown_request_with_code(enum shutdown_cause reason, int exit_code);
void qemu_system_powerdown_request(void);
void qemu_system_vmstop_request(enum run_state state);
void qemu_system_guest_panicked(void);
/* From the SIGTERM/SIGINT/SIGHUP handler: async-signal-safe. */
void qemu_system_killed(int signal, pid_t pid);

/* What the main loop does between polls; true when the VMM should exit, with
 * the exit status in *status. */
bool main_loop_should_exit(int *status);

void qemu_system_reset(enum shutdown_cause reason);
void vm_stop(enum run_state state);
/* cont: 0 on success, -1 when nothing had to start */
int vm_start(void);
/* At exit: running -> shutdown without a STOP event (QEMU's vm_shutdown). */
void vm_shutdown(void);

/* Forget pending requests and actions (tests, and a fresh start). */
void system_requests_reset_for_test(void);

#endif
