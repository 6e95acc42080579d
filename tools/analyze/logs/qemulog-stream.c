/* The stream: reading files and buffers line by line, joining what one
 * logical line spans, local-time fixing and merging inputs by time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "qemulog.h"
#include "qemulog-internal.h"

/* ---- the stream ------------------------------------------------------------- */

void qlog_stream_init(struct qlog_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void qlog_stream_free(struct qlog_stream *s)
{
	for (size_t i = 0; i < s->n; i++)
		qlog_event_clear(&s->ev[i]);
	free(s->ev);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	memset(s, 0, sizeof(*s));
}

static const char *intern_file(struct qlog_stream *s, const char *file)
{
	if (!file)
		return NULL;
	for (size_t i = s->nfiles; i-- > 0;)
		if (!strcmp(s->files[i], file))
			return s->files[i];
	char **f = realloc(s->files, (s->nfiles + 1) * sizeof(*f));
	if (!f)
		return NULL;
	s->files = f;
	if (!(f[s->nfiles] = strdup(file)))
		return NULL;
	return f[s->nfiles++];
}

struct qlog_event *qlog_stream_add(struct qlog_stream *s, struct qlog_event *ev,
				   const char *file)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct qlog_event *e = realloc(s->ev, cap * sizeof(*e));
		if (!e) {
			qlog_event_clear(ev);
			return NULL;
		}
		s->ev = e;
		s->cap = cap;
	}
	struct qlog_event *dst = &s->ev[s->n++];
	*dst = *ev;
	dst->file = intern_file(s, file);
	if (dst->kind != QLOG_TEXT)
		s->lines_recognized++;
	memset(ev, 0, sizeof(*ev));
	return dst;
}

/* one line of BUF at POS: its length without the newline (*N, with '\r'
 * dropped) and where the next starts */
static size_t next_line(const char *buf, size_t len, size_t pos, size_t *n)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);
	size_t full = nl ? (size_t)(nl - (buf + pos)) : len - pos;
	*n = full && buf[pos + full - 1] == '\r' ? full - 1 : full;
	return pos + full + 1;
}

/* the quote depth of a line ("> > text": 2) and where its text starts */
static size_t quote_depth(const char *p, size_t n, size_t *text)
{
	size_t d = 0, i = 0;
	while (i < n && p[i] == '>') {
		d++;
		i++;
		if (i < n && p[i] == ' ')
			i++;
	}
	*text = i;
	return d;
}

/* RFC 3676 format=flowed: a line that ends in a space continues on the next
 * line of the same quote depth (the signature separator "-- " does not).
 * Applied to quoted lines always, and to every line of a mail that says
 * format=flowed. Returns the joined text (to free) and how many lines it
 * took (*TAKEN); NULL when the line stands alone. */
static char *flowed_join(const char *buf, size_t len, size_t pos, bool flowed_mail, size_t *taken)
{
	size_t n, t, depth, joined_len = 0;
	size_t next = next_line(buf, len, pos, &n);
	depth = quote_depth(buf + pos, n, &t);
	*taken = 1;
	if (!(depth || flowed_mail) || !n || buf[pos + n - 1] != ' ' ||
	    (n - t == 3 && !memcmp(buf + pos + t, "-- ", 3)))
		return NULL;
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	memcpy(out, buf + pos, n);
	joined_len = n;
	while (next < len && joined_len && out[joined_len - 1] == ' ' && *taken < 64) {
		size_t m, tt;
		size_t after = next_line(buf, len, next, &m);
		if (quote_depth(buf + next, m, &tt) != depth || m == tt)
			break;
		char *o = realloc(out, joined_len + (m - tt) + 1);
		if (!o)
			break;
		out = o;
		memcpy(out + joined_len, buf + next + tt, m - tt);
		joined_len += m - tt;
		(*taken)++;
		next = after;
	}
	if (*taken == 1) {
		free(out);
		return NULL;
	}
	out[joined_len] = '\0';
	return out;
}

void qlog_read_buffer(struct qlog_stream *s, const char *name, const char *buf, size_t len)
{
	unsigned lineno = 0;
	const char *file = intern_file(s, name);
	bool flowed_mail = memmem(buf, len < 65536 ? len : 65536, "format=flowed", 13) != NULL;

	for (size_t pos = 0; pos < len;) {
		size_t n, taken;
		struct qlog_event ev;
		char *joined = flowed_join(buf, len, pos, flowed_mail, &taken);
		if (!joined) {
			size_t next = next_line(buf, len, pos, &n);
			qlog_parse_line(buf + pos, n, file, ++lineno, &ev);
			qlog_stream_add(s, &ev, name);
			pos = next;
			continue;
		}
		/* the joined line is read at its first line; the lines it took
		 * stay events of their own, pointing back to it */
		unsigned first = ++lineno;
		qlog_parse_line(joined, strlen(joined), file, first, &ev);
		free(joined);
		if (taken > 1)
			qlog_setf(&ev, "flowed_lines", "%zu", taken);
		qlog_stream_add(s, &ev, name);
		pos = next_line(buf, len, pos, &n);
		for (size_t k = 1; k < taken && pos < len; k++) {
			size_t next = next_line(buf, len, pos, &n);
			/* the text as read (sanitized), its meaning in the joined line */
			qlog_parse_line(buf + pos, n, file, ++lineno, &ev);
			char *text = ev.text;
			ev.text = NULL;
			qlog_event_clear(&ev);
			ev.file = file;
			ev.line = lineno;
			ev.text = text;
			qlog_setf(&ev, "flowed_into", "%u", first);
			qlog_stream_add(s, &ev, name);
			pos = next;
		}
	}
}

int qlog_read_file(struct qlog_stream *s, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			char *b = realloc(buf, cap);
			if (!b) {
				snprintf(err, errlen, "'%s': out of memory", path);
				goto fail;
			}
			buf = b;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
				goto fail;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	qlog_read_buffer(s, strcmp(path, "-") ? path : "<stdin>", buf ? buf : "", len);
	free(buf);
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return -1;
}

/* Bracketed trace lines carry local wall time; QMP events, error_report and
 * libvirt lines carry UTC. Such a line within a few lines of a trace line
 * fixes the zone: the difference rounded to a quarter hour (real zones are
 * multiples of it). */
static bool ends_with_backslash(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	return n && t[n - 1] == '\\';
}

/* libvirt writes a command line one argument per line, each ending in " \":
 * give the command-line event the options of the whole command */
static void join_command_lines(struct qlog_stream *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct qlog_event *cmd = &s->ev[i];
		if (cmd->kind != QLOG_COMMAND_LINE || !ends_with_backslash(cmd->text))
			continue;
		size_t len = strlen(cmd->text) + 1, j;
		char *joined = malloc(len);
		if (!joined)
			return;
		memcpy(joined, cmd->text, len);
		for (j = i + 1; j < s->n && s->ev[j].file == cmd->file; j++) {
			const char *t = qlog_skip_spaces(s->ev[j].text);
			if (*t != '-' && *t != '\'')
				break;
			size_t tl = strlen(t);
			char *grown = realloc(joined, len + tl + 1);
			if (!grown)
				break;
			joined = grown;
			joined[len - 1] = ' ';
			memcpy(joined + len, t, tl + 1);
			len += tl + 1;
			if (!ends_with_backslash(t))
				break;
		}
		/* drop the continuation backslashes, then read the options */
		for (char *p = joined; *p; p++)
			if (*p == '\\' && (p[1] == ' ' || p[1] == '\0'))
				*p = ' ';
		const char *prog = qlog_get(cmd, "program");
		const char *start = prog ? strstr(joined, prog) : NULL;
		qlog_option_value(cmd, "cpu", start ? start : joined, "-cpu");
		qlog_option_value(cmd, "machine", start ? start : joined, "-machine");
		qlog_option_value(cmd, "fault", start ? start : joined, "-fault");
		unsigned long pol;
		if (qlog_find_policy(joined, &pol))
			qlog_setf(cmd, "sev_policy", "0x%lx", pol);
		free(joined);
	}
}

struct merge_key {
	int64_t ts;
	size_t idx;
};

static int by_merge_key(const void *a, const void *b)
{
	const struct merge_key *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* several inputs with UTC times: one order, as they happened */
static void merge_by_time(struct qlog_stream *s)
{
	if (s->nfiles < 2 || s->n < 2)
		return;
	for (size_t f = 0; f < s->nfiles; f++) {
		bool utc = false;
		for (size_t i = 0; i < s->n; i++) {
			if (s->ev[i].file != s->files[f])
				continue;
			if (s->ev[i].clock == QLOG_CLOCK_LOCAL || s->ev[i].clock == QLOG_CLOCK_MONO)
				return; /* not comparable */
			utc |= s->ev[i].clock == QLOG_CLOCK_UTC;
		}
		if (!utc)
			return;
	}
	struct merge_key *k = malloc(s->n * sizeof(*k));
	struct qlog_event *sorted = malloc(s->n * sizeof(*sorted));
	if (!k || !sorted) {
		free(k);
		free(sorted);
		return;
	}
	/* an untimed line takes the time of the line before it in its file, or
	 * of the first timed line when it comes first */
	for (size_t f = 0; f < s->nfiles; f++) {
		int64_t cur = 0;
		bool have = false;
		for (size_t i = 0; i < s->n; i++)
			if (s->ev[i].file == s->files[f] && s->ev[i].clock == QLOG_CLOCK_UTC && !have) {
				cur = s->ev[i].ts_us;
				have = true;
			}
		for (size_t i = 0; i < s->n; i++) {
			if (s->ev[i].file != s->files[f])
				continue;
			if (s->ev[i].clock == QLOG_CLOCK_UTC)
				cur = s->ev[i].ts_us;
			k[i] = (struct merge_key){ cur, i };
		}
	}
	qsort(k, s->n, sizeof(*k), by_merge_key);
	for (size_t i = 0; i < s->n; i++)
		sorted[i] = s->ev[k[i].idx];
	memcpy(s->ev, sorted, s->n * sizeof(*sorted));
	free(sorted);
	free(k);
	s->merged = true;
}

void qlog_stream_finish(struct qlog_stream *s)
{
	const int64_t quarter = 15LL * 60 * 1000000;
	static unsigned long next_id;

	s->id = ++next_id;

	join_command_lines(s);

	for (size_t i = 0; i < s->n && !s->local_offset_known; i++) {
		const struct qlog_event *q = &s->ev[i];
		/* anchors: lines that carry UTC themselves (QMP, error_report, libvirt) */
		if (q->clock != QLOG_CLOCK_UTC ||
		    (q->source != QLOG_SRC_QMP && q->source != QLOG_SRC_STDERR &&
		     q->source != QLOG_SRC_LIBVIRT))
			continue;
		for (size_t j = i >= 3 ? i - 3 : 0; j < s->n && j <= i + 3; j++) {
			const struct qlog_event *t = &s->ev[j];
			if (t->clock != QLOG_CLOCK_LOCAL || t->file != q->file)
				continue;
			int64_t diff = q->ts_us - t->ts_us; /* = -(zone offset) */
			int64_t rounded = (diff >= 0 ? diff + quarter / 2 : diff - quarter / 2) /
					  quarter * quarter;
			int64_t off = diff - rounded;
			if (off < -120LL * 1000000 || off > 120LL * 1000000 ||
			    rounded > 14 * 3600LL * 1000000 || rounded < -14 * 3600LL * 1000000)
				continue;
			s->local_offset_known = true;
			s->local_offset_s = (long)(-rounded / 1000000);
			break;
		}
	}
	if (s->local_offset_known) {
		for (size_t i = 0; i < s->n; i++) {
			if (s->ev[i].clock == QLOG_CLOCK_LOCAL) {
				s->ev[i].ts_us -= (int64_t)s->local_offset_s * 1000000;
				s->ev[i].clock = QLOG_CLOCK_UTC;
			}
		}
	}
	merge_by_time(s);
}

void qlog_format_time(const struct qlog_event *ev, char *buf, size_t len)
{
	if (ev->clock == QLOG_CLOCK_NONE) {
		snprintf(buf, len, "-");
		return;
	}
	if (ev->clock == QLOG_CLOCK_MONO) {
		snprintf(buf, len, "%lld.%06lld", (long long)(ev->ts_us / 1000000),
			 (long long)(ev->ts_us % 1000000));
		return;
	}
	time_t t = (time_t)(ev->ts_us / 1000000);
	long us = (long)(ev->ts_us % 1000000);
	struct tm tm;
	if (us < 0) {
		us += 1000000;
		t--;
	}
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06ld%s", us, ev->clock == QLOG_CLOCK_UTC ? "Z" : " (local)");
}


void qlog_input_counts(const struct qlog_stream *s, const char *file, size_t *lines,
		       size_t *understood)
{
	*lines = *understood = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		if (!e->file || !file || strcmp(e->file, file))
			continue;
		(*lines)++;
		if (e->kind != QLOG_TEXT)
			(*understood)++;
	}
}
