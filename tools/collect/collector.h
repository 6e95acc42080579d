/* What every collector shares (bpf-collector.h, ftrace.h, record-kfunc.h):
 * the kvm events they record by default, and how they name what the host
 * refused - one line to the caller (or stderr) and the same line as a NOTE
 * record in the capture, so a reader of the capture learns what is missing
 * and why. */
#ifndef KVMSCOPE_COLLECTOR_H
#define KVMSCOPE_COLLECTOR_H

#include <stddef.h>

struct cap_writer;

/* kvm events recorded by default: what explains an exit and its handling.
 * Per-instruction and per-page events only on request (record -e). */
extern const char *const collector_kvm_events[];
extern const size_t collector_kvm_event_count;

struct collector_voice {
	struct cap_writer *w;	/* NOTE records go here (NULL: none) */
	const char *note_prefix;	/* before each NOTE's text ("ftrace: "; NULL: none) */
	const char *who;	/* with no SAY: stderr lines read "WHO: LINE" */
	void (*say)(void *ctx, const char *line);	/* the caller prints LINE its own way */
	void *ctx;
	void (*heard)(void *ctx, const char *line);	/* also told each line (NULL: nobody) */
	void *heard_ctx;
};

/* One problem line: to SAY (or stderr as "WHO: LINE"), then as a NOTE, and
 * to HEARD. */
void collector_problem(const struct collector_voice *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
