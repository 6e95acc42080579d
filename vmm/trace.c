#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "keyval.h"
#include "probe-table.h"
#include "trace.h"

static int log_fd = STDERR_FILENO;
static enum trace_line_format line_format = TRACE_FORMAT_BRACKETED;

void trace_set_format(enum trace_line_format f)
{
	line_format = f;
}

int trace_enable_pattern(const char *pattern)
{
	bool enable = true;
	int matched = 0;

	if (*pattern == '-') {
		enable = false;
		pattern++;
	}
	for (unsigned i = 0; i < vmm_probe_count; i++) {
		if (fnmatch(pattern, vmm_probe_table[i].name, 0) == 0) {
			trace_log_enabled[i] = enable;
			matched++;
		}
	}
	return matched;
}

static int enable_checked(const char *pattern, char *err, size_t errlen)
{
	if (trace_enable_pattern(pattern) == 0 && !strpbrk(pattern, "*?[")) {
		snprintf(err, errlen, "trace event '%s' does not exist",
			 *pattern == '-' ? pattern + 1 : pattern);
		return -1;
	}
	return 0;
}

static int enable_from_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f) {
		snprintf(err, errlen, "-trace events=%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line + strspn(line, " \t");
		if (!*p || *p == '#')
			continue;
		if (enable_checked(p, err, errlen) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

int trace_open_log(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "could not open log file '%s': %s", path, strerror(errno));
		return -1;
	}
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	return 0;
}

int trace_parse_option(const char *arg, int *list, char *err, size_t errlen)
{
	struct keyval kv;

	if (!strcmp(arg, "help")) {
		*list = 1;
		return 0;
	}
	if (keyval_start(&kv, "-trace", arg, KEYVAL_MAX, err, errlen) < 0)
		return -1;
	while (keyval_next(&kv)) {
		const char *tok = kv.text;
		const char *val = kv.val ? kv.val : tok;
		if (!kv.val || !strncmp(tok, "enable=", 7)) {
			if (enable_checked(val, err, errlen) < 0)
				return -1;
		} else if (!strncmp(tok, "events=", 7)) {
			if (enable_from_file(val, err, errlen) < 0)
				return -1;
		} else if (!strncmp(tok, "file=", 5)) {
			if (trace_open_log(val, err, errlen) < 0)
				return -1;
		} else if (!strncmp(tok, "format=", 7)) {
			if (!strcmp(val, "bracketed"))
				line_format = TRACE_FORMAT_BRACKETED;
			else if (!strcmp(val, "upstream"))
				line_format = TRACE_FORMAT_UPSTREAM;
			else {
				snprintf(err, errlen,
					 "-trace format=%s: expected 'bracketed' or 'upstream'", val);
				return -1;
			}
		} else {
			snprintf(err, errlen, "-trace: invalid parameter '%s'", kv.key);
			return -1;
		}
	}
	return 0;
}

void trace_list_events(FILE *out)
{
	for (unsigned i = 0; i < vmm_probe_count; i++)
		fprintf(out, "%s\n", vmm_probe_table[i].name);
}

void trace_fault_in(const char *s)
{
	/* the length through a volatile, so the reads cannot be left out */
	volatile size_t n = s ? strlen(s) : 0;
	(void)n;
}

void trace_log_line(enum vmm_probe_id id, const char *fmt, ...)
{
	char line[4096];
	struct timeval tv;
	size_t n;
	va_list ap;

	gettimeofday(&tv, NULL);
	if (line_format == TRACE_FORMAT_BRACKETED) {
		struct tm tm;
		localtime_r(&tv.tv_sec, &tm);
		n = (size_t)snprintf(line, sizeof(line), "%d@[", gettid());
		n += strftime(line + n, sizeof(line) - n, "%Y-%m-%d %H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof(line) - n, ".%06ld] %s ",
				      (long)tv.tv_usec, vmm_probe_table[id].name);
	} else {
		n = (size_t)snprintf(line, sizeof(line), "%d@%ld.%06ld:%s ", gettid(),
				     (long)tv.tv_sec, (long)tv.tv_usec, vmm_probe_table[id].name);
	}
	va_start(ap, fmt);
	n += (size_t)vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* one write per line: whole lines even from several vCPU threads */
	if (write(log_fd, line, n) < 0) {
		/* a full disk must not stop the guest */
	}
}
