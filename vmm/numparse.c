#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "numparse.h"

int parse_uint_max(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	/* strtoull accepts leading blanks and a '-' (wrapping the value): we don't */
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}
