/* A diagnose rule and what it is given.
 *
 * A rule is match -> gather -> explain: match says whether an event starts an
 * incident of the rule's pattern, gather collects the incident's evidence
 * into the rule's own struct (or says it was none after all), explain turns
 * that evidence into a finding (title, decision chain, evidence lines,
 * ranked causes and fix, facts). Rules read the stream through a struct
 * diag_ctx, never through globals; they live in rules/, one file each, and
 * are listed in one table (rules/rules.c). */
#ifndef KVMSCOPE_DIAG_RULE_H
#define KVMSCOPE_DIAG_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "findings.h"
#include "analyze/logs/qemulog.h"

/* What a rule diagnoses and where it writes; one per stream diagnosed. */
struct diag_ctx {
	const struct qlog_stream *s;	/* the events: the whole input, or one VMM process's */
	struct finding_list *out;	/* the output sink */
	const struct qlog_event *host;	/* the capture's host meta or libvirt's start line that
					 * names the host kernel (NULL: none) */
	bool several_inputs;		/* "line N" alone would not say which file */
	size_t *run_start, *run_end;	/* per event, its VMM run's bounds (NULL: scanned) */
	/* per rule run, reset by diag_run_rule: */
	size_t resume;			/* the next incident starts here at the earliest */
	bool *used;			/* events an earlier finding already took (may be NULL) */
	void *scratch;			/* the rule's own per-stream index, free()d after it */
};

struct diag_rule {
	const char *name;
	const char *summary;
	/* does event I start an incident? */
	bool (*match)(struct diag_ctx *c, size_t i);
	/* the incident's evidence (a calloc()ed struct of the rule's; NULL: what
	 * follows shows there was none); may move c->resume past what it took */
	void *(*gather)(struct diag_ctx *c, size_t i);
	/* the finding F for that evidence (which it takes: explain frees what the
	 * struct owns, the struct itself is free()d after) */
	void (*explain)(struct diag_ctx *c, void *incident, struct finding *f);
};

/* Every rule, in reporting order (rules/rules.c). */
const struct diag_rule *const *diag_rules(size_t *count);
const struct diag_rule *diag_rule_by_name(const char *name);

/* A context for the rules to diagnose S into OUT (false: out of memory). */
bool diag_ctx_init(struct diag_ctx *c, const struct qlog_stream *s, struct finding_list *out);
void diag_ctx_free(struct diag_ctx *c);

/* Runs RULE on C's stream; returns how many findings it added (0 = pass). */
size_t diag_run_rule(const struct diag_rule *rule, struct diag_ctx *c);

/* ---- helpers the rules share (diag-context.c) ---- */

/* "line 12" or "file.log:12" when the event is in another file than REF (C
 * may be NULL when REF is) */
void diag_where(const struct diag_ctx *c, const struct qlog_event *ev,
		const struct qlog_event *ref, char *buf, size_t len);
/* seconds from A to B, when both carry comparable clocks; false otherwise */
bool diag_seconds_between(const struct qlog_event *a, const struct qlog_event *b, double *sec);
/* the index of E in S */
size_t diag_index(const struct qlog_stream *s, const struct qlog_event *e);
/* the first event of KIND in [from, to), or NULL */
const struct qlog_event *diag_find(const struct qlog_stream *s, size_t from, size_t to,
				   enum qlog_kind kind);
/* the last event of KIND in [from, to), or NULL */
const struct qlog_event *diag_find_last(const struct qlog_stream *s, size_t from, size_t to,
					enum qlog_kind kind);
/* a QMP event named NAME (with REASON, if not NULL) in [from, to) */
const struct qlog_event *diag_find_qmp_event(const struct qlog_stream *s, size_t from, size_t to,
					     const char *name, const char *reason);
/* the start of the VMM run that contains index I: just after the last
 * libvirt "starting up" line or command line before I (0 if none) */
size_t diag_run_start(const struct diag_ctx *c, size_t i);
/* the end of that run: the next "starting up" or command line after I (or n) */
size_t diag_run_end(const struct diag_ctx *c, size_t i);
/* where a rule looking back from I stops: the run's start, at most
 * DIAG_LOOKBACK events back (keeps every rule linear on long logs) */
#define DIAG_LOOKBACK 4096
size_t diag_lookback(const struct diag_ctx *c, size_t i);

/* record --functions (diag-kfunc.c): the innermost recorded kernel function
 * call on the thread of the failed ioctl at I (since its syscall) that
 * returned ERRNAME, or NULL ... */
const struct qlog_event *diag_kernel_function(const struct diag_ctx *c, size_t i,
					      const char *errname);
/* ... and a step, evidence and the fact "kernel_function" for it in F (or a
 * step saying that none of the calls recorded there returned it). */
void diag_kernel_function_step(struct finding *f, const struct diag_ctx *c, size_t i,
			       const char *errname);

#endif
