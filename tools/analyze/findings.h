/* Findings and the rules that produce them.
 *
 * A rule reads the normalized event stream (qemulog.h) and adds findings: a
 * one-line verdict, the evidence lines (file:line and text), the decision
 * chain that led there, a plain explanation, and facts for machines. Rules
 * live in tools/rules/, one per file, and are listed by diag_rules(), so
 * other commands (kvmscope ci) can run them one by one and report a pass
 * (no finding) or fail per rule and input. */
#ifndef KVMSCOPE_FINDINGS_H
#define KVMSCOPE_FINDINGS_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "analyze/logs/qemulog.h"

struct finding {
	const char *rule;
	char *title;
	const struct qlog_event **evidence; /* in stream order, no duplicates */
	size_t nevidence;
	char **chain;
	size_t nchain;
	char *explanation;
	json_t *facts; /* object */
};

struct finding_list {
	struct finding *f;
	size_t n, cap;
};

struct diag_rule {
	const char *name;
	const char *summary;
	void (*run)(const struct qlog_stream *s, struct finding_list *out);
};

/* Every rule, in reporting order. */
const struct diag_rule *const *diag_rules(size_t *count);
const struct diag_rule *diag_rule_by_name(const char *name);

/* Runs RULE on S; returns how many findings it added to OUT (0 = pass). */
size_t diag_run_rule(const struct diag_rule *rule, const struct qlog_stream *s,
		     struct finding_list *out);

void finding_list_free(struct finding_list *l);

/* For rules: a new finding of RULE in L (NULL when out of memory; the other
 * functions accept NULL and do nothing). */
struct finding *finding_new(struct finding_list *l, const char *rule);
void finding_title(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_evidence(struct finding *f, const struct qlog_event *ev);
void finding_step(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_explain(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_fact(struct finding *f, const char *key, json_t *value); /* takes VALUE */
void finding_fact_str(struct finding *f, const char *key, const char *value);
void finding_fact_int(struct finding *f, const char *key, long long value);

/* ---- helpers the rules share ---- */

/* "line 12" or "file.log:12" when the event is in another file than REF */
void diag_where(const struct qlog_event *ev, const struct qlog_event *ref, char *buf, size_t len);
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
size_t diag_run_start(const struct qlog_stream *s, size_t i);
/* the end of that run: the next "starting up" or command line after I (or n) */
size_t diag_run_end(const struct qlog_stream *s, size_t i);
/* where a rule looking back from I stops: the run's start, at most
 * DIAG_LOOKBACK events back (keeps every rule linear on long logs) */
#define DIAG_LOOKBACK 4096
size_t diag_lookback(const struct qlog_stream *s, size_t i);

/* record --functions (diag-kfunc.c): the innermost recorded kernel function
 * call on the thread of the failed ioctl at I (since its syscall) that
 * returned ERRNAME, or NULL ... */
const struct qlog_event *diag_kernel_function(const struct qlog_stream *s, size_t i,
					      const char *errname);
/* ... and a step, evidence and the fact "kernel_function" for it in F (or a
 * step saying that none of the calls recorded there returned it). */
void diag_kernel_function_step(struct finding *f, const struct qlog_stream *s, size_t i,
			       const char *errname);

/* ---- output ---- */

struct diag_rule_result {
	const struct diag_rule *rule;
	size_t findings;
};

void diag_print_text(FILE *out, const struct qlog_stream *s, const struct finding_list *l,
		     const struct diag_rule_result *results, size_t nresults);
/* {"version":1, "inputs":[...], "lines":N, "recognized":N, "rules":[...], "findings":[...]} */
json_t *diag_to_json(const struct qlog_stream *s, const struct finding_list *l,
		     const struct diag_rule_result *results, size_t nresults);

#endif
