/* A capture's bound (record --max-size, ci --max-size): the size as given,
 * and the NOTE text saying what it dropped, written and read back. See
 * capture.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

int cap_parse_max_size(const char *arg, uint64_t *bytes)
{
	char *end;

	errno = 0;
	unsigned long long mib = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || mib == 0 || mib > (1ull << 40) || arg[0] == '-')
		return -1;
	*bytes = mib << 20;
	return 0;
}

void cap_format_drop_note(char *buf, size_t len, const char *who, uint64_t max_bytes,
			  const struct cap_drop *d)
{
	char bound[40], lost[128] = "";

	if (max_bytes % (1u << 20) == 0)
		snprintf(bound, sizeof(bound), "%llu MiB", (unsigned long long)(max_bytes >> 20));
	else
		snprintf(bound, sizeof(bound), "%llu bytes", (unsigned long long)max_bytes);
	/* a LOST record's count must not vanish silently with it */
	if (d->lost_records)
		snprintf(lost, sizeof(lost), ", among them %llu LOST records counting %llu lost records",
			 (unsigned long long)d->lost_records, (unsigned long long)d->lost);
	snprintf(buf, len, "%s --max-size %s: the %llu oldest event records (%llu bytes) were dropped%s",
		 who, bound, (unsigned long long)d->records, (unsigned long long)d->bytes, lost);
}

bool cap_parse_drop_note(const char *text, struct cap_drop *d)
{
	const char *p = strstr(text, " --max-size ");
	unsigned long long r, b, lr, lc;

	if (!p || !(p = strstr(p, ": the ")) ||
	    sscanf(p, ": the %llu oldest event records (%llu bytes) were dropped", &r, &b) != 2)
		return false;
	*d = (struct cap_drop){ .records = r, .bytes = b };
	const char *among = strstr(p, ", among them ");
	if (among && sscanf(among, ", among them %llu LOST records counting %llu", &lr, &lc) == 2) {
		d->lost_records = lr;
		d->lost = lc;
	}
	return true;
}
