/* The merged timeline of a capture: every record sorted on CLOCK_MONOTONIC,
 * KVM ioctl syscalls paired (enter + exit = one span), and each event joined
 * to the VMM decision it happened under: per thread, a VMM ioctl entry probe
 * (kvm_ioctl, kvm_vm_ioctl, kvm_vcpu_ioctl, kvm_device_ioctl) opens a span
 * that kvm_ioctl_exit closes; the syscall and the kernel events of that
 * thread inside it are its children. Used by report, diagnose and ci. */
#ifndef KVMSCOPE_TIMELINE_H
#define KVMSCOPE_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"
#include "capture/capture-kfunc.h"

struct tep_handle;
struct tep_event;

enum tl_kind {
	TL_PROBE,	/* a VMM probe hit */
	TL_IOCTL,	/* a KVM ioctl syscall: sys_enter .. sys_exit */
	TL_KERNEL,	/* any other kernel event (kvm tracepoints, ...) */
	TL_LOST,	/* a LOST record */
	TL_NOTE,	/* a collector NOTE */
	TL_KFUNC,	/* a kernel function call (record --functions): entry .. return */
};

struct tl_event {
	const struct cap_record *rec;	/* the record (sys_enter for TL_IOCTL) */
	uint64_t ts, end_ts;		/* end_ts: sys_exit / kvm_ioctl_exit, else ts */
	uint32_t pid, tid, cpu;
	uint32_t seq;			/* order in the capture: ties keep it */
	uint8_t kind;			/* enum tl_kind */
	uint8_t depth;			/* 0 top level; 1 inside a VMM ioctl span; 2 inside its syscall;
					 * TL_KFUNC: + 1 per enclosing call on its thread */
	uint8_t has_exit;		/* TL_IOCTL: the sys_exit was seen; TL_KFUNC: its entry */
	uint8_t is_error;		/* TL_IOCTL/kvm_ioctl_exit/TL_KFUNC: failed (an errno) */
	int32_t parent;			/* index of the enclosing VMM ioctl entry probe, or -1 */
	int32_t link;			/* entry probe <-> kvm_ioctl_exit, or -1; TL_KFUNC: its
					 * TL_IOCTL, or -1 */
	const struct cap_stack *stack;	/* TL_PROBE: user stack taken there, or NULL */
	/* TL_IOCTL; TL_KFUNC: ret as its type has it */
	uint64_t fd, cmd, arg;
	int64_t ret;
	/* TL_PROBE: probe id; TL_KERNEL: tracefs event id; TL_KFUNC: function id */
	uint32_t id;
};

struct tl_probe_def {
	bool defined;
	struct cap_probe_def_view v;
};

struct tl_thread {
	uint32_t tid;
	const char *name;	/* from meta thread:TID, or NULL */
};

struct timeline {
	struct cap_reader *reader;
	struct tl_event *ev;
	size_t n;
	struct tl_probe_def *probes;	/* by probe id */
	uint32_t nprobes;
	struct cap_kfunc_def_view *kfuncs;	/* by function id (name NULL: undefined) */
	uint32_t nkfuncs;
	struct tep_handle *tep;		/* kernel event formats (libtraceevent) */
	int sys_enter_id, sys_exit_id;	/* raw_syscalls ids, or -1 */
	/* meta */
	const char *command, *kernel_release, *hostname, *binary, *exit_status, *machine;
	struct tl_thread *threads;
	size_t nthreads;
	/* what the capture says about itself */
	uint64_t records, lost, malformed;
	uint64_t unknown;		/* records of types this reader does not know */
	uint64_t partial_bytes;
	bool truncated, clean_end;
	char corrupt[200];		/* set if the reader stopped on a corrupt record */
	const char **notes;
	size_t nnotes;
	struct tl_text_cache *cache;	/* formatted texts of repeated payloads */
	struct tl_symbol *symbols;	/* SYMBOL records, sorted by ip */
	size_t nsymbols;
	const char **meta;		/* every META record: key, value, key, value... */
	size_t nmeta;
	uint64_t events_bpf, events_ftrace;	/* per source, before the choice */
	uint64_t dropped_source;	/* events of the source not shown */
};

struct tl_symbol {
	uint64_t ip;
	const char *text;
};

/* Reads and merges CAPTURE. Returns 0, or -1 with a message in err. A
 * truncated or partly corrupt capture loads what it has (see the fields).
 * A capture recorded by both collectors at once (record --ftrace) holds each
 * event twice: the BPF copy is kept (see timeline_load_source). */
int timeline_load(struct timeline *tl, const char *path, char *err, size_t errlen);

enum tl_source_choice {
	TL_SOURCE_AUTO = -1,	/* BPF if the capture has BPF events, else ftrace */
	TL_SOURCE_ALL = -2,	/* both copies */
	/* or CAP_SRC_BPF / CAP_SRC_FTRACE: that collector's events only */
};
int timeline_load_source(struct timeline *tl, const char *path, int source, char *err,
			 size_t errlen);
void timeline_free(struct timeline *tl);

/* Names. NULL if unknown. */
const char *timeline_probe_name(const struct timeline *tl, uint32_t probe_id);
const struct cap_probe_def_view *timeline_probe_def(const struct timeline *tl, uint32_t probe_id);
/* For TL_KERNEL events: "kvm:kvm_exit" style parts. */
struct tep_event *timeline_kernel_event(const struct timeline *tl, const struct tl_event *e);
const char *timeline_thread_name(const struct timeline *tl, uint32_t tid);

/* Looks up a probe argument by name: 0 ok (*num, and *str for strings
 * unless STR is NULL). */
int timeline_probe_arg(const struct timeline *tl, const struct tl_event *e, const char *name,
		       uint64_t *num, const char **str);
/* The probe's line as the VMM's -trace backend prints it (its format). */
void timeline_format_probe(const struct timeline *tl, const struct tl_event *e, char *buf,
			   size_t len);
/* The kernel event's text as ftrace prints it (libtraceevent). */
void timeline_format_kernel(const struct timeline *tl, const struct tl_event *e, char *buf,
			    size_t len);
/* The name of a KVM ioctl request on the capture's arch (META machine), or NULL. */
const char *timeline_ioctl_name(const struct timeline *tl, uint64_t cmd);
/* TL_KFUNC: the function's definition (NULL if the capture has none), the
 * errno it returned (0: none), "kvm_vcpu_ioctl() = -22 EINVAL" */
const struct cap_kfunc_def_view *timeline_kfunc_def(const struct timeline *tl, uint32_t id);
int timeline_kfunc_errno(const struct timeline *tl, const struct tl_event *e);
const char *timeline_kfunc_name(const struct timeline *tl, const struct tl_event *e);
void timeline_format_kfunc(const struct timeline *tl, const struct tl_event *e, char *buf,
			   size_t len);
/* The innermost kernel function call under the ioctl span (TL_IOCTL, or a
 * VMM entry probe) at index I, on its thread, that returned ERR (0: any
 * errno); -1 if none. */
long timeline_kfunc_culprit(const struct timeline *tl, size_t i, int err);

/* "ioctl(12, KVM_RUN, 0x0) = 0" or "... = -1 EINVAL" */
void timeline_format_ioctl(const struct timeline *tl, const struct tl_event *e, char *buf,
			   size_t len);

/* The last META value of KEY, or NULL. */
const char *timeline_meta(const struct timeline *tl, const char *key);

/* "func (file:line)" of a stack address symbolized at record time, or NULL. */
const char *timeline_symbol(const struct timeline *tl, uint64_t ip);

/* Seconds since the capture's start. */
double timeline_rel_s(const struct timeline *tl, uint64_t ts);

#endif
