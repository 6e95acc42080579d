/* Unit tests of the request logic of vmm/system.c (with runstate.c and
 * events.c) against QEMU's behaviour, /work/shared/spec/qemu-behavior.md §2-§3:
 * the named scenarios. Every combination is test-requests-matrix.c; the fakes
 * and the event recorder are requests-harness.h. */
#include "requests-harness.h"

/* ---- named scenarios of §3.10, spelled out ---- */

static void run_loop_expect(bool want_exit, int want_status)
{
	int status = -12345;
	assert_int_equal(main_loop_should_exit(&status), want_exit);
	if (want_exit)
		assert_int_equal(status, want_status);
}

static void test_sev_es_guest_reset_terminates(void **state)
{
	(void)state;
	char err[512];
	fake.resettable = false; /* SEV-ES: cpus are not resettable */
	capture_start();
	qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
	capture_end(err, sizeof(err));
	assert_string_equal(err, "kvmscope-vmm: cpus are not resettable, terminating\n");
	assert_string_equal(events, ""); /* nothing until the main loop runs */
	run_loop_expect(true, 0);
	assert_string_equal(events, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-reset\"}");
	assert_int_equal(fake.machine_reset, 0);
	assert_true(fake.resettable_calls >= 1);
}

static void test_sev_es_guest_reset_no_shutdown(void **state)
{
	(void)state;
	char err[512];
	fake.resettable = false;
	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE; /* -no-shutdown */
	capture_start();
	qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
	run_loop_expect(false, 0);
	capture_end(err, sizeof(err));
	assert_string_equal(err, "kvmscope-vmm: cpus are not resettable, terminating\n");
	assert_string_equal(events,
			    "SHUTDOWN {\"guest\": true, \"reason\": \"guest-reset\"}; STOP");
	assert_int_equal(runstate_get(), RUN_STATE_SHUTDOWN);
	assert_true(runstate_needs_reset());
}

static void test_guest_reset_default(void **state)
{
	(void)state;
	qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
	assert_string_equal(fake.log, "cpu_stop_current notify");
	run_loop_expect(false, 0);
	assert_string_equal(events, "RESET {\"guest\": true, \"reason\": \"guest-reset\"}");
	assert_string_equal(fake.log, "cpu_stop_current notify pause machine_reset resume");
	assert_int_equal(fake.machine_reset_reason, SHUTDOWN_CAUSE_GUEST_RESET);
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
}

static void test_no_reboot_guest_reset(void **state)
{
	(void)state;
	char err[512];
	run_actions.reboot = REBOOT_ACTION_SHUTDOWN; /* -no-reboot */
	fake.resettable = false; /* the reboot action is checked first: no message */
	capture_start();
	qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
	capture_end(err, sizeof(err));
	assert_string_equal(err, "");
	run_loop_expect(true, 0);
	assert_string_equal(events, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-reset\"}");
	assert_int_equal(fake.machine_reset, 0);
}

static void test_no_reboot_no_shutdown_guest_reset(void **state)
{
	(void)state;
	run_actions.reboot = REBOOT_ACTION_SHUTDOWN;
	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
	run_loop_expect(false, 0);
	assert_string_equal(events,
			    "SHUTDOWN {\"guest\": true, \"reason\": \"guest-reset\"}; STOP");
	assert_int_equal(runstate_get(), RUN_STATE_SHUTDOWN);
}

static void test_guest_poweroff_default(void **state)
{
	(void)state;
	qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
	assert_string_equal(events, "");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
	assert_int_equal(fake.notify, 1);
	run_loop_expect(true, 0);
	assert_string_equal(events, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-shutdown\"}");
	/* no STOP: the process leaves; cleanup is vm_shutdown() */
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
}

/* -no-shutdown: SHUTDOWN; STOP; status shutdown; system_reset -> RESET
 * {false, host-qmp-system-reset}, prelaunch; cont -> RESUME, running. */
static void test_no_shutdown_then_system_reset_then_cont(void **state)
{
	(void)state;
	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
	run_loop_expect(false, 0);
	assert_string_equal(events,
			    "SHUTDOWN {\"guest\": true, \"reason\": \"guest-shutdown\"}; STOP");
	assert_int_equal(runstate_get(), RUN_STATE_SHUTDOWN);
	assert_true(runstate_needs_reset());

	clear_records();
	qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
	run_loop_expect(false, 0);
	assert_string_equal(events,
			    "RESET {\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
	assert_int_equal(fake.machine_reset_reason, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
	assert_int_equal(runstate_get(), RUN_STATE_PRELAUNCH);
	assert_false(runstate_needs_reset());

	clear_records();
	assert_int_equal(vm_start(), 0);
	assert_string_equal(events, "RESUME");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
	assert_int_equal(fake.resume, 1);
}

static void test_system_reset_event_data_while_running(void **state)
{
	(void)state;
	qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
	run_loop_expect(false, 0);
	assert_string_equal(events,
			    "RESET {\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
}

static void test_system_reset_with_no_reboot_shuts_down(void **state)
{
	(void)state;
	run_actions.reboot = REBOOT_ACTION_SHUTDOWN;
	qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
	run_loop_expect(true, 0);
	assert_string_equal(events,
			    "SHUTDOWN {\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
}

/* subsystem-reset ignores reboot=shutdown and emits no RESET (§2, §3.4) */
static void test_subsystem_reset(void **state)
{
	(void)state;
	run_actions.reboot = REBOOT_ACTION_SHUTDOWN;
	qemu_system_reset_request(SHUTDOWN_CAUSE_SUBSYSTEM_RESET);
	run_loop_expect(false, 0);
	assert_string_equal(events, "");
	assert_int_equal(fake.machine_reset, 1);
	assert_int_equal(fake.machine_reset_reason, SHUTDOWN_CAUSE_SUBSYSTEM_RESET);
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
}

static void test_reset_from_paused_goes_to_prelaunch(void **state)
{
	(void)state;
	vm_stop(RUN_STATE_PAUSED);
	assert_string_equal(events, "STOP");
	clear_records();
	qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
	run_loop_expect(false, 0);
	assert_string_equal(events,
			    "RESET {\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
	assert_int_equal(runstate_get(), RUN_STATE_PRELAUNCH);
}

static void test_boot_reset_has_no_event(void **state)
{
	(void)state;
	qemu_system_reset(SHUTDOWN_CAUSE_NONE);
	qemu_system_reset(SHUTDOWN_CAUSE_SNAPSHOT_LOAD);
	qemu_system_reset(SHUTDOWN_CAUSE_SUBSYSTEM_RESET);
	assert_string_equal(events, "");
	assert_int_equal(fake.machine_reset, 3);
}

static void test_signal_forces_poweroff(void **state)
{
	(void)state;
	char err[512], want[600];
	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	capture_start();
	qemu_system_killed(SIGTERM, getpid());
	assert_int_equal(run_actions.shutdown, SHUTDOWN_ACTION_POWEROFF);
	assert_string_equal(events, "");
	run_loop_expect(true, 0);
	capture_end(err, sizeof(err));
	snprintf(want, sizeof(want), "kvmscope-vmm: terminating on signal 15 from pid %d (%s)\n",
		 (int)getpid(), argv0_of_self());
	assert_string_equal(err, want);
	assert_string_equal(events, "SHUTDOWN {\"guest\": false, \"reason\": \"host-signal\"}");
}

static void test_signal_without_pid(void **state)
{
	(void)state;
	char err[512];
	capture_start();
	qemu_system_killed(SIGINT, 0);
	run_loop_expect(true, 0);
	capture_end(err, sizeof(err));
	assert_string_equal(err, "kvmscope-vmm: terminating on signal 2\n");
}

/* A manager answers the guest's SHUTDOWN event with SIGTERM while the main
 * loop is still in the turn that sent it (kvmscope-domain did, under load):
 * the guest's request still pauses (-no-shutdown), and the signal gets its
 * own turn - the report line and a host-signal SHUTDOWN - before the exit. */
static void sigterm_on_guest_shutdown(const char *name, const char *data, void *opaque)
{
	(void)opaque;
	if (!strcmp(name, "SHUTDOWN") && data && strstr(data, "guest-shutdown"))
		qemu_system_killed(SIGTERM, getpid());
}

static void test_sigterm_while_shutdown_event_is_out(void **state)
{
	(void)state;
	char err[512], want[600];
	int status = -1;
	bool first_exits, second_exits;
	enum run_state between;

	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	assert_int_equal(event_add_listener(sigterm_on_guest_shutdown, NULL), 0);
	capture_start();
	qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
	first_exits = main_loop_should_exit(&status);
	between = runstate_get();
	second_exits = main_loop_should_exit(&status);
	capture_end(err, sizeof(err));
	event_remove_listener(sigterm_on_guest_shutdown, NULL);
	assert_false(first_exits);
	assert_int_equal(between, RUN_STATE_SHUTDOWN);
	assert_true(second_exits);
	assert_int_equal(status, 0);
	assert_string_equal(events, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-shutdown\"}; STOP; "
				    "SHUTDOWN {\"guest\": false, \"reason\": \"host-signal\"}");
	snprintf(want, sizeof(want), "kvmscope-vmm: terminating on signal 15 from pid %d (%s)\n",
		 (int)getpid(), argv0_of_self());
	assert_string_equal(err, want);
}

/* The libvirt sequence (§3.10 last paragraph): -no-shutdown, SEV-ES reboot,
 * then SIGTERM from the manager. */
static void test_sev_reboot_then_sigterm(void **state)
{
	(void)state;
	char err[1024];
	fake.resettable = false;
	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	capture_start();
	qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
	run_loop_expect(false, 0);
	qemu_system_killed(SIGTERM, getpid());
	run_loop_expect(true, 0);
	capture_end(err, sizeof(err));
	assert_string_equal(events, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-reset\"}; STOP; "
				    "SHUTDOWN {\"guest\": false, \"reason\": \"host-signal\"}");
	assert_int_equal(runstate_get(), RUN_STATE_SHUTDOWN);
	assert_non_null(strstr(err, "kvmscope-vmm: cpus are not resettable, terminating\n"
				    "kvmscope-vmm: terminating on signal 15 from pid "));
}

/* QEMU 7.2: the raw request does not force anything; the QMP `quit` handler
 * does (spec §5.6). */
static void test_raw_quit_request_with_pause(void **state)
{
	(void)state;
	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
	run_loop_expect(false, 0);
	assert_string_equal(events,
			    "SHUTDOWN {\"guest\": false, \"reason\": \"host-qmp-quit\"}; STOP");
}

static void test_powerdown_then_guest_poweroff(void **state)
{
	(void)state;
	qemu_system_powerdown_request();
	assert_string_equal(events, "");
	run_loop_expect(false, 0);
	assert_string_equal(events, "POWERDOWN");
	assert_string_equal(fake.log, "notify machine_powerdown");
	qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
	run_loop_expect(true, 0);
	assert_string_equal(events, "POWERDOWN; SHUTDOWN {\"guest\": true, \"reason\": "
				    "\"guest-shutdown\"}");
}

static void test_shutdown_with_code(void **state)
{
	(void)state;
	qemu_system_shutdown_request_with_code(SHUTDOWN_CAUSE_GUEST_SHUTDOWN, 3);
	run_loop_expect(true, 3);
	assert_string_equal(events, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-shutdown\"}");
}

static void test_panic_pause(void **state)
{
	(void)state;
	run_actions.panic = PANIC_ACTION_PAUSE;
	qemu_system_guest_panicked();
	assert_string_equal(events, "GUEST_PANICKED {\"action\": \"pause\"}; STOP");
	assert_int_equal(runstate_get(), RUN_STATE_GUEST_PANICKED);
	run_loop_expect(false, 0);
	assert_int_equal(nevents, 2);
}

static void test_panic_shutdown_poweroff(void **state)
{
	(void)state;
	qemu_system_guest_panicked(); /* default panic=shutdown */
	assert_string_equal(events, "GUEST_PANICKED {\"action\": \"poweroff\"}; STOP");
	assert_int_equal(runstate_get(), RUN_STATE_GUEST_PANICKED);
	run_loop_expect(true, 0);
	assert_string_equal(events, "GUEST_PANICKED {\"action\": \"poweroff\"}; STOP; "
				    "SHUTDOWN {\"guest\": true, \"reason\": \"guest-panic\"}");
}

static void test_panic_shutdown_with_no_shutdown_pauses(void **state)
{
	(void)state;
	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	qemu_system_guest_panicked();
	run_loop_expect(false, 0);
	assert_string_equal(events, "GUEST_PANICKED {\"action\": \"pause\"}; STOP");
	assert_int_equal(runstate_get(), RUN_STATE_GUEST_PANICKED);
}

static void test_panic_exit_failure(void **state)
{
	(void)state;
	run_actions.panic = PANIC_ACTION_EXIT_FAILURE;
	qemu_system_guest_panicked();
	run_loop_expect(true, 1);
	assert_string_equal(events, "GUEST_PANICKED {\"action\": \"poweroff\"}; STOP; "
				    "SHUTDOWN {\"guest\": true, \"reason\": \"guest-panic\"}");
}

static void test_panic_none(void **state)
{
	(void)state;
	run_actions.panic = PANIC_ACTION_NONE;
	qemu_system_guest_panicked();
	run_loop_expect(false, 0);
	assert_string_equal(events, "GUEST_PANICKED {\"action\": \"run\"}");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
	assert_int_equal(fake.pause, 0);
}

/* an explicit exit code wins over panic=exit-failure */
static void test_panic_exit_failure_explicit_code(void **state)
{
	(void)state;
	run_actions.panic = PANIC_ACTION_EXIT_FAILURE;
	qemu_system_shutdown_request_with_code(SHUTDOWN_CAUSE_GUEST_PANIC, 7);
	run_loop_expect(true, 7);
}

static void *panicking_vcpu(void *arg)
{
	(void)arg;
	on_vcpu_thread = true;
	qemu_system_guest_panicked();
	return NULL;
}

/* A guest panic arrives on a vCPU thread (KVM_SYSTEM_EVENT_CRASH, pvpanic
 * I/O). QEMU's vm_stop() there only records a vmstop request and stops the
 * current vCPU (spec §3.5); the run state changes, and STOP is sent, by the
 * main loop. */
static void test_panic_on_vcpu_thread_defers_stop(void **state)
{
	(void)state;
	/* was a bug: vm_stop() on a vCPU thread changed the run state there and
	 * could race the main loop's own vm_stop() (an invalid transition) */
	pthread_t t;
	run_actions.panic = PANIC_ACTION_PAUSE;
	assert_int_equal(pthread_create(&t, NULL, panicking_vcpu, NULL), 0);
	pthread_join(t, NULL);
	assert_string_equal(events, "GUEST_PANICKED {\"action\": \"pause\"}");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
	assert_true(fake.cpu_stop_current >= 1);
	run_loop_expect(false, 0);
	assert_string_equal(events, "GUEST_PANICKED {\"action\": \"pause\"}; STOP");
	assert_int_equal(runstate_get(), RUN_STATE_GUEST_PANICKED);
}

static void test_vmstop_request(void **state)
{
	(void)state;
	qemu_system_vmstop_request(RUN_STATE_PAUSED);
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
	assert_string_equal(events, "");
	run_loop_expect(false, 0);
	assert_string_equal(events, "STOP");
	assert_int_equal(runstate_get(), RUN_STATE_PAUSED);
	assert_int_equal(vm_start(), 0);
	assert_string_equal(events, "STOP; RESUME");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
}

static void test_vm_start_while_running(void **state)
{
	(void)state;
	assert_int_equal(vm_start(), -1);
	assert_string_equal(events, "");
	assert_int_equal(fake.resume, 0);
}

/* §3.5: running with a pending vmstop -> STOP then RESUME, nothing else */
static void test_vm_start_with_pending_vmstop(void **state)
{
	(void)state;
	qemu_system_vmstop_request(RUN_STATE_PAUSED);
	vm_start();
	assert_string_equal(events, "STOP; RESUME");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
	run_loop_expect(false, 0); /* the request was taken */
	assert_string_equal(events, "STOP; RESUME");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
}

static void test_vm_stop_only_when_running(void **state)
{
	(void)state;
	vm_stop(RUN_STATE_PAUSED);
	assert_int_equal(runstate_get(), RUN_STATE_PAUSED);
	vm_stop(RUN_STATE_SHUTDOWN); /* not running: no change, no event */
	assert_int_equal(runstate_get(), RUN_STATE_PAUSED);
	assert_string_equal(events, "STOP");
	assert_int_equal(fake.pause, 1);
}

static void test_vm_shutdown_has_no_stop_event(void **state)
{
	(void)state;
	vm_shutdown();
	assert_int_equal(runstate_get(), RUN_STATE_SHUTDOWN);
	assert_string_equal(events, "");
	assert_int_equal(fake.pause, 1);
	vm_shutdown(); /* not running any more: nothing */
	assert_int_equal(fake.pause, 1);
}

/* shutdown is looked at before reset in one iteration (§3.3) */
static void test_shutdown_before_reset(void **state)
{
	(void)state;
	run_actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
	qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
	run_loop_expect(false, 0);
	assert_string_equal(events, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-shutdown\"}; "
				    "STOP; RESET {\"guest\": true, \"reason\": \"guest-reset\"}");
	assert_int_equal(runstate_get(), RUN_STATE_PRELAUNCH);
}

static void test_requests_reset_for_test(void **state)
{
	(void)state;
	run_actions = (struct run_actions){ REBOOT_ACTION_SHUTDOWN, SHUTDOWN_ACTION_PAUSE,
					    PANIC_ACTION_NONE, WATCHDOG_ACTION_DEBUG };
	qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
	qemu_system_shutdown_request_with_code(SHUTDOWN_CAUSE_GUEST_SHUTDOWN, 9);
	qemu_system_powerdown_request();
	qemu_system_vmstop_request(RUN_STATE_PAUSED);
	system_requests_reset_for_test();
	assert_int_equal(run_actions.reboot, REBOOT_ACTION_RESET);
	assert_int_equal(run_actions.shutdown, SHUTDOWN_ACTION_POWEROFF);
	assert_int_equal(run_actions.panic, PANIC_ACTION_SHUTDOWN);
	assert_int_equal(run_actions.watchdog, WATCHDOG_ACTION_RESET);
	clear_records();
	run_loop_expect(false, 0);
	assert_string_equal(events, "");
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
	/* and the exit code was forgotten too */
	qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
	run_loop_expect(true, 0);
}

static void test_default_actions(void **state)
{
	(void)state;
	/* after system_requests_reset_for_test(): QEMU's defaults (§3.1) */
	assert_int_equal(run_actions.reboot, REBOOT_ACTION_RESET);
	assert_int_equal(run_actions.shutdown, SHUTDOWN_ACTION_POWEROFF);
	assert_int_equal(run_actions.panic, PANIC_ACTION_SHUTDOWN);
}

static void test_shutdown_cause_names_and_guest_flag(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool guest;
	} causes[] = {
		{ "none", false },	      { "host-error", false },	  { "host-qmp-quit", false },
		{ "host-qmp-system-reset", false }, { "host-signal", false }, { "host-ui", false },
		{ "guest-shutdown", true },	    { "guest-reset", true },	  { "guest-panic", true },
		{ "subsystem-reset", true },	    { "snapshot-load", true },
	};
	assert_int_equal(SHUTDOWN_CAUSE__MAX, 11);
	for (int i = 0; i < 11; i++) {
		assert_string_equal(shutdown_cause_name((enum shutdown_cause)i), causes[i].name);
		assert_int_equal(shutdown_caused_by_guest((enum shutdown_cause)i), causes[i].guest);
	}
	assert_non_null(shutdown_cause_name(SHUTDOWN_CAUSE__MAX));
}

static void test_action_names(void **state)
{
	(void)state;
	assert_int_equal(reboot_action_by_name("reset"), REBOOT_ACTION_RESET);
	assert_int_equal(reboot_action_by_name("shutdown"), REBOOT_ACTION_SHUTDOWN);
	assert_int_equal(reboot_action_by_name("poweroff"), -1);
	assert_int_equal(shutdown_action_by_name("poweroff"), SHUTDOWN_ACTION_POWEROFF);
	assert_int_equal(shutdown_action_by_name("pause"), SHUTDOWN_ACTION_PAUSE);
	assert_int_equal(shutdown_action_by_name("shutdown"), -1);
	assert_int_equal(panic_action_by_name("pause"), PANIC_ACTION_PAUSE);
	assert_int_equal(panic_action_by_name("shutdown"), PANIC_ACTION_SHUTDOWN);
	assert_int_equal(panic_action_by_name("exit-failure"), PANIC_ACTION_EXIT_FAILURE);
	assert_int_equal(panic_action_by_name("none"), PANIC_ACTION_NONE);
	assert_int_equal(panic_action_by_name("poweroff"), -1);
	static const char *const wd[] = { "reset", "shutdown", "poweroff", "pause",
					  "debug", "none",     "inject-nmi" };
	for (int i = 0; i < 7; i++)
		assert_int_equal(watchdog_action_by_name(wd[i]), i);
	assert_int_equal(WATCHDOG_ACTION_INJECT_NMI, 6);
	assert_int_equal(watchdog_action_by_name("exit-failure"), -1);
	assert_int_equal(watchdog_action_by_name(""), -1);
}

/* events.c: listeners can be removed; at most a fixed number fit */
static int count_a, count_b;
static void listener_a(const char *n, const char *d, void *o)
{
	(void)n, (void)d, (void)o;
	count_a++;
}
static void listener_b(const char *n, const char *d, void *o)
{
	(void)n, (void)d;
	count_b += *(int *)o;
}

static void test_event_listeners(void **state)
{
	(void)state;
	int one = 1, ten = 10;
	assert_int_equal(event_add_listener(listener_a, NULL), 0);
	assert_int_equal(event_add_listener(listener_b, &one), 0);
	assert_int_equal(event_add_listener(listener_b, &ten), 0);
	qapi_event_send_powerdown();
	assert_int_equal(count_a, 1);
	assert_int_equal(count_b, 11);
	event_remove_listener(listener_b, &ten);
	qapi_event_send_resume();
	assert_int_equal(count_a, 2);
	assert_int_equal(count_b, 12);
	assert_string_equal(events, "POWERDOWN; RESUME");
	event_remove_listener(listener_a, NULL);
	event_remove_listener(listener_b, &one);
	/* fill every slot (one is ours), then one more fails */
	int added = 0;
	while (event_add_listener(listener_a, &added) == 0)
		added++;
	assert_true(added >= 1);
	for (int i = 0; i <= added; i++)
		event_remove_listener(listener_a, &added);
	assert_int_equal(event_add_listener(listener_a, &added), 0);
	event_remove_listener(listener_a, &added);
	count_a = 0;
	qapi_event_send_stop();
	assert_int_equal(count_a, 0);
	assert_string_equal(events, "POWERDOWN; RESUME; STOP");
}

#define T(f) cmocka_unit_test_setup_teardown(f, case_setup, case_teardown)

int main(void)
{
	const struct CMUnitTest scenarios[] = {
		T(test_default_actions),
		T(test_sev_es_guest_reset_terminates),
		T(test_sev_es_guest_reset_no_shutdown),
		T(test_guest_reset_default),
		T(test_no_reboot_guest_reset),
		T(test_no_reboot_no_shutdown_guest_reset),
		T(test_guest_poweroff_default),
		T(test_no_shutdown_then_system_reset_then_cont),
		T(test_system_reset_event_data_while_running),
		T(test_system_reset_with_no_reboot_shuts_down),
		T(test_subsystem_reset),
		T(test_reset_from_paused_goes_to_prelaunch),
		T(test_boot_reset_has_no_event),
		T(test_signal_forces_poweroff),
		T(test_signal_without_pid),
		T(test_sigterm_while_shutdown_event_is_out),
		T(test_sev_reboot_then_sigterm),
		T(test_raw_quit_request_with_pause),
		T(test_powerdown_then_guest_poweroff),
		T(test_shutdown_with_code),
		T(test_panic_pause),
		T(test_panic_shutdown_poweroff),
		T(test_panic_shutdown_with_no_shutdown_pauses),
		T(test_panic_exit_failure),
		T(test_panic_none),
		T(test_panic_exit_failure_explicit_code),
		T(test_panic_on_vcpu_thread_defers_stop),
		T(test_vmstop_request),
		T(test_vm_start_while_running),
		T(test_vm_start_with_pending_vmstop),
		T(test_vm_stop_only_when_running),
		T(test_vm_shutdown_has_no_stop_event),
		T(test_shutdown_before_reset),
		T(test_requests_reset_for_test),
		T(test_shutdown_cause_names_and_guest_flag),
		T(test_action_names),
		T(test_event_listeners),
	};
	int failed = 0;

	tap_skip_filter_start();
	failed += cmocka_run_group_tests_name("requests-scenarios", scenarios, group_setup, NULL);
	return tap_skip_filter_end(failed);
}
