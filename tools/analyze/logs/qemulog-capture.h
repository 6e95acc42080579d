/* Feeding a kvmscope capture into the same normalized event stream as the
 * logs, so the same rules run on both. The capture is read and merged by
 * the timeline (timeline.h); every VMM probe hit then becomes the event its
 * -trace line would give, each paired ioctl syscall (raw_syscalls sys_enter
 * -> sys_exit) a QLOG_SYSCALL event with its duration, and the capture's
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

#endif
