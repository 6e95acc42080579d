/* ftrace-formats.h - the kernel's event formats, parsed with libtraceevent
 * for the ftrace collector, each when it is first used.
 *
 * tracefs_local_events_system() parses every event of the systems it is
 * given (a hundred for kvm), and also /proc/kallsyms, printk_formats and
 * saved_cmdlines: about 0.1 s of CPU, a third of what a short recording
 * costs the collector. Here only the header page is read up front, each
 * event's format when the collector takes that event, and the kernel's
 * symbols only on request - function tracing needs them, since a
 * function_graph entry names its function by address. */
#ifndef KVMSCOPE_FTRACE_FORMATS_H
#define KVMSCOPE_FTRACE_FORMATS_H

#include <stdbool.h>
#include <stddef.h>

struct tep_handle;
struct tep_event;

/* A tep with the header page, and /proc/kallsyms when WITH_KALLSYMS (not
 * fatal: functions are then shown by address). NULL with the reason in ERR. */
struct tep_handle *ftrace_formats_new(bool with_kallsyms, char *err, size_t errlen);

/* SYS:NAME, its format read and parsed on first use. NULL when the kernel has
 * no such event or its format does not parse. FORMAT (may be NULL) gets the
 * format's text when it was read by this call (the caller frees it), else NULL. */
struct tep_event *ftrace_formats_event(struct tep_handle *tep, const char *sys, const char *name,
				       char **format);

#endif
