/* Trace lines of QEMU, its downstreams and kvmscope-vmm: the point names
 * the rules use, and what their arguments mean. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qemulog.h"
#include "qemulog-internal.h"
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

/* kvm_ioctl_exit "%4$s cpu_index %5$d, type 0x%6$x (%1$s), arg %7$p, ret %2$d, errno %3$d (%8$s)" */
static bool trace_ioctl_exit(const char *a, struct qlog_event *ev)
{
	const char *sp = strchr(a, ' '), *name, *en;
	size_t nl, enl;
	long cpu, ret, err;
	char type[32];

	if (!sp)
		return false;
	qlog_setn(ev, "fd_kind", a, (size_t)(sp - a));
	a = sp;
	if (!qlog_take_lit(&a, " cpu_index ") || !qlog_take_long(&a, &cpu) || !qlog_take_lit(&a, ", type "))
		return false;
	size_t tl = strcspn(a, " ");
	if (tl == 0 || tl >= sizeof(type))
		return false;
	memcpy(type, a, tl);
	type[tl] = '\0';
	a += tl;
	if (!qlog_take_lit(&a, " ") || !qlog_take_paren(&a, &name, &nl))
		return false;
	const char *r = strstr(a, ", ret ");
	if (!r)
		return false;
	a = r;
	if (!qlog_take_lit(&a, ", ret ") || !qlog_take_long(&a, &ret) || !qlog_take_lit(&a, ", errno ") ||
	    !qlog_take_long(&a, &err))
		return false;
	ev->kind = QLOG_KVM_IOCTL_EXIT;
	qlog_setf(ev, "cpu_index", "%ld", cpu);
	qlog_set(ev, "type", type);
	qlog_setn(ev, "ioctl", name, nl);
	qlog_setf(ev, "ret", "%ld", ret);
	qlog_setf(ev, "errno", "%ld", err);
	if (qlog_take_lit(&a, " ") && qlog_take_paren(&a, &en, &enl))
		qlog_setn(ev, "errname", en, enl);
	else
		qlog_set(ev, "errname", qlog_errname((int)err));
	return true;
}

/* kvm_fault_inject "%s type 0x%x errno %d (%s) hit %d" */
static bool trace_fault(const char *a, struct qlog_event *ev)
{
	const char *sp = strchr(a, ' '), *r, *en;
	size_t enl;
	long err, hit;

	if (!sp || !(r = strstr(sp, " errno ")))
		return false;
	qlog_setn(ev, "ioctl", a, (size_t)(sp - a));
	a = r;
	if (!qlog_take_lit(&a, " errno ") || !qlog_take_long(&a, &err) || !qlog_take_lit(&a, " ") ||
	    !qlog_take_paren(&a, &en, &enl))
		return false;
	ev->kind = QLOG_KVM_FAULT_INJECT;
	qlog_setf(ev, "errno", "%ld", err);
	qlog_setn(ev, "errname", en, enl);
	if (qlog_take_lit(&a, " hit ") && qlog_take_long(&a, &hit))
		qlog_setf(ev, "hit", "%ld", hit);
	return true;
}

void qlog_interpret_trace(const char *name, const char *a, struct qlog_event *ev)
{
	long n1, n2;
	const char *w;
	size_t wl;

	ev->kind = QLOG_TRACE;
	qlog_set(ev, "args", a);
	if (!strcmp(name, "runstate_set")) {
		trace_runstate(a, ev);
	} else if (!strcmp(name, "vm_state_notify")) {
		if (qlog_take_lit(&a, "running ") && qlog_take_long(&a, &n1) && qlog_take_lit(&a, " reason ") &&
		    qlog_take_long(&a, &n2)) {
			ev->kind = QLOG_VM_STATE_NOTIFY;
			qlog_setf(ev, "running", "%ld", n1);
			qlog_setf(ev, "reason", "%ld", n2);
			if (qlog_take_lit(&a, " ") && qlog_take_paren(&a, &w, &wl))
				qlog_setn(ev, "reason_name", w, wl);
		}
	} else if (!strcmp(name, "qemu_system_reset_request")) {
		/* ours: "reason=%d (%s) resettable=%d action=%s" */
		if (qlog_take_lit(&a, "reason=") && qlog_take_long(&a, &n1)) {
			ev->kind = QLOG_RESET_REQUEST;
			set_cause(ev, n1);
			const char *r = strstr(a, "resettable=");
			if (r)
				qlog_set(ev, "resettable", r[11] == '0' ? "false" : "true");
			const char *act = strstr(a, "action=");
			if (act)
				qlog_set(ev, "action", act + 7);
		}
	} else if (!strcmp(name, "qemu_system_shutdown_request")) {
		if (qlog_take_lit(&a, "reason=") && qlog_take_long(&a, &n1)) {
			ev->kind = QLOG_SHUTDOWN_REQUEST;
			set_cause(ev, n1);
		}
	} else if (!strcmp(name, "qemu_system_powerdown_request")) {
		ev->kind = QLOG_POWERDOWN_REQUEST;
	} else if (!strcmp(name, "qemu_system_reset")) {
		if (qlog_take_lit(&a, "reason=") && qlog_take_long(&a, &n1)) {
			ev->kind = QLOG_SYSTEM_RESET;
			set_cause(ev, n1);
		}
	} else if (!strcmp(name, "qemu_system_killed")) {
		if (qlog_take_lit(&a, "signal ") && qlog_take_long(&a, &n1) && qlog_take_lit(&a, " pid ") &&
		    qlog_take_long(&a, &n2)) {
			ev->kind = QLOG_SIGNAL;
			qlog_setf(ev, "signal", "%ld", n1);
			qlog_setf(ev, "pid", "%ld", n2);
		}
	} else if (qlog_starts_with(name, "main_loop_should_exit")) {
		trace_main_loop(name, a, ev);
	} else if (!strcmp(name, "kvm_ioctl_exit")) {
		trace_ioctl_exit(a, ev);
	} else if (!strcmp(name, "kvm_fault_inject")) {
		trace_fault(a, ev);
	} else if (!strcmp(name, "arm_pmu_attr")) {
		/* ours: "cpu_index %d, %s group %u attr %s ret %d errno %d" */
		char op[32], attr[32];
		int cpu, group, ret, err;
		if (sscanf(a, "cpu_index %d, %31s group %d attr %31s ret %d errno %d", &cpu, op, &group,
			   attr, &ret, &err) == 6) {
			qlog_setf(ev, "cpu_index", "%d", cpu);
			qlog_set(ev, "ioctl", op);
			qlog_setf(ev, "attr_group", "%d", group);
			qlog_setf(ev, "attr", "KVM_ARM_VCPU_PMU_V3_%s", attr);
			qlog_setf(ev, "ret", "%d", ret);
			if (ret < 0) {
				ev->kind = QLOG_PMU_ATTR_ERROR;
				qlog_setf(ev, "errno", "%d", err);
				qlog_set(ev, "errname", qlog_errname(err));
			}
		}
	} else if (!strcmp(name, "qapi_event")) {
		/* ours: "event %s data %s" */
		if (qlog_take_lit(&a, "event ")) {
			size_t nl = strcspn(a, " ");
			ev->kind = QLOG_QMP_EVENT;
			qlog_setn(ev, "event", a, nl);
			json_t *data = qlog_json_in(a + nl);
			qlog_set_event_data(ev, data);
			json_decref(data);
		}
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
	} else if (!strcmp(name, "qmp_command_in")) {
		/* ours: "mon %p cmd NAME id ID" */
		const char *c = strstr(a, " cmd ");
		if (c) {
			ev->kind = QLOG_QMP_COMMAND;
			qlog_setn(ev, "command", c + 5, strcspn(c + 5, " "));
		}
	} else if (qlog_starts_with(name, "qmp_enter_")) {
		ev->kind = QLOG_QMP_COMMAND;
		qlog_set(ev, "command", name + 10);
		qlog_set(ev, "arguments", a);
	} else if (!strcmp(name, "handle_qmp_command")) {
		json_t *req = qlog_json_in(a);
		if (json_is_object(req) && qlog_set_command(ev, req))
			ev->kind = QLOG_QMP_COMMAND;
		json_decref(req);
	} else if (!strcmp(name, "virtio_console_qga_chr_read") || strstr(name, "qga")) {
		json_t *req = qlog_json_in(a);
		if (json_is_object(req) && qlog_set_command(ev, req))
			ev->kind = QLOG_AGENT_COMMAND;
		json_decref(req);
	}
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

