/* Unit tests of the -trace log backend (vmm/trace.c) and of the probe code
 * generated from probes/vmm.probes (build/gen/): option forms, pattern
 * matching, and the log line formats of spec §7.1-§7.2. */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe-table.h"
#include "trace.h"

#include "test-files.h"
#include "tap-skip.h"

static char err[512];
static char log_path[64];
static char events_path[64];

static int enabled_count(void)
{
	int n = 0;
	for (int i = 0; i < PROBE__COUNT; i++)
		n += trace_log_enabled[i];
	return n;
}

static int case_setup(void **state)
{
	(void)state;
	trace_enable_pattern("-*");
	trace_set_format(TRACE_FORMAT_BRACKETED);
	err[0] = '\0';
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	trace_enable_pattern("-*");
	trace_set_format(TRACE_FORMAT_BRACKETED);
	if (events_path[0])
		unlink(events_path);
	events_path[0] = '\0';
	return 0;
}

static void write_events_file(const char *text)
{
	snprintf(events_path, sizeof(events_path), "/tmp/test-trace-ev-XXXXXX");
	int fd = mkstemp(events_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int parse(const char *arg)
{
	int list = 0;
	err[0] = '\0';
	int r = trace_parse_option(arg, &list, err, sizeof(err));
	assert_int_equal(list, 0);
	return r;
}

/* ARG is refused with the error WHY; a failure names ARG */
static void parse_fails(const char *arg, const char *why)
{
	int r = parse(arg);
	if (r != -1 || strcmp(err, why))
		fail_msg("-trace '%.60s': %d \"%s\", want -1 \"%s\"", arg, r, err, why);
}

/* ---- the generated table ---- */

static void test_probe_table_matches_enum(void **state)
{
	(void)state;
	assert_int_equal(vmm_probe_count, PROBE__COUNT);
	assert_string_equal(vmm_probe_table[PROBE_runstate_set].name, "runstate_set");
	assert_string_equal(vmm_probe_table[PROBE_qapi_event].name, "qapi_event");
	assert_int_equal(probe_lookup("runstate_set"), PROBE_runstate_set);
	assert_int_equal(probe_lookup("kvm_run_exit"), PROBE_kvm_run_exit);
	assert_int_equal(probe_lookup("nope"), -1);
	/* QEMU's format and argument list for runstate_set (§7.3) */
	const struct probe_desc *d = &vmm_probe_table[PROBE_runstate_set];
	assert_string_equal(d->format, "current_run_state %d (%s) new_state %d (%s)");
	assert_int_equal(d->nargs, 4);
	assert_string_equal(d->arg_names[0], "current_state");
	assert_int_equal(d->arg_types[0], PROBE_ARG_INT);
	assert_int_equal(d->arg_types[1], PROBE_ARG_STR);
	assert_int_equal(d->arg_types[2], PROBE_ARG_INT);
	assert_int_equal(d->arg_types[3], PROBE_ARG_STR);
	assert_int_equal(vmm_probe_table[PROBE_qemu_system_powerdown_request].nargs, 0);
	assert_string_equal(vmm_probe_table[PROBE_qemu_system_powerdown_request].format, "");
	for (unsigned i = 0; i < vmm_probe_count; i++)
		assert_int_equal(probe_lookup(vmm_probe_table[i].name), (int)i);
}

/* ---- trace_enable_pattern ---- */

static int names_with_prefix(const char *prefix)
{
	int n = 0;
	for (unsigned i = 0; i < vmm_probe_count; i++)
		n += !strncmp(vmm_probe_table[i].name, prefix, strlen(prefix));
	return n;
}

static void test_enable_pattern_counts(void **state)
{
	(void)state;
	assert_int_equal(trace_enable_pattern("runstate_set"), 1);
	assert_true(trace_log_enabled[PROBE_runstate_set]);
	assert_int_equal(enabled_count(), 1);

	int kvm = names_with_prefix("kvm_");
	assert_true(kvm >= 8);
	assert_int_equal(trace_enable_pattern("kvm_*"), kvm);
	assert_int_equal(enabled_count(), 1 + kvm);
	assert_true(trace_log_enabled[PROBE_kvm_run_exit]);
	assert_true(trace_log_enabled[PROBE_kvm_ioctl]);

	/* '-' disables what the pattern matches, and still counts them */
	assert_int_equal(trace_enable_pattern("-kvm_*"), kvm);
	assert_int_equal(enabled_count(), 1);

	assert_int_equal(trace_enable_pattern("kvm_?m_ioctl"), 1); /* kvm_vm_ioctl */
	assert_true(trace_log_enabled[PROBE_kvm_vm_ioctl]);
	assert_int_equal(trace_enable_pattern("qemu_system_*"), names_with_prefix("qemu_system_"));
	assert_int_equal(trace_enable_pattern("nope"), 0);
	assert_int_equal(trace_enable_pattern("nope*"), 0);
	assert_int_equal(trace_enable_pattern("RUNSTATE_SET"), 0); /* case matters */
	assert_int_equal(trace_enable_pattern("runstate"), 0);	    /* whole names */
	assert_int_equal(trace_enable_pattern("*"), PROBE__COUNT);
	assert_int_equal(enabled_count(), PROBE__COUNT);
	assert_int_equal(trace_enable_pattern("-*"), PROBE__COUNT);
	assert_int_equal(enabled_count(), 0);
	assert_int_equal(trace_enable_pattern("[rv]*"),
			 names_with_prefix("r") + names_with_prefix("v"));
}

/* ---- trace_parse_option ---- */

static void test_parse_bare_and_enable(void **state)
{
	(void)state;
	assert_int_equal(parse("runstate_set"), 0);
	assert_true(trace_log_enabled[PROBE_runstate_set]);
	assert_int_equal(parse("enable=vm_state_notify"), 0);
	assert_true(trace_log_enabled[PROBE_vm_state_notify]);
	assert_int_equal(enabled_count(), 2);
	assert_int_equal(parse("enable=kvm_*"), 0);
	assert_int_equal(enabled_count(), 2 + names_with_prefix("kvm_"));
	/* several keys in one argument */
	assert_int_equal(parse("-*"), 0);
	assert_int_equal(parse("enable=qapi_event,enable=kvm_run_exit,qemu_system_reset"), 0);
	assert_int_equal(enabled_count(), 3);
	/* a glob that matches nothing is no error (QEMU warns only for names) */
	assert_int_equal(parse("nothing_like_this*"), 0);
	assert_int_equal(enabled_count(), 3);
}

static void test_parse_help(void **state)
{
	(void)state;
	int list = 0;
	assert_int_equal(trace_parse_option("help", &list, err, sizeof(err)), 0);
	assert_int_equal(list, 1);
	assert_int_equal(enabled_count(), 0);
}

static void test_parse_unknown_event(void **state)
{
	(void)state;
	parse_fails("nope", "trace event 'nope' does not exist");
	parse_fails("enable=nope", "trace event 'nope' does not exist");
	parse_fails("-nope", "trace event 'nope' does not exist"); /* the name without its '-' */
	parse_fails("enable=", "trace event '' does not exist");
	/* keys before the bad one took effect, later ones did not */
	assert_int_equal(parse("runstate_set,nope,qapi_event"), -1);
	assert_true(trace_log_enabled[PROBE_runstate_set]);
	assert_false(trace_log_enabled[PROBE_qapi_event]);
}

static void test_parse_bad_keys(void **state)
{
	(void)state;
	parse_fails("foo=bar", "-trace: invalid parameter 'foo'");
	parse_fails("runstate_set,level=3", "-trace: invalid parameter 'level'");
	parse_fails("format=json", "-trace format=json: expected 'bracketed' or 'upstream'");
	parse_fails("format=", "-trace format=: expected 'bracketed' or 'upstream'");

	char big[1100];
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	parse_fails(big, "-trace: argument too long");
}

static void test_parse_events_file(void **state)
{
	(void)state;
	write_events_file("# a comment line\n"
			  "\n"
			  "runstate_set\n"
			  "   vm_state_notify\n"
			  "\t\n"
			  "kvm_*\n"
			  "-kvm_run_exit\n"
			  "# kvm_run_exit\n"
			  "qemu_system_powerdown_request\r\n");
	char arg[128];
	snprintf(arg, sizeof(arg), "events=%s", events_path);
	assert_int_equal(parse(arg), 0);
	assert_true(trace_log_enabled[PROBE_runstate_set]);
	assert_true(trace_log_enabled[PROBE_vm_state_notify]);
	assert_true(trace_log_enabled[PROBE_kvm_ioctl]);
	assert_true(trace_log_enabled[PROBE_kvm_vcpu_ioctl]);
	assert_false(trace_log_enabled[PROBE_kvm_run_exit]); /* '-' disabled it */
	assert_true(trace_log_enabled[PROBE_qemu_system_powerdown_request]);
	assert_false(trace_log_enabled[PROBE_qapi_event]);
	assert_int_equal(enabled_count(), 3 + names_with_prefix("kvm_") - 1);
}

static void test_parse_events_file_errors(void **state)
{
	(void)state;
	write_events_file("runstate_set\nnope\nqapi_event\n");
	char arg[128];
	snprintf(arg, sizeof(arg), "events=%s", events_path);
	assert_int_equal(parse(arg), -1);
	assert_string_equal(err, "trace event 'nope' does not exist");
	assert_true(trace_log_enabled[PROBE_runstate_set]);
	assert_false(trace_log_enabled[PROBE_qapi_event]);

	parse_fails("events=/nonexistent/dir/events",
		    "-trace events=/nonexistent/dir/events: No such file or directory");
}

static void test_parse_file_and_format(void **state)
{
	(void)state;
	char arg[160];
	parse_fails("file=/nonexistent/dir/trace.log",
		    "could not open log file '/nonexistent/dir/trace.log': No such file or "
			    "directory");

	snprintf(arg, sizeof(arg), "runstate_set,file=%s,format=upstream", log_path);
	assert_int_equal(truncate(log_path, 0), 0);
	assert_int_equal(parse(arg), 0);
	assert_true(trace_log_enabled[PROBE_runstate_set]);
	trace_runstate_set(6, "prelaunch", 9, "running");
	char buf[512];
	assert_true(read_text(log_path, buf, sizeof(buf)) > 0);
	/* format=upstream took effect: "TID@SECONDS.USECS:name" */
	assert_non_null(strstr(buf, ":runstate_set current_run_state 6 (prelaunch) new_state 9 "
				    "(running)\n"));
	assert_null(strchr(buf, '['));
	assert_int_equal(parse("format=bracketed"), 0);
}

/* ---- log lines ---- */

static int log_setup(void **state)
{
	case_setup(state);
	assert_int_equal(truncate(log_path, 0), 0);
	return 0;
}

static size_t read_log(char *buf, size_t len)
{
	return read_text(log_path, buf, len);
}

static void assert_matches(const char *text, const char *pattern)
{
	regex_t re;
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	int r = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	if (r != 0)
		fail_msg("'%s' does not match /%s/", text, pattern);
}

static void one_line(char *buf)
{
	char *nl = strchr(buf, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0'); /* exactly one line, newline-terminated */
	*nl = '\0';
}

static void test_log_line_bracketed(void **state)
{
	(void)state;
	char buf[1024];
	trace_enable_pattern("runstate_set");
	trace_runstate_set(9, "running", 11, "shutdown");
	read_log(buf, sizeof(buf));
	one_line(buf);
	assert_matches(buf, "^[0-9]+@\\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
			    "\\.[0-9]{6}\\] runstate_set current_run_state 9 \\(running\\) "
			    "new_state 11 \\(shutdown\\)$");
	/* the TID is the calling thread's */
	assert_int_equal(atoi(buf), gettid());
}

static void test_log_line_upstream(void **state)
{
	(void)state;
	char buf[1024];
	struct timeval before, after;
	trace_set_format(TRACE_FORMAT_UPSTREAM);
	trace_enable_pattern("runstate_set");
	gettimeofday(&before, NULL);
	trace_runstate_set(9, "running", 11, "shutdown");
	gettimeofday(&after, NULL);
	read_log(buf, sizeof(buf));
	one_line(buf);
	assert_matches(buf, "^[0-9]+@[0-9]+\\.[0-9]{6}:runstate_set current_run_state 9 "
			    "\\(running\\) new_state 11 \\(shutdown\\)$");
	assert_int_equal(atoi(buf), gettid());
	/* the timestamp is the wall clock of the call */
	double t = strtod(strchr(buf, '@') + 1, NULL);
	assert_true(t >= (double)before.tv_sec + before.tv_usec / 1e6 - 1e-6);
	assert_true(t <= (double)after.tv_sec + after.tv_usec / 1e6 + 1e-6);
}

static void test_log_disabled_probe_writes_nothing(void **state)
{
	(void)state;
	char buf[256];
	trace_runstate_set(9, "running", 11, "shutdown");
	trace_enable_pattern("vm_state_notify");
	trace_runstate_set(9, "running", 4, "paused");
	assert_int_equal(read_log(buf, sizeof(buf)), 0);
	trace_vm_state_notify(0, 4, "paused");
	read_log(buf, sizeof(buf));
	one_line(buf);
	assert_matches(buf, "\\] vm_state_notify running 0 reason 4 \\(paused\\)$");
	trace_enable_pattern("-vm_state_notify");
	trace_vm_state_notify(1, 9, "running");
	char buf2[256];
	read_log(buf2, sizeof(buf2));
	assert_int_equal(strlen(buf2), strlen(buf) + 1); /* nothing more */
}

/* a probe without arguments logs "name " and nothing else, as QEMU's log
 * backend does ("NAME " FMT with an empty FMT) */
static void test_log_probe_without_arguments(void **state)
{
	(void)state;
	char buf[256];
	trace_set_format(TRACE_FORMAT_UPSTREAM);
	trace_enable_pattern("qemu_system_powerdown_request");
	trace_qemu_system_powerdown_request();
	read_log(buf, sizeof(buf));
	one_line(buf);
	assert_matches(buf, "^[0-9]+@[0-9]+\\.[0-9]{6}:qemu_system_powerdown_request $");
}

static void test_log_other_formats(void **state)
{
	(void)state;
	char buf[512];
	trace_enable_pattern("kvm_vcpu_ioctl");
	trace_enable_pattern("qapi_event");
	trace_enable_pattern("kvm_init_vcpu");
	trace_kvm_vcpu_ioctl(1, 0xae80, NULL);
	trace_qapi_event("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-reset\"}");
	trace_kvm_init_vcpu(3, UINT64_C(18446744073709551615));
	read_log(buf, sizeof(buf));
	assert_non_null(strstr(buf, "] kvm_vcpu_ioctl cpu_index 1, type 0xae80, arg (nil)\n"));
	assert_non_null(strstr(
		buf, "] qapi_event event SHUTDOWN data {\"guest\": true, \"reason\": \"guest-reset\"}\n"));
	assert_non_null(strstr(buf, "] kvm_init_vcpu index: 3 id: 18446744073709551615\n"));
}

/* a line longer than the buffer is cut, and still ends with a newline */
static void test_log_long_line(void **state)
{
	(void)state;
	static char big[6000], buf[8192];
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	trace_enable_pattern("qapi_event");
	trace_qapi_event("X", big);
	trace_qapi_event("Y", "{}");
	size_t n = read_log(buf, sizeof(buf));
	char *first_nl = strchr(buf, '\n');
	assert_non_null(first_nl);
	assert_true(first_nl - buf + 1 <= 4096);
	assert_true(first_nl - buf > 4000);
	assert_non_null(strstr(first_nl + 1, "] qapi_event event Y data {}\n"));
	assert_int_equal(buf[n - 1], '\n');
}

/* ---- trace_list_events ---- */

static void test_list_events(void **state)
{
	(void)state;
	char buf[8192];
	FILE *f = tmpfile();
	assert_non_null(f);
	trace_list_events(f);
	rewind(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	unsigned lines = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		assert_true(probe_lookup(l) >= 0);
		lines++;
	}
	assert_int_equal(lines, vmm_probe_count);
}

static int group_setup(void **state)
{
	(void)state;
	if (temp_file(log_path, sizeof(log_path), "trace-log") < 0)
		return -1;
	return trace_open_log(log_path, err, sizeof(err));
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(log_path);
	return 0;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, case_setup, case_teardown)
#define L(f) cmocka_unit_test_setup_teardown(f, log_setup, case_teardown)
	const struct CMUnitTest tests[] = {
		T(test_probe_table_matches_enum),
		T(test_enable_pattern_counts),
		T(test_parse_bare_and_enable),
		T(test_parse_help),
		T(test_parse_unknown_event),
		T(test_parse_bad_keys),
		T(test_parse_events_file),
		T(test_parse_events_file_errors),
		T(test_parse_file_and_format),
		L(test_log_line_bracketed),
		L(test_log_line_upstream),
		L(test_log_disabled_probe_writes_nothing),
		L(test_log_probe_without_arguments),
		L(test_log_other_formats),
		L(test_log_long_line),
		T(test_list_events),
	};
	return tap_run_group("trace", tests, group_setup, group_teardown);
}
