/* Reading a -trace log line of the VMM back into its probe's arguments, with
 * the decoder steps generated from probes/vmm.probes (probe-table.h): the
 * log reader does not restate the VMM's formats by hand. */
#ifndef KVMSCOPE_PROBE_DECODE_H
#define KVMSCOPE_PROBE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe-table.h"

struct probe_value {
	int64_t i;	/* an integer, bool or pointer argument, as its type holds it */
	const char *s;	/* a string argument: where it starts in the line ... */
	size_t len;	/* ... and how long it is */
};

/* Decodes ARGS (the text after the probe's name and one space) into
 * V[0 .. P->nargs); false when ARGS is not a line of P's format. */
bool probe_decode(const struct probe_desc *p, const char *args, struct probe_value *v);

/* The value of string argument K of V as a C string in BUF (cut to LEN). */
const char *probe_value_str(const struct probe_value *v, char *buf, size_t len);

#endif
