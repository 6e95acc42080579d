/* The line reader: every supported log shape becomes a normalized event.
 * Shapes (spec §7.1, §8, §11.3 and the seed logs):
 *   TID@[YYYY-MM-DD HH:MM:SS.uuuuuu] NAME ARGS   downstream QEMU, kvmscope-vmm default
 *   TID@SECONDS.USECS:NAME ARGS                  upstream QEMU <= 10.0
 *   YYYY-MM-DDTHH:MM:SS.ffffffZ NAME ARGS        upstream QEMU >= 10.1
 *   [YYYY-MM-DDTHH:MM:SS.ffffffZ ]PROG: MESSAGE  error_report (-msg timestamp=on)
 *   FUNCTION: STRERROR                           perror()
 *   {"timestamp": ..., "event": ...}             QMP events, commands, replies
 *   YYYY-MM-DD HH:MM:SS.mmm+0000: TEXT           libvirt domain log
 *   CPU)  DURATION |  FUNCTION();                ftrace function_graph
 *   [user@host time dir]# COMMAND                a shell prompt
 * plus QEMU command lines and libvirt's <policy> element anywhere. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "probe-table.h"
#include "qemulog.h"
#include "system.h"

#define MAX_LINE_BYTES (1u << 20) /* longer lines are cut, and say so */

/* ---- names ---------------------------------------------------------------- */

static const char *const kind_names[QLOG_KIND__MAX] = {
	[QLOG_TEXT] = "text",
	[QLOG_TRACE] = "trace",
	[QLOG_RUNSTATE] = "runstate",
	[QLOG_VM_STATE_NOTIFY] = "vm-state-notify",
	[QLOG_RESET_REQUEST] = "reset-request",
	[QLOG_SHUTDOWN_REQUEST] = "shutdown-request",
	[QLOG_POWERDOWN_REQUEST] = "powerdown-request",
	[QLOG_SYSTEM_RESET] = "system-reset",
	[QLOG_MAIN_LOOP_EXIT] = "main-loop-exit",
	[QLOG_QMP_EVENT] = "qmp-event",
	[QLOG_QMP_COMMAND] = "qmp-command",
	[QLOG_QMP_REPLY] = "qmp-reply",
	[QLOG_AGENT_COMMAND] = "agent-command",
	[QLOG_NOT_RESETTABLE] = "cpus-not-resettable",
	[QLOG_SIGNAL] = "signal",
	[QLOG_INVALID_TRANSITION] = "invalid-transition",
	[QLOG_KVM_IOCTL_EXIT] = "kvm-ioctl-exit",
	[QLOG_KVM_FAULT_INJECT] = "kvm-fault-inject",
	[QLOG_PMU_ATTR_ERROR] = "pmu-attr-error",
	[QLOG_PMU_STEP_FAILED] = "pmu-step-failed",
	[QLOG_NO_VPMU] = "no-vpmu",
	[QLOG_PERROR] = "perror",
	[QLOG_ABORT] = "abort",
	[QLOG_MESSAGE] = "message",
	[QLOG_LIBVIRT_START] = "libvirt-start",
	[QLOG_LIBVIRT_STOP] = "libvirt-stop",
	[QLOG_COMMAND_LINE] = "command-line",
	[QLOG_SEV_POLICY] = "sev-policy",
	[QLOG_FUNCTION_GRAPH] = "function-graph",
	[QLOG_SYSCALL] = "syscall",
	[QLOG_HOST] = "host",
	[QLOG_KERNEL_FUNCTION] = "kernel-function",
};

static const char *const source_names[QLOG_SRC__MAX] = {
	[QLOG_SRC_TEXT] = "text",	  [QLOG_SRC_TRACE] = "trace",
	[QLOG_SRC_QMP] = "qmp",		  [QLOG_SRC_STDERR] = "stderr",
	[QLOG_SRC_LIBVIRT] = "libvirt",	  [QLOG_SRC_FTRACE] = "ftrace",
	[QLOG_SRC_SHELL] = "shell",	  [QLOG_SRC_CAPTURE] = "capture",
};

const char *qlog_kind_name(enum qlog_kind k)
{
	return (unsigned)k < QLOG_KIND__MAX ? kind_names[k] : "?";
}

const char *qlog_source_name(enum qlog_source s)
{
	return (unsigned)s < QLOG_SRC__MAX ? source_names[s] : "?";
}

const char *qlog_shutdown_cause_name(long idx)
{
	return idx >= 0 && idx < SHUTDOWN_CAUSE__MAX ? shutdown_cause_name((enum shutdown_cause)idx)
						      : "?";
}

int qlog_errno_by_text(const char *text)
{
	for (int e = 1; e < 200; e++) {
		const char *d = strerrordesc_np(e);
		if (d && !strcmp(d, text))
			return e;
	}
	return 0;
}

static const char *errname(int e)
{
	const char *n = e > 0 ? strerrorname_np(e) : NULL;
	return n ? n : "E?";
}

/* ---- events and fields ----------------------------------------------------- */

const char *qlog_get(const struct qlog_event *ev, const char *key)
{
	for (unsigned i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->fields[i].key, key))
			return ev->fields[i].value;
	return NULL;
}

bool qlog_has(const struct qlog_event *ev, const char *key)
{
	return qlog_get(ev, key) != NULL;
}

long long qlog_get_int(const struct qlog_event *ev, const char *key, long long dflt)
{
	const char *v = qlog_get(ev, key);
	char *end;

	if (!v || !*v)
		return dflt;
	errno = 0;
	long long n = strtoll(v, &end, 0);
	return errno || *end ? dflt : n;
}

void qlog_set(struct qlog_event *ev, const char *key, const char *value)
{
	for (unsigned i = 0; i < ev->nfields; i++) {
		if (!strcmp(ev->fields[i].key, key)) {
			char *copy = strdup(value);
			if (!copy)
				return;
			free(ev->fields[i].value);
			ev->fields[i].value = copy;
			return;
		}
	}
	if (ev->nfields == QLOG_MAX_FIELDS)
		return;
	char *copy = strdup(value);
	if (!copy)
		return;
	ev->fields[ev->nfields].key = key;
	ev->fields[ev->nfields].value = copy;
	ev->nfields++;
}

void qlog_setf(struct qlog_event *ev, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	qlog_set(ev, key, buf);
}

static void set_setn(struct qlog_event *ev, const char *key, const char *p, size_t n)
{
	char *copy = strndup(p, n);
	if (copy) {
		qlog_set(ev, key, copy);
		free(copy);
	}
}

static void set_name(struct qlog_event *ev, const char *p, size_t n)
{
	free(ev->name);
	ev->name = strndup(p, n);
}

void qlog_event_clear(struct qlog_event *ev)
{
	for (unsigned i = 0; i < ev->nfields; i++)
		free(ev->fields[i].value);
	free(ev->text);
	free(ev->name);
	memset(ev, 0, sizeof(*ev));
	ev->tid = -1;
}

/* ---- small parsers --------------------------------------------------------- */

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool starts_with(const char *p, const char *prefix)
{
	return !strncmp(p, prefix, strlen(prefix));
}

/* N digits exactly; -1 otherwise */
static long digits(const char *p, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DD?HH:MM:SS[.fraction]" with SEP between date and time: the
 * microseconds since the epoch, taking the fields as UTC. */
static bool parse_datetime(const char *p, char sep, int64_t *us, const char **end)
{
	long y = digits(p, 4), mo, d, h, mi, s;

	if (y < 0 || p[4] != '-' || (mo = digits(p + 5, 2)) < 1 || mo > 12 || p[7] != '-' ||
	    (d = digits(p + 8, 2)) < 1 || d > 31 || p[10] != sep || (h = digits(p + 11, 2)) < 0 ||
	    h > 23 || p[13] != ':' || (mi = digits(p + 14, 2)) < 0 || mi > 59 || p[16] != ':' ||
	    (s = digits(p + 17, 2)) < 0 || s > 60)
		return false;
	struct tm tm = { .tm_year = (int)y - 1900, .tm_mon = (int)mo - 1, .tm_mday = (int)d,
			 .tm_hour = (int)h, .tm_min = (int)mi, .tm_sec = (int)s };
	int64_t t = (int64_t)timegm(&tm) * 1000000;
	const char *q = p + 19;
	if (*q == '.') {
		long scale = 100000, frac = 0;
		q++;
		if (!isdigit((unsigned char)*q))
			return false;
		for (; isdigit((unsigned char)*q); q++) {
			frac += (*q - '0') * scale;
			scale /= 10;
		}
		t += frac;
	}
	*us = t;
	*end = q;
	return true;
}

/* A decimal integer at *P (optional sign), advancing *P. */
static bool take_long(const char **p, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(*p, &end, 10);
	if (end == *p || errno)
		return false;
	*out = v;
	*p = end;
	return true;
}

static bool take_lit(const char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

/* "(word)" -> word, advancing past ')' */
static bool take_paren(const char **p, const char **w, size_t *n)
{
	if (**p != '(')
		return false;
	const char *close = strchr(*p, ')');
	if (!close)
		return false;
	*w = *p + 1;
	*n = (size_t)(close - *w);
	*p = close + 1;
	return true;
}

/* ---- text as read ------------------------------------------------------------ */

/* Length of a valid UTF-8 sequence at P (at most N bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* The line as valid UTF-8: control bytes and invalid sequences become \xNN. */
static char *sanitize(const char *line, size_t len, bool *cut)
{
	*cut = len > MAX_LINE_BYTES;
	if (*cut)
		len = MAX_LINE_BYTES;
	char *out = malloc(len * 4 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)line;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t u;
		if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t') {
			*o++ = (char)p[i++];
		} else if (p[i] >= 0x80 && (u = utf8_len(p + i, len - i)) > 0) {
			memcpy(o, p + i, u);
			o += u;
			i += u;
		} else {
			o += sprintf(o, "\\x%02x", p[i]);
			i++;
		}
	}
	*o = '\0';
	return out;
}

/* ---- JSON (QMP, agent) ------------------------------------------------------ */

static char *json_text(json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static void set_json(struct qlog_event *ev, const char *key, json_t *j)
{
	char *s = json_text(j);
	if (s) {
		qlog_set(ev, key, s);
		free(s);
	}
}

/* SHUTDOWN/RESET/GUEST_PANICKED data: guest, reason, action */
static void set_event_data(struct qlog_event *ev, json_t *data)
{
	if (!json_is_object(data))
		return;
	set_json(ev, "data", data);
	json_t *g = json_object_get(data, "guest");
	if (json_is_boolean(g))
		qlog_set(ev, "guest", json_is_true(g) ? "true" : "false");
	json_t *r = json_object_get(data, "reason");
	if (json_is_string(r))
		qlog_set(ev, "reason", json_string_value(r));
	json_t *a = json_object_get(data, "action");
	if (json_is_string(a))
		qlog_set(ev, "action", json_string_value(a));
}

/* {"execute": NAME, "arguments": {...}} -> command, arguments, mode */
static bool set_command(struct qlog_event *ev, json_t *root)
{
	json_t *cmd = json_object_get(root, "execute");
	if (!json_is_string(cmd))
		cmd = json_object_get(root, "exec-oob");
	if (!json_is_string(cmd))
		return false;
	const char *name = json_string_value(cmd);
	set_name(ev, name, strlen(name));
	qlog_set(ev, "command", name);
	json_t *args = json_object_get(root, "arguments");
	if (args) {
		set_json(ev, "arguments", args);
		json_t *mode = json_object_get(args, "mode");
		if (json_is_string(mode))
			qlog_set(ev, "mode", json_string_value(mode));
	}
	return true;
}

static json_t *parse_json(const char *p, size_t n)
{
	json_error_t jerr;
	return json_loadb(p, n, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &jerr);
}

/* A whole line of QMP JSON. */
static bool read_qmp(const char *p, struct qlog_event *ev)
{
	json_t *root = parse_json(p, strlen(p));
	bool ok = false;

	if (!json_is_object(root))
		goto out;
	ev->source = QLOG_SRC_QMP;
	json_t *event = json_object_get(root, "event");
	if (json_is_string(event)) {
		const char *name = json_string_value(event);
		ev->kind = QLOG_QMP_EVENT;
		set_name(ev, name, strlen(name));
		qlog_set(ev, "event", name);
		set_event_data(ev, json_object_get(root, "data"));
		json_t *ts = json_object_get(root, "timestamp");
		json_t *sec = json_object_get(ts, "seconds"), *usec = json_object_get(ts, "microseconds");
		if (json_is_integer(sec) && json_is_integer(usec) && json_integer_value(sec) >= 0 &&
		    json_integer_value(sec) < ((json_int_t)1 << 40) && json_integer_value(usec) >= 0 &&
		    json_integer_value(usec) < 1000000) {
			ev->clock = QLOG_CLOCK_UTC;
			ev->ts_us = (int64_t)json_integer_value(sec) * 1000000 +
				    (int64_t)json_integer_value(usec);
		}
		ok = true;
	} else if (set_command(ev, root)) {
		ev->kind = QLOG_QMP_COMMAND;
		ok = true;
	} else if (json_object_get(root, "return")) {
		ev->kind = QLOG_QMP_REPLY;
		set_json(ev, "result", json_object_get(root, "return"));
		ok = true;
	} else if (json_object_get(root, "error")) {
		ev->kind = QLOG_QMP_REPLY;
		set_json(ev, "error", json_object_get(root, "error"));
		ok = true;
	} else if (json_object_get(root, "QMP")) {
		ev->kind = QLOG_TEXT; /* greeting: recognised, nothing to use */
		ok = true;
	}
out:
	json_decref(root);
	return ok;
}

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

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
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

	if (!take_lit(&a, "current_run_state ") || !take_long(&a, &from) || !take_lit(&a, " ") ||
	    !take_paren(&a, &fn, &fl) || !take_lit(&a, " new_state ") || !take_long(&a, &to) ||
	    !take_lit(&a, " ") || !take_paren(&a, &tn, &tl))
		return false;
	ev->kind = QLOG_RUNSTATE;
	qlog_setf(ev, "from_index", "%ld", from);
	set_setn(ev, "from", fn, fl);
	qlog_setf(ev, "to_index", "%ld", to);
	set_setn(ev, "to", tn, tl);
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
	if (!take_long(&r, &reason))
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
	set_setn(ev, "fd_kind", a, (size_t)(sp - a));
	a = sp;
	if (!take_lit(&a, " cpu_index ") || !take_long(&a, &cpu) || !take_lit(&a, ", type "))
		return false;
	size_t tl = strcspn(a, " ");
	if (tl == 0 || tl >= sizeof(type))
		return false;
	memcpy(type, a, tl);
	type[tl] = '\0';
	a += tl;
	if (!take_lit(&a, " ") || !take_paren(&a, &name, &nl))
		return false;
	const char *r = strstr(a, ", ret ");
	if (!r)
		return false;
	a = r;
	if (!take_lit(&a, ", ret ") || !take_long(&a, &ret) || !take_lit(&a, ", errno ") ||
	    !take_long(&a, &err))
		return false;
	ev->kind = QLOG_KVM_IOCTL_EXIT;
	qlog_setf(ev, "cpu_index", "%ld", cpu);
	qlog_set(ev, "type", type);
	set_setn(ev, "ioctl", name, nl);
	qlog_setf(ev, "ret", "%ld", ret);
	qlog_setf(ev, "errno", "%ld", err);
	if (take_lit(&a, " ") && take_paren(&a, &en, &enl))
		set_setn(ev, "errname", en, enl);
	else
		qlog_set(ev, "errname", errname((int)err));
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
	set_setn(ev, "ioctl", a, (size_t)(sp - a));
	a = r;
	if (!take_lit(&a, " errno ") || !take_long(&a, &err) || !take_lit(&a, " ") ||
	    !take_paren(&a, &en, &enl))
		return false;
	ev->kind = QLOG_KVM_FAULT_INJECT;
	qlog_setf(ev, "errno", "%ld", err);
	set_setn(ev, "errname", en, enl);
	if (take_lit(&a, " hit ") && take_long(&a, &hit))
		qlog_setf(ev, "hit", "%ld", hit);
	return true;
}

/* the first '{' of A to the end, as JSON */
static json_t *json_in(const char *a)
{
	const char *b = strchr(a, '{');
	return b ? parse_json(b, strlen(b)) : NULL;
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
		if (take_lit(&a, "running ") && take_long(&a, &n1) && take_lit(&a, " reason ") &&
		    take_long(&a, &n2)) {
			ev->kind = QLOG_VM_STATE_NOTIFY;
			qlog_setf(ev, "running", "%ld", n1);
			qlog_setf(ev, "reason", "%ld", n2);
			if (take_lit(&a, " ") && take_paren(&a, &w, &wl))
				set_setn(ev, "reason_name", w, wl);
		}
	} else if (!strcmp(name, "qemu_system_reset_request")) {
		/* ours: "reason=%d (%s) resettable=%d action=%s" */
		if (take_lit(&a, "reason=") && take_long(&a, &n1)) {
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
		if (take_lit(&a, "reason=") && take_long(&a, &n1)) {
			ev->kind = QLOG_SHUTDOWN_REQUEST;
			set_cause(ev, n1);
		}
	} else if (!strcmp(name, "qemu_system_powerdown_request")) {
		ev->kind = QLOG_POWERDOWN_REQUEST;
	} else if (!strcmp(name, "qemu_system_reset")) {
		if (take_lit(&a, "reason=") && take_long(&a, &n1)) {
			ev->kind = QLOG_SYSTEM_RESET;
			set_cause(ev, n1);
		}
	} else if (!strcmp(name, "qemu_system_killed")) {
		if (take_lit(&a, "signal ") && take_long(&a, &n1) && take_lit(&a, " pid ") &&
		    take_long(&a, &n2)) {
			ev->kind = QLOG_SIGNAL;
			qlog_setf(ev, "signal", "%ld", n1);
			qlog_setf(ev, "pid", "%ld", n2);
		}
	} else if (starts_with(name, "main_loop_should_exit")) {
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
				qlog_set(ev, "errname", errname(err));
			}
		}
	} else if (!strcmp(name, "qapi_event")) {
		/* ours: "event %s data %s" */
		if (take_lit(&a, "event ")) {
			size_t nl = strcspn(a, " ");
			ev->kind = QLOG_QMP_EVENT;
			set_setn(ev, "event", a, nl);
			json_t *data = json_in(a + nl);
			set_event_data(ev, data);
			json_decref(data);
		}
	} else if (!strcmp(name, "qmp_dispatch")) {
		/* downstream: "qmp_cmd_name: %s, arguments: %s" */
		if (take_lit(&a, "qmp_cmd_name: ")) {
			size_t nl = strcspn(a, ", ");
			ev->kind = QLOG_QMP_COMMAND;
			set_setn(ev, "command", a, nl);
			const char *args = strstr(a, "arguments: ");
			if (args)
				qlog_set(ev, "arguments", args + 11);
		}
	} else if (!strcmp(name, "qmp_command_in")) {
		/* ours: "mon %p cmd NAME id ID" */
		const char *c = strstr(a, " cmd ");
		if (c) {
			ev->kind = QLOG_QMP_COMMAND;
			set_setn(ev, "command", c + 5, strcspn(c + 5, " "));
		}
	} else if (starts_with(name, "qmp_enter_")) {
		ev->kind = QLOG_QMP_COMMAND;
		qlog_set(ev, "command", name + 10);
		qlog_set(ev, "arguments", a);
	} else if (!strcmp(name, "handle_qmp_command")) {
		json_t *req = json_in(a);
		if (json_is_object(req) && set_command(ev, req))
			ev->kind = QLOG_QMP_COMMAND;
		json_decref(req);
	} else if (!strcmp(name, "virtio_console_qga_chr_read") || strstr(name, "qga")) {
		json_t *req = json_in(a);
		if (json_is_object(req) && set_command(ev, req))
			ev->kind = QLOG_AGENT_COMMAND;
		json_decref(req);
	}
	/* the event keeps the trace point's name, not the command's */
	set_name(ev, name, strlen(name));
}

/* NAME ARGS (NAME possibly glued to ARGS) after a trace prefix at P. */
static bool read_trace_body(const char *p, struct qlog_event *ev, bool need_known)
{
	size_t n = 0;
	char name[128];

	while (is_name_char(p[n]))
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
static bool read_trace(const char *p, struct qlog_event *ev)
{
	const char *q = p, *end;
	long tid;
	int64_t us;

	if (!isdigit((unsigned char)*q) || !take_long(&q, &tid) || tid < 0 || *q != '@')
		return false;
	q++;
	if (*q == '[') {
		if (!parse_datetime(q + 1, ' ', &us, &end) || *end != ']')
			return false;
		q = skip_spaces(end + 1);
		if (!read_trace_body(q, ev, false))
			return false;
		ev->clock = QLOG_CLOCK_LOCAL;
	} else {
		long sec, usec;
		const char *f;
		/* bounded as QMP timestamps are: the microseconds must fit */
		if (!take_long(&q, &sec) || sec < 0 || sec >= (1L << 40) || *q != '.')
			return false;
		f = ++q;
		if (!take_long(&q, &usec) || usec < 0 || q - f != 6 || *q != ':')
			return false;
		if (!read_trace_body(q + 1, ev, false))
			return false;
		us = (int64_t)sec * 1000000 + usec;
		ev->clock = QLOG_CLOCK_UTC;
	}
	ev->tid = tid;
	ev->ts_us = us;
	return true;
}

/* ---- error_report lines ------------------------------------------------------ */

static void read_signal(const char *m, struct qlog_event *ev)
{
	long sig, pid;
	const char *p = m + strlen("terminating on signal ");

	if (!take_long(&p, &sig))
		return;
	ev->kind = QLOG_SIGNAL;
	qlog_setf(ev, "signal", "%ld", sig);
	if (take_lit(&p, " from pid ") && take_long(&p, &pid)) {
		qlog_setf(ev, "pid", "%ld", pid);
		p = skip_spaces(p);
		if (*p == '(') {
			const char *close = strrchr(p, ')');
			if (close && close > p)
				set_setn(ev, "sender", p + 1, (size_t)(close - p - 1));
		}
	}
}

static bool find_policy(const char *p, unsigned long *policy);

/* what an error_report MESSAGE from PROG means */
static void interpret_message(const char *prog, size_t pl, const char *m, struct qlog_event *ev)
{
	const char *q;

	ev->source = QLOG_SRC_STDERR;
	ev->kind = QLOG_MESSAGE;
	set_name(ev, prog, pl);
	set_setn(ev, "program", prog, pl);
	qlog_set(ev, "message", m);
	if (!strcmp(m, "cpus are not resettable, terminating")) {
		ev->kind = QLOG_NOT_RESETTABLE;
	} else if (starts_with(m, "terminating on signal ")) {
		read_signal(m, ev);
	} else if (starts_with(m, "invalid runstate transition: '")) {
		const char *f = m + strlen("invalid runstate transition: '");
		const char *fe = strchr(f, '\'');
		if (fe && starts_with(fe, "' -> '")) {
			const char *t = fe + 6, *te = strchr(t, '\'');
			if (te) {
				ev->kind = QLOG_INVALID_TRANSITION;
				set_setn(ev, "from", f, (size_t)(fe - f));
				set_setn(ev, "to", t, (size_t)(te - t));
			}
		}
	} else if (starts_with(m, "PMU: KVM_") && (q = strstr(m + 5, ": "))) {
		/* QEMU: "PMU: KVM_SET_DEVICE_ATTR: <strerror>" */
		int e = qlog_errno_by_text(q + 2);
		ev->kind = QLOG_PMU_ATTR_ERROR;
		set_setn(ev, "ioctl", m + 5, (size_t)(q - m - 5));
		if (e) {
			qlog_setf(ev, "errno", "%d", e);
			qlog_set(ev, "errname", errname(e));
		} else {
			qlog_set(ev, "error_text", q + 2);
		}
	} else if (!strcmp(m, "failed to set irq for PMU")) {
		ev->kind = QLOG_PMU_STEP_FAILED;
		qlog_set(ev, "attr", "KVM_ARM_VCPU_PMU_V3_IRQ");
		qlog_set(ev, "step", "kvm_arm_pmu_set_irq");
	} else if (!strcmp(m, "failed to init PMU")) {
		ev->kind = QLOG_PMU_STEP_FAILED;
		qlog_set(ev, "attr", "KVM_ARM_VCPU_PMU_V3_INIT");
		qlog_set(ev, "step", "kvm_arm_pmu_init");
	} else if (strstr(m, "sev-guest") && strstr(m, "policy")) {
		/* kvmscope-vmm's "warning: sev-guest 'ID': policy 0x5 (NODBG|ES) ..." */
		unsigned long pol;
		if (find_policy(m, &pol))
			qlog_setf(ev, "sev_policy", "0x%lx", pol);
	} else if (starts_with(m, "-cpu host,pmu=on: the host KVM offers no vPMU")) {
		ev->kind = QLOG_NO_VPMU;
	} else if (starts_with(m, "-cpu host,pmu-filter: KVM_SET_PMU_EVENT_FILTER") &&
		   (q = strrchr(m, ':')) && q[1] == ' ') {
		/* x86: "... KVM_SET_PMU_EVENT_FILTER (deny, 1 events): <strerror>" */
		int e = qlog_errno_by_text(q + 2);
		ev->kind = QLOG_PMU_ATTR_ERROR;
		qlog_set(ev, "ioctl", "KVM_SET_PMU_EVENT_FILTER");
		qlog_set(ev, "attr", "pmu-filter");
		if (e) {
			qlog_setf(ev, "errno", "%d", e);
			qlog_set(ev, "errname", errname(e));
		}
	}
}

/* PROG is a program or function name: no spaces, not a number. */
static size_t prog_len(const char *p)
{
	size_t n = 0;
	while (isalnum((unsigned char)p[n]) || (p[n] && strchr("_-./+", p[n])))
		n++;
	if (n < 2 || p[n] != ':' || p[n + 1] != ' ' || isdigit((unsigned char)p[0]))
		return 0;
	return n;
}

/* PROG: MESSAGE, or FUNCTION: STRERROR (perror) */
static bool read_stderr(const char *p, struct qlog_event *ev)
{
	size_t n = prog_len(p);
	if (!n)
		return false;
	const char *m = p + n + 2;
	int e = qlog_errno_by_text(m);
	if (e) {
		ev->source = QLOG_SRC_STDERR;
		ev->kind = QLOG_PERROR;
		set_name(ev, p, n);
		set_setn(ev, "function", p, n);
		qlog_setf(ev, "errno", "%d", e);
		qlog_set(ev, "errname", errname(e));
		return true;
	}
	interpret_message(p, n, m, ev);
	return true;
}

/* ISO-8601 UTC prefix: an error_report line or a newest-upstream trace line */
static bool read_iso(const char *p, struct qlog_event *ev)
{
	const char *end;
	int64_t us;

	if (!parse_datetime(p, 'T', &us, &end) || *end != 'Z' || end[1] != ' ')
		return false;
	const char *q = end + 2;
	long tid = -1;
	if (*q == '(') { /* "(TID) NAME" of a 2025 proposal */
		q++;
		if (!take_long(&q, &tid) || !take_lit(&q, ") "))
			return false;
	}
	if (!read_stderr(q, ev) && !read_trace_body(q, ev, false))
		return false;
	ev->clock = QLOG_CLOCK_UTC;
	ev->ts_us = us;
	ev->tid = tid;
	return true;
}

/* ---- libvirt --------------------------------------------------------------- */

/* copies into FIELD the text after KEY up to the next ", " + one of STOPS */
static void libvirt_field(struct qlog_event *ev, const char *field, const char *text,
			  const char *key, const char *const *stops)
{
	const char *v = strstr(text, key);
	if (!v)
		return;
	v += strlen(key);
	size_t n = strlen(v);
	for (const char *const *s = stops; *s; s++) {
		const char *e = strstr(v, *s);
		if (e && (size_t)(e - v) < n)
			n = (size_t)(e - v);
	}
	set_setn(ev, field, v, n);
}

static bool read_libvirt(const char *p, struct qlog_event *ev)
{
	const char *end;
	int64_t us;
	static const char *const stops[] = { ", qemu version: ", ", kernel: ", ", hostname: ",
					     NULL };

	if (!parse_datetime(p, ' ', &us, &end) || !starts_with(end, "+0000: "))
		return false;
	const char *m = end + 7;
	ev->source = QLOG_SRC_LIBVIRT;
	ev->clock = QLOG_CLOCK_UTC;
	ev->ts_us = us;
	if (starts_with(m, "starting up ")) {
		ev->kind = QLOG_LIBVIRT_START;
		libvirt_field(ev, "libvirt", m, "libvirt version: ", stops);
		libvirt_field(ev, "qemu", m, "qemu version: ", stops);
		libvirt_field(ev, "kernel", m, "kernel: ", stops);
		libvirt_field(ev, "hostname", m, "hostname: ", stops);
	} else if (starts_with(m, "shutting down, reason=")) {
		ev->kind = QLOG_LIBVIRT_STOP;
		qlog_set(ev, "reason", m + strlen("shutting down, reason="));
	} else if (strstr(m, "\"execute\"")) {
		/* a control plane's debug line with the command it sent: to the
		 * agent ("agent: sent {...}", "qemuAgentCommand ... cmd={...}") or
		 * to QMP ("qmp: sent {...}", "QEMU_MONITOR_SEND_MSG ... msg={...}") */
		json_t *req = json_in(m);
		bool sent = strstr(m, "sent") || strstr(m, "SEND") || strstr(m, "Send") ||
			    strstr(m, "cmd=");
		if (sent && json_is_object(req) && set_command(ev, req))
			ev->kind = strstr(m, "agent") || strstr(m, "Agent") || strstr(m, "AGENT") ?
					   QLOG_AGENT_COMMAND : QLOG_QMP_COMMAND;
		json_decref(req);
	}
	return true;
}

/* ---- command lines and confidential-guest policy ------------------------------- */

static bool is_vmm_program(const char *tok, size_t n)
{
	const char *base = tok;
	for (size_t i = 0; i < n; i++)
		if (tok[i] == '/')
			base = tok + i + 1;
	size_t bl = n - (size_t)(base - tok);
	if (tok[n - 1] == ':')
		return false; /* "qemu-kvm: message" is stderr, not a command */
	return (bl == 8 && !strncmp(base, "qemu-kvm", 8)) ||
	       (bl > 12 && !strncmp(base, "qemu-system-", 12)) ||
	       (bl == 12 && !strncmp(base, "kvmscope-vmm", 12));
}

/* the policy value in a sev-guest object: "policy":5, policy=0x5 */
static bool find_policy(const char *p, unsigned long *policy)
{
	const char *s = strstr(p, "sev-guest");
	if (!s)
		return false;
	const char *k = strstr(s, "policy");
	if (!k)
		k = strstr(p, "policy");
	if (!k)
		return false;
	k += 6;
	if (*k == '"')
		k++;
	k = skip_spaces(k);
	if (*k == '=' || *k == ':')
		k = skip_spaces(k + 1);
	else if (!isdigit((unsigned char)*k)) /* "policy 0x5" in kvmscope-vmm's warning */
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(k, &end, 0);
	if (end == k || errno || v > 0xffffffffUL)
		return false;
	*policy = v;
	return true;
}

/* the value of OPTION (e.g. "-cpu") in a command line; quotes are kept */
static void option_value(struct qlog_event *ev, const char *field, const char *cmd,
			 const char *option)
{
	size_t ol = strlen(option);
	for (const char *o = strstr(cmd, option); o; o = strstr(o + 1, option)) {
		if ((o != cmd && o[-1] != ' ') || o[ol] != ' ')
			continue;
		const char *v = skip_spaces(o + ol);
		size_t n = strcspn(v, " \t");
		if (n)
			set_setn(ev, field, v, n);
		return;
	}
}

/* a QEMU (or kvmscope-vmm) command line anywhere in P */
static bool read_command_line(const char *p, struct qlog_event *ev)
{
	for (const char *t = p; *t;) {
		t = skip_spaces(t);
		size_t n = strcspn(t, " \t");
		if (n && is_vmm_program(t, n) && (t[n] == ' ' || t[n] == '\0')) {
			ev->kind = QLOG_COMMAND_LINE;
			set_name(ev, t, n);
			set_setn(ev, "program", t, n);
			option_value(ev, "cpu", t, "-cpu");
			option_value(ev, "machine", t, "-machine");
			option_value(ev, "fault", t, "-fault");
			unsigned long pol;
			if (find_policy(t, &pol))
				qlog_setf(ev, "sev_policy", "0x%lx", pol);
			return true;
		}
		t += n;
	}
	return false;
}

bool qlog_interpret_command_line(const char *text, struct qlog_event *ev)
{
	return read_command_line(text, ev);
}

/* [user@host time dir]# COMMAND */
static bool read_shell(const char *p, struct qlog_event *ev)
{
	if (*p != '[')
		return false;
	const char *close = strchr(p, ']');
	if (!close || (close[1] != '#' && close[1] != '$') || !memchr(p, '@', (size_t)(close - p)))
		return false;
	ev->source = QLOG_SRC_SHELL;
	read_command_line(close + 2, ev);
	return true;
}

/* policy outside a command line: libvirt's <policy>0x0005</policy>, or one
 * -object line of a libvirt log that puts each argument on its own line */
static bool read_policy(const char *p, struct qlog_event *ev)
{
	unsigned long pol;
	const char *x = strstr(p, "<policy>");
	if (x) {
		char *end;
		errno = 0;
		pol = strtoul(x + 8, &end, 0);
		if (end == x + 8 || errno || strncmp(end, "</policy>", 9) || pol > 0xffffffffUL)
			return false;
	} else if (!find_policy(p, &pol)) {
		return false;
	}
	ev->kind = QLOG_SEV_POLICY;
	qlog_setf(ev, "policy", "0x%lx", pol);
	return true;
}

/* ---- ftrace function_graph ----------------------------------------------------- */

/* " 230)   2.770 us    |  kvm_arm_pmu_v3_set_attr();"  and the closing
 * form "  1)   5.1 us   |  } /\* func *\/"; an optional "comm-pid" column and
 * an overhead mark (+ ! # * @ $) may precede the duration. */
static bool read_function_graph(const char *p, struct qlog_event *ev)
{
	const char *q = skip_spaces(p);
	long cpu;
	if (!take_long(&q, &cpu) || cpu < 0 || *q != ')')
		return false;
	q = skip_spaces(q + 1);
	const char *bar = strchr(q, '|');
	if (!bar)
		return false;
	/* the duration is the last "N.NNN unit" before the bar */
	const char *d = NULL;
	for (const char *s = q; s < bar; s++)
		if (isdigit((unsigned char)*s) && (s == q || !isalnum((unsigned char)s[-1])) &&
		    strchr(s, '.') && strchr(s, '.') < bar)
			d = s;
	if (!d)
		return false;
	char *end;
	double v = strtod(d, &end);
	const char *unit = skip_spaces(end);
	double scale = starts_with(unit, "us") ? 1e3 : starts_with(unit, "ms") ? 1e6 :
		       starts_with(unit, "ns") ? 1 : starts_with(unit, "s ") ? 1e9 : 0;
	if (end == d || scale == 0 || v < 0 || v > 1e9)
		return false;
	const char *f = skip_spaces(bar + 1);
	size_t fl = 0;
	if (*f == '}') {
		const char *c = strstr(f, "/* ");
		if (!c)
			return false;
		f = c + 3;
	}
	while (is_name_char(f[fl]) || f[fl] == '.')
		fl++;
	if (!fl)
		return false;
	ev->source = QLOG_SRC_FTRACE;
	ev->kind = QLOG_FUNCTION_GRAPH;
	set_name(ev, f, fl);
	set_setn(ev, "function", f, fl);
	qlog_setf(ev, "cpu", "%ld", cpu);
	qlog_setf(ev, "duration_ns", "%.0f", v * scale);
	return true;
}

/* ---- one line --------------------------------------------------------------- */

void qlog_parse_line(const char *line, size_t len, const char *file, unsigned lineno,
		     struct qlog_event *ev)
{
	bool cut;

	memset(ev, 0, sizeof(*ev));
	ev->tid = -1;
	ev->file = file;
	ev->line = lineno;
	ev->text = sanitize(line, len, &cut);
	if (!ev->text) {
		ev->text = strdup("");
		if (!ev->text)
			return;
	}
	const char *p = skip_spaces(ev->text);

	if (read_trace(p, ev) || (*p == '{' && read_qmp(p, ev)) || read_iso(p, ev) ||
	    read_libvirt(p, ev) || read_function_graph(ev->text, ev) || read_shell(p, ev))
		goto done;
	if (!strcmp(p, "Aborted") || starts_with(p, "Aborted (core dumped)")) {
		ev->source = QLOG_SRC_STDERR;
		ev->kind = QLOG_ABORT;
		goto done;
	}
	/* plain "NAME ARGS" of a log without timestamps: known names only */
	if (read_trace_body(p, ev, true))
		goto done;
	if (read_stderr(p, ev) || read_command_line(p, ev) || read_policy(p, ev))
		goto done;
done:
	if (cut)
		qlog_set(ev, "truncated", "true");
}

/* ---- the stream ------------------------------------------------------------- */

void qlog_stream_init(struct qlog_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void qlog_stream_free(struct qlog_stream *s)
{
	for (size_t i = 0; i < s->n; i++)
		qlog_event_clear(&s->ev[i]);
	free(s->ev);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	memset(s, 0, sizeof(*s));
}

static const char *intern_file(struct qlog_stream *s, const char *file)
{
	if (!file)
		return NULL;
	for (size_t i = s->nfiles; i-- > 0;)
		if (!strcmp(s->files[i], file))
			return s->files[i];
	char **f = realloc(s->files, (s->nfiles + 1) * sizeof(*f));
	if (!f)
		return NULL;
	s->files = f;
	if (!(f[s->nfiles] = strdup(file)))
		return NULL;
	return f[s->nfiles++];
}

struct qlog_event *qlog_stream_add(struct qlog_stream *s, struct qlog_event *ev,
				   const char *file)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct qlog_event *e = realloc(s->ev, cap * sizeof(*e));
		if (!e) {
			qlog_event_clear(ev);
			return NULL;
		}
		s->ev = e;
		s->cap = cap;
	}
	struct qlog_event *dst = &s->ev[s->n++];
	*dst = *ev;
	dst->file = intern_file(s, file);
	if (dst->kind != QLOG_TEXT)
		s->lines_recognized++;
	memset(ev, 0, sizeof(*ev));
	return dst;
}

void qlog_read_buffer(struct qlog_stream *s, const char *name, const char *buf, size_t len)
{
	unsigned lineno = 0;
	const char *file = intern_file(s, name);

	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		size_t m = n;
		if (m && buf[pos + m - 1] == '\r')
			m--;
		struct qlog_event ev;
		qlog_parse_line(buf + pos, m, file, ++lineno, &ev);
		qlog_stream_add(s, &ev, name);
		pos += n + 1;
	}
}

int qlog_read_file(struct qlog_stream *s, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			char *b = realloc(buf, cap);
			if (!b) {
				snprintf(err, errlen, "'%s': out of memory", path);
				goto fail;
			}
			buf = b;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
				goto fail;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	qlog_read_buffer(s, strcmp(path, "-") ? path : "<stdin>", buf ? buf : "", len);
	free(buf);
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return -1;
}

/* Bracketed trace lines carry local wall time; QMP events, error_report and
 * libvirt lines carry UTC. Such a line within a few lines of a trace line
 * fixes the zone: the difference rounded to a quarter hour (real zones are
 * multiples of it). */
static bool ends_with_backslash(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	return n && t[n - 1] == '\\';
}

/* libvirt writes a command line one argument per line, each ending in " \":
 * give the command-line event the options of the whole command */
static void join_command_lines(struct qlog_stream *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct qlog_event *cmd = &s->ev[i];
		if (cmd->kind != QLOG_COMMAND_LINE || !ends_with_backslash(cmd->text))
			continue;
		size_t len = strlen(cmd->text) + 1, j;
		char *joined = malloc(len);
		if (!joined)
			return;
		memcpy(joined, cmd->text, len);
		for (j = i + 1; j < s->n && s->ev[j].file == cmd->file; j++) {
			const char *t = skip_spaces(s->ev[j].text);
			if (*t != '-' && *t != '\'')
				break;
			size_t tl = strlen(t);
			char *grown = realloc(joined, len + tl + 1);
			if (!grown)
				break;
			joined = grown;
			joined[len - 1] = ' ';
			memcpy(joined + len, t, tl + 1);
			len += tl + 1;
			if (!ends_with_backslash(t))
				break;
		}
		/* drop the continuation backslashes, then read the options */
		for (char *p = joined; *p; p++)
			if (*p == '\\' && (p[1] == ' ' || p[1] == '\0'))
				*p = ' ';
		const char *prog = qlog_get(cmd, "program");
		const char *start = prog ? strstr(joined, prog) : NULL;
		option_value(cmd, "cpu", start ? start : joined, "-cpu");
		option_value(cmd, "machine", start ? start : joined, "-machine");
		option_value(cmd, "fault", start ? start : joined, "-fault");
		unsigned long pol;
		if (find_policy(joined, &pol))
			qlog_setf(cmd, "sev_policy", "0x%lx", pol);
		free(joined);
	}
}

struct merge_key {
	int64_t ts;
	size_t idx;
};

static int by_merge_key(const void *a, const void *b)
{
	const struct merge_key *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* several inputs with UTC times: one order, as they happened */
static void merge_by_time(struct qlog_stream *s)
{
	if (s->nfiles < 2 || s->n < 2)
		return;
	for (size_t f = 0; f < s->nfiles; f++) {
		bool utc = false;
		for (size_t i = 0; i < s->n; i++) {
			if (s->ev[i].file != s->files[f])
				continue;
			if (s->ev[i].clock == QLOG_CLOCK_LOCAL || s->ev[i].clock == QLOG_CLOCK_MONO)
				return; /* not comparable */
			utc |= s->ev[i].clock == QLOG_CLOCK_UTC;
		}
		if (!utc)
			return;
	}
	struct merge_key *k = malloc(s->n * sizeof(*k));
	struct qlog_event *sorted = malloc(s->n * sizeof(*sorted));
	if (!k || !sorted) {
		free(k);
		free(sorted);
		return;
	}
	/* an untimed line takes the time of the line before it in its file, or
	 * of the first timed line when it comes first */
	for (size_t f = 0; f < s->nfiles; f++) {
		int64_t cur = 0;
		bool have = false;
		for (size_t i = 0; i < s->n; i++)
			if (s->ev[i].file == s->files[f] && s->ev[i].clock == QLOG_CLOCK_UTC && !have) {
				cur = s->ev[i].ts_us;
				have = true;
			}
		for (size_t i = 0; i < s->n; i++) {
			if (s->ev[i].file != s->files[f])
				continue;
			if (s->ev[i].clock == QLOG_CLOCK_UTC)
				cur = s->ev[i].ts_us;
			k[i] = (struct merge_key){ cur, i };
		}
	}
	qsort(k, s->n, sizeof(*k), by_merge_key);
	for (size_t i = 0; i < s->n; i++)
		sorted[i] = s->ev[k[i].idx];
	memcpy(s->ev, sorted, s->n * sizeof(*sorted));
	free(sorted);
	free(k);
	s->merged = true;
}

void qlog_stream_finish(struct qlog_stream *s)
{
	const int64_t quarter = 15LL * 60 * 1000000;
	static unsigned long next_id;

	s->id = ++next_id;

	join_command_lines(s);

	for (size_t i = 0; i < s->n && !s->local_offset_known; i++) {
		const struct qlog_event *q = &s->ev[i];
		/* anchors: lines that carry UTC themselves (QMP, error_report, libvirt) */
		if (q->clock != QLOG_CLOCK_UTC ||
		    (q->source != QLOG_SRC_QMP && q->source != QLOG_SRC_STDERR &&
		     q->source != QLOG_SRC_LIBVIRT))
			continue;
		for (size_t j = i >= 3 ? i - 3 : 0; j < s->n && j <= i + 3; j++) {
			const struct qlog_event *t = &s->ev[j];
			if (t->clock != QLOG_CLOCK_LOCAL || t->file != q->file)
				continue;
			int64_t diff = q->ts_us - t->ts_us; /* = -(zone offset) */
			int64_t rounded = (diff >= 0 ? diff + quarter / 2 : diff - quarter / 2) /
					  quarter * quarter;
			int64_t off = diff - rounded;
			if (off < -120LL * 1000000 || off > 120LL * 1000000 ||
			    rounded > 14 * 3600LL * 1000000 || rounded < -14 * 3600LL * 1000000)
				continue;
			s->local_offset_known = true;
			s->local_offset_s = (long)(-rounded / 1000000);
			break;
		}
	}
	if (s->local_offset_known) {
		for (size_t i = 0; i < s->n; i++) {
			if (s->ev[i].clock == QLOG_CLOCK_LOCAL) {
				s->ev[i].ts_us -= (int64_t)s->local_offset_s * 1000000;
				s->ev[i].clock = QLOG_CLOCK_UTC;
			}
		}
	}
	merge_by_time(s);
}

void qlog_format_time(const struct qlog_event *ev, char *buf, size_t len)
{
	if (ev->clock == QLOG_CLOCK_NONE) {
		snprintf(buf, len, "-");
		return;
	}
	if (ev->clock == QLOG_CLOCK_MONO) {
		snprintf(buf, len, "%lld.%06lld", (long long)(ev->ts_us / 1000000),
			 (long long)(ev->ts_us % 1000000));
		return;
	}
	time_t t = (time_t)(ev->ts_us / 1000000);
	long us = (long)(ev->ts_us % 1000000);
	struct tm tm;
	if (us < 0) {
		us += 1000000;
		t--;
	}
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06ld%s", us, ev->clock == QLOG_CLOCK_UTC ? "Z" : " (local)");
}
