/* JUnit XML writer: see junit.h. */
#include "junit.h"
#include "analyze/xml-escape.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void junit_suite_init(struct junit_suite *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->name = strdup(name ? name : "kvmscope");
}

void junit_suite_free(struct junit_suite *s)
{
	for (size_t i = 0; i < s->ncases; i++) {
		struct junit_case *c = &s->cases[i];
		free(c->classname);
		free(c->name);
		free(c->message);
		free(c->type);
		free(c->text);
		free(c->out);
	}
	free(s->cases);
	free(s->name);
	free(s->timestamp);
	free(s->hostname);
	memset(s, 0, sizeof(*s));
}

struct junit_case *junit_add(struct junit_suite *s, const char *classname, const char *name,
			     enum junit_status status, const char *message, const char *text)
{
	if (s->ncases == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct junit_case *n = realloc(s->cases, cap * sizeof(*n));
		if (!n)
			abort();
		s->cases = n;
		s->cap = cap;
	}
	struct junit_case *c = &s->cases[s->ncases++];
	memset(c, 0, sizeof(*c));
	c->classname = strdup(classname ? classname : s->name);
	c->name = strdup(name);
	c->status = status;
	c->message = dup_or_null(message);
	c->text = dup_or_null(text);
	if (!c->classname || !c->name)
		abort();
	return c;
}

void junit_case_append(struct junit_case *c, const char *fmt, ...)
{
	va_list ap;
	char *add = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	size_t old = c->text ? strlen(c->text) : 0;
	char *t = realloc(c->text, old + (size_t)n + 1);
	if (!t)
		abort();
	memcpy(t + old, add, (size_t)n + 1);
	c->text = t;
	free(add);
}

void junit_suite_set(struct junit_suite *s, const char *timestamp, const char *hostname,
		     double time_s)
{
	free(s->timestamp);
	free(s->hostname);
	s->timestamp = dup_or_null(timestamp);
	s->hostname = dup_or_null(hostname);
	s->time_s = time_s;
}

static void attr(FILE *out, const char *name, const char *value)
{
	if (!value)
		return;
	fprintf(out, " %s=\"", name);
	xml_escape(out, value, strlen(value), true);
	fputc('"', out);
}

static void text(FILE *out, const char *value)
{
	if (value)
		xml_escape(out, value, strlen(value), false);
}

struct counts {
	size_t tests, failures, errors, skipped;
};

static void count_suite(const struct junit_suite *s, struct counts *c)
{
	c->tests += s->ncases;
	for (size_t i = 0; i < s->ncases; i++) {
		switch (s->cases[i].status) {
		case JUNIT_FAIL: c->failures++; break;
		case JUNIT_ERROR: c->errors++; break;
		case JUNIT_SKIP: c->skipped++; break;
		case JUNIT_PASS: break;
		}
	}
}

static void counts_attrs(FILE *out, const struct counts *c, double time_s)
{
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"",
		c->tests, c->failures, c->errors, c->skipped, time_s < 0 ? 0.0 : time_s);
}

static void write_case(FILE *out, const struct junit_case *c)
{
	fputs("    <testcase", out);
	attr(out, "classname", c->classname);
	attr(out, "name", c->name);
	fprintf(out, " time=\"%.3f\"", c->time_s < 0 ? 0.0 : c->time_s);
	if (c->status == JUNIT_PASS && !c->out && !c->text) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n", out);
	switch (c->status) {
	case JUNIT_FAIL:
	case JUNIT_ERROR:
		fputs(c->status == JUNIT_FAIL ? "      <failure" : "      <error", out);
		attr(out, "message", c->message ? c->message : "failed");
		attr(out, "type", c->type);
		fputs(">", out);
		text(out, c->text);
		fputs(c->status == JUNIT_FAIL ? "</failure>\n" : "</error>\n", out);
		break;
	case JUNIT_SKIP:
		fputs("      <skipped", out);
		attr(out, "message", c->message);
		fputs("/>\n", out);
		break;
	case JUNIT_PASS:
		break;
	}
	/* a passing case's details (what was checked) go to system-out */
	const char *o = c->out ? c->out : (c->status == JUNIT_PASS || c->status == JUNIT_SKIP) ? c->text : NULL;
	if (o) {
		fputs("      <system-out>", out);
		text(out, o);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

int junit_write(FILE *out, const struct junit_suite *suites, size_t nsuites)
{
	struct counts all = { 0 };
	double time_s = 0;
	for (size_t i = 0; i < nsuites; i++) {
		count_suite(&suites[i], &all);
		time_s += suites[i].time_s;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", out);
	attr(out, "name", "kvmscope");
	counts_attrs(out, &all, time_s);
	fputs(">\n", out);
	for (size_t i = 0; i < nsuites; i++) {
		const struct junit_suite *s = &suites[i];
		struct counts c = { 0 };
		count_suite(s, &c);
		fputs("  <testsuite", out);
		attr(out, "name", s->name);
		counts_attrs(out, &c, s->time_s);
		attr(out, "timestamp", s->timestamp);
		attr(out, "hostname", s->hostname);
		fputs(">\n", out);
		for (size_t k = 0; k < s->ncases; k++)
			write_case(out, &s->cases[k]);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	fflush(out);
	return ferror(out) ? -1 : 0;
}
