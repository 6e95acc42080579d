/* libFuzzer target for the log reader and every diagnosis rule: any bytes
 * are read as a log (tools/analyze/logs/qemulog.c), the stream is finished, every rule
 * runs (tools/analyze/rules/rule-*.c) and the findings are printed as text and JSON. Any
 * crash, leak, sanitizer report or invalid JSON output is a bug.
 * Built and run by tests/integration/diagnose-fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/findings.h"
#include "analyze/logs/qemulog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qlog_stream s;
	struct finding_list l = { 0 };
	struct diag_rule_result res[16];
	size_t nrules, nres = 0;
	const struct diag_rule *const *rules = diag_rules(&nrules);

	qlog_stream_init(&s);
	/* a 0xff byte splits the input into two files, as diagnose a.log b.log */
	const uint8_t *sep = memchr(data, 0xff, size);
	if (sep) {
		qlog_read_buffer(&s, "fuzz-a.log", (const char *)data, (size_t)(sep - data));
		qlog_read_buffer(&s, "fuzz-b.log", (const char *)sep + 1, size - (size_t)(sep - data) - 1);
	} else {
		qlog_read_buffer(&s, "fuzz.log", (const char *)data, size);
	}
	qlog_stream_finish(&s);
	for (size_t i = 0; i < nrules && nres < 16; i++) {
		res[nres].rule = rules[i];
		res[nres].findings = diag_run_rule(rules[i], &s, &l);
		nres++;
	}
	FILE *out = fopen("/dev/null", "w");
	if (out) {
		diag_print_text(out, &s, &l, res, nres);
		fclose(out);
	}
	json_t *j = diag_to_json(&s, &l, res, nres);
	char *text = json_dumps(j, JSON_COMPACT);
	if (!text)
		abort(); /* every string must be valid UTF-8 */
	json_t *back = json_loads(text, 0, NULL);
	if (!back)
		abort();
	json_decref(back);
	free(text);
	json_decref(j);
	finding_list_free(&l);
	qlog_stream_free(&s);
	return 0;
}
