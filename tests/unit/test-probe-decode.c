/* The generated log decoder against the generated log formatter: every
 * probe of probes/vmm.probes is fired through the VMM's own -trace backend
 * (trace_NAME_fire -> vmm/trace.c) with known arguments, and each line is
 * decoded back with the steps generated from the same list; every argument
 * must come back. A probe whose format and decoder disagree fails here; the
 * last cases show that a decoder out of step with its format is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe-decode.h"
#include "probe-samples.h"
#include "probe-table.h"
#include "trace.h"

static struct probe_sample want[PROBE__COUNT];
static char *lines[PROBE__COUNT]; /* each probe's line, after "NAME " */

/* fires every probe into a log file and keeps the lines */
static int fire_all(void **state)
{
	char path[] = "/tmp/test-probe-decode-XXXXXX", err[256], buf[8192];
	(void)state;
	int fd = mkstemp(path);
	if (fd < 0 || trace_open_log(path, err, sizeof(err)) < 0)
		return -1;
	close(fd);
	trace_set_format(TRACE_FORMAT_UPSTREAM);
	trace_enable_pattern("*");
	for (unsigned id = 0; id < vmm_probe_count; id++)
		probe_sample_fire(id, &want[id]);
	trace_enable_pattern("-*");
	FILE *f = fopen(path, "r");
	unlink(path);
	if (!f)
		return -1;
	for (unsigned id = 0; id < vmm_probe_count && fgets(buf, sizeof(buf), f); id++) {
		buf[strcspn(buf, "\n")] = '\0';
		/* TID@SECONDS.USECS:NAME ARGS */
		char *name = strchr(buf, ':');
		const char *name_end = name ? strchr(name, ' ') : NULL;
		if (!name_end || strncmp(name + 1, vmm_probe_table[id].name,
					 (size_t)(name_end - name - 1)))
			return -1;
		lines[id] = strdup(name_end + 1);
	}
	fclose(f);
	return 0;
}

static int free_all(void **state)
{
	(void)state;
	for (unsigned id = 0; id < vmm_probe_count; id++)
		free(lines[id]);
	return 0;
}

/* how many of D's arguments decoded from LINE differ from W's (-1: the
 * line does not decode at all); names the first in WHAT */
static int mismatches(const struct probe_desc *d, const char *line, const struct probe_sample *w,
		      char *what, size_t len)
{
	struct probe_value v[PROBE_MAX_ARGS];
	int bad = 0;
	if (!probe_decode(d, line, v))
		return -1;
	for (unsigned k = 0; k < d->nargs; k++) {
		bool same = d->arg_types[k] == PROBE_ARG_STR ?
				    v[k].len == strlen(w->v[k].s) &&
					    !memcmp(v[k].s, w->v[k].s, v[k].len) :
				    v[k].i == w->v[k].i;
		if (!same && !bad++)
			snprintf(what, len, "%s", d->arg_names[k]);
	}
	return bad;
}

static void every_probe_round_trips(void **state)
{
	(void)state;
	for (unsigned id = 0; id < vmm_probe_count; id++) {
		const struct probe_desc *d = &vmm_probe_table[id];
		char what[64] = "";
		assert_non_null(lines[id]);
		int bad = mismatches(d, lines[id], &want[id], what, sizeof(what));
		if (bad < 0)
			fail_msg("probe %s: its line \"%s\" does not decode", d->name, lines[id]);
		if (bad)
			fail_msg("probe %s: argument %s decoded wrong from \"%s\"", d->name, what,
				 lines[id]);
	}
}

/* a line ends where its format ends: more text after it is another shape */
static void trailing_text_is_refused(void **state)
{
	(void)state;
	struct probe_value v[PROBE_MAX_ARGS];
	char line[8192];
	for (unsigned id = 0; id < vmm_probe_count; id++) {
		const struct probe_desc *d = &vmm_probe_table[id];
		const struct probe_step *last = d->steps;
		while (last->arg >= 0)
			last++;
		if (last == d->steps || last[-1].conv == 's')
			continue; /* a string at the end takes the rest */
		snprintf(line, sizeof(line), "%s x", lines[id]);
		if (probe_decode(d, line, v))
			fail_msg("probe %s: \"%s\" decoded", d->name, line);
	}
}

/* A decoder out of step with the format (a literal changed, or two
 * arguments swapped) is caught by the same check. */
static void a_decoder_that_disagrees_fails(void **state)
{
	(void)state;
	unsigned tampered = 0;
	for (unsigned id = 0; id < vmm_probe_count; id++) {
		struct probe_desc d = vmm_probe_table[id];
		struct probe_step steps[PROBE_MAX_ARGS + 1];
		char lit[256], what[64];
		unsigned n = 0;
		while (d.steps[n].arg >= 0)
			n++;
		memcpy(steps, d.steps, (n + 1) * sizeof(steps[0]));
		d.steps = steps;
		/* the first literal with text, one letter changed */
		for (unsigned k = 0; k <= n; k++) {
			if (!steps[k].lit[0])
				continue;
			snprintf(lit, sizeof(lit), "%s", steps[k].lit);
			lit[0] = lit[0] == 'Q' ? 'q' : 'Q';
			steps[k].lit = lit;
			assert_int_not_equal(mismatches(&d, lines[id], &want[id], what, sizeof(what)), 0);
			steps[k].lit = vmm_probe_table[id].steps[k].lit;
			tampered++;
			break;
		}
		/* two arguments swapped */
		if (n >= 2 && steps[0].conv == steps[1].conv) {
			steps[0].arg = d.steps[1].arg;
			steps[1].arg = vmm_probe_table[id].steps[0].arg;
			assert_int_not_equal(mismatches(&d, lines[id], &want[id], what, sizeof(what)), 0);
			tampered++;
		}
	}
	assert_true(tampered > 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(every_probe_round_trips),
	cmocka_unit_test(trailing_text_is_refused),
	cmocka_unit_test(a_decoder_that_disagrees_fails),
};

int main(void)
{
	/* the lines are made once, by the group's setup */
	return cmocka_run_group_tests(tests, fire_all, free_all);
}
