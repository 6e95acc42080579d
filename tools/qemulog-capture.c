/* A kvmscope capture as normalized events (see qemulog-capture.h). Times are
 * put on the wall clock (UTC) with the header's pair of monotonic/realtime
 * readings, so a capture and the VMM's logs of the same run line up. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture.h"
#include "probe-table.h"
#include "qemulog-capture.h"

bool qlog_is_capture(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == (ssize_t)sizeof(magic) && !memcmp(magic, CAP_MAGIC, sizeof(magic));
}

/* ---- probe formats ------------------------------------------------------------ */

static long long signed_value(unsigned long long v, unsigned char type)
{
	switch (type) {
	case PROBE_ARG_INT:
	case PROBE_ARG_U32:
		return type == PROBE_ARG_INT ? (long long)(int32_t)v : (long long)(uint32_t)v;
	case PROBE_ARG_UNSIGNED:
		return (long long)(uint32_t)v;
	case PROBE_ARG_BOOL:
		return v & 1;
	default:
		return (long long)v;
	}
}

void qlog_render_probe_format(char *buf, size_t len, const char *format, unsigned nargs,
			      const unsigned long long *args, const unsigned char *types,
			      const char *const *strs)
{
	size_t o = 0;
	unsigned next = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (const char *p = format; *p && o + 1 < len;) {
		if (*p != '%') {
			buf[o++] = *p++;
			continue;
		}
		p++;
		if (*p == '%') {
			buf[o++] = '%';
			p++;
			continue;
		}
		/* [N$][flags][width][.prec][length]conv */
		unsigned idx = next;
		const char *q = p;
		unsigned pos = 0;
		while (*q >= '0' && *q <= '9' && pos < 100)
			pos = pos * 10 + (unsigned)(*q++ - '0');
		if (*q == '$' && pos >= 1) {
			idx = pos - 1;
			p = q + 1;
		} else {
			next++;
		}
		char spec[32] = "%";
		size_t sl = 1;
		while (*p && strchr("-+ #0123456789.", *p) && sl < 16)
			spec[sl++] = *p++;
		while (*p && strchr("hlLqjzt", *p))
			p++;
		char conv = *p ? *p++ : 's';
		unsigned long long v = idx < nargs ? args[idx] : 0;
		unsigned char type = idx < nargs ? types[idx] : PROBE_ARG_U64;
		int w;
		if (conv == 's') {
			spec[sl++] = 's';
			spec[sl] = '\0';
			const char *str = idx < nargs && strs[idx] ? strs[idx] : "(null)";
			w = snprintf(buf + o, len - o, spec, str);
		} else if (conv == 'p') {
			w = v ? snprintf(buf + o, len - o, "0x%llx", v) : snprintf(buf + o, len - o, "(nil)");
		} else if (conv == 'd' || conv == 'i') {
			memcpy(spec + sl, "lld", 4);
			w = snprintf(buf + o, len - o, spec, signed_value(v, type));
		} else if (conv == 'u' || conv == 'x' || conv == 'X' || conv == 'o') {
			long long sv = signed_value(v, type);
			unsigned long long uv = type == PROBE_ARG_INT ? (unsigned long long)(uint32_t)sv :
								       (unsigned long long)sv;
			spec[sl++] = 'l';
			spec[sl++] = 'l';
			spec[sl++] = conv;
			spec[sl] = '\0';
			w = snprintf(buf + o, len - o, spec, uv);
		} else if (conv == 'c') {
			w = snprintf(buf + o, len - o, "%c", (int)(v & 0x7f) ? (int)(v & 0x7f) : '?');
		} else {
			w = snprintf(buf + o, len - o, "?");
		}
		if (w < 0)
			break;
		o += (size_t)w < len - o ? (size_t)w : len - o - 1;
	}
	buf[o < len ? o : len - 1] = '\0';
}

/* ---- tracepoint formats --------------------------------------------------------- */

struct tp_fields {
	uint32_t event_id;
	int kind; /* 1 sys_enter, 2 sys_exit */
	int id_off, args_off, ret_off;
};

/* offset of FIELD ("id", "args", "ret") in a tracefs format text, -1 if absent */
static int field_offset(const char *format, const char *field)
{
	size_t fl = strlen(field);
	for (const char *p = strstr(format, "field:"); p; p = strstr(p + 6, "field:")) {
		const char *semi = strchr(p, ';');
		if (!semi)
			return -1;
		/* the name is the last word before ';' (or before '[') */
		const char *e = semi;
		const char *br = memchr(p, '[', (size_t)(semi - p));
		if (br)
			e = br;
		const char *b = e;
		while (b > p && b[-1] != ' ' && b[-1] != '\t' && b[-1] != ':')
			b--;
		if ((size_t)(e - b) == fl && !strncmp(b, field, fl)) {
			const char *off = strstr(semi, "offset:");
			if (!off)
				return -1;
			return atoi(off + 7);
		}
	}
	return -1;
}

/* ---- reading ------------------------------------------------------------------- */

#define REC_DEFS_MAX 256 /* probe ids a capture may define */

struct pending_syscall {
	uint32_t tid;
	uint64_t ts_ns;
	uint64_t fd, request;
	bool used;
};

struct capture_ctx {
	struct qlog_stream tmp; /* the capture's events, before sorting */
	const char *file;
	int64_t mono_to_real_us;
	struct cap_probe_def_view defs[REC_DEFS_MAX];
	char *def_names[REC_DEFS_MAX];
	struct tp_fields tps[16];
	size_t ntps;
	struct pending_syscall pend[64];
};

static void set_time(struct capture_ctx *c, struct qlog_event *ev, const struct cap_record *rec)
{
	ev->clock = QLOG_CLOCK_UTC;
	ev->ts_us = (int64_t)(rec->ts_ns / 1000) + c->mono_to_real_us;
	ev->tid = rec->tid;
}

static void add(struct capture_ctx *c, struct qlog_event *ev, uint64_t recno)
{
	ev->source = QLOG_SRC_CAPTURE;
	ev->line = (unsigned)recno;
	qlog_stream_add(&c->tmp, ev, c->file);
}

static void on_meta(struct capture_ctx *c, const struct cap_record *rec, uint64_t recno)
{
	const char *key, *value;
	struct qlog_event ev = { .tid = -1 };

	if (cap_decode_meta(rec, &key, &value) < 0)
		return;
	if (!strcmp(key, "command")) {
		if (!qlog_interpret_command_line(value, &ev))
			ev.kind = QLOG_TEXT;
	} else if (!strcmp(key, "kernel_release") || !strcmp(key, "hostname") ||
		   !strcmp(key, "collector")) {
		ev.kind = QLOG_HOST;
		qlog_set(&ev, !strcmp(key, "kernel_release") ? "kernel" : key, value);
	} else {
		return;
	}
	if (asprintf(&ev.text, "meta %s: %s", key, value) < 0)
		ev.text = NULL;
	add(c, &ev, recno);
}

static void on_probe(struct capture_ctx *c, const struct cap_record *rec, uint64_t recno)
{
	struct cap_probe_view pv;
	if (cap_decode_probe(rec, &pv) < 0 || pv.probe_id >= REC_DEFS_MAX ||
	    !c->def_names[pv.probe_id])
		return;
	const struct cap_probe_def_view *d = &c->defs[pv.probe_id];
	unsigned long long args[CAP_PROBE_MAX_ARGS] = { 0 };
	unsigned n = pv.nargs < d->nargs ? pv.nargs : d->nargs;
	for (unsigned i = 0; i < n && i < CAP_PROBE_MAX_ARGS; i++)
		memcpy(&args[i], &pv.args[i], sizeof(args[i]));
	char rendered[1024];
	qlog_render_probe_format(rendered, sizeof(rendered), d->format, n, args, d->arg_types,
				 pv.strs);

	struct qlog_event ev = { .tid = -1 };
	qlog_interpret_trace(c->def_names[pv.probe_id], rendered, &ev);
	if (asprintf(&ev.text, "%s %s", c->def_names[pv.probe_id], rendered) < 0)
		ev.text = NULL;
	set_time(c, &ev, rec);
	add(c, &ev, recno);
}

static void on_probe_def(struct capture_ctx *c, const struct cap_record *rec)
{
	struct cap_probe_def_view d;
	if (cap_decode_probe_def(rec, &d) < 0 || d.probe_id >= REC_DEFS_MAX || !d.name ||
	    !d.format || c->def_names[d.probe_id])
		return;
	c->defs[d.probe_id] = d;
	c->def_names[d.probe_id] = strdup(d.name);
}

static void on_tp_format(struct capture_ctx *c, const struct cap_record *rec)
{
	struct cap_tp_format_view f;
	if (cap_decode_tp_format(rec, &f) < 0 || c->ntps == sizeof(c->tps) / sizeof(c->tps[0]) ||
	    !f.system || strcmp(f.system, "raw_syscalls"))
		return;
	struct tp_fields *t = &c->tps[c->ntps];
	t->event_id = f.event_id;
	t->kind = !strcmp(f.name, "sys_enter") ? 1 : !strcmp(f.name, "sys_exit") ? 2 : 0;
	t->id_off = field_offset(f.format, "id");
	t->args_off = field_offset(f.format, "args");
	t->ret_off = field_offset(f.format, "ret");
	if (t->kind && t->id_off >= 0)
		c->ntps++;
}

static bool read_u64(const uint8_t *data, uint32_t len, int off, uint64_t *v)
{
	if (off < 0 || (uint64_t)off + 8 > len)
		return false;
	memcpy(v, data + off, 8);
	return true;
}

static void on_tp_event(struct capture_ctx *c, const struct cap_record *rec, uint64_t recno)
{
	const uint8_t *data;
	uint32_t len;
	uint16_t id;
	uint64_t nr;

	if (cap_decode_tp_event(rec, &data, &len, &id) < 0)
		return;
	const struct tp_fields *t = NULL;
	for (size_t i = 0; i < c->ntps; i++)
		if (c->tps[i].event_id == id)
			t = &c->tps[i];
	if (!t || !read_u64(data, len, t->id_off, &nr) || nr != SYS_ioctl)
		return;
	size_t slot = rec->tid % (sizeof(c->pend) / sizeof(c->pend[0]));
	struct pending_syscall *p = &c->pend[slot];
	if (t->kind == 1) {
		uint64_t fd, req;
		if (!read_u64(data, len, t->args_off, &fd) || !read_u64(data, len, t->args_off + 8, &req))
			return;
		*p = (struct pending_syscall){ rec->tid, rec->ts_ns, fd, req, true };
		return;
	}
	uint64_t ret;
	if (!p->used || p->tid != rec->tid || rec->ts_ns < p->ts_ns ||
	    !read_u64(data, len, t->ret_off, &ret))
		return;
	p->used = false;
	int64_t sret = (int64_t)ret;
	struct qlog_event ev = { .tid = -1 };
	ev.kind = QLOG_SYSCALL;
	set_time(c, &ev, rec);
	qlog_set(&ev, "syscall", "ioctl");
	qlog_setf(&ev, "fd", "%" PRIu64, p->fd);
	qlog_setf(&ev, "request", "0x%" PRIx32, (uint32_t)p->request);
	qlog_setf(&ev, "ret", "%" PRId64, sret < 0 && sret > -4096 ? (int64_t)-1 : sret);
	if (sret < 0 && sret > -4096) {
		qlog_setf(&ev, "errno", "%" PRId64, -sret);
		const char *en = strerrorname_np((int)-sret);
		qlog_set(&ev, "errname", en ? en : "E?");
	}
	qlog_setf(&ev, "duration_ns", "%" PRIu64, rec->ts_ns - p->ts_ns);
	if (asprintf(&ev.text, "ioctl(fd %" PRIu64 ", 0x%" PRIx32 ") = %" PRId64 " in %" PRIu64 " ns",
		     p->fd, (uint32_t)p->request, sret, rec->ts_ns - p->ts_ns) < 0)
		ev.text = NULL;
	add(c, &ev, recno);
}

static void on_note(struct capture_ctx *c, const struct cap_record *rec, uint64_t recno)
{
	const char *text;
	if (cap_decode_text(rec, &text) < 0)
		return;
	struct qlog_event ev = { .tid = -1 };
	if (asprintf(&ev.text, "collector note: %s", text) < 0)
		return;
	add(c, &ev, recno);
}

static int by_time(const void *a, const void *b)
{
	const struct qlog_event *x = a, *y = b;
	if (x->ts_us != y->ts_us)
		return x->ts_us < y->ts_us ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

int qlog_read_capture(struct qlog_stream *s, const char *path, char *err, size_t errlen)
{
	struct cap_reader *r = cap_open(path, err, errlen);
	if (!r)
		return -1;
	struct capture_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		cap_close(r);
		snprintf(err, errlen, "'%s': out of memory", path);
		return -1;
	}
	const struct cap_file_header *h = cap_header(r);
	c->file = path;
	c->mono_to_real_us = (int64_t)(h->start_real_ns / 1000) - (int64_t)(h->start_mono_ns / 1000);
	qlog_stream_init(&c->tmp);

	const struct cap_record *rec;
	enum cap_next_result res;
	uint64_t recno = 0;
	while ((res = cap_next(r, &rec)) == CAP_NEXT_OK) {
		recno++;
		switch (rec->type) {
		case CAP_REC_META:
			on_meta(c, rec, recno);
			break;
		case CAP_REC_PROBE_DEF:
			on_probe_def(c, rec);
			break;
		case CAP_REC_PROBE:
			on_probe(c, rec, recno);
			break;
		case CAP_REC_TP_FORMAT:
			on_tp_format(c, rec);
			break;
		case CAP_REC_TP_EVENT:
			on_tp_event(c, rec, recno);
			break;
		case CAP_REC_NOTE:
			on_note(c, rec, recno);
			break;
		default:
			break;
		}
	}
	uint64_t partial = 0;
	struct qlog_event note = { .tid = -1 };
	if (res == CAP_NEXT_CORRUPT)
		note.text = strdup(cap_error(r) ? cap_error(r) : "corrupt record");
	else if (cap_truncated(r, &partial) &&
		 asprintf(&note.text, "capture cut short: %" PRIu64 " bytes of a partial record ignored",
			  partial) < 0)
		note.text = NULL;
	if (note.text)
		add(c, &note, recno + 1);
	else
		qlog_event_clear(&note);

	/* meta first (no time), then everything in time order */
	qsort(c->tmp.ev, c->tmp.n, sizeof(c->tmp.ev[0]), by_time);
	for (size_t i = 0; i < c->tmp.n; i++)
		qlog_stream_add(s, &c->tmp.ev[i], path);
	c->tmp.n = 0;
	qlog_stream_free(&c->tmp);
	for (size_t i = 0; i < REC_DEFS_MAX; i++)
		free(c->def_names[i]);
	free(c);
	cap_close(r);
	return 0;
}
