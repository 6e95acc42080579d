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
#include "qapi-names.h"
#include "qemulog-internal.h"

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
	[QLOG_KVM_ERROR] = "kvm-error",
	[QLOG_KVM_INIT_FAILED] = "kvm-init-failed",
	[QLOG_KVM_INTERNAL_ERROR] = "kvm-internal-error",
	[QLOG_KVM_EXTRA_DATA] = "kvm-extra-data",
	[QLOG_KVM_EMULATION_FAILURE] = "kvm-emulation-failure",
	[QLOG_KVM_ENTRY_FAILED] = "kvm-entry-failed",
	[QLOG_REGISTER_DUMP] = "register-dump",
	[QLOG_CONFIDENTIAL_ERROR] = "confidential-error",
	[QLOG_CONFIDENTIAL_TECH] = "confidential-tech",
	[QLOG_KERNEL] = "kernel",
	[QLOG_KERNEL_FUNCTION] = "kernel-function",
};

static const char *const source_names[QLOG_SRC__MAX] = {
	[QLOG_SRC_TEXT] = "text",	  [QLOG_SRC_TRACE] = "trace",
	[QLOG_SRC_QMP] = "qmp",		  [QLOG_SRC_STDERR] = "stderr",
	[QLOG_SRC_LIBVIRT] = "libvirt",	  [QLOG_SRC_FTRACE] = "ftrace",
	[QLOG_SRC_SHELL] = "shell",	  [QLOG_SRC_CAPTURE] = "capture",
	[QLOG_SRC_KERNEL] = "kernel",	  [QLOG_SRC_MANAGER] = "manager",
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

const char *qlog_errname(int e)
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

void qlog_setn(struct qlog_event *ev, const char *key, const char *p, size_t n)
{
	char *copy = strndup(p, n);
	if (copy) {
		qlog_set(ev, key, copy);
		free(copy);
	}
}

void qlog_set_name(struct qlog_event *ev, const char *p, size_t n)
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

/* N digits exactly; -1 otherwise */
long qlog_digits(const char *p, int n)
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
bool qlog_parse_datetime(const char *p, char sep, int64_t *us, const char **end)
{
	long y = qlog_digits(p, 4), mo, d, h, mi, s;

	if (y < 0 || p[4] != '-' || (mo = qlog_digits(p + 5, 2)) < 1 || mo > 12 || p[7] != '-' ||
	    (d = qlog_digits(p + 8, 2)) < 1 || d > 31 || p[10] != sep || (h = qlog_digits(p + 11, 2)) < 0 ||
	    h > 23 || p[13] != ':' || (mi = qlog_digits(p + 14, 2)) < 0 || mi > 59 || p[16] != ':' ||
	    (s = qlog_digits(p + 17, 2)) < 0 || s > 60)
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
bool qlog_take_long(const char **p, long *out)
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

bool qlog_take_lit(const char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

/* "(word)" -> word, advancing past ')' */
bool qlog_take_paren(const char **p, const char **w, size_t *n)
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

char *qlog_json_text(json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

void qlog_set_json(struct qlog_event *ev, const char *key, json_t *j)
{
	char *s = qlog_json_text(j);
	if (s) {
		qlog_set(ev, key, s);
		free(s);
	}
}

/* SHUTDOWN/RESET/GUEST_PANICKED data: guest, reason, action */
void qlog_set_event_data(struct qlog_event *ev, json_t *data)
{
	if (!json_is_object(data))
		return;
	qlog_set_json(ev, "data", data);
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
bool qlog_set_command(struct qlog_event *ev, json_t *root)
{
	json_t *cmd = json_object_get(root, "execute");
	if (!json_is_string(cmd))
		cmd = json_object_get(root, "exec-oob");
	if (!json_is_string(cmd))
		return false;
	const char *name = json_string_value(cmd);
	qlog_set_name(ev, name, strlen(name));
	qlog_set(ev, "command", name);
	json_t *args = json_object_get(root, "arguments");
	if (args) {
		qlog_set_json(ev, "arguments", args);
		json_t *mode = json_object_get(args, "mode");
		if (json_is_string(mode))
			qlog_set(ev, "mode", json_string_value(mode));
	}
	return true;
}

/* the first '{' of A to the end, as JSON */
json_t *qlog_json_in(const char *a)
{
	const char *b = strchr(a, '{');
	return b ? qlog_parse_json(b, strlen(b)) : NULL;
}

json_t *qlog_parse_json(const char *p, size_t n)
{
	json_error_t jerr;
	return json_loadb(p, n, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &jerr);
}

/* A whole line of QMP JSON. */
static bool read_qmp(const char *p, struct qlog_event *ev)
{
	json_t *root = qlog_parse_json(p, strlen(p));
	bool ok = false;

	if (!json_is_object(root))
		goto out;
	ev->source = QLOG_SRC_QMP;
	json_t *event = json_object_get(root, "event");
	if (json_is_string(event)) {
		const char *name = json_string_value(event);
		ev->kind = QLOG_QMP_EVENT;
		qlog_set_name(ev, name, strlen(name));
		qlog_set(ev, "event", name);
		qlog_set_event_data(ev, json_object_get(root, "data"));
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
	} else if (qlog_set_command(ev, root)) {
		ev->kind = QLOG_QMP_COMMAND;
		ok = true;
	} else if (json_object_get(root, "return")) {
		ev->kind = QLOG_QMP_REPLY;
		qlog_set_json(ev, "result", json_object_get(root, "return"));
		ok = true;
	} else if (json_object_get(root, "error")) {
		ev->kind = QLOG_QMP_REPLY;
		qlog_set_json(ev, "error", json_object_get(root, "error"));
		ok = true;
	} else if (json_object_get(root, "QMP")) {
		ev->kind = QLOG_TEXT; /* greeting: recognised, nothing to use */
		ok = true;
	}
out:
	json_decref(root);
	return ok;
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
	qlog_setn(ev, field, v, n);
}

static bool read_libvirt(const char *p, struct qlog_event *ev)
{
	const char *end;
	int64_t us;
	static const char *const stops[] = { ", qemu version: ", ", kernel: ", ", hostname: ",
					     NULL };

	if (!qlog_parse_datetime(p, ' ', &us, &end) || !qlog_starts_with(end, "+0000: "))
		return false;
	const char *m = end + 7;
	ev->source = QLOG_SRC_LIBVIRT;
	ev->clock = QLOG_CLOCK_UTC;
	ev->ts_us = us;
	if (qlog_starts_with(m, "starting up ")) {
		ev->kind = QLOG_LIBVIRT_START;
		libvirt_field(ev, "libvirt", m, "libvirt version: ", stops);
		libvirt_field(ev, "qemu", m, "qemu version: ", stops);
		libvirt_field(ev, "kernel", m, "kernel: ", stops);
		libvirt_field(ev, "hostname", m, "hostname: ", stops);
	} else if (qlog_starts_with(m, "shutting down, reason=")) {
		ev->kind = QLOG_LIBVIRT_STOP;
		qlog_set(ev, "reason", m + strlen("shutting down, reason="));
	} else if (strstr(m, "QEMU_MONITOR_RECV_EVENT") && strstr(m, "event={")) {
		/* libvirtd's debug log: an event QEMU sent it */
		if (read_qmp(strstr(m, "event={") + 6, ev))
			ev->source = QLOG_SRC_LIBVIRT;
		qlog_set(ev, "via", "libvirtd");
	} else if (strstr(m, "\"execute\"")) {
		/* a control plane's debug line with the command it sent: to the
		 * agent ("agent: sent {...}", "qemuAgentCommand ... cmd={...}") or
		 * to QMP ("qmp: sent {...}", "QEMU_MONITOR_SEND_MSG ... msg={...}") */
		json_t *req = qlog_json_in(m);
		bool sent = strstr(m, "sent") || strstr(m, "SEND") || strstr(m, "Send") ||
			    strstr(m, "cmd=");
		if (sent && json_is_object(req) && qlog_set_command(ev, req))
			ev->kind = strstr(m, "agent") || strstr(m, "Agent") || strstr(m, "AGENT") ?
					   QLOG_AGENT_COMMAND : QLOG_QMP_COMMAND;
		json_decref(req);
	} else if (strstr(m, ": debug : ") || strstr(m, ": info : ") || strstr(m, ": warning : ") ||
		   strstr(m, ": error : ")) {
		/* libvirtd's own log: "PID: LEVEL : FUNCTION:LINE : MESSAGE" */
		ev->kind = QLOG_MESSAGE;
		qlog_set(ev, "program", "libvirtd");
		qlog_set(ev, "message", m);
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
bool qlog_find_policy(const char *p, unsigned long *policy)
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
	k = qlog_skip_spaces(k);
	if (*k == '=' || *k == ':')
		k = qlog_skip_spaces(k + 1);
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
void qlog_option_value(struct qlog_event *ev, const char *field, const char *cmd,
			 const char *option)
{
	size_t ol = strlen(option);
	for (const char *o = strstr(cmd, option); o; o = strstr(o + 1, option)) {
		if ((o != cmd && o[-1] != ' ') || o[ol] != ' ')
			continue;
		const char *v = qlog_skip_spaces(o + ol);
		size_t n = strcspn(v, " \t");
		if (n)
			qlog_setn(ev, field, v, n);
		return;
	}
}

/* a QEMU (or kvmscope-vmm) command line anywhere in P */
static bool read_command_line(const char *p, struct qlog_event *ev)
{
	for (const char *t = p; *t;) {
		t = qlog_skip_spaces(t);
		size_t n = strcspn(t, " \t");
		if (n && is_vmm_program(t, n) && (t[n] == ' ' || t[n] == '\0')) {
			ev->kind = QLOG_COMMAND_LINE;
			qlog_set_name(ev, t, n);
			qlog_setn(ev, "program", t, n);
			qlog_option_value(ev, "cpu", t, "-cpu");
			qlog_option_value(ev, "machine", t, "-machine");
			qlog_option_value(ev, "fault", t, "-fault");
			unsigned long pol;
			if (qlog_find_policy(t, &pol))
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
	} else if (!qlog_find_policy(p, &pol)) {
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
	const char *q = qlog_skip_spaces(p);
	long cpu;
	if (!qlog_take_long(&q, &cpu) || cpu < 0 || *q != ')')
		return false;
	q = qlog_skip_spaces(q + 1);
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
	const char *unit = qlog_skip_spaces(end);
	double scale = qlog_starts_with(unit, "us") ? 1e3 : qlog_starts_with(unit, "ms") ? 1e6 :
		       qlog_starts_with(unit, "ns") ? 1 : qlog_starts_with(unit, "s ") ? 1e9 : 0;
	if (end == d || scale == 0 || v < 0 || v > 1e9)
		return false;
	const char *f = qlog_skip_spaces(bar + 1);
	size_t fl = 0;
	if (*f == '}') {
		const char *c = strstr(f, "/* ");
		if (!c)
			return false;
		f = c + 3;
	}
	while (qlog_is_name_char(f[fl]) || f[fl] == '.')
		fl++;
	if (!fl)
		return false;
	ev->source = QLOG_SRC_FTRACE;
	ev->kind = QLOG_FUNCTION_GRAPH;
	qlog_set_name(ev, f, fl);
	qlog_setn(ev, "function", f, fl);
	qlog_setf(ev, "cpu", "%ld", cpu);
	qlog_setf(ev, "duration_ns", "%.0f", v * scale);
	return true;
}

/* ---- one line --------------------------------------------------------------- */

bool qlog_parse_text(const char *p, struct qlog_event *ev, int depth)
{
	if (qlog_read_trace(p, ev) || (*p == '{' && read_qmp(p, ev)) || qlog_read_iso(p, ev) ||
	    read_libvirt(p, ev) || read_function_graph(p, ev) || read_shell(p, ev))
		return true;
	if (!strcmp(p, "Aborted") || qlog_starts_with(p, "Aborted (core dumped)")) {
		ev->source = QLOG_SRC_STDERR;
		ev->kind = QLOG_ABORT;
		return true;
	}
	/* QEMU's lines without a program name (fprintf to stderr): their
	 * wording is fixed, and some start with a trace point's name
	 * ("kvm_init_vcpu failed: ...") */
	if (qlog_read_kvm_exit_line(p, ev) || qlog_read_register_dump(p, ev))
		return true;
	if (qlog_read_kvm_message(p, ev)) {
		ev->source = QLOG_SRC_STDERR;
		return true;
	}
	/* plain "NAME ARGS" of a log without timestamps: known names only */
	if (qlog_read_trace_body(p, ev, true) || qlog_read_stderr(p, ev))
		return true;
	if (qlog_read_kernel(p, ev, depth) || qlog_read_wrapped(p, ev, depth))
		return true;
	return read_command_line(p, ev) || read_policy(p, ev);
}

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
	/* function_graph lines keep their leading spaces */
	if (!read_function_graph(ev->text, ev))
		qlog_parse_text(qlog_skip_spaces(ev->text), ev, 0);
	if (cut)
		qlog_set(ev, "truncated", "true");
}

void qlog_event_adopt(struct qlog_event *ev, struct qlog_event *from)
{
	for (unsigned i = 0; i < ev->nfields; i++)
		free(ev->fields[i].value);
	free(ev->name);
	ev->source = from->source;
	ev->kind = from->kind;
	ev->name = from->name;
	ev->tid = from->tid;
	ev->clock = from->clock;
	ev->ts_us = from->ts_us;
	ev->nfields = from->nfields;
	memcpy(ev->fields, from->fields, sizeof(ev->fields));
	free(from->text);
	memset(from, 0, sizeof(*from));
	from->tid = -1;
}
