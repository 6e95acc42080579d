/* The -trace log backend: QEMU's `log` backend line format, fed by the
 * generated probe functions (probes/vmm.probes). */
#ifndef VMM_TRACE_H
#define VMM_TRACE_H

#include <stddef.h>
#include <stdio.h>

#include "vmm-probes.h"

enum trace_line_format {
	/* TID@[YYYY-MM-DD HH:MM:SS.uuuuuu] name args  (the seed logs' QEMU) */
	TRACE_FORMAT_BRACKETED,
	/* TID@SECONDS.USECS:name args  (upstream QEMU 7.2 with -msg timestamp=on) */
	TRACE_FORMAT_UPSTREAM,
};

/* -trace [enable=]PATTERN[,events=FILE][,file=FILE][,format=bracketed|upstream]
 * or "help". Returns 0, or -1 with a message in err. Sets *list when "help". */
int trace_parse_option(const char *arg, int *list, char *err, size_t errlen);
/* Enable (or, with a leading '-', disable) probes matching a glob.
 * Returns the number matched. */
int trace_enable_pattern(const char *pattern);
/* Open the -D / file= destination (default: stderr). */
int trace_open_log(const char *path, char *err, size_t errlen);
void trace_set_format(enum trace_line_format f);
void trace_list_events(FILE *out);
void trace_log_line(enum vmm_probe_id id, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Reads every byte of S (NULL is fine) so its pages are mapped before a
 * USDT probe passes it: a BPF program reading a string argument cannot fault
 * a page in, and a name the VMM never read itself (a .rodata table entry)
 * may sit in a page the process has not touched yet. */
void trace_fault_in(const char *s);

#endif
