/* The check the log-reader unit tests make of one line (include after
 * cmocka.h and qemulog.h). */
#ifndef KVMSCOPE_TEST_QEMULOG_EXPECT_H
#define KVMSCOPE_TEST_QEMULOG_EXPECT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* qlog_expect(EV, LINE, KIND, "key", "value", ..., NULL): LINE, parsed into
 * EV, is read as KIND with those fields (a NULL value: the field is absent).
 * Returns EV for any further checks; a failure names its line. */
static const struct qlog_event *qlog_expect(struct qlog_event *ev, const char *line,
					    enum qlog_kind kind, ...) __attribute__((sentinel));
static const struct qlog_event *qlog_expect(struct qlog_event *ev, const char *line,
					    enum qlog_kind kind, ...)
{
	char why[640] = "";
	const char *key;
	va_list ap;

	qlog_event_clear(ev);
	qlog_parse_line(line, strlen(line), "t.log", 1, ev);
	if (ev->kind != kind)
		fail_msg("'%s': kind %s, want %s", line, qlog_kind_name(ev->kind), qlog_kind_name(kind));
	va_start(ap, kind);
	while (!why[0] && (key = va_arg(ap, const char *))) {
		const char *want = va_arg(ap, const char *), *got = qlog_get(ev, key);
		if (want ? !got || strcmp(got, want) : got != NULL)
			snprintf(why, sizeof(why), "'%s': %s is %s, want %s", line, key,
				 got ?: "(none)", want ?: "(none)");
	}
	va_end(ap);
	if (why[0])
		fail_msg("%s", why);
	return ev;
}

#endif
