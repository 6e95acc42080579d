/* trace.dat for `trace-cmd report` from the raw sub-buffers the ftrace
 * collector kept (ftrace_options.raw_dir): `trace-cmd restore -c` writes the
 * system's headers and event formats (the collector's uprobe events
 * included, so it must run before they go), `restore -i` appends the CPU
 * data. */
#ifndef KVMSCOPE_FTRACE_TRACE_DAT_H
#define KVMSCOPE_FTRACE_TRACE_DAT_H

#include <stddef.h>

/* DIR/trace.dat from DIR/cpu0..cpuN-1 (NCPUS). 0 with its path in OUT, or
 * -1 with the reason in WHY (the raw buffers stay). */
int ftrace_trace_dat(const char *dir, int ncpus, char *out, size_t outlen, char *why,
		     size_t whylen);

#endif
