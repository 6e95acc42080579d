/* ftrace-formats.c - see ftrace-formats.h. */
#include "ftrace-formats.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <tracefs.h>

#include "errtext.h"
#include "slurp.h"

static enum tep_endian host_endian(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one ? TEP_LITTLE_ENDIAN : TEP_BIG_ENDIAN;
}

struct tep_handle *ftrace_formats_new(bool with_kallsyms, char *err, size_t errlen)
{
	struct tep_handle *tep = tep_alloc();
	char *header;
	int size = 0;

	if (!tep) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	tep_set_file_bigendian(tep, host_endian());
	tep_set_local_bigendian(tep, host_endian());
	header = tracefs_instance_file_read(NULL, "events/header_page", &size);
	if (!header || size <= 0 ||
	    tep_parse_header_page(tep, header, (unsigned long)size, (int)sizeof(long))) {
		seterr(err, errlen, "events/header_page: %s", header ? "does not parse" : strerror(errno));
		free(header);
		tep_free(tep);
		return NULL;
	}
	free(header);
	if (with_kallsyms) {
		char *syms = slurp("/proc/kallsyms", NULL);

		if (syms)
			tep_parse_kallsyms(tep, syms);
		free(syms);
	}
	return tep;
}

struct tep_event *ftrace_formats_event(struct tep_handle *tep, const char *sys, const char *name,
				       char **format)
{
	struct tep_event *ev = tep_find_event_by_name(tep, sys, name);
	char *text;
	int size = 0;

	if (format)
		*format = NULL;
	if (ev)
		return ev;
	text = tracefs_event_file_read(NULL, sys, name, "format", &size);
	if (!text || size <= 0 || tep_parse_event(tep, text, (unsigned long)size, sys)) {
		free(text);
		return NULL;
	}
	if (format)
		*format = text;
	else
		free(text);
	return tep_find_event_by_name(tep, sys, name);
}
