/* report --format chrome: Chrome trace-event JSON, which Perfetto's UI
 * (ui.perfetto.dev) and chrome://tracing open: one process (the VMM), one
 * track per thread, VMM ioctls and syscalls as nested slices, every other
 * probe and kernel event as an instant. Times in microseconds. */
#include <inttypes.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "report.h"

static void us(FILE *out, uint64_t ns)
{
	fprintf(out, "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000));
}

static void begin(FILE *out, bool *first, const char *ph, const struct tl_event *e, uint64_t t0)
{
	fputs(*first ? "\n" : ",\n", out);
	*first = false;
	fprintf(out, "{\"ph\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":", ph, e->pid, e->tid);
	us(out, e->ts - t0);
}

int report_chrome(const struct timeline *tl, FILE *out, const struct report_opts *o)
{
	char line[4096];
	bool first = true;
	uint64_t t0 = cap_header(tl->reader)->start_mono_ns;
	(void)o;

	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].ts < t0)
			t0 = tl->ev[i].ts;
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);

	/* track names: the process and each thread seen */
	uint32_t seen[1024];
	size_t nseen = 0;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (!e->tid)
			continue;
		size_t k = 0;
		while (k < nseen && seen[k] != e->tid)
			k++;
		if (k < nseen || nseen == 1024)
			continue;
		seen[nseen++] = e->tid;
		const char *name = timeline_thread_name(tl, e->tid);
		char fallback[32];
		if (!name) {
			snprintf(fallback, sizeof(fallback), "%s %u", e->tid == e->pid ? "main" : "thread",
				 e->tid);
			name = fallback;
		}
		fprintf(out, "%s\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":",
			first ? "" : ",", e->pid, e->tid);
		report_json_string(out, name);
		fputs("}}", out);
		first = false;
		if (e->tid == e->pid) {
			fprintf(out, ",\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"args\":{\"name\":",
				e->pid);
			report_json_string(out, tl->command ? tl->command : "vmm");
			fputs("}}", out);
		}
	}

	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		switch (e->kind) {
		case TL_PROBE: {
			const char *name = timeline_probe_name(tl, e->id);
			timeline_format_probe(tl, e, line, sizeof(line));
			if (e->link >= 0 && e->link > (int32_t)i) {
				/* entry probe: a slice to its kvm_ioctl_exit */
				const char *req = NULL;
				uint64_t v;
				timeline_probe_arg(tl, &tl->ev[e->link], "name", &v, &req);
				begin(out, &first, "X", e, t0);
				fputs(",\"dur\":", out);
				us(out, e->end_ts - e->ts);
				fputs(",\"cat\":\"vmm\",\"name\":", out);
				report_json_string(out, req ? req : name);
			} else {
				begin(out, &first, "i", e, t0);
				fputs(",\"s\":\"t\",\"cat\":\"vmm\",\"name\":", out);
				report_json_string(out, name ? name : "probe");
			}
			fputs(",\"args\":{\"probe\":", out);
			report_json_string(out, name ? name : "?");
			fputs(",\"text\":", out);
			report_json_string(out, line);
			fputs("}}", out);
			break;
		}
		case TL_IOCTL:
			timeline_format_ioctl(tl, e, line, sizeof(line));
			begin(out, &first, "X", e, t0);
			fputs(",\"dur\":", out);
			us(out, e->end_ts - e->ts);
			fputs(",\"cat\":\"syscall\",\"name\":\"ioctl\",\"args\":{\"call\":", out);
			report_json_string(out, line);
			fputs("}}", out);
			break;
		case TL_KERNEL: {
			struct tep_event *ev = timeline_kernel_event(tl, e);
			timeline_format_kernel(tl, e, line, sizeof(line));
			begin(out, &first, "i", e, t0);
			fputs(",\"s\":\"t\",\"cat\":\"kernel\",\"name\":", out);
			report_json_string(out, ev ? ev->name : "?");
			fputs(",\"args\":{\"text\":", out);
			report_json_string(out, line);
			fputs("}}", out);
			break;
		}
		case TL_KFUNC: {
			/* a slice nested in its ioctl's: Chrome stacks slices of a thread by time */
			const char *name = timeline_kfunc_name(tl, e);
			timeline_format_kfunc(tl, e, line, sizeof(line));
			begin(out, &first, e->has_exit ? "X" : "i", e, t0);
			if (e->has_exit) {
				fputs(",\"dur\":", out);
				us(out, e->end_ts - e->ts);
			} else {
				fputs(",\"s\":\"t\"", out);
			}
			fputs(",\"cat\":\"kfunc\",\"name\":", out);
			report_json_string(out, name ? name : "?");
			fputs(",\"args\":{\"call\":", out);
			report_json_string(out, line);
			fputs("}}", out);
			break;
		}
		case TL_LOST:
			begin(out, &first, "i", e, t0);
			fputs(",\"s\":\"g\",\"name\":\"records lost\"}", out);
			break;
		}
	}
	fputs("\n]}\n", out);
	return 0;
}
