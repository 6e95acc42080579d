/* Unit tests of the request logic of vmm/system.c (with runstate.c and
 * events.c) against QEMU's behaviour, /work/shared/spec/qemu-behavior.md §2-§3.
 *
 * system.c calls into the rest of the VMM through a few hooks; this file
 * provides fakes for them that record every call, and an event listener that
 * records every emitted event as "NAME DATA". The run state has no test reset
 * hook: each test drives it back to `running` through legal transitions. */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "confidential.h"
#include "cpus.h"
#include "events.h"
#include "machine.h"
#include "mainloop.h"
#include "runstate.h"
#include "system.h"

#include "fd-capture.h"
#include "tap-skip.h"

/* ---- fakes of the hooks system.c calls ---- */

static struct {
	bool resettable; /* what cpus_are_resettable() answers */
	int resettable_calls;
	int cpu_stop_current;
	int notify;
	int pause;
	int resume;
	int machine_reset;
	enum shutdown_cause machine_reset_reason;
	int machine_powerdown;
	char log[1024]; /* hook calls in order */
} fake;

static void fake_log(const char *what)
{
	size_t n = strlen(fake.log);
	snprintf(fake.log + n, sizeof(fake.log) - n, "%s%s", n ? " " : "", what);
}

bool cpus_are_resettable(void)
{
	fake.resettable_calls++;
	return fake.resettable;
}

void cpu_stop_current(void)
{
	fake.cpu_stop_current++;
	fake_log("cpu_stop_current");
}

void qemu_notify_event(void)
{
	fake.notify++;
	fake_log("notify");
}

void pause_all_vcpus(void)
{
	fake.pause++;
	fake_log("pause");
}

void resume_all_vcpus(void)
{
	fake.resume++;
	fake_log("resume");
}

void machine_reset(enum shutdown_cause reason)
{
	fake.machine_reset++;
	fake.machine_reset_reason = reason;
	fake_log("machine_reset");
}

/* The vCPU the calling thread runs (cpus.c); a dummy one in the threads
 * that play a vCPU here. */
static __thread bool on_vcpu_thread;
struct vcpu *current_vcpu(void)
{
	static char dummy;
	return on_vcpu_thread ? (struct vcpu *)(void *)&dummy : NULL;
}

void machine_powerdown(void)
{
	fake.machine_powerdown++;
	fake_log("machine_powerdown");
}

/* ---- event capture ---- */

static char events[4096]; /* "NAME DATA; NAME; ..." */
static int nevents;

static void listener(const char *name, const char *data, void *opaque)
{
	(void)opaque;
	size_t n = strlen(events);
	snprintf(events + n, sizeof(events) - n, "%s%s%s%s", n ? "; " : "", name, data ? " " : "",
		 data ? data : "");
	nevents++;
}

static void clear_records(void)
{
	bool r = fake.resettable;
	memset(&fake, 0, sizeof(fake));
	fake.resettable = r;
	events[0] = '\0';
	nevents = 0;
}

/* ---- stderr capture (error_report writes to fd 2) ---- */

#define capture_start() fd_capture_start(stderr)
#define capture_end(buf, len) fd_capture_end((buf), (len))

/* ---- run state: back to running through legal transitions ---- */

static void to_running(void)
{
	enum run_state s = runstate_get();
	if (s == RUN_STATE_RUNNING)
		return;
	if (!runstate_transition_allowed(s, RUN_STATE_RUNNING))
		runstate_set(RUN_STATE_PRELAUNCH); /* every state used here allows it */
	runstate_set(RUN_STATE_RUNNING);
	assert_int_equal(runstate_get(), RUN_STATE_RUNNING);
}

static int case_setup(void **state)
{
	(void)state;
	system_requests_reset_for_test();
	fake.resettable = true;
	to_running();
	clear_records();
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	int status;
	/* leave nothing pending for the next case */
	while (main_loop_should_exit(&status))
		;
	system_requests_reset_for_test();
	return 0;
}

static const char *argv0_of_self(void)
{
	static char buf[256]; /* system.c reads at most 255 bytes too */
	int fd = open("/proc/self/cmdline", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* ---- the matrix: every reboot x shutdown x resettable x request ---- */

enum kind {
	KIND_GUEST_RESET,
	KIND_GUEST_SHUTDOWN,
	KIND_QMP_QUIT,
	KIND_SIGNAL,
	KIND_POWERDOWN,
	KIND_PANIC,
};

static const char *const kind_names[] = { "guest-reset", "guest-shutdown", "host-qmp-quit",
					  "host-signal", "powerdown", "guest-panic" };
static const char *const panic_names[] = { "pause", "shutdown", "exit-failure", "none" };

struct combo {
	enum reboot_action reboot;
	enum shutdown_action shutdown;
	bool resettable;
	enum kind kind;
	enum panic_action panic;
	char name[128];
};

struct expectation {
	char at_request[512]; /* events emitted by the request itself */
	char events[1024];    /* all events after the main loop ran */
	bool exits;
	int status;
	enum run_state state;
	char err[512];
	int machine_reset; /* count, with reason guest-reset */
	int powerdown;
	int cpu_stop;
	int pause, resume;
};

static void append(char *buf, size_t len, const char *ev)
{
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? "; " : "", ev);
}

/* The main loop's shutdown branch (§3.3 step 3), state running before. */
static void expect_shutdown(struct expectation *e, enum shutdown_action action, bool guest,
			    const char *reason, bool was_running)
{
	char ev[128];
	snprintf(ev, sizeof(ev), "SHUTDOWN {\"guest\": %s, \"reason\": \"%s\"}",
		 guest ? "true" : "false", reason);
	append(e->events, sizeof(e->events), ev);
	if (action == SHUTDOWN_ACTION_PAUSE) {
		e->exits = false;
		if (was_running) { /* vm_stop(shutdown) only acts when running */
			append(e->events, sizeof(e->events), "STOP");
			e->state = RUN_STATE_SHUTDOWN;
			e->pause++;
		}
	} else {
		e->exits = true;
		e->status = 0;
	}
}

/* Written from the spec's text (§3.2, §3.3, §3.6, §3.10, §8), not from
 * system.c. */
static void expect(const struct combo *c, struct expectation *e)
{
	memset(e, 0, sizeof(*e));
	e->state = RUN_STATE_RUNNING;
	switch (c->kind) {
	case KIND_GUEST_RESET:
		e->cpu_stop = 1;
		if (c->reboot == REBOOT_ACTION_SHUTDOWN) {
			expect_shutdown(e, c->shutdown, true, "guest-reset", true);
		} else if (!c->resettable) {
			snprintf(e->err, sizeof(e->err),
				 "kvmscope-vmm: cpus are not resettable, terminating\n");
			expect_shutdown(e, c->shutdown, true, "guest-reset", true);
		} else {
			append(e->events, sizeof(e->events),
			       "RESET {\"guest\": true, \"reason\": \"guest-reset\"}");
			e->machine_reset = 1;
			e->pause++;
			e->resume++;
		}
		break;
	case KIND_GUEST_SHUTDOWN:
		expect_shutdown(e, c->shutdown, true, "guest-shutdown", true);
		break;
	case KIND_QMP_QUIT: /* quit forces poweroff (§3.10, §5.6) */
		expect_shutdown(e, SHUTDOWN_ACTION_POWEROFF, false, "host-qmp-quit", true);
		break;
	case KIND_SIGNAL: /* §3.2: a signal forces poweroff; §8: the report line */
		snprintf(e->err, sizeof(e->err),
			 "kvmscope-vmm: terminating on signal 15 from pid %d (%s)\n", (int)getpid(),
			 argv0_of_self());
		expect_shutdown(e, SHUTDOWN_ACTION_POWEROFF, false, "host-signal", true);
		break;
	case KIND_POWERDOWN:
		append(e->events, sizeof(e->events), "POWERDOWN");
		e->powerdown = 1;
		break;
	case KIND_PANIC:
		if (c->panic == PANIC_ACTION_NONE) {
			append(e->at_request, sizeof(e->at_request),
			       "GUEST_PANICKED {\"action\": \"run\"}");
		} else if (c->panic == PANIC_ACTION_PAUSE ||
			   (c->panic == PANIC_ACTION_SHUTDOWN &&
			    c->shutdown == SHUTDOWN_ACTION_PAUSE)) {
			append(e->at_request, sizeof(e->at_request),
			       "GUEST_PANICKED {\"action\": \"pause\"}; STOP");
			e->state = RUN_STATE_GUEST_PANICKED;
			e->pause = 1;
		} else {
			append(e->at_request, sizeof(e->at_request),
			       "GUEST_PANICKED {\"action\": \"poweroff\"}; STOP");
			e->state = RUN_STATE_GUEST_PANICKED;
			e->pause = 1;
		}
		snprintf(e->events, sizeof(e->events), "%s", e->at_request);
		if (c->panic == PANIC_ACTION_SHUTDOWN || c->panic == PANIC_ACTION_EXIT_FAILURE) {
			if (!(c->panic == PANIC_ACTION_SHUTDOWN && c->shutdown == SHUTDOWN_ACTION_PAUSE)) {
				expect_shutdown(e, c->shutdown, true, "guest-panic", false);
				if (e->exits && c->panic == PANIC_ACTION_EXIT_FAILURE)
					e->status = EXIT_FAILURE;
			}
		}
		break;
	}
}

static void do_request(const struct combo *c)
{
	switch (c->kind) {
	case KIND_GUEST_RESET:
		qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
		break;
	case KIND_GUEST_SHUTDOWN:
		qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
		break;
	case KIND_QMP_QUIT:
		/* what QMP `quit` does (spec §5.6): force poweroff, then request */
		run_actions.shutdown = SHUTDOWN_ACTION_POWEROFF;
		qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
		break;
	case KIND_SIGNAL:
		qemu_system_killed(SIGTERM, getpid());
		break;
	case KIND_POWERDOWN:
		qemu_system_powerdown_request();
		break;
	case KIND_PANIC:
		qemu_system_guest_panicked();
		break;
	}
}

static void test_combo(void **state)
{
	const struct combo *c = *state;
	struct expectation e;
	char err[1024];
	int status = -12345;

	expect(c, &e);
	run_actions.reboot = c->reboot;
	run_actions.shutdown = c->shutdown;
	run_actions.panic = c->panic;
	fake.resettable = c->resettable;

	capture_start();
	do_request(c);
	/* requests only record and wake the main loop (the panic path acts) */
	char after_request[sizeof(events)];
	snprintf(after_request, sizeof(after_request), "%s", events);
	enum run_state state_after_request = runstate_get();
	int notify_after_request = fake.notify;
	bool exits = main_loop_should_exit(&status);
	capture_end(err, sizeof(err));

	assert_string_equal(after_request, e.at_request);
	if (c->kind != KIND_PANIC)
		assert_int_equal(state_after_request, RUN_STATE_RUNNING);
	/* every request wakes the main loop; a panic only when it requests a
	 * shutdown (exit-failure, or shutdown without -no-shutdown) */
	if (c->kind != KIND_PANIC || c->panic == PANIC_ACTION_EXIT_FAILURE ||
	    (c->panic == PANIC_ACTION_SHUTDOWN && c->shutdown == SHUTDOWN_ACTION_POWEROFF))
		assert_true(notify_after_request >= 1);
	else
		assert_int_equal(notify_after_request, 0);
	assert_string_equal(events, e.events);
	assert_int_equal(exits, e.exits);
	if (e.exits)
		assert_int_equal(status, e.status);
	assert_int_equal(runstate_get(), e.state);
	assert_string_equal(err, e.err);
	assert_int_equal(fake.machine_reset, e.machine_reset);
	if (e.machine_reset)
		assert_int_equal(fake.machine_reset_reason, SHUTDOWN_CAUSE_GUEST_RESET);
	assert_int_equal(fake.machine_powerdown, e.powerdown);
	assert_int_equal(fake.cpu_stop_current, e.cpu_stop);
	assert_int_equal(fake.pause, e.pause);
	assert_int_equal(fake.resume, e.resume);
	if (c->kind == KIND_SIGNAL)
		assert_int_equal(run_actions.shutdown, SHUTDOWN_ACTION_POWEROFF);

	/* the request was consumed: the next iteration does nothing */
	size_t before = strlen(events);
	assert_false(main_loop_should_exit(&status));
	assert_int_equal(strlen(events), before);
}

#define NCOMBOS (2 * 2 * 2 * (5 + 4))
static struct combo combos[NCOMBOS];
static struct CMUnitTest combo_tests[NCOMBOS];

static void build_combos(void)
{
	int n = 0;
	for (int k = 0; k <= KIND_PANIC; k++) {
		int npanic = k == KIND_PANIC ? 4 : 1;
		for (int p = 0; p < npanic; p++)
			for (int r = 0; r < 2; r++)
				for (int s = 0; s < 2; s++)
					for (int res = 1; res >= 0; res--) {
						struct combo *c = &combos[n];
						c->kind = (enum kind)k;
						c->reboot = (enum reboot_action)r;
						c->shutdown = (enum shutdown_action)s;
						c->resettable = res;
						c->panic = k == KIND_PANIC ? (enum panic_action)p
									   : PANIC_ACTION_SHUTDOWN;
						snprintf(c->name, sizeof(c->name),
							 "%s%s%s reboot=%s shutdown=%s resettable=%s",
							 kind_names[k], k == KIND_PANIC ? " panic=" : "",
							 k == KIND_PANIC ? panic_names[p] : "",
							 r ? "shutdown" : "reset", s ? "pause" : "poweroff",
							 res ? "yes" : "no");
						combo_tests[n] = (struct CMUnitTest){
							.name = c->name,
							.test_func = test_combo,
							.setup_func = case_setup,
							.teardown_func = case_teardown,
							.initial_state = c,
						};
						n++;
					}
	}
	assert_int_equal(n, NCOMBOS);
}

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

static int group_setup(void **state)
{
	(void)state;
	if (event_add_listener(listener, NULL) < 0)
		return -1;
	return 0;
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
	build_combos();
	failed += cmocka_run_group_tests_name("requests-scenarios", scenarios, group_setup, NULL);
	failed += cmocka_run_group_tests_name("requests-matrix", combo_tests, NULL, NULL);
	return tap_skip_filter_end(failed);
}
