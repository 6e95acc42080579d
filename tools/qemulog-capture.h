/* Feeding a kvmscope capture (capture.h) into the same normalized event
 * stream as the logs, so the same rules run on both: every VMM probe hit
 * becomes the event its -trace line would give, the ioctl syscalls
 * (raw_syscalls sys_enter/sys_exit) become QLOG_SYSCALL events with their
 * duration, function_graph records QLOG_FUNCTION_GRAPH, and the capture's
 * meta records a QLOG_HOST and a QLOG_COMMAND_LINE event. */
#ifndef KVMSCOPE_QEMULOG_CAPTURE_H
#define KVMSCOPE_QEMULOG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "qemulog.h"

/* True when PATH starts with the capture magic. */
bool qlog_is_capture(const char *path);
/* Appends the capture's events, sorted by time, to S. -1 with a message
 * when the file is not a readable capture; a truncated or partly corrupt
 * capture gives the events before the damage and a QLOG_TEXT note. */
int qlog_read_capture(struct qlog_stream *s, const char *path, char *err, size_t errlen);

/* Renders a probe's log FORMAT (printf with %N$ positions) from raw
 * arguments: what the VMM's -trace backend would have printed. */
void qlog_render_probe_format(char *buf, size_t len, const char *format, unsigned nargs,
			      const unsigned long long *args, const unsigned char *types,
			      const char *const *strs);

#endif
