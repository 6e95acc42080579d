/* The ftrace collector: records into a capture (tools/capture/capture.h) from a
 * tracefs instance of its own, on trace_clock "mono" so its timestamps are
 * CLOCK_MONOTONIC like the BPF collector's.
 *
 * What it records, for one target process (set_event_pid + event-fork, so
 * the VMM's threads created later are included) or, with follow, for it and
 * every process it starts (each record carries its thread's own process,
 * tools/collect/thread-process.h):
 *   - kvm tracepoints and any SYS:NAME event: TP_FORMAT (the kernel's format
 *     text) once, then TP_EVENT records holding the raw entry exactly as the
 *     BPF collector stores it (common_flags and preempt_count zeroed, cut at
 *     the end of the last fixed field);
 *   - raw_syscalls sys_enter/sys_exit of KVM ioctls (type 0xAE) only, as the
 *     BPF side filters them;
 *   - every USDT probe of the VMM binary as a uprobe event
 *     `p:GROUP/NAME PATH:OFFSET(REF_CTR_OFFSET) a0=%reg:s32 s1=+0(%reg):string`
 *     (both numbers file offsets, from tools/collect/usdt-notes.c), turned into the
 *     same PROBE records the BPF collector writes (probe id = index in
 *     vmm_probe_table, signed arguments sign-extended, strings kept);
 *   - optionally function_graph (or function) tracing of named kernel
 *     functions, as TP_EVENT records of the ftrace/funcgraph_* events.
 * Events from all CPUs are written in timestamp order (held back by a short
 * window). Ring-buffer overruns are counted from per_cpu/cpuN/stats and
 * written as LOST records (CAP_LOST_FTRACE). What the host refuses (function
 * tracer EPERM, an absent event, a probe that cannot be expressed) is one
 * line through the problem callback and one NOTE record; the rest goes on.
 * The instance and the uprobe group are named after the collector's pid
 * (kvmscope-PID, kvmscope_PID); a later start removes those of collectors
 * that died without ftrace_collector_stop. With keep, the kept instance and
 * its per-binary group (tools/collect/ftrace-kept.h) are reused and left in place.
 *
 * Use (tools/collect/record.c, `kvmscope record --ftrace`):
 *   struct ftrace_collector *fc;
 *   ftrace_collector_start(&fc, writer, &opts, err, sizeof(err));  // VMM still held
 *   ... release the VMM; loop: ftrace_collector_poll(fc, 100); ...
 *   ftrace_collector_stop(fc, &stats);                             // drains, cleans up
 */
#ifndef KVMSCOPE_FTRACE_H
#define KVMSCOPE_FTRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cap_writer;
struct ftrace_collector;

struct ftrace_options {
	pid_t pid;                 /* the target process (required) */
	bool follow;               /* also every process it starts (event-fork); else
				      entries of other processes are dropped */
	const char *binary;        /* its executable, for USDT uprobes (NULL: no probes) */
	const char *const *events; /* extra "SYS:NAME" kernel events (as record -e) */
	unsigned nevents;
	bool no_kvm;               /* not the default kvm events (record --no-kvm) */
	bool no_syscalls;          /* no raw_syscalls KVM ioctl records */
	const char *functions;     /* "f1,f2": function_graph of these (NULL: none) */
	const char *instance;      /* tracefs instance name (NULL: kvmscope-<our pid>) */
	bool keep;                 /* the kept instance (tools/collect/ftrace-kept.h), left set up for
				      the next run; not with functions or raw_dir */
	unsigned buffer_kb;        /* per-CPU ring buffer size (0: 4096 KiB) */
	bool probe_defs_written;   /* the caller (BPF collector) already wrote PROBE_DEFs */
	/* also keep every raw sub-buffer in RAW_DIR/cpuN and, at stop, turn them
	 * into RAW_DIR/trace.dat for `trace-cmd report` (with `trace-cmd restore`,
	 * while the uprobe events still exist). NULL: no trace.dat. */
	const char *raw_dir;
	/* one line per thing the host refused; also written as a NOTE */
	void (*problem)(void *ctx, const char *line);
	void *problem_ctx;
};

struct ftrace_stats {
	uint64_t probes;        /* PROBE records written */
	uint64_t kernel_events; /* TP_EVENT records written */
	uint64_t filtered;      /* entries read but not the target's (e.g. non-KVM ioctls) */
	uint64_t lost;          /* ring-buffer overruns (LOST records) */
	uint64_t unparsed;      /* entries of an unknown event or malformed */
	unsigned probes_defined; /* uprobe events created */
	unsigned events_enabled; /* tracepoints enabled */
	bool functions_traced;  /* function(_graph) tracing was accepted */
	bool trace_dat;         /* RAW_DIR/trace.dat was written */
	bool kept;              /* recorded through the kept instance */
	bool kept_reused;       /* its uprobe events were already defined */
};

/* Creates the instance, defines and enables everything, turns tracing on.
 * Returns 0, or -1 with a one-line reason in ERR when nothing can be
 * recorded at all (no tracefs, instance refused). Partial refusals are
 * problems, not failures. W must stay open until ftrace_collector_stop. */
int ftrace_collector_start(struct ftrace_collector **out, struct cap_writer *w,
			   const struct ftrace_options *opts, char *err, size_t errlen);

/* Reads what the per-CPU buffers hold (waiting up to TIMEOUT_MS for data)
 * and writes the records that are old enough to be in order. Returns the
 * number of records written, or -1 on a fatal read error. */
int ftrace_collector_poll(struct ftrace_collector *fc, int timeout_ms);

/* Stops tracing, drains every buffer, writes LOST records, removes the
 * uprobe events and the instance, frees FC. STATS may be NULL. 0 or -1. */
int ftrace_collector_stop(struct ftrace_collector *fc, struct ftrace_stats *stats);

/* The uprobe_events definition of one USDT probe (for tests and listings):
 * "p:GROUP/NAME PATH:0xOFF(0xREF) a0=... s1=..." into BUF. STR_MASK marks
 * the arguments that are C strings. 0, or -1 with the reason in ERR. */
struct usdt_probe;
int ftrace_uprobe_definition(const struct usdt_probe *probe, unsigned machine, const char *group,
			     const char *path, uint16_t str_mask, char *buf, size_t len, char *err,
			     size_t errlen);

#endif
