/* Reading QEMU, libvirt and kvmscope-vmm logs (and kvmscope captures) into
 * one stream of normalized events: where each came from (file:line and the
 * text as read), when (UTC microseconds when the line says), what shape it
 * had (source), what it means (kind) and its fields as key/value strings.
 *
 * Every line of the input becomes one event; lines that are not understood
 * are kept as QLOG_TEXT so that evidence and line numbers stay whole. The
 * reader never fails on content: malformed, truncated or binary input gives
 * QLOG_TEXT events, never an error. */
#ifndef KVMSCOPE_QEMULOG_H
#define KVMSCOPE_QEMULOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The shape of the line. */
enum qlog_source {
	QLOG_SRC_TEXT,	  /* not a known shape */
	QLOG_SRC_TRACE,	  /* log-backend trace line: TID@[date time] NAME ARGS, TID@S.US:NAME ARGS, ... */
	QLOG_SRC_QMP,	  /* QMP JSON line: event, command or reply */
	QLOG_SRC_STDERR,  /* [ISO-TS ]PROG: message (error_report), perror lines, "Aborted" */
	QLOG_SRC_LIBVIRT, /* libvirt domain log: TS+0000: starting up / shutting down, command lines */
	QLOG_SRC_FTRACE,  /* ftrace function_graph output */
	QLOG_SRC_SHELL,	  /* a shell prompt and the command typed */
	QLOG_SRC_CAPTURE, /* a record of a kvmscope capture */
	QLOG_SRC_KERNEL,  /* a kernel log line: dmesg "[ 1.234] ...", journald "Mon DD HH:MM:SS host kernel: ..." */
	QLOG_SRC_MANAGER, /* a management stack's line: kubevirt JSON, journald units, CI prefixes around QEMU's words */
	QLOG_SRC__MAX,
};

/* What the line means; the fields each kind carries are listed. */
enum qlog_kind {
	QLOG_TEXT,		/* nothing the rules use */
	QLOG_TRACE,		/* other trace point: args */
	QLOG_RUNSTATE,		/* from, from_index, to, to_index */
	QLOG_VM_STATE_NOTIFY,	/* running, reason, reason_name */
	QLOG_RESET_REQUEST,	/* reason, reason_name, resettable, action */
	QLOG_SHUTDOWN_REQUEST,	/* reason, reason_name */
	QLOG_POWERDOWN_REQUEST, /* - */
	QLOG_SYSTEM_RESET,	/* reason, reason_name */
	QLOG_MAIN_LOOP_EXIT,	/* reason, reason_name, action (quit | keep alive | ...) */
	QLOG_QMP_EVENT,		/* event, [guest, reason, action], data */
	QLOG_QMP_COMMAND,	/* command, arguments */
	QLOG_QMP_REPLY,		/* result | error */
	QLOG_AGENT_COMMAND,	/* command, [mode], arguments */
	QLOG_NOT_RESETTABLE,	/* program: "cpus are not resettable, terminating" */
	QLOG_SIGNAL,		/* signal, [pid, sender] ("terminating on signal") */
	QLOG_INVALID_TRANSITION,/* from, to */
	QLOG_KVM_IOCTL_EXIT,	/* ioctl, ret, errno, errname, fd_kind, cpu_index, [attr_group, attr] */
	QLOG_KVM_FAULT_INJECT,	/* ioctl, errno, errname, hit */
	QLOG_PMU_ATTR_ERROR,	/* ioctl (KVM_SET_DEVICE_ATTR | KVM_HAS_DEVICE_ATTR), errno, errname */
	QLOG_PMU_STEP_FAILED,	/* attr (KVM_ARM_VCPU_PMU_V3_IRQ | _INIT), step */
	QLOG_NO_VPMU,		/* x86 "-cpu host,pmu=on: the host KVM offers no vPMU": message */
	QLOG_PERROR,		/* function, errno, errname ("kvm_set_irq: No such device or address") */
	QLOG_ABORT,		/* "Aborted" */
	QLOG_MESSAGE,		/* program, message (other error_report lines) */
	QLOG_LIBVIRT_START,	/* libvirt, qemu, kernel, hostname */
	QLOG_LIBVIRT_STOP,	/* reason */
	QLOG_COMMAND_LINE,	/* program, [cpu, machine, sev_policy, fault] */
	QLOG_SEV_POLICY,	/* policy (a libvirt <policy> element) */
	QLOG_FUNCTION_GRAPH,	/* function, cpu, duration_ns */
	QLOG_SYSCALL,		/* capture: request, fd, ret, errno, errname, duration_ns (one ioctl) */
	QLOG_HOST,		/* capture: kernel, hostname, collector */
	/* QEMU's own words (any version 2.x..9.x, any arch) */
	QLOG_KVM_ERROR,		/* a failed KVM ioctl: [ioctl], [function], errno, errname | error_text,
				 * [cpu_index, attr_group, attr, msr, count], message */
	QLOG_KVM_INIT_FAILED,	/* "failed to initialize kvm: STRERROR": errno, errname */
	QLOG_KVM_INTERNAL_ERROR,/* "KVM internal error. Suberror: N": suberror */
	QLOG_KVM_EXTRA_DATA,	/* "extra data[I]: HEX": index, value */
	QLOG_KVM_EMULATION_FAILURE, /* "emulation failure" */
	QLOG_KVM_ENTRY_FAILED,	/* KVM_RUN ended in an exit QEMU cannot handle: hardware_error
				 * ("KVM: entry failed, ...") | hardware_exit_reason ("KVM: unknown exit, ...") */
	QLOG_REGISTER_DUMP,	/* a line of QEMU's register dump (cpu_dump_state): [ip] */
	QLOG_CONFIDENTIAL_ERROR,/* SEV/SEV-ES/SNP/TDX launch step failed: tech, step, [function, ret,
				 * errno, errname, fw_error, fw_status], [consequence] */
	QLOG_CONFIDENTIAL_TECH,	/* a line naming the confidential technology in use: tech */
	/* kernel log lines (host or guest console) */
	QLOG_KERNEL,		/* subsystem, message, [uptime_s], [event: panic | reboot | msr | kvm] */
	QLOG_KERNEL_FUNCTION,	/* capture: function, module, ret, [errno, errname], duration_ns, depth */
	QLOG_KIND__MAX,
};

/* How ts_us was obtained. */
enum qlog_clock {
	QLOG_CLOCK_NONE,  /* the line has no time */
	QLOG_CLOCK_UTC,	  /* wall clock, UTC */
	QLOG_CLOCK_LOCAL, /* wall clock in an unknown time zone, taken as UTC until fixed */
	QLOG_CLOCK_MONO,  /* CLOCK_MONOTONIC (captures) */
};

#define QLOG_MAX_FIELDS 12

struct qlog_field {
	const char *key; /* static string */
	char *value;
};

struct qlog_event {
	enum qlog_source source;
	enum qlog_kind kind;
	const char *file; /* owned by the stream */
	unsigned line;	  /* 1-based; 0 for events that are not lines (captures) */
	char *text;	  /* the line as read: valid UTF-8, control bytes as \xNN */
	char *name;	  /* trace point, QMP event/command, program; may be NULL */
	long tid;	  /* trace line thread id, capture tid; -1 if none */
	long pid;	  /* capture: the process of tid; 0 if unknown (log lines) */
	enum qlog_clock clock;
	int64_t ts_us;	  /* microseconds since the epoch (or boot, MONO); 0 if none */
	unsigned nfields;
	struct qlog_field fields[QLOG_MAX_FIELDS];
};

struct qlog_stream {
	struct qlog_event *ev;
	size_t n, cap;
	char **files;
	size_t nfiles;
	size_t lines_recognized; /* events that are not QLOG_TEXT */
	/* local wall-clock lines (TID@[date time]) shifted to UTC by this many
	 * seconds, inferred from QMP event timestamps next to them */
	bool local_offset_known;
	long local_offset_s;
	/* several inputs that all carry UTC were merged into one time order
	 * (a capture and the VMM's stderr of the same run, say) */
	bool merged;
	/* set by qlog_stream_finish: tells one finished stream from another */
	unsigned long id;
};

void qlog_stream_init(struct qlog_stream *s);
void qlog_stream_free(struct qlog_stream *s);

/* Reads PATH ("-" for stdin) line by line into S. Fails (-1, with a message
 * naming the file) only when the file cannot be read. */
int qlog_read_file(struct qlog_stream *s, const char *path, char *err, size_t errlen);
/* Reads a buffer of LEN bytes (any bytes) as file NAME. */
void qlog_read_buffer(struct qlog_stream *s, const char *name, const char *buf, size_t len);
/* After all inputs: infers the local time zone of bracketed trace lines and
 * converts them to UTC; when there are several inputs and each carries UTC
 * times, merges them into one time order (lines without a time keep their
 * place after the line before them). */
void qlog_stream_finish(struct qlog_stream *s);

/* Parses one line (without its newline) into EV, which the caller frees with
 * qlog_event_clear(). FILE is stored as given. */
void qlog_parse_line(const char *line, size_t len, const char *file, unsigned lineno,
		     struct qlog_event *ev);
/* Lines of FILE in S, and how many of them were understood (not QLOG_TEXT);
 * capture records count one each. */
void qlog_input_counts(const struct qlog_stream *s, const char *file, size_t *lines,
		       size_t *understood);
void qlog_event_clear(struct qlog_event *ev);
/* Sets EV's kind and fields from trace point NAME with log arguments ARGS
 * (the text after the name in a -trace line). */
void qlog_interpret_trace(const char *name, const char *args, struct qlog_event *ev);
/* Sets EV's kind and fields from TEXT when it is a QEMU command line. */
bool qlog_interpret_command_line(const char *text, struct qlog_event *ev);

/* Appends EV (taken over: its strings now belong to the stream). FILE is
 * interned. Returns the stored event. */
struct qlog_event *qlog_stream_add(struct qlog_stream *s, struct qlog_event *ev,
				   const char *file);

/* Field access: NULL / DEFAULT when absent or not a number. */
const char *qlog_get(const struct qlog_event *ev, const char *key);
long long qlog_get_int(const struct qlog_event *ev, const char *key, long long dflt);
bool qlog_has(const struct qlog_event *ev, const char *key);
/* Sets KEY (a static string) to a copy of VALUE, replacing an earlier value;
 * silently ignored when the event is full. */
void qlog_set(struct qlog_event *ev, const char *key, const char *value);
void qlog_setf(struct qlog_event *ev, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *qlog_kind_name(enum qlog_kind k);
const char *qlog_source_name(enum qlog_source s);

/* Name of a QEMU ShutdownCause by index ("guest-reset" for 7), "?" if unknown. */
const char *qlog_shutdown_cause_name(long idx);
/* errno of a strerror() text ("Invalid argument" -> 22), 0 if none. */
int qlog_errno_by_text(const char *text);

/* Formats ts_us as "2025-09-22T09:39:29.644657Z" (or "-" when none). */
void qlog_format_time(const struct qlog_event *ev, char *buf, size_t len);

#endif
