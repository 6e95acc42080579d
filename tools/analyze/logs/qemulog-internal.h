/* What the parts of the log reader (tools/analyze/logs/qemulog*.c) share: small parsers,
 * field setters and the shape readers the dispatcher in qemulog.c calls.
 * Not for the rules: they use qemulog.h. */
#ifndef KVMSCOPE_QEMULOG_INTERNAL_H
#define KVMSCOPE_QEMULOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "qemulog.h"

static inline const char *qlog_skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static inline bool qlog_starts_with(const char *p, const char *prefix)
{
	return !strncmp(p, prefix, strlen(prefix));
}

static inline bool qlog_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* errno name ("EINVAL"), "E?" when unknown */
const char *qlog_errname(int e);
void qlog_setn(struct qlog_event *ev, const char *key, const char *p, size_t n);
void qlog_set_name(struct qlog_event *ev, const char *p, size_t n);
/* N digits exactly; -1 otherwise */
long qlog_digits(const char *p, int n);
bool qlog_parse_datetime(const char *p, char sep, int64_t *us, const char **end);
bool qlog_take_long(const char **p, long *out);
bool qlog_take_lit(const char **p, const char *lit);
bool qlog_take_paren(const char **p, const char **w, size_t *n);
char *qlog_json_text(json_t *j);
void qlog_set_json(struct qlog_event *ev, const char *key, json_t *j);
void qlog_set_event_data(struct qlog_event *ev, json_t *data);
json_t *qlog_parse_json(const char *p, size_t n);
json_t *qlog_json_in(const char *a);
/* the value of OPTION (e.g. "-cpu") in a command line into FIELD */
void qlog_option_value(struct qlog_event *ev, const char *field, const char *cmd,
		       const char *option);
/* {"execute": NAME, "arguments": {...}} -> command, arguments, mode */
bool qlog_set_command(struct qlog_event *ev, json_t *root);
bool qlog_find_policy(const char *p, unsigned long *policy);

/* shape readers: true when P (one line, spaces skipped) had the shape */
bool qlog_read_trace_body(const char *p, struct qlog_event *ev, bool need_known);
bool qlog_read_trace(const char *p, struct qlog_event *ev);
bool qlog_read_stderr(const char *p, struct qlog_event *ev);
bool qlog_read_iso(const char *p, struct qlog_event *ev);

/* QEMU's words about KVM (qemulog-kvm.c): M is an error_report message
 * (after "PROG: "), P a whole line printed without a program name */
bool qlog_read_kvm_message(const char *m, struct qlog_event *ev);
bool qlog_read_kvm_exit_line(const char *p, struct qlog_event *ev);
bool qlog_read_register_dump(const char *p, struct qlog_event *ev);

/* Every shape, tried in order on P (one line or a piece of one, spaces
 * skipped). DEPTH counts the wrappers already taken off (quotes, JSON, CI
 * prefixes): readers that unwrap parse the inside at DEPTH + 1. */
#define QLOG_MAX_DEPTH 3
bool qlog_parse_text(const char *p, struct qlog_event *ev, int depth);
/* EV takes FROM's meaning (kind, source, name, fields, time), keeping its own
 * text, file and line; FROM is left empty */
void qlog_event_adopt(struct qlog_event *ev, struct qlog_event *from);
/* the kernel's log lines: dmesg and journald (qemulog-kernel.c) */
bool qlog_read_kernel(const char *p, struct qlog_event *ev, int depth);
/* QEMU's words inside something else (qemulog-wrap.c): mail quotes, CI
 * prefixes, markdown backticks, kubevirt JSON, libvirt's error messages */
bool qlog_read_wrapped(const char *p, struct qlog_event *ev, int depth);
/* a known QEMU program name (basename): qemu-system-*, qemu-kvm, qemu, kvm,
 * kvm-spice, kvmscope-vmm */
bool qlog_is_qemu_program(const char *p, size_t n);

#endif
