/* -cpu host,pmu-filter=allow|deny:EVENT[:EVENT...]: the x86 PMU event filter
 * KVM_SET_PMU_EVENT_FILTER applies (spec §10). Events are KVM's legacy
 * encoding: event select in bits 7:0 (AMD: 11:8 in bits 35:32), unit mask in
 * bits 15:8, e.g. 0xc0 = instructions retired. ':' separates events because
 * ',' separates -cpu properties. */
#ifndef VMM_PMU_FILTER_H
#define VMM_PMU_FILTER_H

#include <stddef.h>

#include "config.h"

#define PMU_FILTER_ALLOW 0 /* KVM_PMU_EVENT_ALLOW */
#define PMU_FILTER_DENY 1  /* KVM_PMU_EVENT_DENY */
/* AMD64_EVENTSEL_EVENT | ARCH_PERFMON_EVENTSEL_UMASK: what KVM compares */
#define PMU_FILTER_EVENT_MASK 0xf0000ffffULL

/* Returns 0, or -1 with a message naming the bad part in err. */
int pmu_filter_parse(const char *spec, struct pmu_filter_config *out, char *err, size_t errlen);

#endif
