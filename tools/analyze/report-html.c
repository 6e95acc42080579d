/* The HTML timeline page: tools/analyze/html/timeline.html (built in as
 * report_html_page) with the trace and the diagnosis put in its two data
 * blocks. See report-html.h. */
#include "report-html.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xml-escape.h"

extern const char report_html_page[]; /* generated from tools/analyze/html/timeline.html */

#define MARK_TITLE "@@TITLE@@"
#define MARK_TRACE "@@TRACE_JSON@@"
#define MARK_DIAG "@@DIAGNOSIS_JSON@@"

/* JSON inside <script>: '<' only ever occurs inside JSON strings, where
 * \u003c means the same; so "</script>" or "<!--" in data cannot end the
 * block. Empty or missing data becomes null. */
static void put_json(FILE *out, const char *json, size_t len)
{
	size_t i = 0;
	while (i < len && (json[i] == ' ' || json[i] == '\n' || json[i] == '\t' || json[i] == '\r'))
		i++;
	if (!json || i == len) {
		fputs("null", out);
		return;
	}
	for (; i < len; i++) {
		if (json[i] == '<')
			fputs("\\u003c", out);
		else if (json[i] == 0)
			fputs("\\u0000", out); /* never valid JSON: the page reports the parse error */
		else
			fputc(json[i], out);
	}
}

int report_html_write(FILE *out, const char *title, const char *trace_json, size_t trace_len,
		      const char *diag_json, size_t diag_len)
{
	const char *p = report_html_page;
	while (*p) {
		const char *m = strstr(p, "@@");
		if (!m) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(m - p), out);
		if (!strncmp(m, MARK_TITLE, strlen(MARK_TITLE))) {
			xml_escape(out, title ? title : "capture", strlen(title ? title : "capture"), false);
			p = m + strlen(MARK_TITLE);
		} else if (!strncmp(m, MARK_TRACE, strlen(MARK_TRACE))) {
			put_json(out, trace_json, trace_json ? trace_len : 0);
			p = m + strlen(MARK_TRACE);
		} else if (!strncmp(m, MARK_DIAG, strlen(MARK_DIAG))) {
			put_json(out, diag_json, diag_json ? diag_len : 0);
			p = m + strlen(MARK_DIAG);
		} else {
			fputs("@@", out);
			p = m + 2;
		}
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}

/* Runs this binary with ARGS and returns what it printed (NULL on failure;
 * diagnose's non-zero "found something" status is not a failure). */
static char *capture_output(char *const args[], size_t *len, bool any_status)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = 0;
	int p[2];
	if (pipe(p))
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		char *argv[8] = { self };
		for (int i = 0; args[i] && i < 6; i++)
			argv[i + 1] = args[i];
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(self, argv);
		_exit(127);
	}
	close(p[1]);
	size_t cap = 65536, used = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (buf && used + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			} else {
				buf = nb;
				cap *= 2;
			}
		}
		char sink[4096];
		ssize_t r = buf ? read(p[0], buf + used, cap - used - 1) : read(p[0], sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf)
			used += (size_t)r;
	}
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!buf || !WIFEXITED(st) || (!any_status && WEXITSTATUS(st)) || !used) {
		free(buf);
		return NULL;
	}
	buf[used] = 0;
	*len = used;
	return buf;
}

int report_html_from_capture(const char *capture, FILE *out)
{
	if (access(capture, R_OK)) {
		fprintf(stderr, "kvmscope report: %s: %s\n", capture, strerror(errno));
		return 1;
	}
	size_t tl = 0, dl = 0;
	char *const chrome[] = { "report", (char *)capture, "--format", "chrome", NULL };
	char *const diag[] = { "diagnose", "--format", "json", (char *)capture, NULL };
	char *trace = capture_output(chrome, &tl, false);
	if (!trace) {
		fprintf(stderr, "kvmscope report: %s: no timeline to draw (report --format chrome "
			"failed)\n", capture);
		return 1;
	}
	char *d = capture_output(diag, &dl, true);
	if (!d)
		fprintf(stderr, "kvmscope report: %s: no diagnosis (diagnose --format json failed); "
			"the page shows the timeline only\n", capture);
	int rc = report_html_write(out, capture, trace, tl, d, dl);
	free(trace);
	free(d);
	if (rc) {
		fprintf(stderr, "kvmscope report: write error: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int report_html_main(const char *capture, const char *output)
{
	FILE *out = stdout;
	if (output && !(out = fopen(output, "we"))) {
		fprintf(stderr, "kvmscope report: %s: %s\n", output, strerror(errno));
		return 1;
	}
	int rc = report_html_from_capture(capture, out);
	if (out != stdout && fclose(out) && !rc) {
		fprintf(stderr, "kvmscope report: %s: %s\n", output, strerror(errno));
		rc = 1;
	}
	return rc;
}
