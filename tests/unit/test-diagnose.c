/* Unit tests of the diagnosis rules (tools/analyze/rules/rule-*.c) on the seed logs
 * (tests/fixtures/seed-*.log, as the write-ups show them), on realistic
 * variants, and on small logs written here: each finding, its facts and
 * its evidence lines; a clean log passes every rule; JSON output. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/findings.h"
#include "analyze/logs/qemulog.h"

#include "tap-skip.h"

struct run {
	struct qlog_stream s;
	struct finding_list l;
	struct diag_rule_result res[16];
	size_t nres;
};

static struct run R;

static void run_rules(void)
{
	size_t n;
	const struct diag_rule *const *rules = diag_rules(&n);
	qlog_stream_finish(&R.s);
	for (size_t i = 0; i < n; i++) {
		R.res[i].rule = rules[i];
		R.res[i].findings = diag_run_rule(rules[i], &R.s, &R.l);
	}
	R.nres = n;
}

/* the fixtures named, as one stream */
static void run_files(const char *first, ...)
{
	va_list ap;
	char err[256], path[512];
	memset(&R, 0, sizeof(R));
	qlog_stream_init(&R.s);
	va_start(ap, first);
	for (const char *f = first; f; f = va_arg(ap, const char *)) {
		snprintf(path, sizeof(path), "%s/%s", FIXTURES, f);
		assert_int_equal(qlog_read_file(&R.s, path, err, sizeof(err)), 0);
	}
	va_end(ap);
	run_rules();
}

static void run_text(const char *text)
{
	memset(&R, 0, sizeof(R));
	qlog_stream_init(&R.s);
	qlog_read_buffer(&R.s, "mem.log", text, strlen(text));
	run_rules();
}

static int teardown(void **state)
{
	(void)state;
	finding_list_free(&R.l);
	qlog_stream_free(&R.s);
	return 0;
}

static size_t count(const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < R.l.n; i++)
		n += !strcmp(R.l.f[i].rule, rule);
	return n;
}

static const struct finding *find(const char *rule)
{
	for (size_t i = 0; i < R.l.n; i++)
		if (!strcmp(R.l.f[i].rule, rule))
			return &R.l.f[i];
	fail_msg("no %s finding", rule);
	return NULL;
}

static const char *fact_str(const struct finding *f, const char *key)
{
	json_t *v = json_object_get(f->facts, key);
	return json_is_string(v) ? json_string_value(v) : json_is_null(v) ? "null" : "(absent)";
}

static double fact_num(const struct finding *f, const char *key)
{
	json_t *v = json_object_get(f->facts, key);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static bool has_evidence(const struct finding *f, unsigned line)
{
	for (size_t i = 0; i < f->nevidence; i++)
		if (f->evidence[i]->line == line)
			return true;
	return false;
}

static bool chain_has(const struct finding *f, const char *text)
{
	for (size_t i = 0; i < f->nchain; i++)
		if (strstr(f->chain[i], text))
			return true;
	return false;
}

static void seed000_confidential_reboot(void **state)
{
	(void)state;
	run_files("seed-000-confidential-reboot.log", NULL);
	assert_int_equal(count("cpus-not-resettable"), 1);
	assert_int_equal(count("agent-escalation"), 1);
	assert_int_equal(count("runstate-transition"), 1);
	assert_int_equal(count("pmu-set-attr"), 0);
	assert_int_equal(count("kvm-ioctl-error"), 0);

	const struct finding *f = find("cpus-not-resettable");
	assert_string_equal(fact_str(f, "reason"), "guest-reset");
	assert_string_equal(fact_str(f, "policy"), "null"); /* not in the excerpt */
	assert_true(has_evidence(f, 22));		    /* cpus are not resettable */
	assert_true(has_evidence(f, 23));		    /* SHUTDOWN guest-reset */
	assert_true(has_evidence(f, 36));		    /* shutting down, reason=shutdown */
	assert_false(has_evidence(f, 11));		    /* the earlier, forced power-off */
	assert_true(chain_has(f, "no QMP or guest-agent command"));
	assert_non_null(f->explanation);

	f = find("agent-escalation");
	assert_int_equal((int)fact_num(f, "killer_pid"), 14261);
	assert_string_equal(fact_str(f, "killer_command"), "/usr/sbin/libvirtd");
	assert_int_equal((int)fact_num(f, "signal"), 15);
	assert_true(fabs(fact_num(f, "agent_to_powerdown_s") - 10.014029) < 1e-6);
	/* local trace time vs UTC stderr time: needs the inferred zone */
	assert_true(R.s.local_offset_known);
	assert_true(fabs(fact_num(f, "powerdown_to_signal_s") - 10.008061) < 1e-6);
	json_t *steps = json_object_get(f->facts, "steps");
	assert_int_equal(json_array_size(steps), 3);
	assert_string_equal(json_string_value(json_array_get(steps, 2)), "host-signal");
	for (unsigned line = 2; line <= 16; line++)
		if (line == 2 || line == 6 || line == 9 || line == 11 || line == 12 || line == 16)
			assert_true(has_evidence(f, line));

	f = find("runstate-transition");
	assert_string_equal(fact_str(f, "from"), "running");
	assert_string_equal(fact_str(f, "to"), "shutdown");
	assert_string_equal(fact_str(f, "cause"), "guest-reset");
	assert_true(has_evidence(f, 25));
}

static void seed003_pmu_with_function_graph(void **state)
{
	(void)state;
	run_files("seed-003-pmu-on.log", "seed-003-function-graph.log", NULL);
	assert_int_equal(count("pmu-set-attr"), 1);
	assert_int_equal(R.l.n, 1); /* preconfig -> prelaunch is not flagged */
	const struct finding *f = find("pmu-set-attr");
	assert_string_equal(fact_str(f, "attr"), "KVM_ARM_VCPU_PMU_V3_IRQ");
	assert_string_equal(fact_str(f, "errno"), "EINVAL");
	assert_string_equal(fact_str(f, "ioctl"), "KVM_SET_DEVICE_ATTR");
	assert_true(fabs(fact_num(f, "kernel_duration_us") - 2.770) < 1e-9);
	assert_string_equal(fact_str(f, "kernel_duration_source"), "ftrace function_graph");
	json_t *causes = json_object_get(f->facts, "causes");
	assert_int_equal(json_array_size(causes), 7);
	assert_non_null(strstr(json_string_value(json_array_get(causes, 0)), "no in-kernel irqchip"));
	assert_true(has_evidence(f, 10) && has_evidence(f, 11) && has_evidence(f, 12));
	assert_false(json_is_true(json_object_get(f->facts, "injected")));
	/* the seed's memory-region lines show the GIC the board chose */
	assert_string_equal(fact_str(f, "gic"), "GICv2 (gic_cpu)");
	assert_true(has_evidence(f, 8));
}

static void seed003_pmu_without_duration(void **state)
{
	(void)state;
	run_files("seed-003-pmu-on.log", NULL);
	const struct finding *f = find("pmu-set-attr");
	assert_true(json_is_null(json_object_get(f->facts, "kernel_duration_us")));
	assert_true(chain_has(f, "not in the log"));
}

/* the seed's log has no ioctls: the GICv2 it mapped is the likely cause */
static void seed003_pmu_likely_vgic_cause(void **state)
{
	(void)state;
	run_files("seed-003-pmu-on.log", NULL);
	const struct finding *f = find("pmu-set-attr");
	assert_string_equal(fact_str(f, "vgic"), "likely refused (GICv2 board)");
	assert_string_equal(fact_str(f, "fix"), "gic-version=3 or host, or QEMU >= 5.1");
	assert_true(chain_has(f, "likely cause: a GICv2 board"));
}

/* the same failure from the arm64 lab (virt-4.1 on Debian's 6.1 arm64 kernel,
 * no -fault): the kernel's ENODEV for the vGIC is the evidence */
static void arm64_lab_virt41_vgic_refused(void **state)
{
	(void)state;
	run_files("arm64-lab-virt41-pmu.log", NULL);
	const struct finding *f = find("pmu-set-attr");
	assert_string_equal(fact_str(f, "attr"), "KVM_ARM_VCPU_PMU_V3_IRQ");
	assert_string_equal(fact_str(f, "errno"), "EINVAL");
	assert_string_equal(fact_str(f, "vgic"), "refused by the kernel");
	assert_string_equal(fact_str(f, "fix"), "gic-version=3 or host, or QEMU >= 5.1");
	assert_true(has_evidence(f, 15)); /* KVM_CREATE_DEVICE ... errno 19 (ENODEV) */
	assert_true(chain_has(f, "KVM_CREATE_DEVICE failed with ENODEV (line 15)"));
	assert_false(json_is_true(json_object_get(f->facts, "injected")));
}

static void seed003_pmu_off(void **state)
{
	(void)state;
	run_files("seed-003-pmu-off.log", NULL);
	assert_int_equal(count("pmu-set-attr"), 0);
	const struct finding *f = find("kvm-ioctl-error");
	assert_string_equal(fact_str(f, "function"), "kvm_set_irq");
	assert_string_equal(fact_str(f, "errno"), "ENXIO");
	assert_true(json_is_true(json_object_get(f->facts, "aborted")));
}

static void variant_upstream_sev_es(void **state)
{
	(void)state;
	run_files("variant-upstream-sev-es-reboot.log", NULL);
	const struct finding *f = find("cpus-not-resettable");
	assert_string_equal(fact_str(f, "policy"), "0x7");
	json_t *bits = json_object_get(f->facts, "policy_bits");
	assert_int_equal(json_array_size(bits), 3);
	assert_string_equal(json_string_value(json_array_get(bits, 2)), "ES");
	assert_true(json_is_true(json_object_get(f->facts, "es_bit")));
	assert_int_equal((int)fact_num(f, "killer_pid"), 1203);
	assert_int_equal(count("agent-escalation"), 0);
	assert_int_equal(count("runstate-transition"), 1);
}

static void variant_arm64_init_enodev(void **state)
{
	(void)state;
	run_files("variant-arm64-pmu-init-enodev.log", NULL);
	const struct finding *f = find("pmu-set-attr");
	assert_string_equal(fact_str(f, "attr"), "KVM_ARM_VCPU_PMU_V3_INIT");
	assert_string_equal(fact_str(f, "errno"), "ENODEV");
	assert_string_equal(fact_str(f, "kernel"), "6.6.31-arm64-generic");
	json_t *causes = json_object_get(f->facts, "causes");
	bool default_pmu = false;
	for (size_t i = 0; i < json_array_size(causes); i++)
		default_pmu |= strstr(json_string_value(json_array_get(causes, i)),
				      "no usable host PMU") != NULL;
	assert_true(default_pmu);
}

static void newer_kernel_drops_old_cause(void **state)
{
	(void)state;
	run_text("2025-11-03 02:41:17.066+0000: starting up libvirt version: 10.0.0, qemu version: "
		 "8.2.2, kernel: 6.8.0-49-generic, hostname: a\n"
		 "2025-11-03T02:41:17.312904Z qemu-system-aarch64: PMU: KVM_SET_DEVICE_ATTR: No such "
		 "device\n"
		 "2025-11-03T02:41:17.312968Z qemu-system-aarch64: failed to init PMU\n");
	const struct finding *f = find("pmu-set-attr");
	json_t *causes = json_object_get(f->facts, "causes");
	for (size_t i = 0; i < json_array_size(causes); i++)
		assert_null(strstr(json_string_value(json_array_get(causes, i)), "no usable host PMU"));
	assert_true(json_array_size(causes) >= 2);
}

static void invalid_transition(void **state)
{
	(void)state;
	run_files("variant-invalid-transition.log", NULL);
	assert_int_equal(count("runstate-transition"), 1);
	const struct finding *f = find("runstate-transition");
	assert_true(json_is_false(json_object_get(f->facts, "allowed")));
	assert_string_equal(fact_str(f, "from"), "paused");
	assert_true(has_evidence(f, 5) && has_evidence(f, 6) && has_evidence(f, 7));
}

static void fault_injected_pmu_attr(void **state)
{
	(void)state;
	run_text("77@[2026-11-22 05:00:00.000100] kvm_fault_inject KVM_SET_DEVICE_ATTR type "
		 "0x4018aee1 errno 22 (EINVAL) hit 1\n"
		 "77@[2026-11-22 05:00:00.000110] kvm_ioctl_exit vcpu cpu_index 0, type 0x4018aee1 "
		 "(KVM_SET_DEVICE_ATTR), arg 0x7ffd, ret -1, errno 22 (EINVAL)\n"
		 "kvmscope-vmm: PMU: KVM_SET_DEVICE_ATTR: Invalid argument\n"
		 "kvmscope-vmm: failed to set irq for PMU\n");
	assert_int_equal(count("pmu-set-attr"), 1);
	assert_int_equal(count("kvm-ioctl-error"), 0);
	const struct finding *f = find("pmu-set-attr");
	assert_true(json_is_true(json_object_get(f->facts, "injected")));
	assert_int_equal(json_array_size(json_object_get(f->facts, "causes")), 0);
	assert_string_equal(fact_str(f, "attr"), "KVM_ARM_VCPU_PMU_V3_IRQ");
	assert_true(has_evidence(f, 1) && has_evidence(f, 2) && has_evidence(f, 3));
}

static void x86_without_vpmu(void **state)
{
	(void)state;
	run_text("kvmscope-vmm: -cpu host,pmu=on: the host KVM offers no vPMU (CPUID 0xA version "
		 "0, KVM_CAP_PMU_CAPABILITY 0)\n");
	const struct finding *f = find("pmu-set-attr");
	assert_string_equal(fact_str(f, "arch"), "x86_64");
}

/* a capture with record --functions: the innermost call on the failing
 * ioctl's thread that returned its errno is named, not another thread's
 * deeper one nor a deeper call with another errno */
static void add_ev(enum qlog_kind kind, long tid, const char *fn, const char *errname, const char *depth)
{
	struct qlog_event ev = { .kind = kind, .tid = tid, .pid = 5, .source = QLOG_SRC_CAPTURE,
				 .line = (unsigned)R.s.n + 1, .text = strdup(fn ? fn : "ioctl") };
	if (kind == QLOG_KERNEL_FUNCTION) {
		qlog_set(&ev, "function", fn);
		qlog_set(&ev, "module", "kvm");
		qlog_set(&ev, "ret", "-22");
		qlog_set(&ev, "duration_ns", "1000");
		qlog_set(&ev, "depth", depth);
	} else if (kind == QLOG_KVM_IOCTL_EXIT) {
		qlog_set(&ev, "ioctl", "KVM_ENABLE_CAP");
		qlog_set(&ev, "ret", "-1");
		qlog_set(&ev, "fd_kind", "vm");
	} else {
		qlog_set(&ev, "ioctl", "KVM_ENABLE_CAP");
		qlog_set(&ev, "duration_ns", "5000");
	}
	if (errname)
		qlog_set(&ev, "errname", errname);
	qlog_stream_add(&R.s, &ev, "k.cap");
}

static void kernel_function_named(void **state)
{
	(void)state;
	memset(&R, 0, sizeof(R));
	qlog_stream_init(&R.s);
	add_ev(QLOG_SYSCALL, 5, NULL, "EINVAL", NULL);
	add_ev(QLOG_KERNEL_FUNCTION, 5, "kvm_vm_ioctl", "EINVAL", "2");
	add_ev(QLOG_KERNEL_FUNCTION, 6, "other_thread_fn", "EINVAL", "5");
	add_ev(QLOG_KERNEL_FUNCTION, 5, "kvm_vm_ioctl_enable_cap", "EINVAL", "3");
	add_ev(QLOG_KERNEL_FUNCTION, 5, "deeper_other_errno", "EBUSY", "4");
	add_ev(QLOG_KVM_IOCTL_EXIT, 5, NULL, "EINVAL", NULL);
	run_rules();
	const struct qlog_event *k = diag_kernel_function(&R.s, 5, "EINVAL");
	assert_non_null(k);
	assert_string_equal(qlog_get(k, "function"), "kvm_vm_ioctl_enable_cap");
	assert_null(diag_kernel_function(&R.s, 5, "ENOENT"));
	const struct finding *f = find("kvm-ioctl-error");
	assert_string_equal(fact_str(f, "kernel_function"), "kvm_vm_ioctl_enable_cap");
	assert_true(has_evidence(f, 4));
	assert_true(chain_has(f, "innermost recorded kernel function that returned EINVAL: "
				 "kvm_vm_ioctl_enable_cap [kvm]() = -22 EINVAL"));
}

static void clean_poweroff_passes(void **state)
{
	(void)state;
	run_text("9@[2026-11-22 05:00:00.000100] runstate_set current_run_state 6 (prelaunch) "
		 "new_state 9 (running)\n"
		 "{\"timestamp\": {\"seconds\": 1795323600, \"microseconds\": 500}, \"event\": "
		 "\"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\n"
		 "9@[2026-11-22 05:00:00.000600] runstate_set current_run_state 9 (running) "
		 "new_state 11 (shutdown)\n"
		 "9@[2026-11-22 05:00:00.000700] kvm_ioctl_exit vcpu cpu_index 0, type 0xae80 "
		 "(KVM_RUN), arg (nil), ret -1, errno 4 (EINTR)\n");
	assert_int_equal(R.l.n, 0);
	for (size_t i = 0; i < R.nres; i++)
		assert_int_equal(R.res[i].findings, 0);
}

/* QEMU 7.2's virt probes the GIC versions with KVM_CREATE_DEVICE_TEST: on a
 * GICv3-only host the GICv2 probe says ENODEV, then the GICv3 is created. The
 * same ENODEV with no device after it (QEMU 4.1's virt) is a finding. */
static void device_probe_is_no_finding(void **state)
{
	(void)state;
	static const char probe[] =
		"9@[2026-11-22 05:00:00.000100] kvm_ioctl_exit vm cpu_index -1, type 0xc00caee0 "
		"(KVM_CREATE_DEVICE), arg 0xffffc0de0010, ret -1, errno 19 (ENODEV)\n";
	char text[1024];
	snprintf(text, sizeof(text), "%s%s", probe,
		 "9@[2026-11-22 05:00:00.000200] kvm_ioctl_exit vm cpu_index -1, type 0xc00caee0 "
		 "(KVM_CREATE_DEVICE), arg 0xffffc0de0010, ret 0, errno 0 (OK)\n");
	run_text(text);
	assert_int_equal(count("kvm-ioctl-error"), 0);
	teardown(NULL);
	run_text(probe);
	assert_int_equal(count("kvm-ioctl-error"), 1);
}

static void agent_worked_is_no_finding(void **state)
{
	(void)state;
	run_text("2026-11-22 04:38:42.493+0000: d: agent: sent {\"execute\":\"guest-shutdown\"}\n"
		 "{\"timestamp\": {\"seconds\": 1795322323, \"microseconds\": 1}, \"event\": "
		 "\"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\n"
		 "2026-11-22 04:38:44.000+0000: shutting down, reason=shutdown\n");
	assert_int_equal(count("agent-escalation"), 0);
	/* ACPI worked after the agent did not: an escalation, without a kill */
	teardown(NULL);
	run_text("2026-11-22 04:38:42.493+0000: d: agent: sent {\"execute\":\"guest-shutdown\"}\n"
		 "2026-11-22 04:38:52.493+0000: d: qmp: sent {\"execute\": \"system_powerdown\"}\n"
		 "{\"timestamp\": {\"seconds\": 1795322335, \"microseconds\": 1}, \"event\": "
		 "\"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\n");
	const struct finding *f = find("agent-escalation");
	assert_true(fabs(fact_num(f, "agent_to_powerdown_s") - 10.0) < 1e-9);
	assert_string_equal(fact_str(f, "killer_command"), "(absent)");
}

/* the rules on QEMU's own words (format strings of QEMU 2.x-9.x), beyond the
 * real fixtures (tests/integration/diagnose-real.sh) */
static void qemu_words_device_attr_and_abort(void **state)
{
	(void)state;
	run_text("Unexpected error in kvm_device_access() at ../accel/kvm/kvm-all.c:3475:\n"
		 "qemu-system-aarch64: KVM_SET_DEVICE_ATTR failed: Group 3 attr "
		 "0x0000000000000001: Invalid argument\n");
	assert_int_equal(R.l.n, 1);
	const struct finding *f = find("kvm-ioctl-error");
	assert_string_equal(fact_str(f, "ioctl"), "KVM_SET_DEVICE_ATTR");
	assert_string_equal(fact_str(f, "errno"), "EINVAL");
	assert_string_equal(fact_str(f, "arch"), "arm64");
	assert_true(json_is_true(json_object_get(f->facts, "aborted")));
	assert_non_null(strstr(f->explanation, "kvmscope record"));
}

static void qemu_words_vcpu_init_per_arch(void **state)
{
	(void)state;
	run_text("qemu-system-x86_64: kvm_init_vcpu: kvm_arch_init_vcpu failed (0): Argument list "
		 "too long\n");
	const struct finding *f = find("kvm-ioctl-error");
	assert_string_equal(fact_str(f, "ioctl"), "KVM_SET_CPUID2");
	assert_non_null(strstr(f->explanation, "CPUID"));
	teardown(NULL);
	run_text("qemu-system-aarch64: kvm_init_vcpu: kvm_arch_init_vcpu failed (2): Invalid "
		 "argument\n");
	assert_string_equal(fact_str(find("kvm-ioctl-error"), "ioctl"), "KVM_ARM_VCPU_INIT");
	teardown(NULL);
	/* two vCPUs failing the same way: one finding */
	run_text("qemu-system-aarch64: kvm_init_vcpu: kvm_arch_init_vcpu failed (0): Invalid argument\n"
		 "qemu-system-aarch64: kvm_init_vcpu: kvm_arch_init_vcpu failed (1): Invalid argument\n");
	assert_int_equal(count("kvm-ioctl-error"), 1);
	assert_int_equal(find("kvm-ioctl-error")->nevidence, 2);
}

static void qemu_words_confidential_launch(void **state)
{
	(void)state;
	run_text("qemu-system-x86_64: sev_launch_start: LAUNCH_START ret=1 fw_error=21 'Feature not "
		 "supported'\nqemu-system-x86_64: sev_kvm_init: failed to create encryption context\n"
		 "qemu-system-x86_64: failed to initialize kvm: Operation not permitted\n");
	assert_int_equal(R.l.n, 1);
	const struct finding *f = find("confidential-launch");
	assert_string_equal(fact_str(f, "fw_status"), "UNSUPPORTED");
	assert_int_equal(f->nevidence, 3);
	teardown(NULL);
	run_text("qemu-system-x86_64: sev_kvm_init: failed to initialize ret=-25 fw_error=0 ''\n");
	f = find("confidential-launch");
	assert_string_equal(fact_str(f, "errno"), "ENOTTY");
	/* the misleading strerror is named, not echoed as the cause */
	assert_non_null(strstr(f->explanation, "does not know this command"));
	teardown(NULL);
	run_text("qemu-system-x86_64: vm-type tdx not supported by KVM\n");
	f = find("confidential-launch");
	assert_null(strstr(f->explanation, "SEV"));
}

static void internal_error_and_reset_causes(void **state)
{
	(void)state;
	run_text("KVM internal error. Suberror: 2\nextra data[0]: 0x0000000080000b08\n"
		 "extra data[1]: 0x0000000000000000\n");
	const struct finding *f = find("kvm-internal-error");
	assert_string_equal(fact_str(f, "suberror_name"), "KVM_INTERNAL_ERROR_SIMUL_EX");
	assert_string_equal(fact_str(f, "delivering"), "#DF");
	teardown(NULL);
	/* a KVM_EXIT_SHUTDOWN exit right before the reset: a triple fault */
	run_text("qemu-system-x86_64 -machine q35,confidential-guest-support=sev0 -object "
		 "sev-snp-guest,id=sev0\n"
		 "12@1758533969.100000:kvm_run_exit cpu_index 0, reason 8\n"
		 "qemu-system-x86_64: cpus are not resettable, terminating\n");
	f = find("cpus-not-resettable");
	assert_string_equal(fact_str(f, "cause"), "triple fault");
	assert_string_equal(fact_str(f, "tech"), "SNP");
	assert_null(strstr(f->explanation, "policy bit 0x4"));
	teardown(NULL);
	/* no console, and the reset 8 ms after the start: an early death */
	run_text("2026-01-01T00:00:00.000000Z qemu-system-x86_64: warning: something\n"
		 "2026-01-01T00:00:00.008000Z qemu-system-x86_64: cpus are not resettable, "
		 "terminating\n");
	assert_string_equal(fact_str(find("cpus-not-resettable"), "cause"), "early guest death");
}

/* Proxmox: the agent's shutdown timed out, the task escalated to SIGTERM */
static void proxmox_agent_escalation(void **state)
{
	(void)state;
	run_text("qga command 'guest-shutdown' failed - got timeout\n"
		 "VM quit/powerdown failed - terminating now with SIGTERM\n"
		 "Dec 07 10:00:05 pve QEMU[4242]: kvm: terminating on signal 15 from pid 1234 "
		 "(task UPID:pve:00001234:qmshutdown:100:root@pam:)\n");
	assert_int_equal(R.l.n, 1);
	const struct finding *f = find("agent-escalation");
	assert_non_null(strstr(f->title, "killed by signal 15 from pid 1234"));
}

static void rules_list_and_json(void **state)
{
	(void)state;
	size_t n;
	const struct diag_rule *const *rules = diag_rules(&n);
	const char *names[] = { "cpus-not-resettable", "pmu-set-attr", "agent-escalation",
				"runstate-transition", "kvm-ioctl-error", "kvm-internal-error",
				"confidential-launch" };
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(rules[i]->name, names[i]);
		assert_ptr_equal(diag_rule_by_name(names[i]), rules[i]);
		assert_non_null(rules[i]->summary);
	}
	assert_null(diag_rule_by_name("nope"));

	run_files("seed-000-confidential-reboot.log", NULL);
	json_t *j = diag_to_json(&R.s, &R.l, R.res, R.nres);
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	json_t *rs = json_object_get(j, "rules");
	assert_int_equal(json_array_size(rs), 7);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 0), "status")),
			    "fail");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 1), "status")),
			    "pass");
	json_t *f0 = json_array_get(json_object_get(j, "findings"), 0);
	json_t *ev0 = json_array_get(json_object_get(f0, "evidence"), 0);
	assert_true(json_integer_value(json_object_get(ev0, "line")) > 0);
	assert_non_null(strstr(json_string_value(json_object_get(ev0, "file")),
			       "seed-000-confidential-reboot.log"));
	char *text = json_dumps(j, 0);
	assert_non_null(text);
	free(text);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(seed000_confidential_reboot, teardown),
		cmocka_unit_test_teardown(seed003_pmu_with_function_graph, teardown),
		cmocka_unit_test_teardown(seed003_pmu_without_duration, teardown),
		cmocka_unit_test_teardown(seed003_pmu_likely_vgic_cause, teardown),
		cmocka_unit_test_teardown(arm64_lab_virt41_vgic_refused, teardown),
		cmocka_unit_test_teardown(seed003_pmu_off, teardown),
		cmocka_unit_test_teardown(variant_upstream_sev_es, teardown),
		cmocka_unit_test_teardown(variant_arm64_init_enodev, teardown),
		cmocka_unit_test_teardown(newer_kernel_drops_old_cause, teardown),
		cmocka_unit_test_teardown(invalid_transition, teardown),
		cmocka_unit_test_teardown(fault_injected_pmu_attr, teardown),
		cmocka_unit_test_teardown(kernel_function_named, teardown),
		cmocka_unit_test_teardown(x86_without_vpmu, teardown),
		cmocka_unit_test_teardown(clean_poweroff_passes, teardown),
		cmocka_unit_test_teardown(device_probe_is_no_finding, teardown),
		cmocka_unit_test_teardown(agent_worked_is_no_finding, teardown),
		cmocka_unit_test_teardown(rules_list_and_json, teardown),
		cmocka_unit_test_teardown(proxmox_agent_escalation, teardown),
		cmocka_unit_test_teardown(qemu_words_device_attr_and_abort, teardown),
		cmocka_unit_test_teardown(qemu_words_vcpu_init_per_arch, teardown),
		cmocka_unit_test_teardown(qemu_words_confidential_launch, teardown),
		cmocka_unit_test_teardown(internal_error_and_reset_causes, teardown),
	};
	tap_skip_filter_start();
	return tap_skip_filter_end(cmocka_run_group_tests(tests, NULL, NULL));
}
