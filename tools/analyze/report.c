/* kvmscope report CAPTURE: the merged timeline as text, JSON lines or
 * Chrome trace-event JSON. Warnings about the capture itself (truncated,
 * lost records, what the collector could not attach) go to stderr. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "color", optional_argument, NULL, 'c' },
		{ "colour", optional_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "absolute", no_argument, NULL, 'a' },
		{ "source", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format = "text", *color = "auto", *output = NULL;
	struct report_opts o = { 0 };
	int source = TL_SOURCE_AUTO;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'c':
			color = optarg ? optarg : "always";
			break;
		case 'o':
			output = optarg;
			break;
		case 'a':
			o.absolute = true;
			break;
		case 's':
			if (!strcmp(optarg, "bpf"))
				source = CAP_SRC_BPF;
			else if (!strcmp(optarg, "ftrace"))
				source = CAP_SRC_FTRACE;
			else if (!strcmp(optarg, "all"))
				source = TL_SOURCE_ALL;
			else {
				fprintf(stderr, "kvmscope report: --source: '%s' is not bpf, ftrace or all\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "kvmscope report: give exactly one CAPTURE\n");
		usage(stderr);
		return 2;
	}
	if (!strcmp(format, "html")) /* report-html.c: one self-contained page */
		return report_html_main(argv[optind], output);
	int (*emit)(const struct timeline *, FILE *, const struct report_opts *);
	if (!strcmp(format, "text"))
		emit = report_text;
	else if (!strcmp(format, "json"))
		emit = report_json;
	else if (!strcmp(format, "chrome"))
		emit = report_chrome;
	else {
		fprintf(stderr, "kvmscope report: --format: '%s' is not text, json or chrome\n", format);
		return 2;
	}
	FILE *out = stdout;
	if (output && !(out = fopen(output, "we"))) {
		perror(output);
		return 1;
	}
	if (!strcmp(color, "always"))
		o.color = true;
	else if (!strcmp(color, "auto"))
		o.color = emit == report_text && isatty(fileno(out));
	else if (strcmp(color, "never")) {
		fprintf(stderr, "kvmscope report: --color: '%s' is not auto, always or never\n", color);
		return 2;
	}

	struct timeline tl;
	char err[512];
	if (timeline_load_source(&tl, argv[optind], source, err, sizeof(err))) {
		fprintf(stderr, "kvmscope report: %s\n", err);
		return 1;
	}
	static char obuf[1 << 16];
	setvbuf(out, obuf, _IOFBF, sizeof(obuf));
	int rc = emit(&tl, out, &o);
	if (fflush(out) || ferror(out)) {
		fprintf(stderr, "kvmscope report: write error\n");
		rc = 1;
	}
	if (out != stdout)
		fclose(out);
	warn_capture(&tl, argv[optind]);
	timeline_free(&tl);
	return rc;
}
