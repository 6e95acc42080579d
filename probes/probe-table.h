/* The shape of one trace point, as generated from probes/vmm.probes.
 * Shared by the VMM (-trace listing, pattern matching) and the collector
 * (decoding USDT arguments and log lines). */
#ifndef KVMSCOPE_PROBE_TABLE_H
#define KVMSCOPE_PROBE_TABLE_H

#define PROBE_MAX_ARGS 12 /* the most <sys/sdt.h> can carry */

enum probe_arg_type {
	PROBE_ARG_INT,
	PROBE_ARG_UNSIGNED,
	PROBE_ARG_BOOL,
	PROBE_ARG_U32,
	PROBE_ARG_U64,
	PROBE_ARG_I64,
	PROBE_ARG_STR,
	PROBE_ARG_PTR,
};

/* One step of reading a log line back: LIT, then argument ARG printed with
 * conversion CONV (d i u x X p s); ARG -1 is the end, LIT ends the line.
 * Generated from the format, so the decoder cannot disagree with it. */
struct probe_step {
	const char *lit;
	int arg;
	char conv;
};

struct probe_desc {
	const char *name;
	const char *format;
	unsigned nargs;
	const char *arg_names[PROBE_MAX_ARGS];
	enum probe_arg_type arg_types[PROBE_MAX_ARGS];
	const struct probe_step *steps; /* the decoder of its -trace line (probe-decode.h) */
};

#define PROBE_PROVIDER "vmm"

extern const struct probe_desc vmm_probe_table[];
extern const unsigned vmm_probe_count;

/* Index of the probe called NAME, or -1. */
int probe_lookup(const char *name);

#endif
