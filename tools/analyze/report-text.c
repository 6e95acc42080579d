/* report --format text: one line per event, indented beneath the VMM
 * ioctl it happened in; run-state changes and failures highlighted. */
#include <string.h>
#include <time.h>

#include <traceevent/event-parse.h>

#include "report.h"

#define BOLD "\033[1m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define RESET "\033[0m"

/* Integer formatting: printf's floating point was a third of the run time. */
static void put_uint(FILE *out, uint64_t v, int width, char pad)
{
	char b[24];
	int n = 0;
	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width--)
		putc_unlocked(pad, out);
	while (n)
		putc_unlocked(b[--n], out);
}

static void print_time(const struct timeline *tl, FILE *out, uint64_t ts,
		       const struct report_opts *o)
{
	const struct cap_file_header *h = cap_header(tl->reader);
	if (!o->absolute) {
		uint64_t rel = ts >= h->start_mono_ns ? ts - h->start_mono_ns : 0;
		put_uint(out, rel / 1000000000ull, 5, ' ');
		putc_unlocked('.', out);
		put_uint(out, rel % 1000000000ull / 1000, 6, '0');
		return;
	}
	uint64_t real = h->start_real_ns + (ts - h->start_mono_ns);
	time_t sec = (time_t)(real / 1000000000ull);
	struct tm tm;
	char b[32];
	localtime_r(&sec, &tm);
	strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(out, "%s.%06llu", b, (unsigned long long)(real % 1000000000ull / 1000));
}

static void print_header(const struct timeline *tl, FILE *out)
{
	const struct cap_file_header *h = cap_header(tl->reader);
	fprintf(out, "# capture: pid %u", h->target_pid);
	if (tl->command)
		fprintf(out, ", command: %s", tl->command);
	if (tl->kernel_release)
		fprintf(out, ", kernel %s", tl->kernel_release);
	if (tl->exit_status)
		fprintf(out, ", %s", tl->exit_status);
	const char *sems = timeline_meta(tl, "semaphores_set");
	if (sems)
		fprintf(out, ", probe semaphores set %s", sems);
	fprintf(out, "\n");
}

int report_text(const struct timeline *tl, FILE *out, const struct report_opts *o)
{
	char line[4096];

	print_header(tl, out);
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		const char *color = NULL;

		if (e->kind == TL_NOTE)
			continue;
		print_time(tl, out, e->ts, o);
		putc_unlocked(' ', out);
		put_uint(out, e->tid, 6, ' ');
		for (unsigned d = 0; d <= e->depth * 2u; d++)
			putc_unlocked(' ', out);
		switch (e->kind) {
		case TL_PROBE: {
			const char *name = timeline_probe_name(tl, e->id);
			timeline_format_probe(tl, e, line, sizeof(line));
			if (name && !strcmp(name, "runstate_set"))
				color = BOLD YELLOW;
			else if (e->is_error || (name && !strcmp(name, "kvm_fault_inject")))
				color = BOLD RED;
			else if (name && (strstr(name, "reset") || strstr(name, "shutdown") ||
					  !strcmp(name, "qapi_event")))
				color = BOLD;
			if (o->color && color)
				fputs_unlocked(color, out);
			if (name) {
				fputs_unlocked(name, out);
				putc_unlocked(' ', out);
				fputs_unlocked(line, out);
			} else
				fprintf(out, "probe#%u %s", e->id, line);
			/* entry probes carry the raw request: name it */
			uint64_t type;
			const char *s;
			if (e->link >= 0 && tl->ev[e->link].kind == TL_PROBE &&
			    timeline_probe_arg(tl, &tl->ev[e->link], "name", &type, &s) == 0 && s)
				fprintf(out, " [%s]", s);
			if (o->color && color)
				fputs_unlocked(RESET, out);
			putc_unlocked('\n', out);
			if (e->stack) {
				for (uint32_t f = 0; f < e->stack->nframes; f++) {
					const char *sym = timeline_symbol(tl, e->stack->ips[f]);
					fprintf(out, "%*s#%-2u 0x%llx%s%s\n", 21 + e->depth * 2, "", f,
						(unsigned long long)e->stack->ips[f], sym ? " " : "",
						sym ? sym : "");
				}
			}
			break;
		}
		case TL_IOCTL:
			timeline_format_ioctl(tl, e, line, sizeof(line));
			if (o->color && e->is_error)
				fputs_unlocked(BOLD RED, out);
			fprintf(out, "%s", line);
			if (e->has_exit)
				fprintf(out, " <%.3f us>", (double)(e->end_ts - e->ts) / 1000.0);
			if (o->color && e->is_error)
				fputs_unlocked(RESET, out);
			putc_unlocked('\n', out);
			break;
		case TL_KERNEL: {
			struct tep_event *ev = timeline_kernel_event(tl, e);
			timeline_format_kernel(tl, e, line, sizeof(line));
			fputs_unlocked(ev ? ev->name : "?", out);
			fputs_unlocked(": ", out);
			fputs_unlocked(line, out);
			putc_unlocked('\n', out);
			break;
		}
		case TL_KFUNC:
			timeline_format_kfunc(tl, e, line, sizeof(line));
			if (o->color && e->is_error)
				fputs_unlocked(BOLD RED, out);
			fputs_unlocked("kfunc ", out);
			fputs_unlocked(line, out);
			if (e->has_exit)
				fprintf(out, " <%.3f us>", (double)(e->end_ts - e->ts) / 1000.0);
			if (o->color && e->is_error)
				fputs_unlocked(RESET, out);
			putc_unlocked('\n', out);
			break;
		case TL_LOST: {
			const struct cap_lost *l;
			if (cap_decode_lost(e->rec, &l) == 0) {
				if (o->color)
					fputs_unlocked(BOLD RED, out);
				fprintf(out, "*** %llu records lost (%s)", (unsigned long long)l->count,
					l->kind == CAP_LOST_RINGBUF ? "ring buffer full" :
					l->kind == CAP_LOST_STRING ? "string arguments unreadable" :
					l->kind == CAP_LOST_STACK ? "stacks unreadable" : "ftrace overrun");
				if (o->color)
					fputs_unlocked(RESET, out);
			}
			putc_unlocked('\n', out);
			break;
		}
		}
	}
	return 0;
}
