/* The HTML timeline: one self-contained page (no network) that draws a
 * capture's timeline as swimlanes per thread (VMM run states, KVM ioctls with
 * their errno, kvm events, kernel functions), zoomable and pannable, with the
 * diagnosis findings linked to their evidence. The page's CSS and JS live in
 * tools/analyze/html/timeline.html and are built into the binary; the data are the
 * Chrome trace events `kvmscope report --format chrome` writes and the JSON
 * of `kvmscope diagnose --format json`, embedded as they are. */
#ifndef KVMSCOPE_REPORT_HTML_H
#define KVMSCOPE_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Writes the page: TRACE_JSON (Chrome trace events, LEN bytes; NULL: none)
 * and DIAG_JSON (diagnose JSON; NULL: none) embedded; TITLE names the
 * capture. Returns 0, or -1 on a write error. */
int report_html_write(FILE *out, const char *title, const char *trace_json, size_t trace_len,
		      const char *diag_json, size_t diag_len);

/* `kvmscope report CAPTURE --format html`: runs this binary's `report
 * --format chrome` and `diagnose --format json` on CAPTURE and writes the
 * page to OUT. Returns 0, or 1 with a message on stderr. */
int report_html_from_capture(const char *capture, FILE *out);
/* The same into OUTPUT (NULL: stdout): `report --format html [-o FILE]`. */
int report_html_main(const char *capture, const char *output);

#endif
