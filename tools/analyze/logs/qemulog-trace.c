/* Trace lines of QEMU, its downstreams and kvmscope-vmm: the point names
 * the rules use, and what their arguments mean. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qemulog.h"
#include "qemulog-internal.h"
#include "probe-decode.h"
#include "probe-table.h"
#include "qapi-names.h"

/* ---- trace points ------------------------------------------------------------ */

/* Trace points of QEMU and its downstreams seen in the seeds, besides ours
 * (probes/vmm.probes). Used to split names glued to their arguments
 * ("runstate_setcurrent_run_state 16 ...") and to accept lines without a
 * timestamp prefix. */
static const char *const qemu_trace_names[] = {
	"runstate_set",
	"vm_state_notify",
	"qemu_system_shutdown_request",
	"qemu_system_powerdown_request",
	"system_wakeup_request",
	"vm_stop_flush_all",
	"qmp_dispatch",
	"main_loop_should_exit_quit",
	"main_loop_should_exit_shutdown",
	"virtio_console_qga_chr_read",
	"memory_region_add_subregion_common",
	"migrate_fd_cancel",
	"handle_qmp_command",
	"monitor_qmp_respond",
	"monitor_qmp_cmd_in_band",
	"monitor_protocol_event_emit",
	"kvm_run_exit",
	"kvm_run_exit_system_event",
	"kvm_vcpu_ioctl",
	"kvm_vm_ioctl",
	"kvm_ioctl",
	"kvm_device_ioctl",
};

static bool known_trace_name(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(qemu_trace_names) / sizeof(qemu_trace_names[0]); i++)
		if (strlen(qemu_trace_names[i]) == n && !strncmp(qemu_trace_names[i], p, n))
			return true;
	for (unsigned i = 0; i < vmm_probe_count; i++)
		if (strlen(vmm_probe_table[i].name) == n && !strncmp(vmm_probe_table[i].name, p, n))
			return true;
	return (n > 10 && !strncmp(p, "qmp_enter_", 10)) || (n > 9 && !strncmp(p, "qmp_exit_", 9));
}

/* The longest known name that TOKEN starts with (0 if none). */
static size_t known_prefix(const char *tok, size_t n)
{
	size_t best = 0;
	for (size_t i = 0; i < sizeof(qemu_trace_names) / sizeof(qemu_trace_names[0]); i++) {
		size_t l = strlen(qemu_trace_names[i]);
		if (l < n && l > best && !strncmp(qemu_trace_names[i], tok, l))
			best = l;
	}
	for (unsigned i = 0; i < vmm_probe_count; i++) {
		size_t l = strlen(vmm_probe_table[i].name);
		if (l < n && l > best && !strncmp(vmm_probe_table[i].name, tok, l))
			best = l;
	}
	return best;
}

static void set_cause(struct qlog_event *ev, long reason)
{
	qlog_setf(ev, "reason", "%ld", reason);
	qlog_set(ev, "reason_name", qlog_shutdown_cause_name(reason));
}

/* runstate_set current_run_state %d (%s) new_state %d (%s) */
static bool trace_runstate(const char *a, struct qlog_event *ev)
{
	long from, to;
	const char *fn, *tn;
	size_t fl, tl;

	if (!qlog_take_lit(&a, "current_run_state ") || !qlog_take_long(&a, &from) || !qlog_take_lit(&a, " ") ||
	    !qlog_take_paren(&a, &fn, &fl) || !qlog_take_lit(&a, " new_state ") || !qlog_take_long(&a, &to) ||
	    !qlog_take_lit(&a, " ") || !qlog_take_paren(&a, &tn, &tl))
		return false;
	ev->kind = QLOG_RUNSTATE;
	qlog_setf(ev, "from_index", "%ld", from);
	qlog_setn(ev, "from", fn, fl);
	qlog_setf(ev, "to_index", "%ld", to);
	qlog_setn(ev, "to", tn, tl);
	return true;
}

/* main_loop_should_exit_{quit,shutdown}: ours "reason=%d (%s) action=%s", the
 * downstream's "guest system shutdown reason:%d,(vmm shutdown) ..." */
static bool trace_main_loop(const char *name, const char *a, struct qlog_event *ev)
{
	long reason;
	const char *r = strstr(a, "reason");

	if (!r)
		return false;
	r += 6;
	if (*r != '=' && *r != ':')
		return false;
	r++;
	if (!qlog_take_long(&r, &reason))
		return false;
	ev->kind = QLOG_MAIN_LOOP_EXIT;
	set_cause(ev, reason);
	const char *act = strstr(r, "action=");
	if (act)
		qlog_set(ev, "action", act + 7);
	else if (strstr(name, "_quit"))
		qlog_set(ev, "action", "quit");
	else if (strstr(a, "keep alive"))
		qlog_set(ev, "action", "keep alive");
	else
		qlog_set(ev, "action", r);
	return true;
}

/* ---- the VMM's own lines: decoded by the steps generated from vmm.probes ---- */

/* V's string argument K as a field */
static void set_str(struct qlog_event *ev, const char *key, const struct probe_value *v)
{
	qlog_setn(ev, key, v->s, v->len);
}

static void vmm_runstate(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_RUNSTATE;
	qlog_setf(ev, "from_index", "%lld", (long long)v[0].i);
	set_str(ev, "from", &v[1]);
	qlog_setf(ev, "to_index", "%lld", (long long)v[2].i);
	set_str(ev, "to", &v[3]);
}

static void vmm_state_notify(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_VM_STATE_NOTIFY;
	qlog_setf(ev, "running", "%lld", (long long)v[0].i);
	qlog_setf(ev, "reason", "%lld", (long long)v[1].i);
	set_str(ev, "reason_name", &v[2]);
}

static void vmm_reset_request(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_RESET_REQUEST;
	set_cause(ev, (long)v[0].i);
	qlog_set(ev, "resettable", v[2].i ? "true" : "false");
	set_str(ev, "action", &v[3]);
}

static void vmm_shutdown_request(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_SHUTDOWN_REQUEST;
	set_cause(ev, (long)v[0].i);
}

static void vmm_powerdown_request(const struct probe_value *v, struct qlog_event *ev)
{
	(void)v;
	ev->kind = QLOG_POWERDOWN_REQUEST;
}

static void vmm_system_reset(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_SYSTEM_RESET;
	set_cause(ev, (long)v[0].i);
}

static void vmm_killed(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_SIGNAL;
	qlog_setf(ev, "signal", "%lld", (long long)v[0].i);
	qlog_setf(ev, "pid", "%lld", (long long)v[1].i);
}

static void vmm_main_loop_exit(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_MAIN_LOOP_EXIT;
	set_cause(ev, (long)v[0].i);
	set_str(ev, "action", &v[2]);
}

/* kvm_ioctl_exit(name, ret, err, fd_kind, cpu_index, type, arg, errname) */
static void vmm_ioctl_exit(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_KVM_IOCTL_EXIT;
	set_str(ev, "fd_kind", &v[3]);
	qlog_setf(ev, "cpu_index", "%lld", (long long)v[4].i);
	qlog_setf(ev, "type", "0x%x", (unsigned)v[5].i);
	set_str(ev, "ioctl", &v[0]);
	qlog_setf(ev, "ret", "%lld", (long long)v[1].i);
	qlog_setf(ev, "errno", "%lld", (long long)v[2].i);
	set_str(ev, "errname", &v[7]);
}

/* kvm_fault_inject(name, type, err, errname, hit) */
static void vmm_fault_inject(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_KVM_FAULT_INJECT;
	set_str(ev, "ioctl", &v[0]);
	qlog_setf(ev, "errno", "%lld", (long long)v[2].i);
	set_str(ev, "errname", &v[3]);
	qlog_setf(ev, "hit", "%lld", (long long)v[4].i);
}

/* arm_pmu_attr(cpu_index, op, group, attr, ret, err): an error only when it failed */
static void vmm_pmu_attr(const struct probe_value *v, struct qlog_event *ev)
{
	char attr[64];
	qlog_setf(ev, "cpu_index", "%lld", (long long)v[0].i);
	set_str(ev, "ioctl", &v[1]);
	qlog_setf(ev, "attr_group", "%lld", (long long)v[2].i);
	qlog_setf(ev, "attr", "KVM_ARM_VCPU_PMU_V3_%s", probe_value_str(&v[3], attr, sizeof(attr)));
	qlog_setf(ev, "ret", "%lld", (long long)v[4].i);
	if (v[4].i < 0) {
		ev->kind = QLOG_PMU_ATTR_ERROR;
		qlog_setf(ev, "errno", "%lld", (long long)v[5].i);
		qlog_set(ev, "errname", qlog_errname((int)v[5].i));
	}
}

static void vmm_qapi_event(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_QMP_EVENT;
	set_str(ev, "event", &v[0]);
	json_t *data = qlog_json_in(v[1].s);
	qlog_set_event_data(ev, data);
	json_decref(data);
}

/* handle_qmp_command(mon, req) */
static void vmm_qmp_request(const struct probe_value *v, struct qlog_event *ev)
{
	json_t *req = qlog_json_in(v[1].s);
	if (json_is_object(req) && qlog_set_command(ev, req))
		ev->kind = QLOG_QMP_COMMAND;
	json_decref(req);
}

/* qmp_command_in(name, id, mon) */
static void vmm_qmp_command_in(const struct probe_value *v, struct qlog_event *ev)
{
	ev->kind = QLOG_QMP_COMMAND;
	set_str(ev, "command", &v[0]);
}

/* what each of the VMM's trace points means to the rules (the others stay
 * QLOG_TRACE events with their arguments) */
static const struct {
	const char *probe;
	void (*mean)(const struct probe_value *v, struct qlog_event *ev);
} vmm_meanings[] = {
	{ "runstate_set", vmm_runstate },
	{ "vm_state_notify", vmm_state_notify },
	{ "qemu_system_reset_request", vmm_reset_request },
	{ "qemu_system_shutdown_request", vmm_shutdown_request },
	{ "qemu_system_powerdown_request", vmm_powerdown_request },
	{ "qemu_system_reset", vmm_system_reset },
	{ "qemu_system_killed", vmm_killed },
	{ "main_loop_should_exit_shutdown", vmm_main_loop_exit },
	{ "kvm_ioctl_exit", vmm_ioctl_exit },
	{ "kvm_fault_inject", vmm_fault_inject },
	{ "arm_pmu_attr", vmm_pmu_attr },
	{ "qapi_event", vmm_qapi_event },
	{ "handle_qmp_command", vmm_qmp_request },
	{ "qmp_command_in", vmm_qmp_command_in },
};

/* ARGS of the VMM's trace point NAME, when they are in its format */
static bool interpret_vmm(const char *name, const char *args, struct qlog_event *ev)
{
	struct probe_value v[PROBE_MAX_ARGS];
	int id = probe_lookup(name);
	if (id < 0 || !probe_decode(&vmm_probe_table[id], args, v))
		return false;
	for (size_t i = 0; i < sizeof(vmm_meanings) / sizeof(vmm_meanings[0]); i++)
		if (!strcmp(vmm_meanings[i].probe, name))
			vmm_meanings[i].mean(v, ev);
	return true;
}

/* ---- QEMU's and its downstreams' own shapes, read by hand ---- */

/* vm_state_notify "running %d reason %d" (QEMU before 7.0: no reason's name) */
static void qemu_state_notify(const char *a, struct qlog_event *ev)
{
	long n1, n2;
	const char *w;
	size_t wl;
	if (qlog_take_lit(&a, "running ") && qlog_take_long(&a, &n1) && qlog_take_lit(&a, " reason ") &&
	    qlog_take_long(&a, &n2)) {
		ev->kind = QLOG_VM_STATE_NOTIFY;
		qlog_setf(ev, "running", "%ld", n1);
		qlog_setf(ev, "reason", "%ld", n2);
		if (qlog_take_lit(&a, " ") && qlog_take_paren(&a, &w, &wl))
			qlog_setn(ev, "reason_name", w, wl);
	}
}

static void interpret_qemu(const char *name, const char *a, struct qlog_event *ev)
{
	long n1;
	if (!strcmp(name, "runstate_set")) {
		trace_runstate(a, ev);
	} else if (!strcmp(name, "vm_state_notify")) {
		qemu_state_notify(a, ev);
	} else if (!strcmp(name, "qemu_system_shutdown_request")) {
		if (qlog_take_lit(&a, "reason=") && qlog_take_long(&a, &n1)) {
			ev->kind = QLOG_SHUTDOWN_REQUEST;
			set_cause(ev, n1);
		}
	} else if (!strcmp(name, "qemu_system_powerdown_request")) {
		ev->kind = QLOG_POWERDOWN_REQUEST;
	} else if (qlog_starts_with(name, "main_loop_should_exit")) {
		trace_main_loop(name, a, ev);
	} else if (!strcmp(name, "qmp_dispatch")) {
		/* downstream: "qmp_cmd_name: %s, arguments: %s" */
		if (qlog_take_lit(&a, "qmp_cmd_name: ")) {
			size_t nl = strcspn(a, ", ");
			ev->kind = QLOG_QMP_COMMAND;
			qlog_setn(ev, "command", a, nl);
			const char *args = strstr(a, "arguments: ");
			if (args)
				qlog_set(ev, "arguments", args + 11);
		}
	} else if (qlog_starts_with(name, "qmp_enter_")) {
		ev->kind = QLOG_QMP_COMMAND;
		qlog_set(ev, "command", name + 10);
		qlog_set(ev, "arguments", a);
	} else if (!strcmp(name, "handle_qmp_command") || !strcmp(name, "virtio_console_qga_chr_read") ||
		   strstr(name, "qga")) {
		json_t *req = qlog_json_in(a);
		if (json_is_object(req) && qlog_set_command(ev, req))
			ev->kind = strcmp(name, "handle_qmp_command") ? QLOG_AGENT_COMMAND :
								       QLOG_QMP_COMMAND;
		json_decref(req);
	}
}

void qlog_interpret_trace(const char *name, const char *a, struct qlog_event *ev)
{
	ev->kind = QLOG_TRACE;
	qlog_set(ev, "args", a);
	if (!interpret_vmm(name, a, ev))
		interpret_qemu(name, a, ev);
	/* the event keeps the trace point's name, not the command's */
	qlog_set_name(ev, name, strlen(name));
}

/* NAME ARGS (NAME possibly glued to ARGS) after a trace prefix at P. */
bool qlog_read_trace_body(const char *p, struct qlog_event *ev, bool need_known)
{
	size_t n = 0;
	char name[128];

	while (qlog_is_name_char(p[n]))
		n++;
	if (n == 0 || n >= sizeof(name))
		return false;
	if (!known_trace_name(p, n)) {
		size_t k = known_prefix(p, n);
		if (k)
			n = k; /* a downstream that forgot the space: "runstate_setcurrent_run_state" */
		else if (need_known || (p[n] != ' ' && p[n] != '\0'))
			return false;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	const char *args = p + n;
	if (*args == ' ')
		args++;
	ev->source = QLOG_SRC_TRACE;
	qlog_interpret_trace(name, args, ev);
	return true;
}

/* TID@[YYYY-MM-DD HH:MM:SS.uuuuuu] NAME ARGS  or  TID@SECONDS.USECS:NAME ARGS */
bool qlog_read_trace(const char *p, struct qlog_event *ev)
{
	const char *q = p, *end;
	long tid;
	int64_t us;

	if (!isdigit((unsigned char)*q) || !qlog_take_long(&q, &tid) || tid < 0 || *q != '@')
		return false;
	q++;
	if (*q == '[') {
		if (!qlog_parse_datetime(q + 1, ' ', &us, &end) || *end != ']')
			return false;
		q = qlog_skip_spaces(end + 1);
		if (!qlog_read_trace_body(q, ev, false))
			return false;
		ev->clock = QLOG_CLOCK_LOCAL;
	} else {
		long sec, usec;
		const char *f;
		/* bounded as QMP timestamps are: the microseconds must fit */
		if (!qlog_take_long(&q, &sec) || sec < 0 || sec >= (1L << 40) || *q != '.')
			return false;
		f = ++q;
		if (!qlog_take_long(&q, &usec) || usec < 0 || q - f != 6 || *q != ':')
			return false;
		if (!qlog_read_trace_body(q + 1, ev, false))
			return false;
		us = (int64_t)sec * 1000000 + usec;
		ev->clock = QLOG_CLOCK_UTC;
	}
	ev->tid = tid;
	ev->ts_us = us;
	return true;
}

