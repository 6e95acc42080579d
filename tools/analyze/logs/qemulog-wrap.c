/* QEMU's words inside something else, as people paste and tools store them:
 *   > > qemu-kvm: cpus are not resettable, terminating     mail quotes
 *   [2023-07-23T14:47:36.887Z] error: kvm run failed ...    CI timestamper prefix
 *   00:01:36.367  ioctl(KVM_CREATE_VM) failed: 12 ...       CI elapsed-time prefix
 *   `qemu-system-x86_64: ...`                              markdown code
 *   {"component":"virt-launcher","level":"error","msg":"..."}   kubevirt JSON
 *   ... process exited while connecting to monitor: 2024-..Z qemu-system-x86_64: ...
 *                                                          libvirt, virt-manager, popups
 * and the management stacks' own lines that belong to an incident: Proxmox's
 * task log (qga command 'guest-shutdown' failed - got timeout; VM
 * quit/powerdown failed - terminating now with SIGTERM; TASK ERROR/OK).
 * The inside is read as a line of its own (one level deeper); the event keeps
 * the whole line as its text. An inside that holds several of QEMU's lines
 * (libvirt joins them with "\n") gives the most telling of them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qemulog.h"
#include "qemulog-internal.h"

/* how telling an event is, to pick one of several pieces */
static int weight(const struct qlog_event *e)
{
	switch (e->kind) {
	case QLOG_TEXT:
	case QLOG_TRACE: /* a trace point's name in prose is not a trace line */
		return 0;
	case QLOG_MESSAGE:
	case QLOG_COMMAND_LINE:
		return 1;
	case QLOG_KVM_ERROR:
	case QLOG_CONFIDENTIAL_ERROR:
	case QLOG_KVM_INTERNAL_ERROR:
	case QLOG_KVM_ENTRY_FAILED:
	case QLOG_NOT_RESETTABLE:
	case QLOG_PMU_ATTR_ERROR:
		return qlog_has(e, "consequence") ? 2 : 3;
	default:
		return 2;
	}
}

/* reads P[0..N) as a line into a fresh event; keeps it in BEST when it is
 * more telling than what BEST holds */
static void try_piece(const char *p, size_t n, struct qlog_event *best, int depth)
{
	/* a piece ends before closing quotes, backticks and parentheses */
	while (n && strchr("'\"`)", p[n - 1]))
		n--;
	char *piece = strndup(p, n);
	if (!piece)
		return;
	struct qlog_event e = { .tid = -1 };
	qlog_parse_text(qlog_skip_spaces(piece), &e, depth + 1);
	free(piece);
	if (weight(&e) > weight(best)) {
		qlog_event_clear(best);
		*best = e;
	} else {
		qlog_event_clear(&e);
	}
}

/* splits P at newlines and at "\n" written out (libvirt, Go quoting) */
static void try_pieces(const char *p, struct qlog_event *best, int depth)
{
	while (*p) {
		const char *nl = strchr(p, '\n'), *esc = strstr(p, "\\n");
		const char *end = nl && (!esc || nl < esc) ? nl : esc;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		try_piece(p, n, best, depth);
		if (!end)
			break;
		p = end + (end == nl ? 1 : 2);
	}
}

/* where QEMU's words may start inside a line */
static const char *const needles[] = {
	"qemu-system-", "qemu-kvm:", "ioctl(KVM_", "kvm_init_vcpu", "error: kvm run failed",
	"KVM internal error", "cpus are not resettable",
};

/* the start of QEMU's words at NEEDLE: with the -msg timestamp=on time
 * ("2024-12-06T09:14:26.679347Z ") when one is right before it */
static const char *piece_start(const char *line, const char *needle)
{
	const size_t iso = strlen("2024-12-06T09:14:26.679347Z ");
	if ((size_t)(needle - line) >= iso) {
		const char *s = needle - iso, *end;
		int64_t us;
		if (qlog_parse_datetime(s, 'T', &us, &end) && *end == 'Z' && end + 2 == needle)
			return s;
	}
	return needle;
}

static bool read_embedded(const char *p, struct qlog_event *ev, int depth)
{
	struct qlog_event best = { .tid = -1 };
	int tries = 0;
	for (size_t k = 0; k < sizeof(needles) / sizeof(needles[0]); k++) {
		const char *at = p;
		while ((at = strstr(at, needles[k])) && tries < 16) {
			/* a word of its own: not the tail of another word */
			if (at == p || !(isalnum((unsigned char)at[-1]) || at[-1] == '/')) {
				try_pieces(piece_start(p, at), &best, depth);
				tries++;
			}
			at += strlen(needles[k]);
		}
	}
	if (best.kind == QLOG_TEXT) {
		qlog_event_clear(&best);
		return false;
	}
	qlog_event_adopt(ev, &best);
	qlog_set(ev, "embedded", "true");
	return true;
}

/* reads INNER (a copy the caller frees) as the line; WRAPPER names what was
 * taken off */
static bool read_inner(const char *inner, struct qlog_event *ev, int depth, const char *wrapper)
{
	struct qlog_event in = { .tid = -1 };
	if (!qlog_parse_text(qlog_skip_spaces(inner), &in, depth + 1) || in.kind == QLOG_TEXT) {
		qlog_event_clear(&in);
		return false;
	}
	qlog_event_adopt(ev, &in);
	if (!qlog_has(ev, "wrapper"))
		qlog_set(ev, "wrapper", wrapper);
	return true;
}

/* "> > text": quote depth, text */
static const char *unquote(const char *p, int *levels)
{
	*levels = 0;
	while (*p == '>') {
		(*levels)++;
		p++;
		if (*p == ' ')
			p++;
	}
	return p;
}

/* "[2023-07-23T14:47:36.887Z] " (CI timestamper) or "00:01:36.367  " (CI
 * elapsed time): the rest, and the UTC time of the first */
static const char *ci_prefix(const char *p, int64_t *us)
{
	const char *end;
	*us = 0;
	if (*p == '[' && qlog_parse_datetime(p + 1, 'T', us, &end) && *end == 'Z' && end[1] == ']')
		return end[2] == ' ' ? end + 3 : end + 2;
	if (qlog_digits(p, 2) >= 0 && p[2] == ':' && qlog_digits(p + 3, 2) >= 0 && p[5] == ':' &&
	    qlog_digits(p + 6, 2) >= 0 && p[8] == '.' && qlog_digits(p + 9, 3) >= 0 && p[12] == ' ')
		return qlog_skip_spaces(p + 12);
	return NULL;
}

/* kubevirt's {"component":...,"level":...,"msg":...,"reason":...}: QEMU's
 * words are in msg or reason */
static bool read_kubevirt(const char *p, struct qlog_event *ev, int depth)
{
	if (*p != '{' || !strstr(p, "\"component\""))
		return false;
	json_t *root = qlog_parse_json(p, strlen(p));
	if (!json_is_object(root)) {
		json_decref(root);
		return false;
	}
	struct qlog_event best = { .tid = -1 };
	const char *keys[] = { "msg", "reason" };
	for (size_t i = 0; i < 2; i++) {
		const char *v = json_string_value(json_object_get(root, keys[i]));
		if (v)
			try_pieces(v, &best, depth);
	}
	const char *component = json_string_value(json_object_get(root, "component"));
	const char *level = json_string_value(json_object_get(root, "level"));
	bool found = best.kind != QLOG_TEXT;
	if (found) {
		qlog_event_adopt(ev, &best);
	} else {
		qlog_event_clear(&best);
		/* a line of the management stack, understood but not QEMU's */
		ev->kind = QLOG_MESSAGE;
		qlog_set(ev, "message", json_string_value(json_object_get(root, "msg")) ?: "");
	}
	ev->source = QLOG_SRC_MANAGER;
	qlog_set(ev, "component", component ? component : "?");
	if (level)
		qlog_set(ev, "level", level);
	json_decref(root);
	return true;
}

/* Proxmox VE's task log (pve-manager, qemu-server): the agent commands it
 * sent and its escalation */
static bool read_proxmox_task(const char *p, struct qlog_event *ev)
{
	const char *q = p;
	if (qlog_take_lit(&q, "qga command '")) {
		size_t n = strcspn(q, "'");
		if (q[n] != '\'')
			return false;
		ev->kind = QLOG_AGENT_COMMAND;
		qlog_setn(ev, "command", q, n);
		const char *r = strstr(q + n, " failed - ");
		if (r)
			qlog_set(ev, "result", r + strlen(" failed - "));
	} else if (qlog_starts_with(p, "VM quit/powerdown failed - terminating now with ")) {
		ev->kind = QLOG_MESSAGE;
		qlog_set(ev, "message", p);
		qlog_set(ev, "escalation", p + strlen("VM quit/powerdown failed - terminating now with "));
	} else if (qlog_starts_with(p, "TASK ERROR: ") || !strcmp(p, "TASK OK")) {
		ev->kind = QLOG_MESSAGE;
		qlog_set(ev, "message", p);
	} else {
		return false;
	}
	ev->source = QLOG_SRC_MANAGER;
	qlog_set(ev, "program", "proxmox");
	return true;
}

bool qlog_read_wrapped(const char *p, struct qlog_event *ev, int depth)
{
	if (read_proxmox_task(p, ev))
		return true;
	if (depth >= QLOG_MAX_DEPTH)
		return false;
	int levels;
	const char *q = unquote(p, &levels);
	if (levels) {
		if (!read_inner(q, ev, depth, "mail quote"))
			return false;
		qlog_setf(ev, "quoted", "%d", levels);
		return true;
	}
	int64_t us;
	if ((q = ci_prefix(p, &us))) {
		if (!read_inner(q, ev, depth, "CI prefix"))
			return false;
		if (us && ev->clock == QLOG_CLOCK_NONE) {
			ev->clock = QLOG_CLOCK_UTC;
			ev->ts_us = us;
		}
		return true;
	}
	if (*p == '`') {
		size_t n = strlen(p + 1);
		while (n && p[n] == '`')
			n--;
		char *inner = strndup(p + 1, n);
		bool ok = inner && read_inner(inner, ev, depth, "markdown");
		free(inner);
		if (ok)
			return true;
	}
	return read_kubevirt(p, ev, depth) || read_embedded(p, ev, depth);
}
