/* Unit tests of the command line (vmm/options.c) and of the parsers it uses:
 * chardev_parse (vmm/chardev.c), the sev-guest object and confidential_init
 * (vmm/confidential.c). QEMU's meaning of the options: spec §3.1, §4.
 *
 * options.o pulls in system.o (action names), which calls a few hooks of the
 * rest of the VMM; parsing must never reach them, so their fakes fail. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chardev.h"
#include "confidential.h"
#include "config.h"
#include "cpus.h"
#include "kvm.h"
#include "machine.h"
#include "mainloop.h"
#include "system.h"
#include "trace.h"
#include "version.h"

#include "fd-capture.h"
#include "tap-skip.h"

/* ---- hooks that parsing must not call ---- */
void cpu_stop_current(void) { fail_msg("cpu_stop_current called while parsing"); }
struct vcpu *current_vcpu(void)
{
	fail_msg("current_vcpu called while parsing");
	return NULL;
}
void qemu_notify_event(void) { fail_msg("qemu_notify_event called while parsing"); }
void pause_all_vcpus(void) { fail_msg("pause_all_vcpus called while parsing"); }
void resume_all_vcpus(void) { fail_msg("resume_all_vcpus called while parsing"); }
void machine_reset(enum shutdown_cause reason)
{
	(void)reason;
	fail_msg("machine_reset called while parsing");
}
void machine_powerdown(void) { fail_msg("machine_powerdown called while parsing"); }
int main_loop_add_fd(int fd, fd_handler handler, fd_can_read can_read, void *opaque)
{
	(void)fd, (void)handler, (void)can_read, (void)opaque;
	fail_msg("main_loop_add_fd called while parsing");
	return -1;
}
void main_loop_remove_fd(int fd)
{
	(void)fd;
	fail_msg("main_loop_remove_fd called while parsing");
}

/* ---- helpers ---- */

static char err[512];

/* parse(cfg, "-m", "1G", NULL): defaults, then options_parse */
static enum options_result parse(struct vmm_config *cfg, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"kvmscope-vmm";
	va_start(ap, cfg);
	for (char *a; (a = va_arg(ap, char *)) != NULL;) {
		assert_true(argc < 63);
		argv[argc++] = a;
	}
	va_end(ap);
	argv[argc] = NULL;
	config_defaults(cfg);
	memset(err, 0, sizeof(err));
	return options_parse(argc, argv, cfg, err, sizeof(err));
}

#define P(cfg, ...) parse(cfg, __VA_ARGS__, (char *)NULL)
#define P0(cfg) parse(cfg, (char *)NULL)

static void assert_error_names(enum options_result r, const char *opt, const char *text)
{
	assert_int_equal(r, OPTIONS_ERROR);
	/* "-m: ..." or "-trace format=...: ..." */
	if (strncmp(err, opt, strlen(opt)) != 0 || !strchr(": ", err[strlen(opt)]) ||
	    !err[strlen(opt)])
		fail_msg("error '%s' does not start with the option '%s'", err, opt);
	if (text && !strstr(err, text))
		fail_msg("error '%s' does not contain '%s'", err, text);
}

/* stdout capture (print_help, --version, -trace help use printf) */
#define stdout_start() fd_capture_start(stdout)
#define stdout_end(buf, len) fd_capture_end((buf), (len))

static struct vmm_config cfg;

static int case_teardown(void **state)
{
	(void)state;
	kvm_fault_clear();
	trace_enable_pattern("-*");
	return 0;
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(P0(&cfg), OPTIONS_RUN);
	assert_int_equal(cfg.ram_size, 128ULL << 20);
	assert_int_equal(cfg.smp, 1);
	assert_int_equal(cfg.nr_serials, 1);
	assert_int_equal(cfg.serial[0].kind, CHARDEV_STDIO); /* COM1 on stdio */
	assert_int_equal(cfg.actions.reboot, REBOOT_ACTION_RESET);
	assert_int_equal(cfg.actions.shutdown, SHUTDOWN_ACTION_POWEROFF);
	assert_int_equal(cfg.actions.panic, PANIC_ACTION_SHUTDOWN);
	assert_int_equal(cfg.actions.watchdog, WATCHDOG_ACTION_RESET);
	assert_false(cfg.start_paused);
	assert_false(cfg.debug_exit);
	assert_int_equal(cfg.debug_exit_iobase, 0x501);
	assert_int_equal(cfg.debug_exit_iosize, 2);
	assert_int_equal(cfg.pmu, PMU_DEFAULT);
	assert_false(cfg.sev.defined);
	assert_string_equal(cfg.cgs_id, "");
	assert_null(cfg.kernel);
	assert_null(cfg.initrd);
	assert_null(cfg.append);
	assert_null(cfg.loader_file);
	assert_null(cfg.name);
	assert_null(cfg.pidfile);
	assert_null(cfg.logfile);
	assert_false(cfg.msg_timestamp);
	assert_false(cfg.list_trace_events);
}

static void test_guest_files(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-kernel", "k.elf", "-initrd", "rd.img", "-append",
			   "console=ttyS0 quiet"),
			 OPTIONS_RUN);
	assert_string_equal(cfg.kernel, "k.elf");
	assert_string_equal(cfg.initrd, "rd.img");
	assert_string_equal(cfg.append, "console=ttyS0 quiet");
	/* "--option" works like "-option" */
	assert_int_equal(P(&cfg, "--kernel", "other.elf"), OPTIONS_RUN);
	assert_string_equal(cfg.kernel, "other.elf");
}

/* ---- -m ---- */

static void test_memory_sizes(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		uint64_t bytes;
	} good[] = {
		{ "1G", 1ULL << 30 },	    { "512", 512ULL << 20 },   { "64M", 64ULL << 20 },
		{ "size=2G", 2ULL << 30 },  { "4M", 4ULL << 20 },      { "4", 4ULL << 20 },
		{ "65536K", 64ULL << 20 },  { "4096k", 4ULL << 20 },   { "1.5G", 3ULL << 29 },
		{ "2g", 2ULL << 30 },	    { "256m", 256ULL << 20 },  { "size=512", 512ULL << 20 },
		{ "1T", 1ULL << 40 },	    { "1GB", 1ULL << 30 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (P(&cfg, "-m", good[i].arg) != OPTIONS_RUN)
			fail_msg("-m %s rejected: %s", good[i].arg, err);
		if (cfg.ram_size != good[i].bytes)
			fail_msg("-m %s: %llu bytes, want %llu", good[i].arg,
				 (unsigned long long)cfg.ram_size,
				 (unsigned long long)good[i].bytes);
	}
}

static void test_memory_bad(void **state)
{
	(void)state;
	assert_error_names(P(&cfg, "-m", "12x"), "-m", "invalid RAM size '12x'");
	static const char *const bad[] = { "", "x", "0", "-1", "-64M", "1Q", "64MM", "size=",
					   "inf", "1e30", "G", "100000T" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (P(&cfg, "-m", bad[i]) != OPTIONS_ERROR)
			fail_msg("-m '%s' accepted (%llu bytes)", bad[i],
				 (unsigned long long)cfg.ram_size);
		assert_error_names(OPTIONS_ERROR, "-m", "invalid RAM size");
	}
	/* too small */
	assert_error_names(P(&cfg, "-m", "3"), "-m", "RAM size '3' is too small (at least 4M)");
	assert_error_names(P(&cfg, "-m", "2048K"), "-m", "too small");
	assert_error_names(P(&cfg, "-m", "size=1M"), "-m", "too small");
	assert_error_names(P(&cfg, "-m"), "-m", "requires an argument");
}

/* "nan" is not a size; strtod() accepts it and the NaN passes every range
 * check of parse_size_mib(). */
static void test_memory_nan(void **state)
{
	(void)state;
	if (P(&cfg, "-m", "nan") != OPTIONS_ERROR)
		fail_msg("-m nan accepted: ram_size %llu", (unsigned long long)cfg.ram_size);
	assert_error_names(OPTIONS_ERROR, "-m", "invalid RAM size 'nan'");
}

static void test_parse_size_mib(void **state)
{
	(void)state;
	uint64_t b = 0;
	assert_int_equal(parse_size_mib("3", &b), 0);
	assert_int_equal(b, 3ULL << 20); /* plain numbers are MiB */
	assert_int_equal(parse_size_mib("100k", &b), 0);
	assert_int_equal(b, 100ULL << 10);
	assert_int_equal(parse_size_mib("4096b", &b), 0);
	assert_int_equal(b, 4096);
	b = 77;
	assert_int_equal(parse_size_mib("12x", &b), -1);
	assert_int_equal(b, 77); /* untouched on error */
	assert_int_equal(parse_size_mib("0", &b), -1);
}

/* ---- -smp ---- */

static void test_smp(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-smp", "4"), OPTIONS_RUN);
	assert_int_equal(cfg.smp, 4);
	assert_int_equal(P(&cfg, "-smp", "cpus=2"), OPTIONS_RUN);
	assert_int_equal(cfg.smp, 2);
	assert_int_equal(P(&cfg, "-smp", "8"), OPTIONS_RUN);
	assert_int_equal(cfg.smp, VMM_MAX_VCPUS);
	assert_int_equal(P(&cfg, "-smp", "3,sockets=1"), OPTIONS_RUN);
	assert_int_equal(cfg.smp, 3);
	assert_int_equal(P(&cfg, "-smp", "1"), OPTIONS_RUN);
	assert_int_equal(cfg.smp, 1);

	assert_error_names(P(&cfg, "-smp", "9"), "-smp", NULL);
	assert_string_equal(err,
			    "-smp: Invalid SMP CPUs 9. The max CPUs supported by machine 'pc' is 8");
	assert_error_names(P(&cfg, "-smp", "0"), "-smp", "Invalid SMP CPUs 0");
	assert_error_names(P(&cfg, "-smp", "-2"), "-smp", "Invalid SMP CPUs -2");
	assert_error_names(P(&cfg, "-smp", "x"), "-smp", "'x' is not a CPU count");
	assert_error_names(P(&cfg, "-smp", "2x"), "-smp", "'2x' is not a CPU count");
	assert_error_names(P(&cfg, "-smp", "cpus="), "-smp", "is not a CPU count");
	assert_error_names(P(&cfg, "-smp", ""), "-smp", "is not a CPU count");
}

/* ---- -serial and chardev_parse ---- */

static void test_serial_option(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-serial", "null"), OPTIONS_RUN);
	assert_int_equal(cfg.nr_serials, 1); /* no implicit stdio added */
	assert_int_equal(cfg.serial[0].kind, CHARDEV_NONE);

	assert_int_equal(P(&cfg, "-serial", "file:/tmp/com1.log", "-serial", "stdio"),
			 OPTIONS_RUN);
	assert_int_equal(cfg.nr_serials, 2);
	assert_int_equal(cfg.serial[0].kind, CHARDEV_FILE);
	assert_string_equal(cfg.serial[0].path, "/tmp/com1.log");
	assert_int_equal(cfg.serial[1].kind, CHARDEV_STDIO);

	assert_error_names(P(&cfg, "-serial", "null", "-serial", "null", "-serial", "null"),
			   "-serial", "at most 2 serial ports (COM1, COM2)");
	assert_error_names(P(&cfg, "-serial", "tcp:localhost:4444"), "-serial",
			   "'tcp:localhost:4444' is not a valid char driver");
	assert_error_names(P(&cfg, "-serial", "unix:/tmp/x,bogus"), "-serial",
			   "unknown socket option 'bogus'");
	assert_error_names(P(&cfg, "-serial", "file:"), "-serial", "bad file path");
}

static void test_chardev_parse_forms(void **state)
{
	(void)state;
	struct chardev_config c;
	char e[256];

	assert_int_equal(chardev_parse("stdio", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_STDIO);
	assert_int_equal(chardev_parse("mon:stdio", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_STDIO);
	assert_int_equal(chardev_parse("null", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_NONE);
	assert_int_equal(chardev_parse("none", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_NONE);

	assert_int_equal(chardev_parse("file:/var/tmp/out.txt", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_FILE);
	assert_string_equal(c.path, "/var/tmp/out.txt");

	assert_int_equal(chardev_parse("unix:/tmp/s.sock", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_UNIX_CLIENT);
	assert_string_equal(c.path, "/tmp/s.sock");
	assert_true(c.wait);

	assert_int_equal(chardev_parse("unix:/tmp/s.sock,server", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_UNIX_SERVER);
	assert_true(c.wait);

	assert_int_equal(chardev_parse("unix:/tmp/s.sock,server,nowait", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_UNIX_SERVER);
	assert_false(c.wait);

	assert_int_equal(chardev_parse("unix:/tmp/s.sock,server=on,wait=off", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_UNIX_SERVER);
	assert_false(c.wait);

	assert_int_equal(chardev_parse("unix:/tmp/s.sock,server=on,wait=off,wait=on", &c, e,
				       sizeof(e)),
			 0);
	assert_true(c.wait);

	assert_int_equal(chardev_parse("unix:/tmp/s.sock,server,server=off", &c, e, sizeof(e)), 0);
	assert_int_equal(c.kind, CHARDEV_UNIX_CLIENT);

	/* a previous parse leaves nothing behind */
	assert_int_equal(chardev_parse("stdio", &c, e, sizeof(e)), 0);
	assert_string_equal(c.path, "");
	assert_false(c.wait);
}

static void test_chardev_parse_errors(void **state)
{
	(void)state;
	struct chardev_config c;
	char e[256], path[200];

	assert_int_equal(chardev_parse("tcp:1234", &c, e, sizeof(e)), -1);
	assert_string_equal(e, "'tcp:1234' is not a valid char driver");
	assert_int_equal(chardev_parse("", &c, e, sizeof(e)), -1);
	assert_string_equal(e, "'' is not a valid char driver");
	assert_int_equal(chardev_parse("STDIO", &c, e, sizeof(e)), -1);
	assert_int_equal(chardev_parse("file:", &c, e, sizeof(e)), -1);
	assert_string_equal(e, "'file:': bad file path");
	assert_int_equal(chardev_parse("unix:", &c, e, sizeof(e)), -1);
	assert_string_equal(e, "'unix:': bad socket path");
	assert_int_equal(chardev_parse("unix:/x,nope", &c, e, sizeof(e)), -1);
	assert_string_equal(e, "'unix:/x,nope': unknown socket option 'nope'");

	/* sun_path holds 107 characters and the NUL */
	memset(path, 'a', sizeof(path));
	memcpy(path, "file:/", 6);
	path[5 + 107] = '\0';
	assert_int_equal(chardev_parse(path, &c, e, sizeof(e)), 0);
	assert_int_equal(strlen(c.path), 107);
	path[5 + 107] = 'a';
	path[5 + 108] = '\0';
	assert_int_equal(chardev_parse(path, &c, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "bad file path"));
	memcpy(path, "unix:/", 6);
	assert_int_equal(chardev_parse(path, &c, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "bad socket path"));
}

/* "unix:" with an empty path is refused; so must be an empty path followed
 * by options. */
static void test_chardev_parse_empty_unix_path(void **state)
{
	(void)state;
	struct chardev_config c;
	char e[256];
	assert_int_equal(chardev_parse("unix:", &c, e, sizeof(e)), -1);
	assert_int_equal(chardev_parse("unix:,server,nowait", &c, e, sizeof(e)), -1);
	assert_string_equal(e, "'unix:,server,nowait': bad socket path");
}

/* ---- run-state actions ---- */

static void test_no_reboot_no_shutdown(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-no-reboot"), OPTIONS_RUN);
	assert_int_equal(cfg.actions.reboot, REBOOT_ACTION_SHUTDOWN);
	assert_int_equal(cfg.actions.shutdown, SHUTDOWN_ACTION_POWEROFF);
	assert_int_equal(cfg.actions.panic, PANIC_ACTION_SHUTDOWN);

	assert_int_equal(P(&cfg, "-no-shutdown"), OPTIONS_RUN);
	assert_int_equal(cfg.actions.reboot, REBOOT_ACTION_RESET);
	assert_int_equal(cfg.actions.shutdown, SHUTDOWN_ACTION_PAUSE);
	assert_int_equal(cfg.actions.panic, PANIC_ACTION_SHUTDOWN);

	struct run_actions a;
	assert_int_equal(P(&cfg, "-no-reboot", "-no-shutdown"), OPTIONS_RUN);
	a = cfg.actions;
	/* ≡ -action reboot=shutdown,shutdown=pause */
	assert_int_equal(P(&cfg, "-action", "reboot=shutdown,shutdown=pause"), OPTIONS_RUN);
	assert_memory_equal(&a, &cfg.actions, sizeof(a));

	/* the last one wins */
	assert_int_equal(P(&cfg, "-no-reboot", "-action", "reboot=reset"), OPTIONS_RUN);
	assert_int_equal(cfg.actions.reboot, REBOOT_ACTION_RESET);
	assert_int_equal(P(&cfg, "-action", "shutdown=poweroff", "-no-shutdown"), OPTIONS_RUN);
	assert_int_equal(cfg.actions.shutdown, SHUTDOWN_ACTION_PAUSE);
}

static void test_action_values(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		int reboot, shutdown, panic, watchdog;
	} cases[] = {
		{ "reboot=reset", REBOOT_ACTION_RESET, -1, -1, -1 },
		{ "reboot=shutdown", REBOOT_ACTION_SHUTDOWN, -1, -1, -1 },
		{ "shutdown=poweroff", -1, SHUTDOWN_ACTION_POWEROFF, -1, -1 },
		{ "shutdown=pause", -1, SHUTDOWN_ACTION_PAUSE, -1, -1 },
		{ "panic=pause", -1, -1, PANIC_ACTION_PAUSE, -1 },
		{ "panic=shutdown", -1, -1, PANIC_ACTION_SHUTDOWN, -1 },
		{ "panic=exit-failure", -1, -1, PANIC_ACTION_EXIT_FAILURE, -1 },
		{ "panic=none", -1, -1, PANIC_ACTION_NONE, -1 },
		{ "watchdog=reset", -1, -1, -1, WATCHDOG_ACTION_RESET },
		{ "watchdog=shutdown", -1, -1, -1, WATCHDOG_ACTION_SHUTDOWN },
		{ "watchdog=poweroff", -1, -1, -1, WATCHDOG_ACTION_POWEROFF },
		{ "watchdog=pause", -1, -1, -1, WATCHDOG_ACTION_PAUSE },
		{ "watchdog=debug", -1, -1, -1, WATCHDOG_ACTION_DEBUG },
		{ "watchdog=none", -1, -1, -1, WATCHDOG_ACTION_NONE },
		{ "watchdog=inject-nmi", -1, -1, -1, WATCHDOG_ACTION_INJECT_NMI },
		{ "reboot=shutdown,shutdown=pause,panic=exit-failure,watchdog=inject-nmi",
		  REBOOT_ACTION_SHUTDOWN, SHUTDOWN_ACTION_PAUSE, PANIC_ACTION_EXIT_FAILURE,
		  WATCHDOG_ACTION_INJECT_NMI },
		{ "panic=none,panic=pause", -1, -1, PANIC_ACTION_PAUSE, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (P(&cfg, "-action", cases[i].arg) != OPTIONS_RUN)
			fail_msg("-action %s: %s", cases[i].arg, err);
		/* unnamed members keep QEMU's defaults */
		assert_int_equal(cfg.actions.reboot,
				 cases[i].reboot >= 0 ? cases[i].reboot : REBOOT_ACTION_RESET);
		assert_int_equal(cfg.actions.shutdown, cases[i].shutdown >= 0
							       ? cases[i].shutdown
							       : SHUTDOWN_ACTION_POWEROFF);
		assert_int_equal(cfg.actions.panic,
				 cases[i].panic >= 0 ? cases[i].panic : PANIC_ACTION_SHUTDOWN);
		assert_int_equal(cfg.actions.watchdog, cases[i].watchdog >= 0
							       ? cases[i].watchdog
							       : WATCHDOG_ACTION_RESET);
	}
}

static void test_action_errors(void **state)
{
	(void)state;
	assert_error_names(P(&cfg, "-action", "reboot=foo"), "-action", NULL);
	assert_string_equal(err, "-action: Parameter 'reboot' does not accept value 'foo'");
	assert_error_names(P(&cfg, "-action", "shutdown=reset"), "-action",
			   "Parameter 'shutdown' does not accept value 'reset'");
	assert_error_names(P(&cfg, "-action", "panic=poweroff"), "-action",
			   "Parameter 'panic' does not accept value 'poweroff'");
	assert_error_names(P(&cfg, "-action", "watchdog=exit-failure"), "-action",
			   "Parameter 'watchdog' does not accept value 'exit-failure'");
	assert_error_names(P(&cfg, "-action", "foo=bar"), "-action", NULL);
	assert_string_equal(err, "-action: Invalid parameter 'foo'");
	assert_error_names(P(&cfg, "-action", "reboot"), "-action", NULL);
	assert_string_equal(err, "-action: 'reboot' needs a value");
	assert_error_names(P(&cfg, "-action", "reboot=shutdown,panic=bogus"), "-action",
			   "'panic' does not accept value 'bogus'");
	assert_error_names(P(&cfg, "-action"), "-action", "requires an argument");
}

static void test_start_paused(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-S"), OPTIONS_RUN);
	assert_true(cfg.start_paused);
}

/* ---- -cpu, -machine, -accel ---- */

static void test_cpu(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-cpu", "host"), OPTIONS_RUN);
	assert_int_equal(cfg.pmu, PMU_DEFAULT);
	assert_int_equal(P(&cfg, "-cpu", "max"), OPTIONS_RUN);
	assert_int_equal(P(&cfg, "-cpu", "host,pmu=on"), OPTIONS_RUN);
	assert_int_equal(cfg.pmu, PMU_ON);
	assert_int_equal(P(&cfg, "-cpu", "host,pmu=off"), OPTIONS_RUN);
	assert_int_equal(cfg.pmu, PMU_OFF);

	assert_error_names(P(&cfg, "-cpu", "qemu64"), "-cpu",
			   "unable to find CPU model 'qemu64'");
	assert_error_names(P(&cfg, "-cpu", "host,pmu=yes"), "-cpu",
			   "Parameter 'pmu' expects 'on' or 'off'");
	assert_error_names(P(&cfg, "-cpu", "host,foo=1"), "-cpu", "Property 'foo' not found");
}

static void test_machine(void **state)
{
	(void)state;
	static const char *const good[] = { "pc", "q35", "type=pc", "pc-i440fx-7.2", "microvm",
					    "pc,accel=kvm", "pc-q35-8.2,accel=kvm:tcg" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (P(&cfg, "-machine", good[i]) != OPTIONS_RUN)
			fail_msg("-machine %s: %s", good[i], err);
	assert_int_equal(P(&cfg, "-machine", "pc,confidential-guest-support=sev0"), OPTIONS_RUN);
	assert_string_equal(cfg.cgs_id, "sev0");
	assert_int_equal(P(&cfg, "-M", "pc,memory-encryption=sev1"), OPTIONS_RUN);
	assert_string_equal(cfg.cgs_id, "sev1");

	assert_error_names(P(&cfg, "-machine", "virt"), "-machine",
			   "unsupported machine type 'virt'");
	assert_error_names(P(&cfg, "-M", "type=isapc2"), "-M", "unsupported machine type");
	assert_error_names(P(&cfg, "-machine", "pc,accel=tcg"), "-machine",
			   "accelerator 'tcg' not supported (kvm only)");
	assert_error_names(P(&cfg, "-machine", "pc,foo=1"), "-machine", "Property 'foo' not found");
}

static void test_accel_and_ignored(void **state)
{
	(void)state;
	struct vmm_config base;
	assert_int_equal(P0(&base), OPTIONS_RUN);
	assert_int_equal(P(&cfg, "-enable-kvm", "-accel", "kvm", "-nographic", "-display", "none",
			   "-nodefaults", "-no-user-config", "-vga", "none", "-monitor", "none"),
			 OPTIONS_RUN);
	/* accepted for drop-in use, and change nothing */
	assert_memory_equal(&base, &cfg, sizeof(cfg));
	assert_error_names(P(&cfg, "-accel", "tcg"), "-accel", NULL);
	assert_string_equal(err, "-accel: accelerator 'tcg' not supported (kvm only)");
}

/* ---- -object sev-guest, confidential_init, policy names ---- */

static void test_object_sev_guest(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-object", "sev-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=5"),
			 OPTIONS_RUN);
	assert_true(cfg.sev.defined);
	assert_string_equal(cfg.sev.id, "sev0");
	assert_int_equal(cfg.sev.cbitpos, 51);
	assert_int_equal(cfg.sev.reduced_phys_bits, 1);
	assert_int_equal(cfg.sev.policy, 5);

	assert_int_equal(P(&cfg, "-object", "qom-type=sev-guest,id=lsec0,policy=0x7,cbitpos=47"),
			 OPTIONS_RUN);
	assert_string_equal(cfg.sev.id, "lsec0");
	assert_int_equal(cfg.sev.policy, 7);
	assert_int_equal(cfg.sev.cbitpos, 47);

	/* QEMU's default policy is NODBG */
	assert_int_equal(P(&cfg, "-object", "sev-guest,id=s"), OPTIONS_RUN);
	assert_int_equal(cfg.sev.policy, SEV_POLICY_NODBG);
	assert_int_equal(cfg.sev.reduced_phys_bits, 0);

	/* accepted, nothing to open */
	assert_int_equal(P(&cfg, "-object", "sev-guest,id=s,sev-device=/dev/sev,dh-cert-file=a,"
					    "session-file=b,kernel-hashes=on,handle=3"),
			 OPTIONS_RUN);

	assert_error_names(P(&cfg, "-object", "memory-backend-ram,id=m,size=1G"), "-object",
			   "only sev-guest objects are supported");
	assert_error_names(P(&cfg, "-object", "sev-guest,policy=5"), "-object",
			   "Parameter 'id' is missing");
	/* the option is named once, not "-object: -object sev-guest: ..." */
	assert_null(strstr(err + 1, "-object"));
	assert_error_names(P(&cfg, "-object", "sev-guest,id=s,policy=abc"), "-object",
			   "Parameter 'policy' expects uint32_t");
	assert_error_names(P(&cfg, "-object", "sev-guest,id=s,cbitpos=0x100000000"), "-object",
			   "Parameter 'cbitpos' expects uint32_t");
	assert_error_names(P(&cfg, "-object", "sev-guest,id=s,reduced-phys-bits=-1"), "-object",
			   "Parameter 'reduced-phys-bits' expects uint32_t");
	assert_error_names(P(&cfg, "-object", "sev-guest,id=s,foo=1"), "-object",
			   "Property 'foo' not found");
	assert_error_names(P(&cfg, "-object", "sev-guest,id=s,policy"), "-object",
			   "'policy' is not KEY=VALUE");
	assert_error_names(P(&cfg, "-object", "qom-type=sev-guest,qom-type=sev-snp-guest,id=s"),
			   "-object", "unsupported type 'sev-snp-guest'");
}

static void test_sev_parse_object_direct(void **state)
{
	(void)state;
	struct sev_config s;
	char e[256];
	assert_int_equal(sev_parse_object("id=x,policy=0x45,reduced-phys-bits=5", &s, e, sizeof(e)),
			 0);
	assert_true(s.defined);
	assert_int_equal(s.policy, 0x45);
	assert_int_equal(s.reduced_phys_bits, 5);
	assert_int_equal(sev_parse_object("policy=1", &s, e, sizeof(e)), -1);
	assert_string_equal(e, "-object sev-guest: Parameter 'id' is missing");
	assert_false(s.defined);
	assert_int_equal(sev_parse_object("id=x,policy=4294967295", &s, e, sizeof(e)), 0);
	assert_int_equal(s.policy, 0xffffffffu);
	assert_int_equal(sev_parse_object("id=x,policy=", &s, e, sizeof(e)), -1);
	assert_string_equal(e, "-object sev-guest: Parameter 'policy' expects uint32_t");
}

static int conf_teardown(void **state)
{
	static struct vmm_config none;
	char e[64];
	config_defaults(&none);
	confidential_init(&none, e, sizeof(e));
	return case_teardown(state);
}

static void test_confidential_init(void **state)
{
	(void)state;
	char e[256];

	/* no -machine confidential-guest-support: nothing in force */
	assert_int_equal(P(&cfg, "-object", "sev-guest,id=sev0,reduced-phys-bits=1,policy=4"),
			 OPTIONS_RUN);
	assert_int_equal(confidential_init(&cfg, e, sizeof(e)), 0);
	assert_false(sev_enabled());
	assert_false(sev_es_enabled());
	assert_true(cpus_are_resettable());

	/* the machine names an object that does not exist */
	assert_int_equal(P(&cfg, "-machine", "pc,confidential-guest-support=sev0"), OPTIONS_RUN);
	assert_int_equal(confidential_init(&cfg, e, sizeof(e)), -1);
	assert_string_equal(e, "-machine confidential-guest-support=sev0: object 'sev0' not found");
	assert_false(sev_enabled());

	/* ... or one with another id */
	assert_int_equal(P(&cfg, "-object", "sev-guest,id=other,reduced-phys-bits=1", "-machine",
			   "pc,confidential-guest-support=sev0"),
			 OPTIONS_RUN);
	assert_int_equal(confidential_init(&cfg, e, sizeof(e)), -1);
	assert_string_equal(e, "-machine confidential-guest-support=sev0: object 'sev0' not found");

	/* reduced-phys-bits must be >= 1 (QEMU's sev_kvm_init message) */
	assert_int_equal(P(&cfg, "-object", "sev-guest,id=sev0,cbitpos=51,policy=5", "-machine",
			   "pc,confidential-guest-support=sev0"),
			 OPTIONS_RUN);
	assert_int_equal(confidential_init(&cfg, e, sizeof(e)), -1);
	assert_string_equal(
		e, "sev_kvm_init: reduced_phys_bits check failed, it should be >=1, requested '0'");
	assert_false(sev_enabled());

	/* SEV without ES: resettable */
	assert_int_equal(P(&cfg, "-object", "sev-guest,id=sev0,reduced-phys-bits=1,policy=0x1",
			   "-machine", "pc,memory-encryption=sev0"),
			 OPTIONS_RUN);
	assert_int_equal(confidential_init(&cfg, e, sizeof(e)), 0);
	assert_true(sev_enabled());
	assert_false(sev_es_enabled());
	assert_true(cpus_are_resettable());

	/* SEV-ES (policy bit 0x4): cpus are not resettable (§3.7, §4.3) */
	assert_int_equal(P(&cfg, "-object", "sev-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=5",
			   "-machine", "pc,confidential-guest-support=sev0"),
			 OPTIONS_RUN);
	assert_int_equal(confidential_init(&cfg, e, sizeof(e)), 0);
	assert_true(sev_enabled());
	assert_true(sev_es_enabled());
	assert_false(cpus_are_resettable());

	/* a later init without the machine property turns it off again */
	struct vmm_config plain;
	config_defaults(&plain);
	assert_int_equal(confidential_init(&plain, e, sizeof(e)), 0);
	assert_false(sev_enabled());
	assert_true(cpus_are_resettable());
}

static void test_sev_policy_describe(void **state)
{
	(void)state;
	static const struct {
		uint32_t policy;
		const char *text;
	} cases[] = {
		{ 0, "none" },
		{ 0x1, "NODBG" },
		{ 0x2, "NOKS" },
		{ 0x4, "ES" },
		{ 0x5, "NODBG|ES" },
		{ 0x8, "NOSEND" },
		{ 0x10, "DOMAIN" },
		{ 0x20, "SEV" },
		{ 0x3f, "NODBG|NOKS|ES|NOSEND|DOMAIN|SEV" },
		{ 0x45, "NODBG|ES|bit6" }, /* downstream CSV3 bit, not upstream */
		{ 0x80000000u, "bit31" },
	};
	char buf[128];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		sev_policy_describe(cases[i].policy, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
	/* a short buffer is never overrun and stays a string */
	char small[8];
	memset(small, 'x', sizeof(small));
	sev_policy_describe(0x3f, small, 6);
	assert_true(strlen(small) < 6);
	assert_int_equal(small[6], 'x');
	assert_int_equal(strncmp(small, "NODBG", strlen(small)), 0);
}

/* ---- -device ---- */

static void test_device(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-device", "isa-debug-exit"), OPTIONS_RUN);
	assert_true(cfg.debug_exit);
	assert_int_equal(cfg.debug_exit_iobase, 0x501);
	assert_int_equal(cfg.debug_exit_iosize, 2);
	assert_int_equal(P(&cfg, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"), OPTIONS_RUN);
	assert_true(cfg.debug_exit);
	assert_int_equal(cfg.debug_exit_iobase, 0xf4);
	assert_int_equal(cfg.debug_exit_iosize, 4);
	assert_int_equal(P(&cfg, "-device", "isa-debug-exit,iosize=1,iobase=65535"), OPTIONS_RUN);
	assert_int_equal(cfg.debug_exit_iobase, 0xffff);
	assert_int_equal(cfg.debug_exit_iosize, 1);

	assert_int_equal(P(&cfg, "-device", "loader,file=/tmp/flat.bin,addr=0x10000"), OPTIONS_RUN);
	assert_string_equal(cfg.loader_file, "/tmp/flat.bin");
	assert_int_equal(cfg.loader_addr, 0x10000);
	assert_int_equal(P(&cfg, "-device", "loader,addr=4096,file=f.bin,cpu-num=0"), OPTIONS_RUN);
	assert_string_equal(cfg.loader_file, "f.bin");
	assert_int_equal(cfg.loader_addr, 4096);

	assert_error_names(P(&cfg, "-device", "isa-debug-exit,iosize=0"), "-device",
			   "isa-debug-exit: bad property 'iosize=0'");
	assert_error_names(P(&cfg, "-device", "isa-debug-exit,iosize=5"), "-device",
			   "bad property 'iosize=5'");
	assert_error_names(P(&cfg, "-device", "isa-debug-exit,iobase=0x10000"), "-device",
			   "bad property 'iobase=0x10000'");
	assert_error_names(P(&cfg, "-device", "isa-debug-exit,iobase=zz"), "-device",
			   "bad property 'iobase=zz'");
	assert_error_names(P(&cfg, "-device", "isa-debug-exit,irq=5"), "-device",
			   "bad property 'irq=5'");
	assert_error_names(P(&cfg, "-device", "loader,addr=0x1000"), "-device",
			   "loader: 'file' is required");
	assert_error_names(P(&cfg, "-device", "loader,file=f,addr=zz"), "-device",
			   "loader: bad addr 'zz'");
	assert_error_names(P(&cfg, "-device", "loader,file=f,data=1"), "-device",
			   "loader: Property 'data' not found");
	assert_error_names(P(&cfg, "-device", "virtio-net-pci,netdev=n0"), "-device",
			   "'virtio-net-pci' is not a valid device model name");
	assert_error_names(P(&cfg, "-device", "isa-debug-exitx"), "-device",
			   "'isa-debug-exitx' is not a valid device model name");
}

/* ---- -fault, -trace ---- */

static void test_fault_option(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-fault", "ioctl=KVM_RUN,errno=EINTR,after=3,count=0,fd=vcpu,cpu=1"),
			 OPTIONS_RUN);
	assert_error_names(P(&cfg, "-fault", "ioctl=KVM_NOPE,errno=EINVAL"), "-fault",
			   "unknown ioctl 'KVM_NOPE'");
	assert_error_names(P(&cfg, "-fault", "ioctl=KVM_RUN"), "-fault",
			   "both ioctl=NAME and errno=ERRNO are required");
	assert_error_names(P(&cfg, "-fault", "ioctl=KVM_RUN,errno=EINVAL,fd=host"), "-fault",
			   "fd=host: expected system, vm, vcpu or device");
}

static void test_trace_option(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-trace", "runstate_set"), OPTIONS_RUN);
	assert_true(trace_log_enabled[PROBE_runstate_set]);
	assert_int_equal(P(&cfg, "-trace", "enable=kvm_run_exit", "-trace", "qapi_event"),
			 OPTIONS_RUN);
	assert_true(trace_log_enabled[PROBE_kvm_run_exit]);
	assert_true(trace_log_enabled[PROBE_qapi_event]);

	assert_error_names(P(&cfg, "-trace", "format=xml"), "-trace",
			   "format=xml: expected 'bracketed' or 'upstream'");
	assert_error_names(P(&cfg, "-trace", "foo=bar"), "-trace", "invalid parameter 'foo'");
	assert_error_names(P(&cfg, "-trace", "events=/nonexistent/ev"), "-trace",
			   "events=/nonexistent/ev");
	assert_int_equal(P(&cfg, "-trace", "nope"), OPTIONS_ERROR);
	assert_non_null(strstr(err, "trace event 'nope' does not exist"));

	char out[8192];
	stdout_start();
	enum options_result r = P(&cfg, "-trace", "help");
	stdout_end(out, sizeof(out));
	assert_int_equal(r, OPTIONS_EXIT_OK);
	assert_true(cfg.list_trace_events);
	assert_non_null(strstr(out, "runstate_set\n"));
	assert_non_null(strstr(out, "qapi_event\n"));
}

/* options.c promises "Every error names the option it is about". */
static void test_trace_unknown_event_names_option(void **state)
{
	(void)state;
	assert_error_names(P(&cfg, "-trace", "nope"), "-trace",
			   "trace event 'nope' does not exist");
}

/* ---- the rest ---- */

static void test_misc_options(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-name", "guest1", "-pidfile", "/run/vmm.pid", "-D", "/tmp/t.log",
			   "-msg", "timestamp=on"),
			 OPTIONS_RUN);
	assert_string_equal(cfg.name, "guest1");
	assert_string_equal(cfg.pidfile, "/run/vmm.pid");
	assert_string_equal(cfg.logfile, "/tmp/t.log");
	assert_true(cfg.msg_timestamp);
	assert_int_equal(P(&cfg, "-name", "guest=vm7,debug-threads=on"), OPTIONS_RUN);
	assert_string_equal(cfg.name, "vm7,debug-threads=on");
	assert_int_equal(P(&cfg, "-msg", "timestamp=on", "-msg", "timestamp=off"), OPTIONS_RUN);
	assert_false(cfg.msg_timestamp);
	assert_error_names(P(&cfg, "-msg", "timestamp=maybe"), "-msg",
			   "Invalid parameter 'timestamp=maybe'");
}

static void test_command_line_errors(void **state)
{
	(void)state;
	assert_int_equal(P(&cfg, "-foo"), OPTIONS_ERROR);
	assert_string_equal(err, "-foo: invalid option");
	assert_int_equal(P(&cfg, "--no-such"), OPTIONS_ERROR);
	assert_string_equal(err, "--no-such: invalid option");
	assert_int_equal(P(&cfg, "disk.img"), OPTIONS_ERROR);
	assert_string_equal(err, "disk.img: unexpected argument (options start with '-')");
	assert_error_names(P(&cfg, "-kernel"), "-kernel", "requires an argument");
	assert_error_names(P(&cfg, "-smp", "2", "-serial"), "-serial", "requires an argument");
	/* an error stops at the bad option: what follows is not applied */
	assert_int_equal(P(&cfg, "-m", "bad", "-smp", "4"), OPTIONS_ERROR);
	assert_int_equal(cfg.smp, 1);
}

static void test_help_and_version(void **state)
{
	(void)state;
	static const char *const help[] = { "--help", "-help", "-h", "--h" };
	char out[8192];
	for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++) {
		stdout_start();
		enum options_result r = P(&cfg, help[i]);
		stdout_end(out, sizeof(out));
		assert_int_equal(r, OPTIONS_EXIT_OK);
		assert_int_equal(strncmp(out, "usage: kvmscope-vmm [options]\n", 30), 0);
		assert_non_null(strstr(out, "(default 128M)"));
		assert_non_null(strstr(out, "1..8"));
	}
	stdout_start();
	enum options_result r = P(&cfg, "--version");
	stdout_end(out, sizeof(out));
	assert_int_equal(r, OPTIONS_EXIT_OK);
	assert_int_equal(strncmp(out, "kvmscope-vmm version " KVMSCOPE_VERSION " ",
				 22 + strlen(KVMSCOPE_VERSION)),
			 0);
	/* --help stops parsing: a bad option after it is not looked at */
	stdout_start();
	r = P(&cfg, "--help", "-bogus");
	stdout_end(out, sizeof(out));
	assert_int_equal(r, OPTIONS_EXIT_OK);
}

/* Every option --help lists is one options_parse() knows. */
static void test_every_option_in_help_is_known(void **state)
{
	(void)state;
	char out[8192], opt[64];
	int n = 0;
	stdout_start();
	P(&cfg, "--help");
	stdout_end(out, sizeof(out));

	for (const char *p = out; *p; p++) {
		if (*p != '-' || (p != out && !strchr(" \t\n(", p[-1])))
			continue;
		size_t len = strspn(p, "-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
		if (len < 2 || len >= sizeof(opt) || p[1] == ' ')
			continue;
		memcpy(opt, p, len);
		opt[len] = '\0';
		while (len > 1 && opt[len - 1] == '-') /* "=-" style leftovers */
			opt[--len] = '\0';
		p += len - 1;
		stdout_start();
		P(&cfg, opt);
		char junk[8192];
		stdout_end(junk, sizeof(junk));
		if (strstr(err, "invalid option"))
			fail_msg("--help lists %s but options_parse() rejects it: %s", opt, err);
		n++;
	}
	/* -kernel -initrd -append -device -m -smp -cpu -machine -M -object
	 * -serial -S -no-reboot -no-shutdown -action -trace -D -msg -fault
	 * -name -pidfile --help --version -enable-kvm -accel -nographic
	 * -display -nodefaults -no-user-config -vga -monitor (some twice) */
	assert_true(n >= 31);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, case_teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_guest_files),
		T(test_memory_sizes),
		T(test_memory_bad),
		T(test_memory_nan),
		T(test_parse_size_mib),
		T(test_smp),
		T(test_serial_option),
		T(test_chardev_parse_forms),
		T(test_chardev_parse_errors),
		T(test_chardev_parse_empty_unix_path),
		T(test_no_reboot_no_shutdown),
		T(test_action_values),
		T(test_action_errors),
		T(test_start_paused),
		T(test_cpu),
		T(test_machine),
		T(test_accel_and_ignored),
		T(test_object_sev_guest),
		T(test_sev_parse_object_direct),
		cmocka_unit_test_teardown(test_confidential_init, conf_teardown),
		T(test_sev_policy_describe),
		T(test_device),
		T(test_fault_option),
		T(test_trace_option),
		T(test_trace_unknown_event_names_option),
		T(test_misc_options),
		T(test_command_line_errors),
		T(test_help_and_version),
		T(test_every_option_in_help_is_known),
	};
	return tap_run_group("options", tests, NULL, NULL);
}
