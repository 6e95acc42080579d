/* The context the rules run in (diag-rule.h): the stream, its VMM runs found
 * once, the output sink; the loop that drives a rule's match -> gather ->
 * explain; and the look-ups rules share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag-rule.h"

static bool starts_run(const struct qlog_event *e)
{
	return e->kind == QLOG_LIBVIRT_START || e->kind == QLOG_COMMAND_LINE;
}

/* a new run starts after event I: a run-starting line, or (inputs not merged
 * by time) the next event is of another file */
static bool run_breaks_after(const struct qlog_stream *s, size_t i)
{
	return starts_run(&s->ev[i]) ||
	       (!s->merged && i + 1 < s->n && s->ev[i].file != s->ev[i + 1].file);
}

/* one pass each way (rules ask per event: scanning each time would be
 * quadratic on long logs) */
static void index_runs(struct diag_ctx *c)
{
	const struct qlog_stream *s = c->s;
	c->run_start = malloc((s->n + 1) * sizeof(size_t));
	c->run_end = malloc((s->n + 1) * sizeof(size_t));
	if (!c->run_start || !c->run_end) {
		free(c->run_start);
		free(c->run_end);
		c->run_start = c->run_end = NULL;
		return;
	}
	size_t last = 0;
	for (size_t i = 0; i < s->n; i++) {
		c->run_start[i] = last;
		if (run_breaks_after(s, i))
			last = i + 1;
	}
	size_t next = s->n;
	for (size_t i = s->n; i-- > 0;) {
		c->run_end[i] = next;
		if (starts_run(&s->ev[i]) || (!s->merged && i > 0 && s->ev[i].file != s->ev[i - 1].file))
			next = i;
	}
}

/* the first line that names the host kernel: a capture's host record or
 * libvirt's "starting up" line */
static const struct qlog_event *find_host(const struct qlog_stream *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		if ((e->kind == QLOG_LIBVIRT_START || e->kind == QLOG_HOST) && qlog_get(e, "kernel"))
			return e;
	}
	return NULL;
}

bool diag_ctx_init(struct diag_ctx *c, const struct qlog_stream *s, struct finding_list *out)
{
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->out = out;
	c->several_inputs = s->nfiles > 1;
	c->host = find_host(s);
	index_runs(c);
	return c->run_start != NULL;
}

void diag_ctx_free(struct diag_ctx *c)
{
	free(c->run_start);
	free(c->run_end);
	c->run_start = c->run_end = NULL;
}

size_t diag_run_rule(const struct diag_rule *rule, struct diag_ctx *c)
{
	const struct qlog_stream *s = c->s;
	size_t before = c->out->n;

	c->resume = 0;
	c->used = calloc(s->n ? s->n : 1, sizeof(*c->used));
	c->scratch = NULL;
	for (size_t i = 0; i < s->n; i++) {
		if (i < c->resume || (c->used && c->used[i]) || !rule->match(c, i))
			continue;
		void *incident = rule->gather(c, i);
		if (!incident)
			continue;
		struct finding *f = finding_new(c->out, rule->name);
		rule->explain(c, incident, f);
		free(incident);
		if (!f)
			break;
	}
	free(c->used);
	free(c->scratch);
	c->used = NULL;
	c->scratch = NULL;
	return c->out->n - before;
}

/* ---- helpers for rules ------------------------------------------------------- */

void diag_where(const struct diag_ctx *c, const struct qlog_event *ev,
		const struct qlog_event *ref, char *buf, size_t len)
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
	else if (ref && ref->file == ev->file && c && !c->several_inputs)
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

size_t diag_lookback(const struct diag_ctx *c, size_t i)
{
	size_t start = diag_run_start(c, i);
	return i > start + DIAG_LOOKBACK ? i - DIAG_LOOKBACK : start;
}

size_t diag_run_start(const struct diag_ctx *c, size_t i)
{
	const struct qlog_stream *s = c->s;
	if (c->run_start && i < s->n)
		return c->run_start[i];
	for (size_t j = i < s->n ? i : s->n; j-- > 0;)
		if (run_breaks_after(s, j))
			return j + 1;
	return 0;
}

size_t diag_run_end(const struct diag_ctx *c, size_t i)
{
	const struct qlog_stream *s = c->s;
	if (c->run_end && i < s->n)
		return c->run_end[i];
	for (size_t j = i + 1; j < s->n; j++)
		if (starts_run(&s->ev[j]) || (!s->merged && s->ev[j].file != s->ev[i].file))
			return j;
	return s->n;
}
