/* Known arguments for every probe (generated: gen-probes samples), so a test
 * can fire each one through the VMM's own log formatter and read it back. */
#ifndef KVMSCOPE_PROBE_SAMPLES_H
#define KVMSCOPE_PROBE_SAMPLES_H

#include <stdint.h>

#include "probe-table.h"

struct probe_sample {
	struct {
		int64_t i;	/* integer, bool and pointer arguments */
		const char *s;	/* string arguments */
	} v[PROBE_MAX_ARGS];
};

/* Fires probe ID (trace_NAME_fire) with its sample arguments, given in WANT. */
void probe_sample_fire(unsigned id, struct probe_sample *want);

#endif
