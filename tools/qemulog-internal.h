/* What the parts of the log reader (tools/qemulog*.c) share: small parsers,
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

#endif
