/* Unit tests of the request logic of vmm/system.c: every reboot x shutdown x
 * resettable x request combination against QEMU's behaviour
 * (/work/shared/spec/qemu-behavior.md §2-§3). The named scenarios are
 * test-requests.c; the fakes and the event recorder are requests-harness.h. */
#include "requests-harness.h"

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

int main(void)
{
	int failed;

	tap_skip_filter_start();
	build_combos();
	failed = cmocka_run_group_tests_name("requests-matrix", combo_tests, group_setup, NULL);
	return tap_skip_filter_end(failed);
}
