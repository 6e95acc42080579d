/* Findings: building them (for rules), the rule list, and printing them as
 * text or JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

/* tools/analyze/rules/rule-*.c, one rule per file. Weak, so that a tree in which a rule
 * file is missing still links; such a rule is simply not listed. */
extern const struct diag_rule rule_cpus_not_resettable __attribute__((weak));
extern const struct diag_rule rule_pmu_set_attr __attribute__((weak));
extern const struct diag_rule rule_agent_escalation __attribute__((weak));
extern const struct diag_rule rule_runstate_transition __attribute__((weak));
extern const struct diag_rule rule_kvm_ioctl_error __attribute__((weak));
extern const struct diag_rule rule_kvm_internal_error __attribute__((weak));
extern const struct diag_rule rule_confidential_launch __attribute__((weak));

static const struct diag_rule *rules[12];
static size_t nrules;

const struct diag_rule *const *diag_rules(size_t *count)
{
	const struct diag_rule *all[] = {
		&rule_cpus_not_resettable, &rule_pmu_set_attr,	  &rule_agent_escalation,
		&rule_runstate_transition, &rule_kvm_ioctl_error,  &rule_kvm_internal_error,
		&rule_confidential_launch,
	};
	if (!nrules)
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (all[i])
				rules[nrules++] = all[i];
	*count = nrules;
	return rules;
}

const struct diag_rule *diag_rule_by_name(const char *name)
{
	size_t n;
	const struct diag_rule *const *r = diag_rules(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i]->name, name))
			return r[i];
	return NULL;
}

/* with several inputs, "line N" would not say which file */
static bool several_inputs;

/* run boundaries of the stream the rules look at, found once (rules ask for
 * them per event; scanning each time would be quadratic on long logs) */
static struct {
	const struct qlog_stream *s;
	unsigned long id; /* qlog_stream_finish's */
	size_t n;
	size_t *start, *end;
} runs;

static void index_runs(const struct qlog_stream *s);

size_t diag_run_rule(const struct diag_rule *rule, const struct qlog_stream *s,
		     struct finding_list *out)
{
	size_t before = out->n;
	several_inputs = s->nfiles > 1;
	index_runs(s);
	rule->run(s, out);
	return out->n - before;
}

/* ---- building ---------------------------------------------------------------- */

struct finding *finding_new(struct finding_list *l, const char *rule)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct finding *f = realloc(l->f, cap * sizeof(*f));
		if (!f)
			return NULL;
		l->f = f;
		l->cap = cap;
	}
	struct finding *f = &l->f[l->n];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->facts = json_object();
	if (!f->facts)
		return NULL;
	l->n++;
	return f;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

void finding_title(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	if (!f)
		return;
	va_start(ap, fmt);
	free(f->title);
	f->title = vformat(fmt, ap);
	va_end(ap);
}

void finding_explain(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	if (!f)
		return;
	va_start(ap, fmt);
	free(f->explanation);
	f->explanation = vformat(fmt, ap);
	va_end(ap);
}

void finding_step(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	if (!f)
		return;
	char **c = realloc(f->chain, (f->nchain + 1) * sizeof(*c));
	if (!c)
		return;
	f->chain = c;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	if (s)
		f->chain[f->nchain++] = s;
}

void finding_evidence(struct finding *f, const struct qlog_event *ev)
{
	if (!f || !ev)
		return;
	size_t i = 0;
	/* events live in one array, so pointer order is stream order */
	while (i < f->nevidence && f->evidence[i] < ev)
		i++;
	if (i < f->nevidence && f->evidence[i] == ev)
		return;
	const struct qlog_event **e = realloc(f->evidence, (f->nevidence + 1) * sizeof(*e));
	if (!e)
		return;
	f->evidence = e;
	memmove(e + i + 1, e + i, (f->nevidence - i) * sizeof(*e));
	e[i] = ev;
	f->nevidence++;
}

void finding_fact(struct finding *f, const char *key, json_t *value)
{
	if (!f || !value) {
		json_decref(value);
		return;
	}
	json_object_set_new(f->facts, key, value);
}

void finding_fact_str(struct finding *f, const char *key, const char *value)
{
	finding_fact(f, key, value ? json_string(value) : json_null());
}

void finding_fact_int(struct finding *f, const char *key, long long value)
{
	finding_fact(f, key, json_integer(value));
}

void finding_list_free(struct finding_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct finding *f = &l->f[i];
		free(f->title);
		free(f->evidence);
		for (size_t j = 0; j < f->nchain; j++)
			free(f->chain[j]);
		free(f->chain);
		free(f->explanation);
		json_decref(f->facts);
	}
	free(l->f);
	memset(l, 0, sizeof(*l));
}

/* ---- helpers for rules ------------------------------------------------------- */

void diag_where(const struct qlog_event *ev, const struct qlog_event *ref, char *buf, size_t len)
{
	if (!ev) {
		snprintf(buf, len, "?");
		return;
	}
	const char *base = ev->file ? strrchr(ev->file, '/') : NULL;
	base = base ? base + 1 : ev->file ? ev->file : "?";
	if (ev->source == QLOG_SRC_CAPTURE && ev->line == 0)
		snprintf(buf, len, "%s meta", base);
	else if (ev->source == QLOG_SRC_CAPTURE)
		snprintf(buf, len, "%s record %u", base, ev->line);
	else if (ref && ref->file == ev->file && !several_inputs)
		snprintf(buf, len, "line %u", ev->line);
	else
		snprintf(buf, len, "%s:%u", base, ev->line);
}

bool diag_seconds_between(const struct qlog_event *a, const struct qlog_event *b, double *sec)
{
	if (!a || !b || a->clock == QLOG_CLOCK_NONE || a->clock != b->clock)
		return false;
	*sec = (double)(b->ts_us - a->ts_us) / 1e6;
	return true;
}

size_t diag_index(const struct qlog_stream *s, const struct qlog_event *e)
{
	return (size_t)(e - s->ev);
}

const struct qlog_event *diag_find(const struct qlog_stream *s, size_t from, size_t to,
				   enum qlog_kind kind)
{
	for (size_t i = from; i < to && i < s->n; i++)
		if (s->ev[i].kind == kind)
			return &s->ev[i];
	return NULL;
}

const struct qlog_event *diag_find_last(const struct qlog_stream *s, size_t from, size_t to,
					enum qlog_kind kind)
{
	if (to > s->n)
		to = s->n;
	for (size_t i = to; i-- > from;)
		if (s->ev[i].kind == kind)
			return &s->ev[i];
	return NULL;
}

const struct qlog_event *diag_find_qmp_event(const struct qlog_stream *s, size_t from, size_t to,
					     const char *name, const char *reason)
{
	for (size_t i = from; i < to && i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		const char *en = qlog_get(e, "event"), *r = qlog_get(e, "reason");
		if (e->kind == QLOG_QMP_EVENT && en && !strcmp(en, name) &&
		    (!reason || (r && !strcmp(r, reason))))
			return e;
	}
	return NULL;
}

static bool starts_run(const struct qlog_event *e)
{
	return e->kind == QLOG_LIBVIRT_START || e->kind == QLOG_COMMAND_LINE;
}

/* one pass each way: the same answers as run_start_slow/run_end_slow */
static void index_runs(const struct qlog_stream *s)
{
	if (runs.s == s && runs.id == s->id && runs.n == s->n)
		return;
	free(runs.start);
	free(runs.end);
	runs.s = NULL;
	runs.start = malloc((s->n + 1) * sizeof(size_t));
	runs.end = malloc((s->n + 1) * sizeof(size_t));
	if (!runs.start || !runs.end) {
		free(runs.start);
		free(runs.end);
		runs.start = runs.end = NULL;
		return;
	}
	size_t last = 0;
	for (size_t i = 0; i < s->n; i++) {
		runs.start[i] = last;
		if (starts_run(&s->ev[i]) ||
		    (!s->merged && i + 1 < s->n && s->ev[i].file != s->ev[i + 1].file))
			last = i + 1;
	}
	size_t next = s->n;
	for (size_t i = s->n; i-- > 0;) {
		runs.end[i] = next;
		if (starts_run(&s->ev[i]) || (!s->merged && i > 0 && s->ev[i].file != s->ev[i - 1].file))
			next = i;
	}
	runs.s = s;
	runs.id = s->id;
	runs.n = s->n;
}

static size_t run_start_slow(const struct qlog_stream *s, size_t i);
static size_t run_end_slow(const struct qlog_stream *s, size_t i);

size_t diag_lookback(const struct qlog_stream *s, size_t i)
{
	size_t start = diag_run_start(s, i);
	return i > start + DIAG_LOOKBACK ? i - DIAG_LOOKBACK : start;
}

size_t diag_run_start(const struct qlog_stream *s, size_t i)
{
	if (runs.s == s && runs.id == s->id && runs.n == s->n && i < s->n)
		return runs.start[i];
	return run_start_slow(s, i);
}

size_t diag_run_end(const struct qlog_stream *s, size_t i)
{
	if (runs.s == s && runs.id == s->id && runs.n == s->n && i < s->n)
		return runs.end[i];
	return run_end_slow(s, i);
}

static size_t run_start_slow(const struct qlog_stream *s, size_t i)
{
	for (size_t j = i < s->n ? i : s->n; j-- > 0;) {
		if (starts_run(&s->ev[j]) ||
		    (!s->merged && j + 1 < s->n && s->ev[j].file != s->ev[j + 1].file))
			return j + 1;
	}
	return 0;
}

static size_t run_end_slow(const struct qlog_stream *s, size_t i)
{
	for (size_t j = i + 1; j < s->n; j++)
		if (starts_run(&s->ev[j]) || (!s->merged && s->ev[j].file != s->ev[i].file))
			return j;
	return s->n;
}

/* ---- text output ------------------------------------------------------------ */

/* prints PREFIX then TEXT wrapped at about 92 columns, continuation lines
 * indented by IND */
static void print_wrapped(FILE *out, const char *prefix, const char *text, int ind)
{
	const int width = 92;
	int col = fprintf(out, "%s", prefix);
	bool line_start = true;

	for (const char *p = text; *p;) {
		size_t w = strcspn(p, " \n");
		if (!line_start && col + (int)w + 1 > width) {
			col = fprintf(out, "\n%*s", ind, "") - 1;
			line_start = true;
		}
		if (!line_start) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += (int)w;
		line_start = false;
		p += w;
		if (*p == '\n') {
			col = fprintf(out, "\n%*s", ind, "") - 1;
			line_start = true;
		}
		while (*p == ' ' || *p == '\n')
			p++;
	}
	fputc('\n', out);
}

void diag_print_text(FILE *out, const struct qlog_stream *s, const struct finding_list *l,
		     const struct diag_rule_result *results, size_t nresults)
{
	fprintf(out, "kvmscope diagnose: %zu input%s, %zu lines, %zu recognised", s->nfiles,
		s->nfiles == 1 ? "" : "s", s->n, s->lines_recognized);
	if (s->local_offset_known)
		fprintf(out, "; trace lines in local time UTC%+03ld:%02ld (inferred from the UTC-stamped lines next to them)",
			s->local_offset_s / 3600, labs(s->local_offset_s) / 60 % 60);
	fprintf(out, "\n");
	for (size_t i = 0; i < s->nfiles; i++) {
		size_t lines, understood;
		qlog_input_counts(s, s->files[i], &lines, &understood);
		fprintf(out, "  input %s: %zu line%s read, %zu understood%s\n", s->files[i], lines,
			lines == 1 ? "" : "s", understood,
			understood ? "" : lines ? " - nothing in it is a shape diagnose reads"
						: " - empty");
	}
	/* what a capture says about itself (collector notes, damage) */
	for (size_t i = 0; i < s->n; i++)
		if (s->ev[i].source == QLOG_SRC_CAPTURE && s->ev[i].kind == QLOG_TEXT && s->ev[i].text)
			fprintf(out, "  note: %s\n", s->ev[i].text);
	for (size_t r = 0; r < nresults; r++)
		fprintf(out, "  rule %-20s %s (%zu finding%s)\n", results[r].rule->name,
			results[r].findings ? "FAIL" : "pass", results[r].findings,
			results[r].findings == 1 ? "" : "s");
	if (l->n == 0) {
		fprintf(out, s->lines_recognized ? "\nno findings\n" :
			"\nno findings: nothing in the input was understood, so this says nothing "
			"about the VM\n");
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->f[i];
		fprintf(out, "\n[%zu] %s: %s\n", i + 1, f->rule, f->title ? f->title : "");
		fprintf(out, "  evidence:\n");
		for (size_t j = 0; j < f->nevidence; j++) {
			const struct qlog_event *e = f->evidence[j];
			char where[256];
			diag_where(e, NULL, where, sizeof(where));
			fprintf(out, "    %s  %s\n", where, e->text ? e->text : "");
		}
		fprintf(out, "  decision chain:\n");
		for (size_t j = 0; j < f->nchain; j++) {
			char num[32];
			int w = snprintf(num, sizeof(num), "    %zu. ", j + 1);
			print_wrapped(out, num, f->chain[j], w);
		}
		if (f->explanation) {
			fprintf(out, "  explanation:\n");
			print_wrapped(out, "    ", f->explanation, 4);
		}
	}
}

/* ---- JSON output ------------------------------------------------------------ */

static json_t *event_json(const struct qlog_event *e)
{
	json_t *j = json_object();
	char ts[64];

	json_object_set_new(j, "file", json_string(e->file ? e->file : ""));
	json_object_set_new(j, "line", json_integer(e->line));
	json_object_set_new(j, "text", json_string(e->text ? e->text : ""));
	json_object_set_new(j, "source", json_string(qlog_source_name(e->source)));
	json_object_set_new(j, "kind", json_string(qlog_kind_name(e->kind)));
	if (e->clock != QLOG_CLOCK_NONE) {
		qlog_format_time(e, ts, sizeof(ts));
		json_object_set_new(j, "time", json_string(ts));
	}
	return j;
}

json_t *diag_to_json(const struct qlog_stream *s, const struct finding_list *l,
		     const struct diag_rule_result *results, size_t nresults)
{
	json_t *root = json_object(), *inputs = json_array(), *rs = json_array(),
	       *fs = json_array();

	json_object_set_new(root, "version", json_integer(1));
	for (size_t i = 0; i < s->nfiles; i++)
		json_array_append_new(inputs, json_string(s->files[i]));
	json_object_set_new(root, "inputs", inputs);
	json_t *counts = json_array();
	for (size_t i = 0; i < s->nfiles; i++) {
		size_t lines, understood;
		qlog_input_counts(s, s->files[i], &lines, &understood);
		json_t *o = json_object();
		json_object_set_new(o, "file", json_string(s->files[i]));
		json_object_set_new(o, "lines", json_integer((json_int_t)lines));
		json_object_set_new(o, "understood", json_integer((json_int_t)understood));
		json_array_append_new(counts, o);
	}
	json_object_set_new(root, "input_counts", counts);
	json_object_set_new(root, "lines", json_integer((json_int_t)s->n));
	json_object_set_new(root, "recognized", json_integer((json_int_t)s->lines_recognized));
	if (s->local_offset_known)
		json_object_set_new(root, "local_utc_offset_s", json_integer(s->local_offset_s));
	json_t *notes = json_array();
	for (size_t i = 0; i < s->n; i++)
		if (s->ev[i].source == QLOG_SRC_CAPTURE && s->ev[i].kind == QLOG_TEXT && s->ev[i].text)
			json_array_append_new(notes, json_string(s->ev[i].text));
	json_object_set_new(root, "notes", notes);
	for (size_t r = 0; r < nresults; r++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(results[r].rule->name));
		json_object_set_new(o, "summary", json_string(results[r].rule->summary));
		json_object_set_new(o, "status", json_string(results[r].findings ? "fail" : "pass"));
		json_object_set_new(o, "findings", json_integer((json_int_t)results[r].findings));
		json_array_append_new(rs, o);
	}
	json_object_set_new(root, "rules", rs);
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->f[i];
		json_t *o = json_object(), *ev = json_array(), *chain = json_array();
		json_object_set_new(o, "rule", json_string(f->rule));
		json_object_set_new(o, "title", json_string(f->title ? f->title : ""));
		for (size_t j = 0; j < f->nevidence; j++)
			json_array_append_new(ev, event_json(f->evidence[j]));
		json_object_set_new(o, "evidence", ev);
		for (size_t j = 0; j < f->nchain; j++)
			json_array_append_new(chain, json_string(f->chain[j]));
		json_object_set_new(o, "chain", chain);
		json_object_set_new(o, "explanation",
				    json_string(f->explanation ? f->explanation : ""));
		json_object_set(o, "facts", f->facts);
		json_array_append_new(fs, o);
	}
	json_object_set_new(root, "findings", fs);
	return root;
}
