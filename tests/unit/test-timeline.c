/* The merge and join of tools/analyze/timeline.c on a capture written here: a VMM
 * ioctl entry probe, the kernel's sys_enter/sys_exit, a kvm event and the
 * exit probe become one span; an injected fault has no syscall; another
 * syscall's enter/exit does not pair as an ioctl; records out of order are
 * sorted; kernel events are printed through their format (libtraceevent). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/timeline.h"

#define SYS_ENTER_ID 900
#define SYS_EXIT_ID 901
#define PIO_ID 902

static const char sys_enter_fmt[] =
	"name: sys_enter\nID: 900\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n\n"
	"print fmt: \"NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)\", REC->id, REC->args[0], REC->args[1], "
	"REC->args[2], REC->args[3], REC->args[4], REC->args[5]\n";
static const char sys_exit_fmt[] =
	"name: sys_exit\nID: 901\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n\n"
	"print fmt: \"NR %ld = %ld\", REC->id, REC->ret\n";
static const char pio_fmt[] =
	"name: kvm_pio\nID: 902\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned int rw;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned int port;\toffset:12;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"pio_%s at 0x%x\", REC->rw ? \"write\" : \"read\", REC->port\n";

static char path[64];
#define TID 77
#define KVM_RUN_CMD 0xae80ull

static void write_probe_defs(struct cap_writer *w)
{
	static const char *const entry_names[] = { "cpu_index", "type", "arg" };
	static const uint8_t entry_types[] = { 0, 0, 7 };
	static const char *const exit_names[] = { "name", "ret", "err", "fd_kind", "cpu_index",
						   "type", "arg", "errname" };
	static const uint8_t exit_types[] = { 6, 0, 0, 6, 0, 0, 7, 6 };
	static const char *const fault_names[] = { "name", "type", "err", "errname", "hit" };
	static const uint8_t fault_types[] = { 6, 0, 0, 6, 0 };
	static const char *const rs_names[] = { "current_state", "current_state_str", "new_state",
						"new_state_str" };
	static const uint8_t rs_types[] = { 0, 6, 0, 6 };
	cap_write_probe_def(w, 0, "vmm", "kvm_vcpu_ioctl", "cpu_index %d, type 0x%x, arg %p", 3,
			    entry_names, entry_types);
	cap_write_probe_def(w, 1, "vmm", "kvm_ioctl_exit",
			    "%4$s cpu_index %5$d, type 0x%6$x (%1$s), arg %7$p, ret %2$d, errno %3$d (%8$s)",
			    8, exit_names, exit_types);
	cap_write_probe_def(w, 2, "vmm", "kvm_fault_inject", "%s type 0x%x errno %d (%s) hit %d", 5,
			    fault_names, fault_types);
	cap_write_probe_def(w, 3, "vmm", "runstate_set", "current_run_state %d (%s) new_state %d (%s)",
			    4, rs_names, rs_types);
}

static void probe_of(struct cap_writer *w, uint32_t tid, uint64_t ts, uint32_t id, unsigned n,
		     const uint64_t *args, uint16_t mask, const char *const *strs)
{
	assert_int_equal(cap_write_probe(w, CAP_SRC_BPF, ts, tid, tid, 0, id, n, args, mask, strs), 0);
}

static void probe(struct cap_writer *w, uint64_t ts, uint32_t id, unsigned n, const uint64_t *args,
		  uint16_t mask, const char *const *strs)
{
	probe_of(w, TID, ts, id, n, args, mask, strs);
}

static void sys_of(struct cap_writer *w, uint32_t tid, uint64_t ts, bool enter, long nr, uint64_t a0,
		   uint64_t a1, long ret)
{
	uint8_t raw[64] = { 0 };
	uint16_t type = enter ? SYS_ENTER_ID : SYS_EXIT_ID;
	int32_t pid = (int32_t)tid;
	memcpy(raw, &type, 2);
	memcpy(raw + 4, &pid, 4);
	memcpy(raw + 8, &nr, 8);
	if (enter) {
		memcpy(raw + 16, &a0, 8);
		memcpy(raw + 24, &a1, 8);
	} else {
		memcpy(raw + 16, &ret, 8);
	}
	assert_int_equal(cap_write_tp_event(w, CAP_SRC_BPF, ts, tid, tid, 0, raw, enter ? 64 : 24), 0);
}

static void sys(struct cap_writer *w, uint64_t ts, bool enter, long nr, uint64_t a0, uint64_t a1,
		long ret)
{
	sys_of(w, TID, ts, enter, nr, a0, a1, ret);
}

static void write_capture(void)
{
	char err[256];
	snprintf(path, sizeof(path), "/tmp/test-timeline.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct cap_writer_info info = { .target_pid = TID, .command = "vmm" };
	struct cap_writer *w = cap_writer_open(path, &info, err, sizeof(err));
	assert_non_null(w);
	write_probe_defs(w);
	cap_write_tp_format(w, CAP_SRC_FTRACE, SYS_ENTER_ID, "raw_syscalls", "sys_enter", sys_enter_fmt);
	cap_write_tp_format(w, CAP_SRC_FTRACE, SYS_EXIT_ID, "raw_syscalls", "sys_exit", sys_exit_fmt);
	cap_write_tp_format(w, CAP_SRC_FTRACE, PIO_ID, "kvm", "kvm_pio", pio_fmt);

	uint64_t entry[3] = { 0, KVM_RUN_CMD, 0 };
	uint64_t rs[4] = { 6, 0, 9, 0 };
	const char *rs_strs[4] = { NULL, "prelaunch", NULL, "running" };
	probe(w, 1000, 3, 4, rs, 0xa, rs_strs);
	/* a KVM_RUN span, its kvm event written before the syscall enter: sorted by time */
	probe(w, 2000, 0, 3, entry, 0, NULL);
	uint8_t pio[16] = { 0 };
	uint16_t pio_type = PIO_ID;
	uint32_t rw = 1, port = 0x3f8;
	memcpy(pio, &pio_type, 2);
	memcpy(pio + 8, &rw, 4);
	memcpy(pio + 12, &port, 4);
	cap_write_tp_event(w, CAP_SRC_BPF, 2200, TID, TID, 0, pio, sizeof(pio));
	sys(w, 2100, true, 16, 6, KVM_RUN_CMD, 0);
	sys(w, 2300, false, 16, 0, 0, -4);
	uint64_t exit1[8] = { 0, (uint64_t)-1, 4, 0, 0, KVM_RUN_CMD, 0, 0 };
	const char *exit1_strs[8] = { "KVM_RUN", NULL, NULL, "vcpu", NULL, NULL, NULL, "EINTR" };
	probe(w, 2400, 1, 8, exit1, 0x89, exit1_strs);
	/* another syscall (write) between spans: not an ioctl */
	sys(w, 2500, true, 1, 1, 0, 0);
	sys(w, 2600, false, 1, 0, 0, 5);
	/* an injected fault: entry, fault probe, exit; no syscall */
	probe(w, 3000, 0, 3, entry, 0, NULL);
	uint64_t fault[5] = { 0, KVM_RUN_CMD, 22, 0, 1 };
	const char *fault_strs[5] = { "KVM_RUN", NULL, NULL, "EINVAL", NULL };
	probe(w, 3100, 2, 5, fault, 0x9, fault_strs);
	uint64_t exit2[8] = { 0, (uint64_t)-1, 22, 0, 0, KVM_RUN_CMD, 0, 0 };
	const char *exit2_strs[8] = { "KVM_RUN", NULL, NULL, "vcpu", NULL, NULL, NULL, "EINVAL" };
	probe(w, 3200, 1, 8, exit2, 0x89, exit2_strs);
	assert_int_equal(cap_writer_close(w, true), 0);
}

static void joined(void **state)
{
	(void)state;
	struct timeline tl;
	char err[256], line[512];

	write_capture();
	assert_int_equal(timeline_load(&tl, path, err, sizeof(err)), 0);
	unlink(path);
	assert_true(tl.clean_end);
	assert_int_equal(tl.malformed, 0);

	/* runstate, entry, ioctl, pio, exit, write enter, write exit, entry, fault, exit */
	assert_int_equal(tl.n, 10);
	const struct tl_event *e = tl.ev;
	assert_string_equal(timeline_probe_name(&tl, e[0].id), "runstate_set");
	timeline_format_probe(&tl, &e[0], line, sizeof(line));
	assert_string_equal(line, "current_run_state 6 (prelaunch) new_state 9 (running)");

	assert_int_equal(e[1].kind, TL_PROBE);
	assert_int_equal(e[1].link, 4);
	assert_int_equal(e[1].end_ts, 2400);
	assert_int_equal(e[2].kind, TL_IOCTL);
	assert_int_equal(e[2].parent, 1);
	assert_int_equal(e[2].depth, 1);
	assert_true(e[2].has_exit);
	assert_int_equal(e[2].ret, -4);
	assert_int_equal(e[2].end_ts, 2300);
	timeline_format_ioctl(&tl, &e[2], line, sizeof(line));
	assert_string_equal(line, "ioctl(6, KVM_RUN, 0x0) = -1 EINTR");
	/* KVM_CHECK_EXTENSION's argument is a capability, named */
	struct tl_event chk = { .kind = TL_IOCTL, .fd = 3, .cmd = 0xffffffff0000ae03ULL, .arg = 0,
				.has_exit = true, .ret = 1 };
	timeline_format_ioctl(&tl, &chk, line, sizeof(line));
	assert_string_equal(line, "ioctl(3, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) = 1");
	assert_int_equal(e[3].kind, TL_KERNEL);
	assert_int_equal(e[3].parent, 1);
	assert_int_equal(e[3].depth, 2);
	timeline_format_kernel(&tl, &e[3], line, sizeof(line));
	assert_string_equal(line, "pio_write at 0x3f8");
	/* the same payload again comes from the text cache, unchanged */
	timeline_format_kernel(&tl, &e[3], line, sizeof(line));
	assert_string_equal(line, "pio_write at 0x3f8");
	assert_int_equal(e[4].link, 1);
	assert_true(e[4].is_error);
	timeline_format_probe(&tl, &e[4], line, sizeof(line));
	assert_string_equal(line, "vcpu cpu_index 0, type 0xae80 (KVM_RUN), arg 0x0, ret -1, errno 4 (EINTR)");

	/* write(2): neither paired as an ioctl nor inside a span */
	assert_int_equal(e[5].kind, TL_KERNEL);
	assert_int_equal(e[5].parent, -1);
	assert_int_equal(e[6].kind, TL_KERNEL);

	/* the injected fault: beneath its entry, no syscall in the span */
	assert_int_equal(e[8].parent, 7);
	assert_string_equal(timeline_probe_name(&tl, e[8].id), "kvm_fault_inject");
	assert_int_equal(e[7].link, 9);
	assert_true(e[9].is_error);
	for (size_t i = 0; i < tl.n; i++)
		assert_false(tl.ev[i].kind == TL_IOCTL && tl.ev[i].parent == 7);

	uint64_t v;
	const char *s;
	assert_int_equal(timeline_probe_arg(&tl, &e[9], "err", &v, &s), 0);
	assert_int_equal(v, 22);
	assert_int_equal(timeline_probe_arg(&tl, &e[9], "errname", &v, &s), 0);
	assert_string_equal(s, "EINVAL");
	assert_int_equal(timeline_probe_arg(&tl, &e[9], "nope", &v, &s), -1);
	assert_string_equal(timeline_meta(&tl, "command"), "vmm");
	timeline_free(&tl);
}

/* A suite under --follow: many threads, their ioctl spans interleaved in
 * time. Each joins within its own thread (the join state is looked up by tid,
 * through an index that grows as threads appear). */
#define MANY 700
static void many_threads(void **state)
{
	(void)state;
	struct timeline tl;
	char err[256];
	uint64_t entry[3] = { 0, KVM_RUN_CMD, 0 };
	uint64_t exit_ok[8] = { 0, 0, 0, 0, 0, KVM_RUN_CMD, 0, 0 };
	const char *exit_strs[8] = { "KVM_RUN", NULL, NULL, "vcpu", NULL, NULL, NULL, "" };

	snprintf(path, sizeof(path), "/tmp/test-timeline.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct cap_writer_info info = { .target_pid = 1000, .command = "suite" };
	struct cap_writer *w = cap_writer_open(path, &info, err, sizeof(err));
	assert_non_null(w);
	write_probe_defs(w);
	cap_write_tp_format(w, CAP_SRC_FTRACE, SYS_ENTER_ID, "raw_syscalls", "sys_enter", sys_enter_fmt);
	cap_write_tp_format(w, CAP_SRC_FTRACE, SYS_EXIT_ID, "raw_syscalls", "sys_exit", sys_exit_fmt);
	/* every thread's entry, then every enter, every exit, every exit probe;
	 * the ioctl's return is the thread's own tid, to tell them apart */
	for (int phase = 0; phase < 4; phase++)
		for (uint32_t k = 0; k < MANY; k++) {
			uint32_t tid = 100 + (k * 7919u) % 65521u; /* distinct, scattered */
			uint64_t ts = 10000 + (uint64_t)phase * 10000 + k;
			if (phase == 0)
				probe_of(w, tid, ts, 0, 3, entry, 0, NULL);
			else if (phase == 3)
				probe_of(w, tid, ts, 1, 8, exit_ok, 0x89, exit_strs);
			else
				sys_of(w, tid, ts, phase == 1, 16, 6, KVM_RUN_CMD, (long)tid);
		}
	assert_int_equal(cap_writer_close(w, true), 0);
	assert_int_equal(timeline_load(&tl, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(tl.n, 3 * MANY);	/* entry, the paired ioctl, exit */
	size_t ioctls = 0;
	for (size_t i = 0; i < tl.n; i++) {
		const struct tl_event *e = &tl.ev[i];
		if (e->kind != TL_IOCTL)
			continue;
		ioctls++;
		assert_true(e->has_exit);
		assert_int_equal(e->ret, (long)e->tid);
		assert_true(e->parent >= 0);
		assert_int_equal(tl.ev[e->parent].tid, e->tid);
		assert_int_equal(tl.ev[tl.ev[e->parent].link].tid, e->tid);
	}
	assert_int_equal(ioctls, MANY);
	timeline_free(&tl);
}

/* record --functions: calls under the ioctl of their thread, nested by
 * time; return values as their type has them; the innermost that returned
 * the ioctl's errno is the culprit. */
#define SET_CPUID2_CMD 0x4008ae90ull
static void kfunc_call(struct cap_writer *w, uint32_t tid, uint64_t ts, uint32_t id, uint64_t dur,
		       uint64_t ret)
{
	struct cap_kfunc c = { .func_id = id, .duration_ns = dur, .ret = ret };
	assert_int_equal(cap_write_kfunc(w, ts, tid, tid, 0, &c), 0);
}

static void kernel_functions(void **state)
{
	(void)state;
	struct timeline tl;
	char err[256], line[256];

	snprintf(path, sizeof(path), "/tmp/test-timeline.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct cap_writer_info info = { .target_pid = TID, .command = "vmm" };
	struct cap_writer *w = cap_writer_open(path, &info, err, sizeof(err));
	assert_non_null(w);
	write_probe_defs(w);
	cap_write_tp_format(w, CAP_SRC_FTRACE, SYS_ENTER_ID, "raw_syscalls", "sys_enter", sys_enter_fmt);
	cap_write_tp_format(w, CAP_SRC_FTRACE, SYS_EXIT_ID, "raw_syscalls", "sys_exit", sys_exit_fmt);
	struct cap_kfunc_def outer = { .func_id = 0, .attach = CAP_KFUNC_FENTRY,
				       .ret_kind = CAP_KFUNC_RET_SIGNED, .ret_size = 8 };
	struct cap_kfunc_def inner = { .func_id = 1, .attach = CAP_KFUNC_FENTRY,
				       .ret_kind = CAP_KFUNC_RET_SIGNED, .ret_size = 4 };
	struct cap_kfunc_def flag = { .func_id = 2, .attach = CAP_KFUNC_KPROBE,
				      .ret_kind = CAP_KFUNC_RET_UNSIGNED, .ret_size = 1 };
	assert_int_equal(cap_write_kfunc_def(w, &outer, "kvm_vcpu_ioctl", "kvm", "long"), 0);
	assert_int_equal(cap_write_kfunc_def(w, &inner, "kvm_vcpu_ioctl_set_cpuid2", "kvm", "int"), 0);
	assert_int_equal(cap_write_kfunc_def(w, &flag, "kvm_flag", "", "bool"), 0);

	uint64_t entry[3] = { 0, SET_CPUID2_CMD, 0 };
	probe(w, 2000, 0, 3, entry, 0, NULL);
	sys(w, 2100, true, 16, 6, SET_CPUID2_CMD, 0);
	/* written at their return, innermost first, as the collector drains them */
	kfunc_call(w, TID, 2120, 2, 5, 0xffffff01);		/* a bool: never an errno */
	kfunc_call(w, TID, 2130, 1, 50, 0xffffffea);		/* int -22, upper half zero */
	kfunc_call(w, TID, 2110, 0, 150, (uint64_t)-22);	/* long -22 */
	kfunc_call(w, TID + 1, 2140, 0, 10, (uint64_t)-22);	/* another thread's */
	sys(w, 2300, false, 16, 0, 0, -22);
	uint64_t exit1[8] = { 0, (uint64_t)-1, 22, 0, 0, SET_CPUID2_CMD, 0, 0 };
	const char *exit1_strs[8] = { "KVM_SET_CPUID2", NULL, NULL, "vcpu", NULL, NULL, NULL, "EINVAL" };
	probe(w, 2400, 1, 8, exit1, 0x89, exit1_strs);
	/* a type from a later minor version: skipped and counted */
	struct cap_record later = { .type = 99, .cpu = UINT32_MAX };
	assert_int_equal(cap_append(w, &later, "x", 1), 0);
	assert_int_equal(cap_writer_close(w, true), 0);
	assert_int_equal(timeline_load(&tl, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(tl.malformed, 0);
	assert_int_equal(tl.unknown, 1);

	/* entry, ioctl, outer, flag, inner, other thread's, exit */
	assert_int_equal(tl.n, 7);
	const struct tl_event *e = tl.ev;
	assert_int_equal(e[1].kind, TL_IOCTL);
	assert_int_equal(e[2].kind, TL_KFUNC);
	assert_string_equal(timeline_kfunc_name(&tl, &e[2]), "kvm_vcpu_ioctl");
	assert_int_equal(e[2].depth, 2);
	assert_int_equal(e[2].link, 1);
	assert_int_equal(e[2].parent, 0);
	assert_int_equal(e[2].end_ts, 2260);
	assert_int_equal(e[2].ret, -22);
	assert_string_equal(timeline_kfunc_name(&tl, &e[3]), "kvm_flag");
	assert_int_equal(e[3].depth, 3);
	assert_false(e[3].is_error);
	assert_int_equal(e[3].ret, 1);
	assert_int_equal(e[4].depth, 3);	/* the flag call returned before it began */
	assert_int_equal(e[4].ret, -22);
	assert_int_equal(timeline_kfunc_errno(&tl, &e[4]), 22);
	timeline_format_kfunc(&tl, &e[4], line, sizeof(line));
	assert_string_equal(line, "kvm_vcpu_ioctl_set_cpuid2 [kvm]() = -22 EINVAL");
	assert_int_equal(e[5].tid, TID + 1);
	assert_int_equal(e[5].link, -1);
	assert_int_equal(e[5].depth, 0);

	assert_int_equal(timeline_kfunc_culprit(&tl, 1, 22), 4);	/* from the syscall */
	assert_int_equal(timeline_kfunc_culprit(&tl, 0, 0), 4);		/* from the VMM's span */
	assert_int_equal(timeline_kfunc_culprit(&tl, 1, 9), -1);	/* no EBADF there */
	timeline_free(&tl);

	/* without BTF: an int's -errno (upper half zero) or a long's */
	assert_int_equal(cap_kfunc_errno(NULL, 0xffffffeaull), 22);
	assert_int_equal(cap_kfunc_errno(NULL, (uint64_t)-4095), 4095);
	assert_int_equal(cap_kfunc_errno(NULL, (uint64_t)-4096), 0);
	assert_int_equal(cap_kfunc_errno(NULL, 0x1ffffffeaull), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(joined),
		cmocka_unit_test(many_threads),
		cmocka_unit_test(kernel_functions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
