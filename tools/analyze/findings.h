/* Findings: what a rule (diag-rule.h) reports about the normalized event
 * stream (qemulog.h): a one-line verdict, the evidence lines (file:line and
 * text), the decision chain that led there, a plain explanation, and facts
 * for machines; and how diagnose prints them, as text or JSON, with a pass
 * (no finding) or fail per rule. */
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

struct diag_rule; /* diag-rule.h */

void finding_list_free(struct finding_list *l);

/* For rules: a new finding of RULE in L (NULL when out of memory; the other
 * functions accept NULL and do nothing). */
struct finding *finding_new(struct finding_list *l, const char *rule);
/* the one-line verdict and the plain explanation: set once, the last wins */
enum finding_text { FINDING_TITLE, FINDING_EXPLANATION };
void finding_text(struct finding *f, enum finding_text which, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define finding_title(f, ...) finding_text((f), FINDING_TITLE, __VA_ARGS__)
#define finding_explain(f, ...) finding_text((f), FINDING_EXPLANATION, __VA_ARGS__)
void finding_evidence(struct finding *f, const struct qlog_event *ev);
void finding_step(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_fact(struct finding *f, const char *key, json_t *value); /* takes VALUE */
void finding_fact_str(struct finding *f, const char *key, const char *value);
void finding_fact_int(struct finding *f, const char *key, long long value);

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
