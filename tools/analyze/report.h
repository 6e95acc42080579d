/* kvmscope report: the output formats, one file each (report-text.c,
 * report-json.c, report-chrome.c), over one loaded timeline. */
#ifndef KVMSCOPE_REPORT_H
#define KVMSCOPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "timeline.h"

struct report_opts {
	bool color;
	bool absolute;		/* wall-clock times instead of seconds since start */
};

int report_text(const struct timeline *tl, FILE *out, const struct report_opts *o);
int report_json(const struct timeline *tl, FILE *out, const struct report_opts *o);
int report_chrome(const struct timeline *tl, FILE *out, const struct report_opts *o);

/* JSON string with escapes (shared by the JSON writers). */
void report_json_string(FILE *out, const char *s);

#endif
