/* The harness both request-logic test programs share (test-requests.c:
 * named scenarios; test-requests-matrix.c: every combination). Included
 * once per program: it defines the fakes of the hooks system.c calls, which
 * the linker must find, and records every emitted event as "NAME DATA".
 * The run state has no test reset hook: each test drives it back to
 * `running` through legal transitions. */
#ifndef KVMSCOPE_REQUESTS_HARNESS_H
#define KVMSCOPE_REQUESTS_HARNESS_H

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

/* every event of a group goes to the recorder */
static int group_setup(void **state)
{
	(void)state;
	if (event_add_listener(listener, NULL) < 0)
		return -1;
	return 0;
}

#endif
