/* Unit tests of the reader on the logs people have: QEMU's own words for KVM
 * in each version's wording (format strings from accel/kvm/kvm-all.c,
 * target/<arch>/kvm*.c, target/i386/sev.c, target/i386/kvm/tdx.c, QEMU 2.x to
 * 9.x), kernel lines (dmesg, journald), QEMU's words inside mail quotes, CI
 * prefixes, markdown, kubevirt JSON and libvirt errors, format=flowed soft
 * wraps, and "Word: text" lines that are not QEMU's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/logs/qemulog.h"

static struct qlog_event ev;

static int teardown(void **state)
{
	(void)state;
	qlog_event_clear(&ev);
	return 0;
}

/* expect(LINE, KIND, "key", "value", ..., NULL): LINE is read as KIND with
 * those fields (a NULL value: the field is absent) */
static const struct qlog_event *expect(const char *line, enum qlog_kind kind, ...)
	__attribute__((sentinel));
static const struct qlog_event *expect(const char *line, enum qlog_kind kind, ...)
{
	char why[640] = "";
	const char *key;
	va_list ap;

	qlog_event_clear(&ev);
	qlog_parse_line(line, strlen(line), "t.log", 1, &ev);
	if (ev.kind != kind)
		fail_msg("'%s': kind %s, want %s", line, qlog_kind_name(ev.kind), qlog_kind_name(kind));
	va_start(ap, kind);
	while (!why[0] && (key = va_arg(ap, const char *))) {
		const char *want = va_arg(ap, const char *), *got = qlog_get(&ev, key);
		if (want ? !got || strcmp(got, want) : got != NULL)
			snprintf(why, sizeof(why), "'%s': %s is %s, want %s", line, key,
				 got ?: "(none)", want ?: "(none)");
	}
	va_end(ap);
	if (why[0])
		fail_msg("%s", why);
	return &ev;
}

static void kvm_ioctl_families(void **state)
{
	(void)state;
	/* KVM_RUN: fprintf (2.x-6.x) and error_report (7.x+) */
	expect("error: kvm run failed Bad address", QLOG_KVM_ERROR, "ioctl", "KVM_RUN",
	       "errname", "EFAULT", NULL);
	expect("qemu-system-x86_64: error: kvm run failed Invalid argument", QLOG_KVM_ERROR, "ioctl",
	       "KVM_RUN", "errname", "EINVAL", "program", "qemu-system-x86_64", NULL);
	/* kvm_device_access() and its error_abort */
	expect("qemu-system-aarch64: KVM_SET_DEVICE_ATTR failed: Group 3 attr 0x0000000000000001: "
	       "Invalid argument", QLOG_KVM_ERROR, "ioctl", "KVM_SET_DEVICE_ATTR", "attr_group", "3",
	       "attr", "0x1", "errname", "EINVAL", NULL);
	expect("qemu-system-aarch64: KVM_GET_DEVICE_ATTR failed: Group 6 attr 0x000000000000c664: "
	       "Inappropriate ioctl for device", QLOG_KVM_ERROR, "ioctl", "KVM_GET_DEVICE_ATTR",
	       "errname", "ENOTTY", NULL);
	expect("Unexpected error in kvm_device_access() at ../accel/kvm/kvm-all.c:3475:", QLOG_ABORT,
	       "function", "kvm_device_access", NULL);
	/* the vCPU setup: QEMU >= 5 names the helper, <= 4 says kvm_init_vcpu */
	expect("qemu-system-aarch64: kvm_init_vcpu: kvm_arch_init_vcpu failed (1): Invalid argument",
	       QLOG_KVM_ERROR, "function", "kvm_arch_init_vcpu", "cpu_index", "1", "errname", "EINVAL",
	       "ioctl", NULL, NULL);
	expect("qemu-system-x86_64: kvm_init_vcpu: kvm_get_vcpu failed (3): Invalid argument",
	       QLOG_KVM_ERROR, "ioctl", "KVM_CREATE_VCPU", "cpu_index", "3", NULL);
	expect("kvm_init_vcpu failed: Invalid argument", QLOG_KVM_ERROR, "function", "kvm_init_vcpu",
	       "errname", "EINVAL", NULL);
	expect("ioctl(KVM_CREATE_VM) failed: 16 Device or resource busy", QLOG_KVM_ERROR, "ioctl",
	       "KVM_CREATE_VM", "errname", "EBUSY", NULL);
	expect("qemu-system-x86_64: failed to initialize kvm: Operation not permitted",
	       QLOG_KVM_INIT_FAILED, "errname", "EPERM", NULL);
	expect("qemu-kvm: failed to initialize KVM: Device or resource busy", QLOG_KVM_INIT_FAILED,
	       "errname", "EBUSY", NULL);
	expect("qemu-kvm: error: failed to set MSR 0x48e to 0xfff9fffe04006172", QLOG_KVM_ERROR,
	       "ioctl", "KVM_SET_MSRS", "msr", "0x48e", NULL);
	expect("qemu-system-x86_64: /build/qemu/target/i386/kvm.c:1809: kvm_put_msrs: Assertion "
	       "`ret == cpu->kvm_msr_buf->nmsrs' failed.", QLOG_KVM_ERROR, "ioctl", "KVM_SET_MSRS",
	       "function", "kvm_put_msrs", NULL);
	expect("qemu-system-x86_64: error: failed to get MSR 0x3a", QLOG_KVM_ERROR, "ioctl",
	       "KVM_GET_MSRS", "msr", "0x3a", NULL);
	expect("qemu-system-x86_64: ../target/i386/kvm/kvm.c:3245: kvm_buf_set_msrs: Assertion "
	       "`ret == msrs->nmsrs' failed.", QLOG_KVM_ERROR, "ioctl", "KVM_SET_MSRS", NULL);
	expect("qemu: Failed to put registers after init: Invalid argument", QLOG_KVM_ERROR,
	       "function", "kvm_arch_put_registers", "errname", "EINVAL", NULL);
	expect("qemu-system-x86_64: kvm_set_phys_mem: error registering slot: Invalid argument",
	       QLOG_KVM_ERROR, "ioctl", "KVM_SET_USER_MEMORY_REGION", NULL);
	/* perror() of an ioctl by name (other VMMs, test programs) */
	expect("KVM_SET_SREGS: Invalid argument", QLOG_KVM_ERROR, "ioctl", "KVM_SET_SREGS", NULL);
	/* a message of QEMU that is not about KVM stays a message */
	expect("qemu-system-x86_64: cannot set up guest memory 'pc.ram': Cannot allocate memory",
	       QLOG_MESSAGE, "ioctl", NULL, NULL);
}

static void kvm_exit_lines(void **state)
{
	(void)state;
	expect("KVM internal error. Suberror: 3", QLOG_KVM_INTERNAL_ERROR, "suberror", "3", NULL);
	expect("KVM internal error.", QLOG_KVM_INTERNAL_ERROR, "suberror", NULL, NULL);
	expect("kvmscope-vmm: KVM internal error. Suberror: 1", QLOG_KVM_INTERNAL_ERROR, "suberror",
	       "1", NULL);
	expect("extra data[1]: 0x0000000000000031", QLOG_KVM_EXTRA_DATA, "index", "1", "value", "0x31",
	       NULL);
	expect("extra data[0]: 80000306", QLOG_KVM_EXTRA_DATA, "value", "0x80000306", NULL);
	expect("emulation failure", QLOG_KVM_EMULATION_FAILURE, NULL);
	expect("KVM: entry failed, hardware error 0x80000021", QLOG_KVM_ENTRY_FAILED, "hardware_error",
	       "0x80000021", NULL);
	expect("RIP=00000000000b0000 RFL=00010803 [-O----C] CPL=0 II=0 A20=1 SMM=0 HLT=0",
	       QLOG_REGISTER_DUMP, "ip", "00000000000b0000", NULL);
	expect("EAX=00000023 EBX=00000002 ECX=00000000 EDX=00000600", QLOG_REGISTER_DUMP, "ip", NULL,
	       NULL);
	expect("ES =0030 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]", QLOG_REGISTER_DUMP,
	       NULL);
	expect("GDT=     00000000059e8950 0000002f", QLOG_REGISTER_DUMP, NULL);
	/* a "KEY=value" line that is not a register */
	expect("FOO=0000 bar", QLOG_TEXT, NULL);
}

static void confidential_steps(void **state)
{
	(void)state;
	expect("qemu-system-x86_64: sev_launch_start: LAUNCH_START ret=1 fw_error=21 'Feature not "
	       "supported'", QLOG_CONFIDENTIAL_ERROR, "tech", "SEV", "step", "LAUNCH_START", "ret", "1",
	       "fw_error", "21", "errname", NULL, NULL);
	expect("qemu-system-x86_64: sev_kvm_init: failed to initialize ret=-25 fw_error=0 ''",
	       QLOG_CONFIDENTIAL_ERROR, "step", "INIT", "errname", "ENOTTY", "fw_error", "0", NULL);
	expect("qemu-system-x86_64: sev_guest_init: failed to get platform status ret=-1fw_error='0: '",
	       QLOG_CONFIDENTIAL_ERROR, "step", "PLATFORM_STATUS", "errname", "EPERM", NULL);
	expect("qemu-system-x86_64: sev_snp_launch_start: SNP_LAUNCH_START ret=-22 fw_error=0 ''",
	       QLOG_CONFIDENTIAL_ERROR, "tech", "SNP", "step", "SNP_LAUNCH_START", "errname", "EINVAL",
	       NULL);
	expect("qemu-system-x86_64: sev_launch_update_vmsa: LAUNCH_UPDATE_VMSA ret = -5 fw_error=3 "
	       "2774 'unknown error'/", QLOG_CONFIDENTIAL_ERROR, "tech", "SEV-ES", "ret", "-5",
	       "fw_error", "3", NULL);
	expect("qemu-system-x86_64: sev_common_kvm_init: failed to create encryption context",
	       QLOG_CONFIDENTIAL_ERROR, "consequence", "true", NULL);
	expect("qemu-system-x86_64: sev_guest_init: using :KVM_SEV_ES_INIT", QLOG_CONFIDENTIAL_TECH,
	       "tech", "SEV-ES", NULL);
	expect("qemu-system-x86_64: -accel kvm: get_tdx_capabilities: KVM_TDX_CAPABILITIES failed: "
	       "Inappropriate ioctl for device", QLOG_CONFIDENTIAL_ERROR, "tech", "TDX", "step",
	       "KVM_TDX_CAPABILITIES", "errname", "ENOTTY", NULL);
	expect("qemu-system-x86_64: vm-type tdx not supported by KVM", QLOG_CONFIDENTIAL_ERROR, "tech",
	       "TDX", "unsupported", "true", NULL);
	expect("qemu-system-x86_64: -accel kvm: kvm-type 'tdx' not supported by KVM",
	       QLOG_CONFIDENTIAL_ERROR, "tech", "TDX", NULL);
}

static void kernel_lines(void **state)
{
	(void)state;
	expect("[431428.919308] kvm [12633]: vcpu0 unhandled rdmsr: 0x1c9", QLOG_KERNEL, "subsystem",
	       "kvm [12633]", "event", "msr", "uptime_s", "431428.919308", NULL);
	expect("Sep 04 22:56:17 PC kernel: kvm_amd: kvm [67539]: vcpu3, guest rIP: 0xfffff8547ad7624d "
	       "Unhandled WRMSR(0xc0010115) = 0x0", QLOG_KERNEL, "subsystem", "kvm_amd", NULL);
	expect("Jan 13 00:03:50 ubuntu kernel: [  153.076519] kvm [2154]: vcpu0, guest rIP: 0xfff0 "
	       "unhandled wrmsr: 0x38d data 0x0", QLOG_KERNEL, "uptime_s", "153.076519", NULL);
	expect("[    1.426150] Kernel panic - not syncing: No working init found.", QLOG_KERNEL,
	       "event", "panic", NULL);
	expect("[   81.296397] reboot: Restarting system", QLOG_KERNEL, "event", "reboot", NULL);
	expect("[    3.014584] ccp 0000:43:00.1: SEV-SNP: failed to INIT error 0x3", QLOG_KERNEL,
	       "tech", "SNP", "subsystem", "ccp 0000:43:00.1", NULL);
	/* another journald unit: its text is read as a line */
	const struct qlog_event *e =
		expect("Dec 07 10:00:00 host qemu-system-x86_64[1234]: cpus are not resettable, "
		       "terminating", QLOG_NOT_RESETTABLE, "unit", "qemu-system-x86_64", NULL);
	assert_int_equal(e->source, QLOG_SRC_STDERR);
	expect("Jan 13 00:03:09 ubuntu gnome-software[2060]: message repeated 4 times", QLOG_TEXT,
	       NULL);
}

static void wrapped_lines(void **state)
{
	(void)state;
	expect("> > qemu-kvm: cpus are not resettable, terminating", QLOG_NOT_RESETTABLE, "quoted", "2",
	       NULL);
	const struct qlog_event *e = expect("[2023-07-23T14:47:36.887Z] error: kvm run failed Bad "
					    "address", QLOG_KVM_ERROR, "wrapper", "CI prefix", NULL);
	assert_int_equal(e->clock, QLOG_CLOCK_UTC);
	expect("00:01:36.367  ioctl(KVM_CREATE_VM) failed: 12 Cannot allocate memory", QLOG_KVM_ERROR,
	       "errname", "ENOMEM", NULL);
	expect("`qemu-system-x86_64: sev_kvm_init: failed to create encryption context`",
	       QLOG_CONFIDENTIAL_ERROR, "wrapper", "markdown", NULL);
	e = expect("{\"component\":\"virt-launcher\",\"level\":\"error\",\"msg\":\"internal error: "
		   "process exited while connecting to monitor: 2023-01-01T00:00:00.000000Z qemu-kvm: "
		   "error: kvm run failed Bad address\",\"pos\":\"x.go:1\"}",
		   QLOG_KVM_ERROR, "component", "virt-launcher", "level", "error", "ioctl", "KVM_RUN",
		   NULL);
	assert_int_equal(e->source, QLOG_SRC_MANAGER);
	expect("{\"component\":\"virt-launcher\",\"level\":\"info\",\"msg\":\"Marked as ready\"}",
	       QLOG_MESSAGE, "component", "virt-launcher", NULL);
	e = expect("error: internal error: process exited while connecting to monitor: "
		   "2024-12-06T09:14:26.679347Z qemu-system-x86_64: -accel kvm: sev_snp_launch_start: "
		   "SNP_LAUNCH_START ret=-22 fw_error=0 ''", QLOG_CONFIDENTIAL_ERROR, "embedded", "true",
		   "tech", "SNP", NULL);
	assert_int_equal(e->clock, QLOG_CLOCK_UTC);
	/* several of QEMU's lines joined with "\n": the most telling one */
	expect("Message='internal error: qemu unexpectedly closed the monitor: ioctl(KVM_CREATE_VM) "
	       "failed: 12 Cannot allocate memory\\n2020-06-24T16:25:43.013045Z qemu-kvm: failed to "
	       "initialize KVM: Cannot allocate memory')", QLOG_KVM_ERROR, "ioctl", "KVM_CREATE_VM",
	       NULL);
	expect("QEMU quit unexpectedly! Error: qemu-system-aarch64: kvm_init_vcpu: kvm_arch_init_vcpu "
	       "failed (0): Invalid argument", QLOG_KVM_ERROR, "errname", "EINVAL", NULL);
	expect("qemu-system-x86_64: info: {\"timestamp\": {\"seconds\": 1560184134, \"microseconds\": "
	       "197397}, \"event\": \"RESET\", \"data\": {\"guest\": true, \"reason\": "
	       "\"guest-reset\"}}", QLOG_QMP_EVENT, "event", "RESET", "reason", "guest-reset", NULL);
}

static void not_qemu(void **state)
{
	(void)state;
	/* "Word: text" is QEMU's only from a QEMU program */
	expect("Word: text", QLOG_TEXT, NULL);
	expect("error: something went wrong", QLOG_TEXT, NULL);
	expect("ERROR: KVM: KVM_RUN failed: Cannot allocate memory", QLOG_TEXT, NULL);
	/* Proxmox runs QEMU as kvm */
	expect("kvm: terminating on signal 15 from pid 1234 (/usr/sbin/qmeventd)", QLOG_SIGNAL,
	       "signal", "15", "pid", "1234", NULL);
	expect("/usr/bin/kvm: cpus are not resettable, terminating", QLOG_NOT_RESETTABLE, NULL);
	/* Proxmox's task log and its VM's journal */
	expect("qga command 'guest-shutdown' failed - got timeout", QLOG_AGENT_COMMAND, "command",
	       "guest-shutdown", "result", "got timeout", "program", "proxmox", NULL);
	expect("VM quit/powerdown failed - terminating now with SIGTERM", QLOG_MESSAGE, "escalation",
	       "SIGTERM", NULL);
	expect("TASK ERROR: start failed: QEMU exited with code 1", QLOG_MESSAGE, "program", "proxmox",
	       NULL);
	expect("Dec 07 10:00:05 pve QEMU[4242]: kvm: terminating on signal 15 from pid 1234 "
	       "(task UPID:pve:00001234:qmshutdown:100:root@pam:)", QLOG_SIGNAL, "signal", "15", NULL);
	/* prose that mentions QEMU's words is not QEMU's line */
	expect("the kvm_init_vcpu function is where it fails", QLOG_TEXT, NULL);
}

static void flowed_and_counts(void **state)
{
	(void)state;
	static const char mail[] = "> qemu-system-aarch64: kvm_init_vcpu: kvm_arch_init_vcpu "
				   "failed (0): Invalid \n> argument\n> [    1.0] reboot: "
				   "Restarting system\nprose\n";
	struct qlog_stream s;
	size_t lines, understood;
	qlog_stream_init(&s);
	qlog_read_buffer(&s, "m.eml", mail, sizeof(mail) - 1);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.ev[0].kind, QLOG_KVM_ERROR);
	assert_string_equal(qlog_get(&s.ev[0], "errname"), "EINVAL");
	assert_string_equal(qlog_get(&s.ev[0], "flowed_lines"), "2");
	assert_int_equal(s.ev[1].kind, QLOG_TEXT);
	assert_int_equal(s.ev[1].line, 2);
	assert_string_equal(qlog_get(&s.ev[1], "flowed_into"), "1");
	assert_string_equal(s.ev[1].text, "> argument");
	assert_int_equal(s.ev[2].kind, QLOG_KERNEL);
	qlog_input_counts(&s, "m.eml", &lines, &understood);
	assert_int_equal(lines, 4);
	assert_int_equal(understood, 2);
	qlog_stream_free(&s);
	/* unquoted lines ending in a space are joined only in a format=flowed mail */
	static const char plain[] = "DR3=0000000000000000 \nDR6=00000000ffff0ff0\n";
	qlog_stream_init(&s);
	qlog_read_buffer(&s, "p.log", plain, sizeof(plain) - 1);
	assert_int_equal(s.n, 2);
	assert_null(qlog_get(&s.ev[0], "flowed_lines"));
	qlog_stream_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(kvm_ioctl_families, teardown),
		cmocka_unit_test_teardown(kvm_exit_lines, teardown),
		cmocka_unit_test_teardown(confidential_steps, teardown),
		cmocka_unit_test_teardown(kernel_lines, teardown),
		cmocka_unit_test_teardown(wrapped_lines, teardown),
		cmocka_unit_test_teardown(not_qemu, teardown),
		cmocka_unit_test(flowed_and_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
