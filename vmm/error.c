#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

static bool with_timestamps;

void error_set_timestamps(bool on)
{
	with_timestamps = on;
}

/* One write(2) per message so lines from several threads never interleave. */
static void vreport(const char *kind, const char *fmt, va_list ap)
{
	char line[2048];
	size_t n = 0;

	if (with_timestamps) {
		struct timeval tv;
		struct tm tm;
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		n += strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += snprintf(line + n, sizeof(line) - n, ".%06ldZ ", (long)tv.tv_usec);
	}
	n += snprintf(line + n, sizeof(line) - n, "%s: %s", VMM_PROGNAME, kind);
	if (n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report to */
	}
}

void error_report(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void warn_report(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void info_report(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("info: ", fmt, ap);
	va_end(ap);
}
