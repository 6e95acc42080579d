/* Findings: building them (for rules) and printing them as text or JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag-rule.h"
#include "findings.h"

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

void finding_text(struct finding *f, enum finding_text which, const char *fmt, ...)
{
	va_list ap;
	if (!f)
		return;
	char **slot = which == FINDING_TITLE ? &f->title : &f->explanation;
	free(*slot);
	va_start(ap, fmt);
	*slot = vformat(fmt, ap);
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
			diag_where(NULL, e, NULL, where, sizeof(where));
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
