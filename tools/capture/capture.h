/* The kvmscope capture file: a fixed header, then a stream of self-describing
 * records. Both collectors (eBPF: record.c, ftrace: ftrace.c) write it through
 * the writer below; report, diagnose and ci read it through the reader.
 * The format is documented in docs/capture-format.md; this header is its
 * normative definition. All integers are in the byte order of the host that
 * wrote the file (header.byte_order tells which); every record starts on an
 * 8-byte boundary and its size is a multiple of 8.
 *
 * Crash safety: the writer only ever write()s whole records, so a capture cut
 * short (collector killed, disk full) is readable up to its last whole record;
 * the reader reports how many bytes of a partial record it ignored. */
#ifndef KVMSCOPE_CAPTURE_H
#define KVMSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format-version.h"

#define CAP_MAGIC "KVMSCOPE"	/* 8 bytes, no NUL */
#define CAP_VERSION_MAJOR CAPTURE_FORMAT_MAJOR
#define CAP_VERSION_MINOR CAPTURE_FORMAT_MINOR
#define CAP_BYTE_ORDER 0x01020304u
#define CAP_ALIGN 8
#define CAP_MAX_RECORD (1u << 20) /* no valid record is larger */
#define CAP_PROBE_MAX_ARGS 12
#define CAP_STACK_MAX 127

struct cap_file_header {
	char magic[8];		/* CAP_MAGIC */
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t header_size;	/* sizeof(struct cap_file_header) today; records start here */
	uint32_t byte_order;	/* CAP_BYTE_ORDER as written */
	uint32_t clock_id;	/* CLOCK_MONOTONIC (1): the clock of every ts_ns */
	uint64_t start_mono_ns;	/* the clock when the capture began ... */
	uint64_t start_real_ns;	/* ... and CLOCK_REALTIME at the same moment */
	uint32_t target_pid;	/* the traced process (0: none/system-wide) */
	uint32_t flags;		/* none defined yet */
	uint8_t reserved[16];
};
_Static_assert(sizeof(struct cap_file_header) == 64, "capture header is 64 bytes");

/* Who produced a record. */
enum cap_source {
	CAP_SRC_COLLECTOR = 0,	/* the collector itself (meta, notes, lost counts) */
	CAP_SRC_BPF = 1,
	CAP_SRC_FTRACE = 2,
};

enum cap_record_type {
	CAP_REC_META = 1,	/* key\0value\0: kernel_release, command, hostname, collector */
	CAP_REC_PROBE_DEF = 2,	/* struct cap_probe_def + strings: a probe's name and shape */
	CAP_REC_PROBE = 3,	/* struct cap_probe + args + strings: one USDT probe hit */
	CAP_REC_TP_FORMAT = 4,	/* struct cap_tp_format + strings: a tracefs event's format file */
	CAP_REC_TP_EVENT = 5,	/* struct cap_tp_event + the raw trace entry, as ftrace stores it */
	CAP_REC_LOST = 6,	/* struct cap_lost: records the collector could not keep */
	CAP_REC_STACK = 7,	/* struct cap_stack: user stack of the preceding PROBE (same tid, ts) */
	CAP_REC_MAPS = 8,	/* text of /proc/PID/maps (pid in the record), for symbolization */
	CAP_REC_NOTE = 9,	/* text: something the collector could not do ("tracepoint x absent") */
	CAP_REC_END = 10,	/* struct cap_end: the collector finished cleanly */
	CAP_REC_SYMBOL = 11,	/* struct cap_symbol + text: an ip of pid resolved at record time */
	CAP_REC_KFUNC_DEF = 12,	/* struct cap_kfunc_def + strings: a recorded kernel function (1.1) */
	CAP_REC_KFUNC = 13,	/* struct cap_kfunc: one call of it, ts_ns = entry (1.1) */
};

/* Every record starts with this. size covers header + payload + padding. */
struct cap_record {
	uint16_t type;		/* enum cap_record_type; unknown types are skipped */
	uint16_t source;	/* enum cap_source */
	uint32_t size;		/* bytes, multiple of CAP_ALIGN, >= sizeof(struct cap_record) */
	uint64_t ts_ns;		/* CLOCK_MONOTONIC */
	uint32_t pid;		/* thread group id (0: not from a task) */
	uint32_t tid;
	uint32_t cpu;		/* CPU the event happened on (UINT32_MAX: unknown) */
	uint32_t flags;		/* per type; none defined yet */
};
_Static_assert(sizeof(struct cap_record) == 32, "record header is 32 bytes");

struct cap_probe_def {
	uint32_t probe_id;	/* the id PROBE records use */
	uint16_t nargs;
	uint16_t reserved;
	uint8_t arg_types[CAP_PROBE_MAX_ARGS]; /* enum probe_arg_type (probes/probe-table.h) */
	/* then NUL-terminated: provider, name, format, nargs argument names */
};

/* A probe hit. args[] holds every argument as a u64 (a string argument's
 * pointer too); for each bit i set in str_mask (ascending), one
 * NUL-terminated string follows args[]: the argument read from the traced
 * process (empty if it could not be read). */
struct cap_probe {
	uint32_t probe_id;
	uint16_t nargs;
	uint16_t str_mask;
	uint64_t args[];
};

struct cap_tp_format {
	uint32_t event_id;	/* tracefs ID: the common_type of its raw entries */
	uint32_t reserved;
	/* then NUL-terminated: system, name, the whole text of events/SYS/NAME/format */
};

struct cap_tp_event {
	uint32_t len;		/* bytes of data[] (the record is padded after it) */
	uint32_t reserved;
	uint8_t data[];		/* the raw trace entry: common_type (u16) first */
};

struct cap_lost {
	uint64_t count;		/* records lost since the previous LOST record of this kind */
	uint32_t kind;		/* enum cap_lost_kind */
	uint32_t reserved;
};

enum cap_lost_kind {
	CAP_LOST_RINGBUF = 1,	/* BPF ring buffer full */
	CAP_LOST_STRING = 2,	/* a string argument could not be read (record kept) */
	CAP_LOST_FTRACE = 3,	/* ftrace ring buffer overrun */
	CAP_LOST_STACK = 4,	/* a user stack could not be taken (record kept) */
};

struct cap_stack {
	uint32_t nframes;
	uint32_t reserved;
	uint64_t ips[];		/* innermost first */
};

struct cap_symbol {
	uint64_t ip;
	/* then NUL-terminated: "func (file:line)" or "func+0xOFF (module)" */
};

struct cap_end {
	uint64_t records;	/* records written before END (with --max-size: dropped ones too) */
	uint64_t lost;		/* sum of every LOST count (with --max-size: dropped ones too) */
	uint64_t end_mono_ns;
};

/* Kernel functions (record --functions; tools/capture/capture-kfunc.h decodes them). */
enum cap_kfunc_attach {
	CAP_KFUNC_FENTRY = 1,	/* BPF fentry/fexit (the kernel's BTF names its types) */
	CAP_KFUNC_KPROBE = 2,	/* BPF kprobe/kretprobe */
};

enum cap_kfunc_ret_kind {
	CAP_KFUNC_RET_UNKNOWN = 0,	/* no BTF: an errno is guessed from the value */
	CAP_KFUNC_RET_SIGNED = 1,	/* signed integer of ret_size bytes */
	CAP_KFUNC_RET_UNSIGNED = 2,	/* unsigned integer (bool, enum too): never an errno */
	CAP_KFUNC_RET_POINTER = 3,	/* ERR_PTR(-errno) is an errno */
	CAP_KFUNC_RET_VOID = 4,
};

struct cap_kfunc_def {
	uint32_t func_id;	/* the id KFUNC records use */
	uint8_t attach;		/* enum cap_kfunc_attach */
	uint8_t ret_kind;	/* enum cap_kfunc_ret_kind */
	uint8_t ret_size;	/* bytes of the return type (0: unknown) */
	uint8_t reserved;
	/* then NUL-terminated: name, module ("" for vmlinux), return type as C ("long") */
};

#define CAP_KFUNC_NO_ENTRY 1u	/* cap_kfunc.flags: entry not seen, ts_ns is the return */

struct cap_kfunc {
	uint32_t func_id;
	uint32_t flags;		/* CAP_KFUNC_NO_ENTRY */
	uint64_t duration_ns;	/* entry to return (0 with CAP_KFUNC_NO_ENTRY) */
	uint64_t ret;		/* the return register as the kernel left it */
};

/* ---- writer ---------------------------------------------------------- */

struct cap_writer;

struct cap_writer_info {
	uint32_t target_pid;
	const char *command;	/* recorded as meta "command" (may be NULL) */
	const char *collector;	/* meta "collector", e.g. "kvmscope record (bpf)" */
	uint64_t max_bytes;	/* > 0: bound the capture ring-buffer style (below) */
};

/* Creates PATH (truncating it), writes the header and the meta records
 * (kernel_release, hostname, command, collector). NULL + message in err.
 *
 * With info->max_bytes (record --max-size), events go to two segment files,
 * PATH.seg0 and PATH.seg1, of at most max_bytes/2 each; when the current one
 * is full the other is emptied and reused, so the oldest events go. Every
 * segment starts with the header and all definition records written so far
 * (the writer keeps them in memory), so each is a capture of its own and a
 * collector killed mid-run leaves readable segments. cap_writer_close
 * assembles PATH: header, every definition once, a NOTE saying what was
 * dropped (cap_format_drop_note), the older segment's events, then the newer's;
 * it punches holes behind what it copied, so the disk holds about max_bytes
 * throughout. */
struct cap_writer *cap_writer_open(const char *path, const struct cap_writer_info *info,
				   char *err, size_t errlen);
/* Updates target_pid in the header (e.g. once the child is forked). */
int cap_writer_set_pid(struct cap_writer *w, uint32_t pid);

/* Appends one record; payload of len bytes is padded. rec->type/source/ts/
 * pid/tid/cpu are taken from hdr, size is computed. Returns 0 or -errno. */
int cap_append(struct cap_writer *w, const struct cap_record *hdr, const void *payload,
	       size_t len);
/* The same from two pieces (a fixed struct, then variable bytes). */
int cap_append2(struct cap_writer *w, const struct cap_record *hdr, const void *p1, size_t l1,
		const void *p2, size_t l2);

/* Typed helpers. ts 0 means "now" (CLOCK_MONOTONIC). */
int cap_write_meta(struct cap_writer *w, const char *key, const char *value);
int cap_write_note(struct cap_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cap_write_probe_def(struct cap_writer *w, uint32_t probe_id, const char *provider,
			const char *name, const char *format, unsigned nargs,
			const char *const *arg_names, const uint8_t *arg_types);
int cap_write_tp_format(struct cap_writer *w, enum cap_source src, uint32_t event_id,
			const char *system, const char *name, const char *format_text);
int cap_write_tp_event(struct cap_writer *w, enum cap_source src, uint64_t ts_ns, uint32_t pid,
		       uint32_t tid, uint32_t cpu, const void *raw, uint32_t len);
/* A probe hit: strs[i] is used for each bit i of str_mask (NULL: empty). */
int cap_write_probe(struct cap_writer *w, enum cap_source src, uint64_t ts_ns, uint32_t pid,
		    uint32_t tid, uint32_t cpu, uint32_t probe_id, unsigned nargs,
		    const uint64_t *args, uint16_t str_mask, const char *const *strs);
int cap_write_lost(struct cap_writer *w, enum cap_source src, enum cap_lost_kind kind,
		   uint64_t count);
int cap_write_maps(struct cap_writer *w, uint32_t pid);	/* reads /proc/PID/maps */
int cap_write_symbol(struct cap_writer *w, uint32_t pid, uint64_t ip, const char *text);

/* PATH.segK of a bounded capture (K 0 or 1); 0, or -1 if it does not fit. */
int cap_segment_path(char *buf, size_t len, const char *path, unsigned k);

/* Writes buffered records (whole records only). 0 or -errno. */
int cap_flush(struct cap_writer *w);
uint64_t cap_writer_records(const struct cap_writer *w);
/* Writes END (if end is true), flushes, closes. 0 or -errno. */
int cap_writer_close(struct cap_writer *w, bool end);

/* ---- reader ---------------------------------------------------------- */

struct cap_reader;

/* Opens and checks the header. NULL + message in err (bad magic, version,
 * byte order, file too short...). */
struct cap_reader *cap_open(const char *path, char *err, size_t errlen);
const struct cap_file_header *cap_header(const struct cap_reader *r);

enum cap_next_result {
	CAP_NEXT_OK = 1,
	CAP_NEXT_END = 0,	/* no more whole records (see cap_truncated) */
	CAP_NEXT_CORRUPT = -1,	/* a record header is impossible: see cap_error */
};
/* The next record, valid until cap_close. Records are size-checked only;
 * decode payloads with the cap_decode_* functions, which check the rest. */
enum cap_next_result cap_next(struct cap_reader *r, const struct cap_record **rec);
/* Restarts at the first record. */
void cap_rewind(struct cap_reader *r);
const char *cap_error(const struct cap_reader *r);
uint64_t cap_records_read(const struct cap_reader *r);
/* Bytes in the file (to size arrays before reading). */
uint64_t cap_file_size(const struct cap_reader *r);
/* True when the file ends inside a record; *partial = its bytes. */
bool cap_truncated(const struct cap_reader *r, uint64_t *partial);
/* True once an END record was read. */
bool cap_saw_end(const struct cap_reader *r);
void cap_close(struct cap_reader *r);

/* ---- payload decoders: 0 on success, -1 if the payload is malformed -- */

int cap_decode_meta(const struct cap_record *rec, const char **key, const char **value);
/* Text of NOTE and MAPS records (NUL-terminated inside the record). */
int cap_decode_text(const struct cap_record *rec, const char **text);

struct cap_probe_def_view {
	uint32_t probe_id;
	unsigned nargs;
	const uint8_t *arg_types;
	const char *provider, *name, *format;
	const char *arg_names[CAP_PROBE_MAX_ARGS];
};
int cap_decode_probe_def(const struct cap_record *rec, struct cap_probe_def_view *out);

struct cap_probe_view {
	uint32_t probe_id;
	unsigned nargs;
	uint16_t str_mask;
	const uint64_t *args;			/* nargs values (may be unaligned-safe: 8-aligned) */
	const char *strs[CAP_PROBE_MAX_ARGS];	/* NULL unless the bit is set in str_mask */
};
int cap_decode_probe(const struct cap_record *rec, struct cap_probe_view *out);

struct cap_tp_format_view {
	uint32_t event_id;
	const char *system, *name, *format;
};
int cap_decode_tp_format(const struct cap_record *rec, struct cap_tp_format_view *out);
/* Raw entry of a TP_EVENT record; *event_id from its common_type. */
int cap_decode_tp_event(const struct cap_record *rec, const uint8_t **data, uint32_t *len,
			uint16_t *event_id);
int cap_decode_lost(const struct cap_record *rec, const struct cap_lost **out);
int cap_decode_stack(const struct cap_record *rec, const struct cap_stack **out);
int cap_decode_symbol(const struct cap_record *rec, uint64_t *ip, const char **text);
int cap_decode_end(const struct cap_record *rec, const struct cap_end **out);

const char *cap_record_type_name(unsigned type);
const char *cap_source_name(unsigned source);

/* ---- bounding a capture (record --max-size, ci --max-size) ----------- */

/* Events are the records a bound may drop, oldest first: PROBE, TP_EVENT,
 * STACK (with its probe) and LOST (it stands where records went missing).
 * Every other record (definitions, metadata, notes) is needed whatever its
 * age and is always kept. */
bool cap_record_is_event(unsigned type);

/* What a bound dropped. */
struct cap_drop {
	uint64_t records, bytes;	/* event records and their bytes */
	uint64_t lost_records, lost;	/* LOST records among them, their counts summed */
};
/* The NOTE text saying so, e.g. "kvmscope ci --max-size 64 MiB: the 812 oldest
 * event records (40960 bytes) were dropped" (who = "kvmscope ci"). */
void cap_format_drop_note(char *buf, size_t len, const char *who, uint64_t max_bytes,
			  const struct cap_drop *d);
/* Reads records and bytes back from such a NOTE; false if TEXT is not one. */
bool cap_parse_drop_note(const char *text, uint64_t *records, uint64_t *bytes);

#endif
