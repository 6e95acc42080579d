/* kvmscope diagnose: reads QEMU/libvirt/kvmscope-vmm logs and kvmscope
 * captures into one event stream (qemulog.h), runs every rule (findings.h)
 * and prints the findings as text or JSON.
 * Exit status: 0 no finding, 1 findings, 2 bad usage or an unreadable input,
 * 3 nothing in the inputs was understood (no finding can be trusted then). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "diag-rule.h"
#include "findings.h"
#include "analyze/logs/qemulog.h"
#include "analyze/logs/qemulog-capture.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kvmscope diagnose [OPTIONS] INPUT...\n"
		"Explain what happened to a VM from its logs or a kvmscope capture.\n"
		"INPUT: a kvmscope capture, or a log: QEMU/kvmscope-vmm -trace/-D lines and\n"
		"stderr, QMP event lines, libvirt domain logs, ftrace function_graph output\n"
		"(several inputs are read as one stream, in the order given; - is stdin).\n"
		"  --format text|json  output format (default text)\n"
		"  --rule NAME         run only this rule (repeatable)\n"
		"  --list-rules        list the rules and exit\n"
		"  --events            print the normalized events instead of findings\n"
		"Each input's lines read and understood are listed; lines of no known shape\n"
		"are kept as text. Also read: QEMU's words inside mail quotes (> ), CI\n"
		"prefixes, markdown, kubevirt JSON and libvirt errors; dmesg and journald.\n"
		"Exit status: 0 no finding, 1 findings, 2 usage or input error,\n"
		"3 nothing in the inputs was understood (not a log diagnose reads).\n");
}

static void print_rules(void)
{
	size_t n;
	const struct diag_rule *const *r = diag_rules(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-20s %s\n", r[i]->name, r[i]->summary);
}

static json_t *event_json(const struct qlog_event *e)
{
	json_t *o = json_object(), *fields = json_object();
	char ts[64];

	json_object_set_new(o, "file", json_string(e->file ? e->file : ""));
	json_object_set_new(o, "line", json_integer(e->line));
	json_object_set_new(o, "source", json_string(qlog_source_name(e->source)));
	json_object_set_new(o, "kind", json_string(qlog_kind_name(e->kind)));
	if (e->name)
		json_object_set_new(o, "name", json_string(e->name));
	if (e->tid >= 0)
		json_object_set_new(o, "tid", json_integer(e->tid));
	if (e->clock != QLOG_CLOCK_NONE) {
		qlog_format_time(e, ts, sizeof(ts));
		json_object_set_new(o, "time", json_string(ts));
	}
	for (unsigned i = 0; i < e->nfields; i++)
		json_object_set_new(fields, e->fields[i].key, json_string(e->fields[i].value));
	json_object_set_new(o, "fields", fields);
	json_object_set_new(o, "text", json_string(e->text ? e->text : ""));
	return o;
}

static void print_events(const struct qlog_stream *s, bool json)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		if (json) {
			json_t *o = event_json(e);
			char *line = json_dumps(o, JSON_COMPACT);
			if (line)
				printf("%s\n", line);
			free(line);
			json_decref(o);
			continue;
		}
		char ts[64];
		qlog_format_time(e, ts, sizeof(ts));
		printf("%s:%u %s %s %s", e->file ? e->file : "", e->line, qlog_source_name(e->source),
		       qlog_kind_name(e->kind), ts);
		for (unsigned f = 0; f < e->nfields; f++)
			printf(" %s=%s", e->fields[f].key, e->fields[f].value);
		printf("\n");
	}
}

/*
 * A capture of several VMMs (record --follow around a test suite) holds
 * their runs interleaved, and the rules look for an incident's pieces by
 * position: each process gets a stream of its own, so one finding's evidence
 * never mixes two VMMs. The capture's own lines (host, notes: no process) go
 * into each. Only when every input is a capture: a log line has no process.
 * Returns how many streams (*OUT, shallow copies of S's events), 0 for none.
 */
static size_t split_by_process(const struct qlog_stream *s, struct qlog_stream **out)
{
	static unsigned long next_id = 1UL << 30; /* apart from qlog_stream_finish's ids */
	struct { long pid; size_t n; } *procs = NULL;
	size_t nprocs = 0, shared = 0, last = 0;

	*out = NULL;
	/* the processes, and how many events each has (runs of one process are
	 * long, so the last one found is tried first) */
	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		size_t k = last;
		if (e->source != QLOG_SRC_CAPTURE) {
			free(procs);
			return 0;
		}
		if (!e->pid) {
			shared++;
			continue;
		}
		if (k >= nprocs || procs[k].pid != e->pid)
			for (k = 0; k < nprocs && procs[k].pid != e->pid; k++)
				;
		if (k == nprocs) {
			void *np = realloc(procs, (nprocs + 1) * sizeof(*procs));
			if (!np) {
				free(procs);
				return 0;
			}
			procs = np;
			procs[nprocs].pid = e->pid;
			procs[nprocs++].n = 0;
		}
		procs[k].n++;
		last = k;
	}
	struct qlog_stream *subs = nprocs > 1 ? calloc(nprocs, sizeof(*subs)) : NULL;
	if (!subs) {
		free(procs);
		return 0;
	}
	for (size_t k = 0; k < nprocs; k++) {
		subs[k] = *s;
		subs[k].ev = malloc((procs[k].n + shared) * sizeof(*subs[k].ev));
		subs[k].n = subs[k].lines_recognized = 0;
		subs[k].cap = subs[k].ev ? procs[k].n + shared : 0;
		subs[k].id = next_id++;
	}
	last = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		size_t from = 0, to = nprocs, k = last;
		if (e->pid) {
			if (procs[k].pid != e->pid)
				for (k = 0; procs[k].pid != e->pid; k++)
					;
			from = last = k;
			to = k + 1;
		}
		for (k = from; k < to; k++) {
			struct qlog_stream *p = &subs[k];
			if (p->n == p->cap)
				continue;	/* its array could not be had */
			p->ev[p->n++] = *e;
			if (e->kind != QLOG_TEXT)
				p->lines_recognized++;
		}
	}
	free(procs);
	*out = subs;
	return nprocs;
}

/* what the command line asks for */
struct diag_args {
	bool json, events;
	const struct diag_rule *only[16];
	size_t nonly;
};

static int diag_option(int opt, const char *val, void *arg)
{
	static const char *const formats[] = { "text", "json", NULL };
	static const struct cli fmt_cli = { .cmd = "kvmscope diagnose" };
	struct diag_args *a = arg;
	const struct diag_rule *r;
	switch (opt) {
	case 'f':
		if (!cli_choice(&fmt_cli, "--format", val, formats))
			return 2;
		a->json = !strcmp(val, "json");
		return -1;
	case 'r':
		if (!(r = diag_rule_by_name(val))) {
			fprintf(stderr, "kvmscope diagnose: --rule %s: no such rule "
					"(--list-rules lists them)\n", val);
			return 2;
		}
		if (a->nonly < sizeof(a->only) / sizeof(a->only[0]))
			a->only[a->nonly++] = r;
		return -1;
	case 'l':
		print_rules();
		return 0;
	default: /* --events */
		a->events = true;
		return -1;
	}
}

/* returns -1 to go on, else the exit status */
static int parse_args(int argc, char **argv, struct diag_args *a)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "rule", required_argument, NULL, 'r' },
		{ "list-rules", no_argument, NULL, 'l' },
		{ "events", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .cmd = "kvmscope diagnose", .usage = usage, .shortopts = "f:r:le",
			   .longopts = opts };
	int status = cli_parse(&cli, argc, argv, diag_option, a);
	if (status >= 0)
		return status;
	return cli_operands(&cli, argc, 1, argc, "no input: a log file or a capture, please") ? -1 : 2;
}

/* every input into S, in the order given; false (said) when one is unreadable */
static bool read_inputs(struct qlog_stream *s, int argc, char **argv)
{
	char err[512];
	qlog_stream_init(s);
	for (int i = optind; i < argc; i++) {
		int r = qlog_is_capture(argv[i]) ? qlog_read_capture(s, argv[i], err, sizeof(err)) :
						   qlog_read_file(s, argv[i], err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "kvmscope diagnose: %s\n", err);
			qlog_stream_free(s);
			return false;
		}
	}
	qlog_stream_finish(s);
	return true;
}

/* each VMM process's stream (split_by_process): the findings' evidence points
 * into them, so they live until the findings are printed */
struct process_streams {
	struct qlog_stream *s;
	size_t n;
};

static void process_streams_free(struct process_streams *p)
{
	for (size_t k = 0; k < p->n; k++)
		free(p->s[k].ev);	/* shallow copies: the events belong to the input */
	free(p->s);
}

/* every rule on every stream (the input, or each VMM process's, left in
 * *PROCS); returns how many results */
static size_t run_rules(const struct qlog_stream *s, const struct diag_args *a,
			struct finding_list *findings, struct diag_rule_result *results, size_t max,
			struct process_streams *procs_out)
{
	size_t nrules, nres = 0;
	const struct diag_rule *const *rules = diag_rules(&nrules);
	if (a->nonly) {
		rules = a->only;
		nrules = a->nonly;
	}
	struct qlog_stream *procs = NULL;
	size_t nprocs = split_by_process(s, &procs);
	size_t nctx = nprocs ? nprocs : 1;
	struct diag_ctx *ctx = calloc(nctx, sizeof(*ctx));
	for (size_t k = 0; ctx && k < nctx; k++)
		diag_ctx_init(&ctx[k], nprocs ? &procs[k] : s, findings);
	for (size_t i = 0; ctx && i < nrules && nres < max; i++) {
		results[nres].rule = rules[i];
		results[nres].findings = 0;
		for (size_t k = 0; k < nctx; k++)
			results[nres].findings += diag_run_rule(rules[i], &ctx[k]);
		nres++;
	}
	for (size_t k = 0; ctx && k < nctx; k++)
		diag_ctx_free(&ctx[k]);
	free(ctx);
	procs_out->s = procs;
	procs_out->n = nprocs;
	return nres;
}

int cmd_diagnose(int argc, char **argv)
{
	struct diag_args a = { 0 };
	struct qlog_stream s;
	int status = parse_args(argc, argv, &a);
	if (status >= 0)
		return status;
	if (!read_inputs(&s, argc, argv))
		return 2;
	if (a.events) {
		print_events(&s, a.json);
		qlog_stream_free(&s);
		return 0;
	}

	struct diag_rule_result results[16];
	struct finding_list findings = { 0 };
	struct process_streams procs;
	size_t nres = run_rules(&s, &a, &findings, results, sizeof(results) / sizeof(results[0]),
				&procs);
	if (a.json) {
		json_t *root = diag_to_json(&s, &findings, results, nres);
		char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(root);
	} else {
		diag_print_text(stdout, &s, &findings, results, nres);
	}
	status = findings.n ? 1 : 0;
	if (!s.lines_recognized) {
		fprintf(stderr, "kvmscope diagnose: nothing in the input%s was understood: no QEMU, "
				"libvirt, kernel or capture line (exit status 3)\n",
			s.nfiles == 1 ? "" : "s");
		status = 3;
	}
	finding_list_free(&findings);
	process_streams_free(&procs);
	qlog_stream_free(&s);
	return status;
}
