/* Unit tests of vmm/runstate.c against the QEMU behaviour of
 * /work/shared/spec/qemu-behavior.md §1: the RunState enum in QAPI order, the
 * 8.x baseline transition table (§1.2) and runstate_set() (§1.3).
 *
 * The expected table below is written from the spec's text, by state names,
 * and turned into a matrix here; it shares nothing with runstate.c's array. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runstate.h"
#include "trace.h"

#include "test-files.h"
#include "tap-skip.h"

#define NSTATES 16

/* §1.1: QAPI order, index = position */
static const char *const qapi_names[NSTATES] = {
	"debug",	 "inmigrate",	   "internal-error", "io-error",
	"paused",	 "postmigrate",	   "prelaunch",	     "finish-migrate",
	"restore-vm",	 "running",	   "save-vm",	     "shutdown",
	"suspended",	 "watchdog",	   "guest-panicked", "colo",
};

/* §1.2 baseline column ("Later adds" deliberately absent) */
static const struct {
	const char *from;
	const char *to; /* space separated */
} spec_rows[] = {
	{ "debug", "running finish-migrate prelaunch suspended" },
	{ "inmigrate", "internal-error io-error paused running shutdown suspended watchdog "
		       "guest-panicked finish-migrate prelaunch postmigrate colo" },
	{ "internal-error", "paused finish-migrate prelaunch" },
	{ "io-error", "running finish-migrate prelaunch" },
	{ "paused", "running finish-migrate postmigrate prelaunch colo" },
	{ "postmigrate", "running finish-migrate prelaunch" },
	{ "prelaunch", "inmigrate running finish-migrate inmigrate" },
	{ "finish-migrate", "running paused postmigrate prelaunch colo internal-error io-error "
			    "shutdown suspended watchdog guest-panicked" },
	{ "restore-vm", "running prelaunch" },
	{ "colo", "running prelaunch shutdown" },
	{ "running", "debug internal-error io-error paused finish-migrate restore-vm save-vm "
		     "shutdown watchdog guest-panicked colo suspended" },
	{ "save-vm", "running" },
	{ "shutdown", "paused finish-migrate prelaunch colo" },
	{ "suspended", "running finish-migrate prelaunch colo" },
	{ "watchdog", "running finish-migrate prelaunch colo" },
	{ "guest-panicked", "running finish-migrate prelaunch" },
};

static bool expected[NSTATES][NSTATES];

static int my_index(const char *name)
{
	for (int i = 0; i < NSTATES; i++)
		if (!strcmp(qapi_names[i], name))
			return i;
	return -1;
}

static void build_expected(void)
{
	memset(expected, 0, sizeof(expected));
	for (size_t r = 0; r < sizeof(spec_rows) / sizeof(spec_rows[0]); r++) {
		int from = my_index(spec_rows[r].from);
		char buf[512], *save = NULL;
		assert_true(from >= 0);
		snprintf(buf, sizeof(buf), "%s", spec_rows[r].to);
		for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			int to = my_index(t);
			assert_true(to >= 0);
			expected[from][to] = true;
		}
	}
}

static int expected_count(void)
{
	int n = 0;
	for (int a = 0; a < NSTATES; a++)
		for (int b = 0; b < NSTATES; b++)
			n += expected[a][b];
	return n;
}

/* Shortest path of transitions allowed both by the spec and by the code, so
 * that driving the state never aborts in this process. Returns the number of
 * steps written to path[], -1 if unreachable. */
static int find_path(int from, int to, int path[NSTATES])
{
	int prev[NSTATES], queue[NSTATES], head = 0, tail = 0;

	for (int i = 0; i < NSTATES; i++)
		prev[i] = -2;
	prev[from] = -1;
	queue[tail++] = from;
	while (head < tail) {
		int s = queue[head++];
		if (s == to)
			break;
		for (int n = 0; n < NSTATES; n++) {
			if (prev[n] != -2 || !expected[s][n] ||
			    !runstate_transition_allowed((enum run_state)s, (enum run_state)n))
				continue;
			prev[n] = s;
			queue[tail++] = n;
		}
	}
	if (prev[to] == -2)
		return -1;
	int len = 0;
	for (int s = to; s != from; s = prev[s])
		len++;
	int i = len;
	for (int s = to; s != from; s = prev[s])
		path[--i] = s;
	return len;
}

static int drive_to(int target)
{
	int path[NSTATES];
	int n = find_path((int)runstate_get(), target, path);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		runstate_set((enum run_state)path[i]);
	return runstate_get() == (enum run_state)target ? 0 : -1;
}

/* ---- helpers: a child process whose stderr we read ---- */

struct child_result {
	int status;
	char err[1024];
};

/* Runs fn(arg) in a child with stderr on a pipe; the child's exit code is
 * what fn returns, unless it dies. */
static void run_child(int (*fn)(void *), void *arg, struct child_result *res)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		close(fds[1]);
		_exit(fn(arg));
	}
	close(fds[1]);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fds[0], res->err + n, sizeof(res->err) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(res->err) - 1)
			break;
	}
	res->err[n] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &res->status, 0), pid);
}

/* ---- tests ---- */

/* First in the group: nothing has touched the state yet. */
static void test_initial_state_is_prelaunch(void **state)
{
	(void)state;
	assert_int_equal(runstate_get(), RUN_STATE_PRELAUNCH);
	assert_true(runstate_check(RUN_STATE_PRELAUNCH));
	assert_false(runstate_is_running());
	assert_false(runstate_needs_reset());
}

static void test_state_names_in_qapi_order(void **state)
{
	(void)state;
	assert_int_equal(RUN_STATE__MAX, NSTATES);
	for (int i = 0; i < NSTATES; i++) {
		assert_string_equal(runstate_name((enum run_state)i), qapi_names[i]);
		assert_int_equal(runstate_by_name(qapi_names[i]), i);
	}
	/* a few constants by their spec index */
	assert_int_equal(RUN_STATE_DEBUG, 0);
	assert_int_equal(RUN_STATE_PRELAUNCH, 6);
	assert_int_equal(RUN_STATE_RUNNING, 9);
	assert_int_equal(RUN_STATE_SHUTDOWN, 11);
	assert_int_equal(RUN_STATE_GUEST_PANICKED, 14);
	assert_int_equal(RUN_STATE_COLO, 15);
}

static void test_by_name_unknown(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "nope", "RUNNING", "running ", " running",
					   "preconfig", "guest_panicked", "shut" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(runstate_by_name(bad[i]), -1);
	/* out of range values get a placeholder that is no state's name */
	const char *n = runstate_name(RUN_STATE__MAX);
	assert_non_null(n);
	assert_int_equal(runstate_by_name(n), -1);
	n = runstate_name((enum run_state)-1);
	assert_non_null(n);
	assert_int_equal(runstate_by_name(n), -1);
}

static void test_expected_table_sanity(void **state)
{
	(void)state;
	/* 4+12+3+3+5+3+3+11+2+3+12+1+4+4+4+3 distinct entries in §1.2 */
	assert_int_equal(expected_count(), 77);
	/* §1.2 notes: absent on purpose */
	assert_false(expected[RUN_STATE_PAUSED][RUN_STATE_SHUTDOWN]);
	assert_false(expected[RUN_STATE_PRELAUNCH][RUN_STATE_PAUSED]);
	assert_false(expected[RUN_STATE_SHUTDOWN][RUN_STATE_RUNNING]);
}

static void test_transition_matrix(void **state)
{
	(void)state;
	int mismatches = 0;
	for (int a = 0; a < NSTATES; a++) {
		for (int b = 0; b < NSTATES; b++) {
			bool got = runstate_transition_allowed((enum run_state)a, (enum run_state)b);
			if (got != expected[a][b]) {
				print_message("# %s -> %s: allowed=%d, spec says %d\n", qapi_names[a],
					      qapi_names[b], got, expected[a][b]);
				mismatches++;
			}
		}
	}
	assert_int_equal(mismatches, 0);
}

struct pair {
	int from, to;
};

static int child_set_pair(void *arg)
{
	const struct pair *p = arg;
	if (drive_to(p->from) < 0)
		return 3;
	runstate_set((enum run_state)p->to);
	return runstate_get() == (enum run_state)p->to ? 0 : 2;
}

/* Every ordered pair through runstate_set() itself, each in a child: legal
 * ones change the state, illegal ones abort with QEMU's message. */
static void test_runstate_set_every_pair(void **state)
{
	(void)state;
	int failures = 0;
	for (int a = 0; a < NSTATES; a++) {
		for (int b = 0; b < NSTATES; b++) {
			if (a == b)
				continue;
			struct pair p = { a, b };
			struct child_result res;
			run_child(child_set_pair, &p, &res);
			if (expected[a][b]) {
				if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
					print_message("# %s -> %s should be allowed (status 0x%x, "
						      "stderr '%s')\n",
						      qapi_names[a], qapi_names[b], res.status, res.err);
					failures++;
				}
				continue;
			}
			char want[256];
			snprintf(want, sizeof(want),
				 "kvmscope-vmm: invalid runstate transition: '%s' -> '%s'\n",
				 qapi_names[a], qapi_names[b]);
			if (!WIFSIGNALED(res.status) || WTERMSIG(res.status) != SIGABRT ||
			    strcmp(res.err, want) != 0) {
				print_message("# %s -> %s should abort (status 0x%x, stderr '%s')\n",
					      qapi_names[a], qapi_names[b], res.status, res.err);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

static int child_paused_to_shutdown(void *arg)
{
	(void)arg;
	runstate_set(RUN_STATE_RUNNING);
	runstate_set(RUN_STATE_PAUSED);
	if (runstate_get() != RUN_STATE_PAUSED)
		return 3;
	runstate_set(RUN_STATE_SHUTDOWN);
	return 0; /* not reached if it aborts */
}

static void test_illegal_transition_aborts(void **state)
{
	(void)state;
	struct child_result res;
	assert_int_equal(drive_to(RUN_STATE_PRELAUNCH), 0);
	run_child(child_paused_to_shutdown, NULL, &res);
	assert_true(WIFSIGNALED(res.status));
	assert_int_equal(WTERMSIG(res.status), SIGABRT);
	assert_string_equal(res.err,
			    "kvmscope-vmm: invalid runstate transition: 'paused' -> 'shutdown'\n");
}

static int child_set_out_of_range(void *arg)
{
	(void)arg;
	runstate_set(RUN_STATE__MAX);
	return 0;
}

static void test_out_of_range_state_aborts(void **state)
{
	(void)state;
	struct child_result res;
	run_child(child_set_out_of_range, NULL, &res);
	assert_true(WIFSIGNALED(res.status));
	assert_int_equal(WTERMSIG(res.status), SIGABRT);
}

static void test_predicates_in_every_state(void **state)
{
	(void)state;
	for (int s = 0; s < NSTATES; s++) {
		assert_int_equal(drive_to(s), 0);
		assert_int_equal(runstate_get(), s);
		for (int t = 0; t < NSTATES; t++)
			assert_int_equal(runstate_check((enum run_state)t), t == s);
		assert_int_equal(runstate_is_running(), s == RUN_STATE_RUNNING);
		assert_int_equal(runstate_needs_reset(),
				 s == RUN_STATE_INTERNAL_ERROR || s == RUN_STATE_SHUTDOWN);
	}
}

static char log_path[64];

static int log_setup(void **state)
{
	(void)state;
	char err[256];
	if (temp_file(log_path, sizeof(log_path), "runstate") < 0 ||
	    trace_open_log(log_path, err, sizeof(err)) < 0)
		return -1;
	return trace_enable_pattern("runstate_set") == 1 ? 0 : -1;
}

static int log_teardown(void **state)
{
	(void)state;
	trace_enable_pattern("-runstate_set");
	unlink(log_path);
	return 0;
}

static void read_log(char *buf, size_t len)
{
	read_text(log_path, buf, len);
}

static void truncate_log(void)
{
	assert_int_equal(truncate(log_path, 0), 0);
}

/* §1.3: setting the current state is silent and changes nothing, but the
 * trace point fires before that check. */
static void test_set_same_state_is_noop(void **state)
{
	(void)state;
	char buf[4096], want[128];
	for (int s = 0; s < NSTATES; s++) {
		assert_int_equal(drive_to(s), 0);
		truncate_log();
		runstate_set((enum run_state)s);
		assert_int_equal(runstate_get(), s);
		read_log(buf, sizeof(buf));
		snprintf(want, sizeof(want), " runstate_set current_run_state %d (%s) new_state %d (%s)\n",
			 s, qapi_names[s], s, qapi_names[s]);
		assert_non_null(strstr(buf, want));
		assert_int_equal(strchr(buf, '\n') - buf + 1, (long)strlen(buf)); /* one line */
	}
}

static void test_transition_is_traced_with_indices(void **state)
{
	(void)state;
	char buf[4096];
	assert_int_equal(drive_to(RUN_STATE_RUNNING), 0);
	truncate_log();
	runstate_set(RUN_STATE_SHUTDOWN);
	read_log(buf, sizeof(buf));
	assert_non_null(
		strstr(buf, " runstate_set current_run_state 9 (running) new_state 11 (shutdown)\n"));
	assert_int_equal(runstate_get(), RUN_STATE_SHUTDOWN);
}

static int group_setup(void **state)
{
	(void)state;
	build_expected();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_state_is_prelaunch),
		cmocka_unit_test(test_state_names_in_qapi_order),
		cmocka_unit_test(test_by_name_unknown),
		cmocka_unit_test(test_expected_table_sanity),
		cmocka_unit_test(test_transition_matrix),
		cmocka_unit_test(test_runstate_set_every_pair),
		cmocka_unit_test(test_illegal_transition_aborts),
		cmocka_unit_test(test_out_of_range_state_aborts),
		cmocka_unit_test(test_predicates_in_every_state),
		cmocka_unit_test_setup_teardown(test_set_same_state_is_noop, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_transition_is_traced_with_indices, log_setup,
						log_teardown),
	};
	return tap_run_group("runstate", tests, group_setup, NULL);
}
