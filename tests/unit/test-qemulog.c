/* Unit tests of the log reader (tools/analyze/logs/qemulog.c): every supported line shape
 * becomes the right normalized event, times are read and the local zone of
 * bracketed trace lines is inferred, libvirt's one-argument-per-line command
 * is joined, and bad input (truncated JSON, binary bytes, huge lines, empty
 * input) stays text without a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/logs/qemulog.h"

#include "tap-skip.h"

static struct qlog_event ev;

static const struct qlog_event *parse(const char *line)
{
	qlog_event_clear(&ev);
	qlog_parse_line(line, strlen(line), "t.log", 1, &ev);
	return &ev;
}

static int teardown(void **state)
{
	(void)state;
	qlog_event_clear(&ev);
	return 0;
}

#define assert_field(e, key, value) assert_string_equal(qlog_get((e), (key)) ?: "(none)", (value))

/* expect_line(LINE, KIND, "key", "value", ..., NULL): LINE is read as KIND
 * with those fields (a NULL value: the field is absent). Returns the event
 * for any further checks. One call per line keeps the cases below a list,
 * and a failure names its line. */
static const struct qlog_event *expect_line(const char *line, enum qlog_kind kind, ...)
	__attribute__((sentinel));
static const struct qlog_event *expect_line(const char *line, enum qlog_kind kind, ...)
{
	const struct qlog_event *e = parse(line);
	char why[512] = "";
	const char *key;
	va_list ap;

	if (e->kind != kind)
		fail_msg("'%s': kind %d, want %d", line, e->kind, kind);
	va_start(ap, kind);
	while (!why[0] && (key = va_arg(ap, const char *))) {
		const char *want = va_arg(ap, const char *), *got = qlog_get(e, key);
		if (want ? !got || strcmp(got, want) : got != NULL)
			snprintf(why, sizeof(why), "'%s': %s is %s, want %s", line, key,
				 got ?: "(none)", want ?: "(none)");
	}
	va_end(ap);
	if (why[0])
		fail_msg("%s", why);
	return e;
}

static void bracketed_trace_line(void **state)
{
	(void)state;
	const struct qlog_event *e =
		expect_line("124213@[2025-09-22 17:39:29.644800] runstate_set current_run_state 9 "
			    "(running) new_state 11 (shutdown)",
			    QLOG_RUNSTATE, "from", "running", "to", "shutdown", "to_index", "11",
			    NULL);
	assert_int_equal(e->source, QLOG_SRC_TRACE);
	assert_int_equal(e->tid, 124213);
	assert_int_equal(e->clock, QLOG_CLOCK_LOCAL);
	assert_string_equal(e->name, "runstate_set");
	char ts[64];
	qlog_format_time(e, ts, sizeof(ts));
	assert_string_equal(ts, "2025-09-22T17:39:29.644800 (local)");
}

static void upstream_trace_line(void **state)
{
	(void)state;
	const struct qlog_event *e =
		expect_line("4182@1760422467.902209:runstate_set current_run_state 9 (running) "
			    "new_state 11 (shutdown)",
			    QLOG_RUNSTATE, NULL);
	assert_int_equal(e->clock, QLOG_CLOCK_UTC);
	assert_int_equal(e->ts_us, 1760422467902209LL);
	/* six microsecond digits are required */
	assert_int_equal(parse("4182@1760422467.9022:runstate_set x")->kind, QLOG_TEXT);
}

static void iso_trace_line(void **state)
{
	(void)state;
	const struct qlog_event *e =
		expect_line("2025-09-22T09:39:29.644800Z vm_state_notify running 0 reason 11 "
			    "(shutdown)",
			    QLOG_VM_STATE_NOTIFY, "reason_name", "shutdown", NULL);
	assert_int_equal(e->clock, QLOG_CLOCK_UTC);
}

static void glued_trace_name(void **state)
{
	(void)state;
	/* seed 003: a downstream printed no space after the name */
	expect_line("1397470@[2025-12-13 11:26:26.712406] runstate_setcurrent_run_state 16 "
		    "(preconfig) new_state 6 (prelaunch)",
		    QLOG_RUNSTATE, "from", "preconfig", "from_index", "16", NULL);
	const struct qlog_event *e = parse("1397470@[2025-12-13 11:26:26.720249] "
					   "memory_region_add_subregion_commonname is system, "
					   "subregion name is virt.flash0");
	assert_string_equal(e->name, "memory_region_add_subregion_common");
	assert_field(e, "args", "name is system, subregion name is virt.flash0");
}

static void downstream_main_loop_and_commands(void **state)
{
	(void)state;
	expect_line("118548@[2025-09-22 17:37:42.867864] main_loop_should_exit_quit guest system "
		    "shutdown reason:4,(vmm shutdown) vmm will exit too",
		    QLOG_MAIN_LOOP_EXIT, "reason_name", "host-signal", "action", "quit", NULL);
	expect_line("118548@[2025-09-22 17:37:32.859708] qmp_dispatch qmp_cmd_name: "
		    "system_powerdown, arguments: {}",
		    QLOG_QMP_COMMAND, "command", "system_powerdown", NULL);
	expect_line("118548@[2025-09-22 17:37:22.845679] virtio_console_qga_chr_read qga cmd: "
		    "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":\"powerdown\"}}",
		    QLOG_AGENT_COMMAND, "command", "guest-shutdown", "mode", "powerdown", NULL);
	expect_line("14659@[2026-11-22 04:38:44.493513] handle_qmp_command mon 0x5647cde02cc0 req: "
		    "{\"execute\":\"system_powerdown\"}",
		    QLOG_QMP_COMMAND, "command", "system_powerdown", NULL);
}

static void vmm_probe_lines(void **state)
{
	(void)state;
	expect_line("15018@[2026-11-22 04:38:46.736382] qemu_system_reset_request reason=7 "
		    "(guest-reset) resettable=0 action=shutdown (cpus not resettable)",
		    QLOG_RESET_REQUEST, "reason_name", "guest-reset", "resettable", "false",
		    "action", "shutdown (cpus not resettable)", NULL);
	expect_line("12345@[2026-11-22 03:15:44.501951] kvm_ioctl_exit vcpu cpu_index 0, type "
		    "0x4008ae90 (KVM_SET_CPUID2), arg 0x55d0aa, ret -1, errno 22 (EINVAL)",
		    QLOG_KVM_IOCTL_EXIT, "ioctl", "KVM_SET_CPUID2", "fd_kind", "vcpu", "ret", "-1",
		    "errname", "EINVAL", "type", "0x4008ae90", NULL);
	expect_line("12345@[2026-11-22 03:15:44.501900] kvm_fault_inject KVM_SET_DEVICE_ATTR type "
		    "0x4018aee1 errno 22 (EINVAL) hit 1",
		    QLOG_KVM_FAULT_INJECT, "ioctl", "KVM_SET_DEVICE_ATTR", "errno", "22", NULL);
	expect_line("9@[2026-11-22 03:15:44.501951] qapi_event event SHUTDOWN data "
		    "{\"guest\": true, \"reason\": \"guest-reset\"}",
		    QLOG_QMP_EVENT, "event", "SHUTDOWN", "reason", "guest-reset", "guest", "true",
		    NULL);
	expect_line("9@[2026-11-22 03:15:44.501951] qemu_system_killed signal 15 pid 1234",
		    QLOG_SIGNAL, "pid", "1234", NULL);
}

static void qmp_lines(void **state)
{
	(void)state;
	const struct qlog_event *e =
		expect_line("{\"timestamp\": {\"seconds\": 1758533969, \"microseconds\": 644745}, "
			    "\"event\": \"SHUTDOWN\", "
			    "\"data\": {\"guest\": true, \"reason\": \"guest-reset\"}}",
			    QLOG_QMP_EVENT, "reason", "guest-reset", NULL);
	assert_int_equal(e->source, QLOG_SRC_QMP);
	assert_int_equal(e->ts_us, 1758533969644745LL);
	expect_line("{\"execute\": \"system_reset\", \"id\": 3}", QLOG_QMP_COMMAND, "command",
		    "system_reset", NULL);
	assert_int_equal(parse("{\"return\": {}}")->kind, QLOG_QMP_REPLY);
	/* -1 timestamps: no time */
	e = expect_line("{\"timestamp\": {\"seconds\": -1, \"microseconds\": -1}, "
			"\"event\": \"STOP\"}",
			QLOG_QMP_EVENT, NULL);
	assert_int_equal(e->clock, QLOG_CLOCK_NONE);
	/* truncated JSON is text */
	assert_int_equal(parse("{\"timestamp\": {\"seconds\": 17585339")->kind, QLOG_TEXT);
}

static void stderr_lines(void **state)
{
	(void)state;
	const struct qlog_event *e =
		expect_line("2025-09-22T09:39:29.644657Z qemu-system-x86_64: cpus are not "
			    "resettable, terminating",
			    QLOG_NOT_RESETTABLE, "program", "qemu-system-x86_64", NULL);
	assert_int_equal(e->ts_us, 1758533969644657LL);
	expect_line("2025-09-22T09:37:42.867769Z qemu-system-x86_64: terminating on signal 15 from "
		    "pid 14261 (/usr/sbin/libvirtd)",
		    QLOG_SIGNAL, "signal", "15", "pid", "14261", "sender", "/usr/sbin/libvirtd",
		    NULL);
	expect_line("kvmscope-vmm: terminating on signal 2", QLOG_SIGNAL, "pid", NULL, NULL);
	expect_line("qemu-kvm: invalid runstate transition: 'paused' -> 'shutdown'",
		    QLOG_INVALID_TRANSITION, "from", "paused", "to", "shutdown", NULL);
	expect_line("qemu-kvm: PMU: KVM_SET_DEVICE_ATTR: Invalid argument", QLOG_PMU_ATTR_ERROR,
		    "ioctl", "KVM_SET_DEVICE_ATTR", "errname", "EINVAL", NULL);
	e = parse("qemu-kvm: PMU: KVM_HAS_DEVICE_ATTR: No such device or address");
	assert_field(e, "ioctl", "KVM_HAS_DEVICE_ATTR");
	assert_field(e, "errname", "ENXIO");
	expect_line("qemu-kvm: failed to set irq for PMU", QLOG_PMU_STEP_FAILED, "attr",
		    "KVM_ARM_VCPU_PMU_V3_IRQ", NULL);
	assert_field(parse("qemu-system-aarch64: failed to init PMU"), "attr",
		     "KVM_ARM_VCPU_PMU_V3_INIT");
	expect_line("kvm_set_irq: No such device or address", QLOG_PERROR, "function",
		    "kvm_set_irq", "errno", "6", NULL);
	assert_int_equal(parse("Aborted")->kind, QLOG_ABORT);
	assert_int_equal(parse("Aborted (core dumped)")->kind, QLOG_ABORT);
	expect_line("kvmscope-vmm: -cpu host,pmu=on: the host KVM offers no vPMU "
		    "(CPUID 0xA version 0, KVM_CAP_PMU_CAPABILITY 0)",
		    QLOG_NO_VPMU, NULL);
	assert_int_equal(parse("qemu-kvm: warning: something else")->kind, QLOG_MESSAGE);
}

static void libvirt_lines(void **state)
{
	(void)state;
	const struct qlog_event *e =
		expect_line("2025-09-22 09:37:44.175+0000: starting up libvirt version: 8.5.0, "
			    "package: 26.ef8fbbe.24.03LTS (Unknown, 2025-06-30), "
			    "qemu version: 6.2.0qemu-6.2.0.121, "
			    "kernel: 6.6.0-jdcloud7.sp1.131d3847b.x86_64, "
			    "hostname: 11-244-8-3.jdstack.local",
			    QLOG_LIBVIRT_START, "kernel", "6.6.0-jdcloud7.sp1.131d3847b.x86_64",
			    "qemu", "6.2.0qemu-6.2.0.121", "hostname", "11-244-8-3.jdstack.local",
			    NULL);
	assert_int_equal(e->ts_us, 1758533864175000LL);
	expect_line("2025-09-22 09:37:43.068+0000: shutting down, reason=destroyed",
		    QLOG_LIBVIRT_STOP, "reason", "destroyed", NULL);
	expect_line("2026-11-22 04:38:42.493+0000: kvmscope-domain: agent: sent "
		    "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":\"powerdown\"}}",
		    QLOG_AGENT_COMMAND, NULL);
	expect_line("2026-11-22 04:38:44.493+0000: kvmscope-domain: qmp: sent {\"execute\": "
		    "\"system_powerdown\"}",
		    QLOG_QMP_COMMAND, NULL);
}

static void command_lines_and_policy(void **state)
{
	(void)state;
	const struct qlog_event *e =
		expect_line("[root@43-66-4-72 11:26:26 qemu]# qemu-kvm -cpu host,pmu=off "
			    "-smp 2 -m 1G  -machine virt 2>&1|tail -10",
			    QLOG_COMMAND_LINE, "cpu", "host,pmu=off", "machine", "virt", NULL);
	assert_int_equal(e->source, QLOG_SRC_SHELL);
	expect_line("/usr/bin/kvmscope-vmm -object sev-guest,id=lsec0,cbitpos=51,"
		    "reduced-phys-bits=1,policy=0x5 -machine pc,confidential-guest-support=lsec0",
		    QLOG_COMMAND_LINE, "sev_policy", "0x5", NULL);
	expect_line("-object {\"qom-type\":\"sev-guest\",\"id\":\"lsec0\",\"cbitpos\":51,"
		    "\"reduced-phys-bits\":1,\"policy\":5}",
		    QLOG_SEV_POLICY, "policy", "0x5", NULL);
	expect_line("    <policy>0x0045</policy>", QLOG_SEV_POLICY, "policy", "0x45", NULL);
	/* a program name followed by ':' is a message, not a command */
	assert_int_equal(parse("qemu-kvm: failed to init PMU")->kind, QLOG_PMU_STEP_FAILED);
}

static void function_graph_lines(void **state)
{
	(void)state;
	expect_line(" 230)   2.770 us    |  kvm_arm_pmu_v3_set_attr();", QLOG_FUNCTION_GRAPH,
		    "function", "kvm_arm_pmu_v3_set_attr", "duration_ns", "2770", "cpu", "230",
		    NULL);
	expect_line("   1) + 12.345 us   |  } /* kvm_vcpu_ioctl */", QLOG_FUNCTION_GRAPH,
		    "function", "kvm_vcpu_ioctl", "duration_ns", "12345", NULL);
	assert_int_equal(parse(" 230) qemu-kv-712267 => qemu-kv-712819")->kind, QLOG_TEXT);
	assert_int_equal(parse("# tracer: function_graph")->kind, QLOG_TEXT);
}

static void bad_input_stays_text(void **state)
{
	(void)state;
	static const char binary[] = "\x01\x02\xff\xfe runstate_set \x80\x81";
	qlog_event_clear(&ev);
	qlog_parse_line(binary, sizeof(binary) - 1, "t.log", 1, &ev);
	assert_int_equal(ev.kind, QLOG_TEXT);
	assert_string_equal(ev.text, "\\x01\\x02\\xff\\xfe runstate_set \\x80\\x81");
	/* valid UTF-8 is kept */
	assert_string_equal(parse("发生顺序 ok")->text, "发生顺序 ok");
	assert_int_equal(parse("")->kind, QLOG_TEXT);
	assert_int_equal(parse("12@[2025-13-22 17:39:29.644800] runstate_set x")->kind, QLOG_TEXT);
	assert_int_equal(parse("12@[2025-09-22 17:39:29.6448")->kind, QLOG_TEXT);
	assert_int_equal(parse("124213@[2025-09-22 17:39:29.644800] runstate_set current_run_state "
			       "9 (running) new_state")->kind,
			 QLOG_TRACE); /* a known point with cut arguments: kept, not interpreted */
	/* a line longer than the reader keeps is cut and marked */
	size_t n = (2u << 20) + 10;
	char *huge = malloc(n);
	assert_non_null(huge);
	memset(huge, 'a', n);
	qlog_event_clear(&ev);
	qlog_parse_line(huge, n, "t.log", 1, &ev);
	assert_int_equal(strlen(ev.text), 1u << 20);
	assert_field(&ev, "truncated", "true");
	free(huge);
}

static void stream_infers_local_zone(void **state)
{
	(void)state;
	static const char log[] =
		"118548@[2025-09-22 17:37:32.859772] qemu_system_powerdown_request\n"
		"{\"timestamp\": {\"seconds\": 1758533852, \"microseconds\": 859801}, \"event\": "
		"\"POWERDOWN\"}\r\n"
		"no newline at the end";
	struct qlog_stream s;
	qlog_stream_init(&s);
	qlog_read_buffer(&s, "a.log", log, sizeof(log) - 1);
	qlog_stream_finish(&s);
	assert_int_equal(s.n, 3);
	assert_true(s.local_offset_known);
	assert_int_equal(s.local_offset_s, 8 * 3600);
	assert_int_equal(s.ev[0].clock, QLOG_CLOCK_UTC);
	assert_int_equal(s.ev[0].ts_us, 1758533852859772LL);
	assert_int_equal(s.ev[2].line, 3);
	assert_string_equal(s.ev[2].text, "no newline at the end");
	assert_int_equal(s.lines_recognized, 2);
	qlog_stream_free(&s);
}

static void stream_joins_libvirt_command(void **state)
{
	(void)state;
	static const char log[] = "LC_ALL=C \\\n"
				  "/usr/bin/qemu-system-x86_64 \\\n"
				  "-name guest=g \\\n"
				  "-machine pc-q35-7.2,confidential-guest-support=lsec0 \\\n"
				  "-cpu EPYC-Milan \\\n"
				  "-object '{\"qom-type\":\"sev-guest\",\"id\":\"lsec0\",\"policy\":7}' \\\n"
				  "-msg timestamp=on\n"
				  "char device redirected to /dev/pts/3 (label charserial0)\n";
	struct qlog_stream s;
	qlog_stream_init(&s);
	qlog_read_buffer(&s, "b.log", log, sizeof(log) - 1);
	qlog_stream_finish(&s);
	assert_int_equal(s.ev[1].kind, QLOG_COMMAND_LINE);
	assert_field(&s.ev[1], "cpu", "EPYC-Milan");
	assert_field(&s.ev[1], "machine", "pc-q35-7.2,confidential-guest-support=lsec0");
	assert_field(&s.ev[1], "sev_policy", "0x7");
	assert_int_equal(s.ev[5].kind, QLOG_SEV_POLICY);
	qlog_stream_free(&s);
}

static void pmu_shapes_of_this_vmm(void **state)
{
	(void)state;
	expect_line("9@[2026-11-22 05:00:00.000120] arm_pmu_attr cpu_index 1, KVM_SET_DEVICE_ATTR "
		    "group 0 attr IRQ ret -1 errno 22",
		    QLOG_PMU_ATTR_ERROR, "attr", "KVM_ARM_VCPU_PMU_V3_IRQ", "errname", "EINVAL",
		    "cpu_index", "1", NULL);
	/* a call that worked */
	expect_line("9@[2026-11-22 05:00:00.000120] arm_pmu_attr cpu_index 0, KVM_HAS_DEVICE_ATTR "
		    "group 0 attr INIT ret 0 errno 0",
		    QLOG_TRACE, NULL);
	expect_line("2026-11-22T04:49:28.996709Z kvmscope-vmm: -cpu host,pmu-filter: "
		    "KVM_SET_PMU_EVENT_FILTER (deny, 1 events): Invalid argument",
		    QLOG_PMU_ATTR_ERROR, "ioctl", "KVM_SET_PMU_EVENT_FILTER", "errname", "EINVAL",
		    NULL);
	expect_line("2026-11-22T04:50:05.537183Z kvmscope-vmm: warning: sev-guest 'sev0': "
		    "policy 0x5 (NODBG|ES) drives run-state decisions only; "
		    "guest memory is NOT encrypted",
		    QLOG_MESSAGE, "sev_policy", "0x5", NULL);
}

static void stream_merges_utc_inputs(void **state)
{
	(void)state;
	static const char a[] = "2026-11-22T04:47:09.000002Z kvmscope-vmm: b-second\n"
				"untimed line after b-second\n"
				"2026-11-22T04:47:09.000004Z kvmscope-vmm: b-fourth\n";
	static const char b[] = "2026-11-22 04:47:09.000+0000: shutting down, reason=first\n"
				"2026-11-22T04:47:09.000003Z kvmscope-vmm: a-third\n";
	struct qlog_stream s;
	qlog_stream_init(&s);
	qlog_read_buffer(&s, "a.log", a, sizeof(a) - 1);
	qlog_read_buffer(&s, "b.log", b, sizeof(b) - 1);
	qlog_stream_finish(&s);
	assert_true(s.merged);
	assert_int_equal(s.n, 5);
	assert_non_null(strstr(s.ev[0].text, "reason=first"));
	assert_non_null(strstr(s.ev[1].text, "b-second"));
	assert_non_null(strstr(s.ev[2].text, "untimed line after b-second"));
	assert_non_null(strstr(s.ev[3].text, "a-third"));
	assert_non_null(strstr(s.ev[4].text, "b-fourth"));
	qlog_stream_free(&s);
	/* a file without any time keeps the inputs apart */
	qlog_stream_init(&s);
	qlog_read_buffer(&s, "a.log", a, sizeof(a) - 1);
	qlog_read_buffer(&s, "c.log", "no time here\n", 13);
	qlog_stream_finish(&s);
	assert_false(s.merged);
	assert_string_equal(s.ev[3].text, "no time here");
	qlog_stream_free(&s);
}

static void read_file_errors(void **state)
{
	(void)state;
	struct qlog_stream s;
	char err[256] = "";
	qlog_stream_init(&s);
	assert_int_equal(qlog_read_file(&s, "/nonexistent/x.log", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.log"));
	assert_int_equal(qlog_read_file(&s, "/dev/null", err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(qlog_read_file(&s, FIXTURES "/seed-000-confidential-reboot.log", err,
					sizeof(err)),
			 0);
	assert_int_equal(s.n, 36);
	qlog_stream_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(bracketed_trace_line, teardown),
		cmocka_unit_test_teardown(upstream_trace_line, teardown),
		cmocka_unit_test_teardown(iso_trace_line, teardown),
		cmocka_unit_test_teardown(glued_trace_name, teardown),
		cmocka_unit_test_teardown(downstream_main_loop_and_commands, teardown),
		cmocka_unit_test_teardown(vmm_probe_lines, teardown),
		cmocka_unit_test_teardown(qmp_lines, teardown),
		cmocka_unit_test_teardown(stderr_lines, teardown),
		cmocka_unit_test_teardown(libvirt_lines, teardown),
		cmocka_unit_test_teardown(command_lines_and_policy, teardown),
		cmocka_unit_test_teardown(function_graph_lines, teardown),
		cmocka_unit_test_teardown(bad_input_stays_text, teardown),
		cmocka_unit_test(stream_infers_local_zone),
		cmocka_unit_test(stream_joins_libvirt_command),
		cmocka_unit_test_teardown(pmu_shapes_of_this_vmm, teardown),
		cmocka_unit_test(stream_merges_utc_inputs),
		cmocka_unit_test(read_file_errors),
	};
	tap_skip_filter_start();
	return tap_skip_filter_end(cmocka_run_group_tests(tests, NULL, NULL));
}
