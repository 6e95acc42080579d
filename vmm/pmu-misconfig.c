/* -cpu x-pmu-* (pmu-misconfig.h): parsing only; vmm/arm64/vcpu.c and
 * vmm/pmu-attrs.c act on them. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "numparse.h"
#include "pmu-misconfig.h"

static int on_off(const char *key, const char *val, bool *out, char *err, size_t errlen)
{
	if (!strcmp(val, "on") || !strcmp(val, "off")) {
		*out = !strcmp(val, "on");
		return 1;
	}
	snprintf(err, errlen, "Parameter '%s' expects 'on' or 'off'", key);
	return -1;
}

int pmu_misconfig_parse(const char *key, const char *val, struct pmu_misconfig *mc, char *err,
			size_t errlen)
{
	uint64_t v;
	bool b;
	int r;

	if (!strcmp(key, "x-pmu-feature-off")) {
		if (parse_uint_max(val, VMM_MAX_VCPUS - 1, &v) < 0) {
			snprintf(err, errlen, "Parameter '%s' expects a vCPU index 0..%d", key,
				 VMM_MAX_VCPUS - 1);
			return -1;
		}
		mc->feature_off_cpus |= 1u << v;
		return 1;
	}
	if (!strcmp(key, "x-pmu-irq-last")) {
		/* any INTID the kernel can be handed, valid or not: its checks decide */
		if (parse_uint_max(val, 1023, &v) < 0 || v == 0) {
			snprintf(err, errlen, "Parameter '%s' expects an INTID 1..1023", key);
			return -1;
		}
		mc->irq_last = (int)v;
		return 1;
	}
	if (!strcmp(key, "x-pmu-irq-after-init")) {
		r = on_off(key, val, &b, err, errlen);
		if (r > 0)
			mc->irq_after_init = b;
		return r;
	}
	if (!strcmp(key, "x-pmu-has-probe")) {
		r = on_off(key, val, &b, err, errlen);
		if (r > 0)
			mc->no_has_probe = !b;
		return r;
	}
	return 0;
}
