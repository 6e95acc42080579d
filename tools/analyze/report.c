/* kvmscope report CAPTURE: the merged timeline as text, JSON lines or
 * Chrome trace-event JSON. Warnings about the capture itself (truncated,
 * lost records, what the collector could not attach) go to stderr. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "report.h"
#include "report-html.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kvmscope report [--format text|json|chrome] [--color=auto|always|never]\n"
		"                       [-o FILE] CAPTURE\n"
		"\n"
		"Prints the capture as one timeline: each VMM probe, and beneath a VMM ioctl\n"
		"the syscall and the kvm events of the same thread inside it.\n"
		"  --format text    one line per event, indented (default)\n"
		"  --format json    one JSON object per line\n"
		"  --format chrome  Chrome trace-event JSON (Perfetto: ui.perfetto.dev), a track per thread\n"
		"  --format html    one self-contained HTML page: swimlanes, zoom, findings\n"
		"  --absolute       wall-clock times instead of seconds since the start\n"
		"  --source S       bpf, ftrace or all: a capture recorded by both collectors\n"
		"                   (record --ftrace) holds each event twice; default: bpf\n");
}

/* The capture's own health, one line each, on stderr. */
static void warn_capture(const struct timeline *tl, const char *path)
{
	if (tl->corrupt[0])
		fprintf(stderr, "kvmscope report: %s: %s (read %llu records before it)\n", path,
			tl->corrupt, (unsigned long long)tl->records);
	else if (tl->truncated)
		fprintf(stderr, "kvmscope report: %s: capture truncated after %llu records "
			"(%llu bytes of a partial record ignored)\n", path,
			(unsigned long long)tl->records, (unsigned long long)tl->partial_bytes);
	else if (!tl->clean_end)
		fprintf(stderr, "kvmscope report: %s: the collector did not finish cleanly "
			"(no end record after %llu records)\n", path, (unsigned long long)tl->records);
	if (tl->lost)
		fprintf(stderr, "kvmscope report: %s: %llu records were lost by the collector\n", path,
			(unsigned long long)tl->lost);
	if (tl->malformed)
		fprintf(stderr, "kvmscope report: %s: %llu malformed records skipped\n", path,
			(unsigned long long)tl->malformed);
	if (tl->unknown)
		fprintf(stderr, "kvmscope report: %s: %llu records of types this kvmscope does not "
			"know skipped (capture format %u.%u, this reader %u.%u)\n", path,
			(unsigned long long)tl->unknown, cap_header(tl->reader)->version_major,
			cap_header(tl->reader)->version_minor, CAP_VERSION_MAJOR, CAP_VERSION_MINOR);
	for (size_t i = 0; i < tl->nnotes; i++)
		fprintf(stderr, "kvmscope report: collector: %s\n", tl->notes[i]);
}

/* the timeline of the capture at PATH, as FORMAT (not html) into OUTPUT */
static int write_report(const char *path, const char *format, const char *color,
			const char *output, struct report_opts *o, int source)
{
	int (*emit)(const struct timeline *, FILE *, const struct report_opts *) =
		!strcmp(format, "json") ? report_json : !strcmp(format, "chrome") ? report_chrome :
									 report_text;
	FILE *out = stdout;
	if (output && !(out = fopen(output, "we"))) {
		perror(output);
		return 1;
	}
	if (!strcmp(color, "always"))
		o->color = true;
	else if (!strcmp(color, "auto"))
		o->color = emit == report_text && isatty(fileno(out));

	struct timeline tl;
	char err[512];
	if (timeline_load_source(&tl, path, source, err, sizeof(err))) {
		fprintf(stderr, "kvmscope report: %s\n", err);
		return 1;
	}
	static char obuf[1 << 16];
	setvbuf(out, obuf, _IOFBF, sizeof(obuf));
	int rc = emit(&tl, out, o);
	if (fflush(out) || ferror(out)) {
		fprintf(stderr, "kvmscope report: write error\n");
		rc = 1;
	}
	if (out != stdout)
		fclose(out);
	warn_capture(&tl, path);
	timeline_free(&tl);
	return rc;
}

/* what the command line asks for */
struct report_args {
	const char *format, *color, *output;
	struct report_opts o;
	int source;
};

static int report_option(int opt, const char *val, void *arg)
{
	static const char *const sources[] = { "bpf", "ftrace", "all", NULL };
	static const struct cli src_cli = { .cmd = "kvmscope report" };
	struct report_args *a = arg;
	if (opt == 'f')
		a->format = val;
	else if (opt == 'c')
		a->color = val ? val : "always";
	else if (opt == 'o')
		a->output = val;
	else if (opt == 'a')
		a->o.absolute = true;
	else if (!cli_choice(&src_cli, "--source", val, sources))
		return 2;
	else
		a->source = !strcmp(val, "bpf")	   ? CAP_SRC_BPF :
			    !strcmp(val, "ftrace") ? CAP_SRC_FTRACE : TL_SOURCE_ALL;
	return -1;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "color", optional_argument, NULL, 'c' },
		{ "colour", optional_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "absolute", no_argument, NULL, 'a' },
		{ "source", required_argument, NULL, 's' },
		{ 0 },
	};
	static const char *const formats[] = { "text", "json", "chrome", "html", NULL };
	static const char *const colors[] = { "auto", "always", "never", NULL };
	struct cli cli = { .cmd = "kvmscope report", .usage = usage, .shortopts = "f:o:",
			   .longopts = longopts };
	struct report_args a = { .format = "text", .color = "auto", .source = TL_SOURCE_AUTO };
	int status = cli_parse(&cli, argc, argv, report_option, &a);
	if (status >= 0)
		return status;
	if (!cli_operands(&cli, argc, 1, 1, "give exactly one CAPTURE"))
		return 2;
	if (!cli_choice(&cli, "--format", a.format, formats))
		return 2;
	if (!strcmp(a.format, "html")) /* report-html.c: one self-contained page */
		return report_html_main(argv[optind], a.output);
	if (!cli_choice(&cli, "--color", a.color, colors))
		return 2;
	return write_report(argv[optind], a.format, a.color, a.output, &a.o, a.source);
}
