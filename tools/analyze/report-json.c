/* report --format json: one JSON object per event and line, for jq and
 * scripts. Probe arguments by name; kernel events with their ftrace text. */
#include <inttypes.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "kvm-names.h"
#include "report.h"

void report_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *run = p;
	putc_unlocked('"', out);
	for (;; p++) {
		/* plain bytes are written in runs; the rest escaped one by one */
		if (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f)
			continue;
		if (p > run)
			fwrite_unlocked(run, 1, (size_t)(p - run), out);
		if (!*p)
			break;
		switch (*p) {
		case '"': fputs_unlocked("\\\"", out); break;
		case '\\': fputs_unlocked("\\\\", out); break;
		case '\n': fputs_unlocked("\\n", out); break;
		case '\t': fputs_unlocked("\\t", out); break;
		case '\r': fputs_unlocked("\\r", out); break;
		default: fprintf(out, "\\u%04x", *p);
		}
		run = p + 1;
	}
	putc_unlocked('"', out);
}

/* printf is the cost of JSON lines: integers by hand */
static void put_i64(FILE *out, int64_t v)
{
	char b[24];
	int n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		b[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		putc_unlocked('-', out);
	while (n)
		putc_unlocked(b[--n], out);
}

static void put_key_int(FILE *out, const char *key, int64_t v)
{
	fputs_unlocked(key, out);
	put_i64(out, v);
}

static void probe_args(const struct timeline *tl, const struct tl_event *e, FILE *out)
{
	const struct cap_probe_def_view *d = timeline_probe_def(tl, e->id);
	struct cap_probe_view pv;

	fputs_unlocked(",\"args\":{", out);
	if (cap_decode_probe(e->rec, &pv) == 0) {
		for (unsigned i = 0; i < pv.nargs; i++) {
			if (i)
				putc_unlocked(',', out);
			char fallback[16];
			snprintf(fallback, sizeof(fallback), "arg%u", i);
			report_json_string(out, d && i < d->nargs ? d->arg_names[i] : fallback);
			putc_unlocked(':', out);
			uint8_t type = d && i < d->nargs ? d->arg_types[i] : 4;
			if (pv.strs[i])
				report_json_string(out, pv.strs[i]);
			else if (type == 0) /* int */
				put_i64(out, (int32_t)pv.args[i]);
			else if (type == 2) /* bool */
				fputs_unlocked(pv.args[i] & 0xff ? "true" : "false", out);
			else if (type == 1 || type == 3)
				put_i64(out, (uint32_t)pv.args[i]);
			else if (type == 5)
				fprintf(out, "%" PRId64, (int64_t)pv.args[i]);
			else if (type == 7)
				fprintf(out, "\"0x%" PRIx64 "\"", pv.args[i]);
			else
				fprintf(out, "%" PRIu64, pv.args[i]);
		}
	}
	putc_unlocked('}', out);
}

/* a kernel function call: name, module, how it was traced, return value,
 * errno, duration, and the ioctl syscall it ran under ("ioctl": index) */
static void kfunc_fields(const struct timeline *tl, const struct tl_event *e, FILE *out)
{
	const struct cap_kfunc_def_view *d = timeline_kfunc_def(tl, e->id);
	int err = timeline_kfunc_errno(tl, e);
	char line[256];

	fputs_unlocked(",\"kind\":\"kfunc\",\"name\":", out);
	report_json_string(out, d ? d->name : "?");
	if (d) {
		fputs_unlocked(",\"module\":", out);
		report_json_string(out, d->module);
		fprintf(out, ",\"attach\":\"%s\",\"ret_type\":", cap_kfunc_attach_name(d->attach));
		report_json_string(out, d->ret_type);
	}
	if (!d || d->ret_kind != CAP_KFUNC_RET_VOID)
		fprintf(out, ",\"ret\":%" PRId64, e->ret);
	if (err) {
		fprintf(out, ",\"errno\":%d,\"errname\":", err);
		report_json_string(out, errno_name(err));
		fputs_unlocked(",\"error\":true", out);
	}
	if (e->has_exit)
		fprintf(out, ",\"dur_ns\":%" PRIu64, e->end_ts - e->ts);
	fprintf(out, ",\"ioctl\":%d", e->link);
	timeline_format_kfunc(tl, e, line, sizeof(line));
	fputs_unlocked(",\"text\":", out);
	report_json_string(out, line);
}

int report_json(const struct timeline *tl, FILE *out, const struct report_opts *o)
{
	char line[4096];
	(void)o;

	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_NOTE)
			continue;
		uint64_t start = cap_header(tl->reader)->start_mono_ns;
		uint64_t rel = e->ts > start ? e->ts - start : 0;
		put_key_int(out, "{\"i\":", (int64_t)i);
		put_key_int(out, ",\"ts_ns\":", (int64_t)e->ts);
		put_key_int(out, ",\"t\":", (int64_t)(rel / 1000000000ull));
		char frac[11];
		uint64_t ns = rel % 1000000000ull;
		frac[0] = '.';
		for (int k = 9; k >= 1; k--, ns /= 10)
			frac[k] = (char)('0' + ns % 10);
		fwrite_unlocked(frac, 1, 10, out);
		put_key_int(out, ",\"pid\":", e->pid);
		put_key_int(out, ",\"tid\":", e->tid);
		put_key_int(out, ",\"cpu\":", (int32_t)e->cpu);
		fputs_unlocked(",\"source\":\"", out);
		fputs_unlocked(cap_source_name(e->rec->source), out);
		put_key_int(out, "\",\"depth\":", e->depth);
		put_key_int(out, ",\"parent\":", e->parent);
		switch (e->kind) {
		case TL_PROBE: {
			const char *name = timeline_probe_name(tl, e->id);
			fputs_unlocked(",\"kind\":\"probe\",\"name\":", out);
			report_json_string(out, name ? name : "?");
			probe_args(tl, e, out);
			timeline_format_probe(tl, e, line, sizeof(line));
			fputs_unlocked(",\"text\":", out);
			report_json_string(out, line);
			if (e->link >= 0)
				fprintf(out, ",\"link\":%d", e->link);
			if (e->is_error)
				fputs_unlocked(",\"error\":true", out);
			if (e->stack) {
				fputs_unlocked(",\"stack\":[", out);
				for (uint32_t f = 0; f < e->stack->nframes; f++) {
					const char *sym = timeline_symbol(tl, e->stack->ips[f]);
					fprintf(out, "%s{\"ip\":\"0x%" PRIx64 "\"", f ? "," : "",
						e->stack->ips[f]);
					if (sym) {
						fputs_unlocked(",\"symbol\":", out);
						report_json_string(out, sym);
					}
					putc_unlocked('}', out);
				}
				putc_unlocked(']', out);
			}
			break;
		}
		case TL_IOCTL:
			timeline_format_ioctl(tl, e, line, sizeof(line));
			fprintf(out, ",\"kind\":\"ioctl\",\"fd\":%" PRId64 ",\"cmd\":%" PRIu64, (int64_t)e->fd,
				e->cmd);
			fputs_unlocked(",\"text\":", out);
			report_json_string(out, line);
			if (e->has_exit) {
				fprintf(out, ",\"ret\":%" PRId64 ",\"dur_ns\":%" PRIu64, e->ret,
					e->end_ts - e->ts);
				if (e->ret < 0)
					fprintf(out, ",\"errno\":%" PRId64, -e->ret);
			}
			break;
		case TL_KERNEL: {
			struct tep_event *ev = timeline_kernel_event(tl, e);
			timeline_format_kernel(tl, e, line, sizeof(line));
			fputs_unlocked(",\"kind\":\"kernel\",\"system\":", out);
			report_json_string(out, ev ? ev->system : "?");
			fputs_unlocked(",\"name\":", out);
			report_json_string(out, ev ? ev->name : "?");
			fputs_unlocked(",\"text\":", out);
			report_json_string(out, line);
			break;
		}
		case TL_KFUNC:
			kfunc_fields(tl, e, out);
			break;
		case TL_LOST: {
			const struct cap_lost *l;
			if (cap_decode_lost(e->rec, &l) == 0)
				fprintf(out, ",\"kind\":\"lost\",\"count\":%" PRIu64 ",\"lost_kind\":%u",
					l->count, l->kind);
			break;
		}
		}
		fputs_unlocked("}\n", out);
	}
	return 0;
}
