/* The BPF collector: records into a capture (capture/capture.h) through eBPF
 * programs (bpf-collector.bpf.c; their events in bpf-collector-events.h) and
 * one BPF ring buffer, timestamps from bpf_ktime_get_ns (CLOCK_MONOTONIC,
 * like the ftrace collector's).
 *
 * What it records, for one target process or, with follow, for it and every
 * process it starts (a BPF map of tgids grown on fork):
 *   - every USDT probe of the VMM binary (one generic program, the probe id
 *     as BPF cookie): PROBE_DEF once each, then PROBE records, and a STACK
 *     record after the probes named in stack_probes;
 *   - the default kvm tracepoints (collector.h) and any SYS:NAME event:
 *     TP_FORMAT once, then TP_EVENT records of the raw entry;
 *   - raw_syscalls sys_enter/sys_exit of KVM ioctls only;
 *   - optionally kernel function calls (record-kfunc.h), whose ring
 *     joins ours.
 * With keep, everything loaded and attached is pinned (bpf-kept.h) for the
 * next run, which attaches nothing: META bpf_kept says made, reused, or that
 * another collector held it (then this run is private, as without keep).
 * Each thread seen is named once (META thread:TID). Records the ring could
 * not hold are counted by the BPF side and written as LOST records
 * (CAP_LOST_RINGBUF) every second and at stop. What the host refuses is one
 * line through the problem callback and one NOTE record; the rest goes on.
 *
 * Use (record.c, `kvmscope record`):
 *   struct bpf_collector *bc;
 *   bpf_collector_start(&bc, writer, &opts, err, sizeof(err));  // target still held
 *   ... release the target; loop: bpf_collector_poll(bc, 10); ...
 *   bpf_collector_stop(bc, &stats);     // drains, writes LOST records
 *   ... close the capture, print the summary ...
 *   bpf_collector_detach(bc);           // the slow part: detaching, freeing
 */
#ifndef KVMSCOPE_BPF_COLLECTOR_H
#define KVMSCOPE_BPF_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf-collector-events.h"

struct cap_writer;
struct bpf_collector;


struct bpf_options {
	pid_t pid;                 /* the target process (required) */
	bool follow;               /* also every process it starts */
	bool exec_pending;         /* PID is a command held before exec: its probe
				      semaphores are checked after its first probe */
	const char *binary;        /* its executable, for USDT probes (NULL: no probes) */
	const char *const *events; /* extra "SYS:NAME" kernel events (record -e) */
	unsigned nevents;
	const char *const *stack_probes; /* probe names, or "all": a user stack each hit */
	unsigned nstack;
	bool no_kvm;               /* not the default kvm events */
	bool no_syscalls;          /* no raw_syscalls KVM ioctl records */
	const char *functions;     /* "f1,f2": kernel function calls (NULL: none) */
	unsigned ring_kb;          /* the ring's size: a power of two, 4 or more
				      (0: REC_RING_KB) */
	bool keep;                 /* through the kept set (bpf-kept.h): made now,
				      or reused as it is */
	/* one line per thing the host refused; also written as a NOTE */
	void (*problem)(void *ctx, const char *line);
	void *problem_ctx;
};

struct bpf_stats {
	uint64_t probes;        /* PROBE records written */
	uint64_t kernel_events; /* TP_EVENT records written */
	uint64_t lost;          /* records the rings could not hold (LOST records) */
	uint64_t write_errors;  /* records the capture refused */
	bool functions;         /* kernel functions were asked for */
	uint64_t function_calls; /* their KFUNC records */
	unsigned functions_attached;
};

/* Loads the programs and attaches them. Returns 0, or -1 with a one-line
 * reason in ERR when nothing can be recorded (no BPF, the ring refused).
 * Partial refusals are problems, not failures. W must stay open until
 * bpf_collector_stop. */
int bpf_collector_start(struct bpf_collector **out, struct cap_writer *w,
			const struct bpf_options *opts, char *err, size_t errlen);

/* Reads what the ring holds (waiting up to TIMEOUT_MS: the BPF side wakes
 * the reader only once a batch has gathered) and writes it. Returns the
 * number of records read, or -1 on a fatal read error (said as a problem). */
int bpf_collector_poll(struct bpf_collector *bc, int timeout_ms);

/* Drains the ring and writes the last LOST records. STATS may be NULL. */
void bpf_collector_stop(struct bpf_collector *bc, struct bpf_stats *stats);

/* Detaches every program and frees BC (NULL is fine). Detaching costs an
 * RCU grace period per attach point: a child process does it, so call this
 * last, once the capture is closed and the summary is out. A kept set is
 * only pointed at nobody and left. */
void bpf_collector_detach(struct bpf_collector *bc);

#endif
