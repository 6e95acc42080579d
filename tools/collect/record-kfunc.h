/* kvmscope record --functions: kernel function calls of the recorded
 * processes, through BPF fentry/fexit or kprobe/kretprobe
 * (tools/collect/record-kfunc.c, tools/collect/kfunc.bpf.c). */
#ifndef KVMSCOPE_RECORD_KFUNC_H
#define KVMSCOPE_RECORD_KFUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"

struct collector_voice;
struct ring_buffer;
struct record_kfunc;

struct record_kfunc_options {
	const char *functions;	/* "f,g,h" */
	int filter_fd;		/* bpf-collector.bpf.c's process filter (process-filter.h) */
	int followed_fd;	/* and its `followed` map */
	struct cap_writer *w;
	const struct collector_voice *voice;	/* how problems are said (tools/collector.h) */
	struct ring_buffer *rb;	/* the recorder's: the calls' ring buffer joins it */
};

struct record_kfunc_stats {
	unsigned attached;	/* functions recorded */
	uint64_t calls, lost, write_errors;
};

/* Loads and attaches; every function it cannot record is a NOTE (and a line
 * on stderr). NULL when none can be recorded (said in a NOTE too). */
struct record_kfunc *record_kfunc_start(const struct record_kfunc_options *o);
unsigned record_kfunc_attached(const struct record_kfunc *k);
/* After the last ring buffer poll: LOST and NOTE records for what the BPF
 * side counted; ST (may be NULL) gets the figures. */
void record_kfunc_finish(struct record_kfunc *k, struct record_kfunc_stats *st);
/* Detaches and frees (after the ring buffer is freed). */
void record_kfunc_free(struct record_kfunc *k);

#define KFUNC_LIST_MAX 64	/* functions in one --functions list (KFUNC_MAX) */
/* Splits "f,g" into NAMES (at most MAX); the count, or -1 with ERR. */
int record_kfunc_parse(const char *list, char names[][128], unsigned max, char *err, size_t errlen);

#endif
