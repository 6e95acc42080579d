#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confidential.h"
#include "cpus.h"
#include "error.h"
#include "events.h"
#include "machine.h"
#include "mainloop.h"
#include "system.h"
#include "trace.h"

struct run_actions run_actions = {
	.reboot = REBOOT_ACTION_RESET,
	.shutdown = SHUTDOWN_ACTION_POWEROFF,
	.panic = PANIC_ACTION_SHUTDOWN,
	.watchdog = WATCHDOG_ACTION_RESET,
};

/* Pending requests. Written from vCPU threads and the signal handler, taken
 * (exchanged with "none") by the main loop. */
static int reset_requested;
static int shutdown_requested;
static int shutdown_exit_code = -1;
static int powerdown_requested;
static int vmstop_requested = RUN_STATE__MAX;
static int shutdown_signal;
static int shutdown_pid;

void system_requests_reset_for_test(void)
{
	reset_requested = shutdown_requested = powerdown_requested = 0;
	shutdown_exit_code = -1;
	vmstop_requested = RUN_STATE__MAX;
	shutdown_signal = shutdown_pid = 0;
	run_actions = (struct run_actions){ REBOOT_ACTION_RESET, SHUTDOWN_ACTION_POWEROFF,
					    PANIC_ACTION_SHUTDOWN, WATCHDOG_ACTION_RESET };
}

void qemu_system_reset_request(enum shutdown_cause reason)
{
	bool resettable = cpus_are_resettable();
	const char *action;

	if (__atomic_load_n(&run_actions.reboot, __ATOMIC_ACQUIRE) == REBOOT_ACTION_SHUTDOWN &&
	    reason != SHUTDOWN_CAUSE_SUBSYSTEM_RESET) {
		action = "shutdown (reboot action)";
		__atomic_store_n(&shutdown_requested, reason, __ATOMIC_RELEASE);
	} else if (!resettable) {
		action = "shutdown (cpus not resettable)";
		error_report("cpus are not resettable, terminating");
		__atomic_store_n(&shutdown_requested, reason, __ATOMIC_RELEASE);
	} else {
		action = "reset";
		__atomic_store_n(&reset_requested, reason, __ATOMIC_RELEASE);
	}
	trace_qemu_system_reset_request((int)reason, shutdown_cause_name(reason), resettable,
					action);
	cpu_stop_current();
	qemu_notify_event();
}

void qemu_system_shutdown_request(enum shutdown_cause reason)
{
	trace_qemu_system_shutdown_request((int)reason);
	__atomic_store_n(&shutdown_requested, reason, __ATOMIC_RELEASE);
	qemu_notify_event();
}

void qemu_system_shutdown_request_with_code(enum shutdown_cause reason, int exit_code)
{
	__atomic_store_n(&shutdown_exit_code, exit_code, __ATOMIC_RELEASE);
	qemu_system_shutdown_request(reason);
}

void qemu_system_powerdown_request(void)
{
	trace_qemu_system_powerdown_request();
	__atomic_store_n(&powerdown_requested, 1, __ATOMIC_RELEASE);
	qemu_notify_event();
}

void qemu_system_vmstop_request(enum run_state state)
{
	__atomic_store_n(&vmstop_requested, state, __ATOMIC_RELEASE);
	qemu_notify_event();
}

void qemu_system_killed(int signal, pid_t pid)
{
	/* the pid first: a report that sees the signal sees its sender */
	__atomic_store_n(&shutdown_pid, pid, __ATOMIC_RELAXED);
	__atomic_store_n(&shutdown_signal, signal, __ATOMIC_RELEASE);
	/* a signal always ends the process, even with -no-shutdown */
	__atomic_store_n(&run_actions.shutdown, SHUTDOWN_ACTION_POWEROFF, __ATOMIC_RELAXED);
	__atomic_store_n(&shutdown_requested, SHUTDOWN_CAUSE_HOST_SIGNAL, __ATOMIC_RELEASE);
	qemu_notify_event();
}

void qemu_system_guest_panicked(void)
{
	enum panic_action panic = run_actions.panic;

	if (panic == PANIC_ACTION_NONE) {
		qapi_event_send_guest_panicked("run");
		return;
	}
	if (panic == PANIC_ACTION_PAUSE ||
	    (panic == PANIC_ACTION_SHUTDOWN && run_actions.shutdown == SHUTDOWN_ACTION_PAUSE)) {
		qapi_event_send_guest_panicked("pause");
		vm_stop(RUN_STATE_GUEST_PANICKED);
		return;
	}
	qapi_event_send_guest_panicked("poweroff");
	/* QEMU makes both requests under the BQL, so its main loop sees them
	 * together and handles the shutdown first. Without that lock, the
	 * shutdown is requested first: a main loop woken in between then still
	 * sees the shutdown before the stop. */
	if (current_vcpu())
		qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_PANIC);
	vm_stop(RUN_STATE_GUEST_PANICKED);
	if (!current_vcpu())
		qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_PANIC);
}

/* argv[0] of the sender, as QEMU's qemu_get_pid_name() reads it */
static void pid_name(int pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(buf, len, "<unknown process>");
		return;
	}
	buf[n] = '\0';
}

static void qemu_kill_report(void)
{
	int sig = __atomic_exchange_n(&shutdown_signal, 0, __ATOMIC_ACQ_REL);
	int pid = __atomic_load_n(&shutdown_pid, __ATOMIC_ACQUIRE);
	char name[256];

	if (!sig)
		return;
	trace_qemu_system_killed(sig, pid);
	if (pid == 0) {
		error_report("terminating on signal %d", sig);
		return;
	}
	pid_name(pid, name, sizeof(name));
	error_report("terminating on signal %d from pid %d (%s)", sig, pid, name);
}

void vm_stop(enum run_state state)
{
	/* On a vCPU thread (a guest panic): QEMU defers the stop to the main
	 * loop and parks this vCPU; changing the state here would race the
	 * main loop's own vm_stop(). */
	if (current_vcpu()) {
		qemu_system_vmstop_request(state);
		cpu_stop_current();
		return;
	}
	if (!runstate_is_running())
		return;
	runstate_set(state);
	trace_vm_state_notify(0, (int)state, runstate_name(state));
	pause_all_vcpus();
	qapi_event_send_stop();
}

void vm_shutdown(void)
{
	if (!runstate_is_running())
		return;
	runstate_set(RUN_STATE_SHUTDOWN);
	trace_vm_state_notify(0, RUN_STATE_SHUTDOWN, runstate_name(RUN_STATE_SHUTDOWN));
	pause_all_vcpus();
}

int vm_start(void)
{
	int pending = __atomic_exchange_n(&vmstop_requested, RUN_STATE__MAX, __ATOMIC_ACQ_REL);

	if (runstate_is_running()) {
		if (pending == RUN_STATE__MAX)
			return -1;
		qapi_event_send_stop();
		qapi_event_send_resume();
		return 0;
	}
	qapi_event_send_resume();
	runstate_set(RUN_STATE_RUNNING);
	trace_vm_state_notify(1, RUN_STATE_RUNNING, runstate_name(RUN_STATE_RUNNING));
	resume_all_vcpus();
	return 0;
}

void qemu_system_reset(enum shutdown_cause reason)
{
	trace_qemu_system_reset((int)reason, shutdown_cause_name(reason));
	machine_reset(reason);
	if (reason != SHUTDOWN_CAUSE_NONE && reason != SHUTDOWN_CAUSE_SUBSYSTEM_RESET &&
	    reason != SHUTDOWN_CAUSE_SNAPSHOT_LOAD)
		qapi_event_send_reset(shutdown_caused_by_guest(reason), reason);
}

static const char *shutdown_action_text(enum shutdown_action action)
{
	return action == SHUTDOWN_ACTION_PAUSE ? "pause (vmm keeps running)" : "poweroff (vmm exits)";
}

bool main_loop_should_exit(int *status)
{
	enum shutdown_cause request;
	int stop;

	request = __atomic_exchange_n(&shutdown_requested, 0, __ATOMIC_ACQ_REL);
	if (request) {
		/*
		 * The action is the one in force when the request was taken. A
		 * manager answers a guest's SHUTDOWN event with SIGTERM at once;
		 * that signal (which forces poweroff) is the next request, with
		 * its own report line and host-signal event - read later, it
		 * would end the VMM here with neither.
		 */
		enum shutdown_action action = __atomic_load_n(&run_actions.shutdown,
							      __ATOMIC_ACQUIRE);

		if (request == SHUTDOWN_CAUSE_HOST_SIGNAL)
			action = SHUTDOWN_ACTION_POWEROFF;
		if (action != SHUTDOWN_ACTION_PAUSE)
			qemu_kill_report();
		qapi_event_send_shutdown(shutdown_caused_by_guest(request), request);
		trace_main_loop_should_exit_shutdown((int)request, shutdown_cause_name(request),
						     shutdown_action_text(action));
		if (action == SHUTDOWN_ACTION_PAUSE) {
			vm_stop(RUN_STATE_SHUTDOWN);
		} else {
			int code = __atomic_load_n(&shutdown_exit_code, __ATOMIC_ACQUIRE);
			if (code >= 0)
				*status = code;
			else if (request == SHUTDOWN_CAUSE_GUEST_PANIC &&
				 run_actions.panic == PANIC_ACTION_EXIT_FAILURE)
				*status = EXIT_FAILURE;
			else
				*status = 0;
			return true;
		}
	}
	request = __atomic_exchange_n(&reset_requested, 0, __ATOMIC_ACQ_REL);
	if (request) {
		pause_all_vcpus();
		qemu_system_reset(request);
		resume_all_vcpus();
		if (!runstate_check(RUN_STATE_RUNNING) && !runstate_check(RUN_STATE_INMIGRATE) &&
		    !runstate_check(RUN_STATE_FINISH_MIGRATE))
			runstate_set(RUN_STATE_PRELAUNCH);
	}
	if (__atomic_exchange_n(&powerdown_requested, 0, __ATOMIC_ACQ_REL)) {
		qapi_event_send_powerdown();
		machine_powerdown();
	}
	stop = __atomic_exchange_n(&vmstop_requested, RUN_STATE__MAX, __ATOMIC_ACQ_REL);
	if (stop != RUN_STATE__MAX)
		vm_stop((enum run_state)stop);
	return false;
}
