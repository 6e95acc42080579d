/* Parsing of the pmu-filter property (see pmu-filter.h). */
#include <stdio.h>
#include <string.h>

#include "numparse.h"
#include "pmu-filter.h"

int pmu_filter_parse(const char *spec, struct pmu_filter_config *out, char *err, size_t errlen)
{
	char buf[1024], *save = NULL;
	const char *colon = strchr(spec, ':');
	size_t alen = colon ? (size_t)(colon - spec) : strlen(spec);

	memset(out, 0, sizeof(*out));
	if (alen == 5 && !strncmp(spec, "allow", 5)) {
		out->action = PMU_FILTER_ALLOW;
	} else if (alen == 4 && !strncmp(spec, "deny", 4)) {
		out->action = PMU_FILTER_DENY;
	} else {
		snprintf(err, errlen, "pmu-filter: action '%.*s' is not 'allow' or 'deny'", (int)alen,
			 spec);
		return -1;
	}
	if (!colon || !colon[1]) {
		snprintf(err, errlen, "pmu-filter: no events after '%.*s:' (allow|deny:EVENT[:EVENT...])",
			 (int)alen, spec);
		return -1;
	}
	if (snprintf(buf, sizeof(buf), "%s", colon + 1) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "pmu-filter: event list too long");
		return -1;
	}
	for (char *tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		uint64_t ev;
		if (out->nevents == VMM_MAX_PMU_FILTER_EVENTS) {
			snprintf(err, errlen, "pmu-filter: at most %d events", VMM_MAX_PMU_FILTER_EVENTS);
			return -1;
		}
		if (parse_uint_max(tok, UINT64_MAX, &ev) < 0 || (ev & ~PMU_FILTER_EVENT_MASK)) {
			snprintf(err, errlen,
				 "pmu-filter: event '%s' is not an event select and unit mask "
				 "(e.g. 0xc0, 0x01c2)", tok);
			return -1;
		}
		out->events[out->nevents++] = ev;
	}
	if (!out->nevents) {
		snprintf(err, errlen, "pmu-filter: no events");
		return -1;
	}
	out->set = true;
	return 0;
}
