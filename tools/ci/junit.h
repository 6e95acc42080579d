/* JUnit XML, the test-report format GitLab (artifacts:reports:junit), Jenkins
 * (junit step) and GitHub test-reporter actions all read:
 *
 *   <testsuites name tests failures errors skipped time>
 *     <testsuite name tests failures errors skipped time timestamp hostname>
 *       <testcase classname name time>
 *         <failure message type>evidence text</failure>   (or <skipped message/>)
 *         <system-out>...</system-out>
 *
 * kvmscope ci writes one suite per capture: a test case for the wrapped
 * command, one for the collectors, and one per diagnosis rule (a rule that
 * found something fails, carrying its evidence). Everything written is
 * escaped for XML 1.0: characters XML cannot carry (control bytes, invalid
 * UTF-8) become \xNN text, so any evidence line makes a valid file. */
#ifndef KVMSCOPE_JUNIT_H
#define KVMSCOPE_JUNIT_H

#include <stddef.h>
#include <stdio.h>

enum junit_status {
	JUNIT_PASS,
	JUNIT_FAIL,
	JUNIT_ERROR,	/* the check itself could not run */
	JUNIT_SKIP,
};

struct junit_case {
	char *classname;
	char *name;
	double time_s;
	enum junit_status status;
	char *message;	/* one line: the failure/skip message attribute */
	char *type;	/* failure type attribute (e.g. the rule id); may be NULL */
	char *text;	/* the failure's body: evidence lines; may be NULL */
	char *out;	/* system-out; may be NULL */
};

struct junit_suite {
	char *name;
	char *timestamp;	/* ISO 8601, may be NULL */
	char *hostname;		/* may be NULL */
	double time_s;
	struct junit_case *cases;
	size_t ncases, cap;
};

void junit_suite_init(struct junit_suite *s, const char *name);
void junit_suite_free(struct junit_suite *s);
/* Adds a case (strings are copied; NULL allowed except name). Returns it, so
 * the caller may append to its text with junit_case_append. */
struct junit_case *junit_add(struct junit_suite *s, const char *classname, const char *name,
			     enum junit_status status, const char *message, const char *text);
void junit_case_append(struct junit_case *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void junit_suite_set(struct junit_suite *s, const char *timestamp, const char *hostname,
		     double time_s);

/* Writes the whole document (one <testsuites> around the suites). 0 or -1
 * on a write error. */
int junit_write(FILE *out, const struct junit_suite *suites, size_t nsuites);

#endif
