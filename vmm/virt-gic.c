#include <errno.h>
#include <stdio.h>

#include "virt-gic.h"

bool virt_gic_needs_probe(bool legacy, int asked)
{
	return !legacy || asked == VIRT_GIC_ASK_HOST || asked == VIRT_GIC_ASK_MAX;
}

static int choose_4_1(int asked, unsigned probe, char *err, size_t errlen)
{
	if (asked == 2 || asked == 3)
		return asked;
	if (asked == VIRT_GIC_ASK_NONE)
		return 2; /* virt-4.1's default */
	if (probe & VIRT_GIC_PROBE_V3)
		return 3;
	if (probe & VIRT_GIC_PROBE_V2)
		return 2;
	snprintf(err, errlen, "Unable to determine GIC version supported by host");
	return -1;
}

/* QEMU 7.2 finalize_gic_version with an in-kernel irqchip */
static int choose_7_2(int asked, unsigned probe, int ncpus, char *err, size_t errlen)
{
	int v = asked;

	if (!probe) {
		snprintf(err, errlen, "Unable to determine GIC version supported by host");
		return -1;
	}
	if (asked == VIRT_GIC_ASK_HOST || asked == VIRT_GIC_ASK_MAX)
		return (probe & VIRT_GIC_PROBE_V3) ? 3 : 2;
	if (asked == VIRT_GIC_ASK_NONE) {
		if ((probe & VIRT_GIC_PROBE_V2) && ncpus <= VIRT_GIC_V2_MAX_CPUS) {
			v = 2;
		} else if (probe & VIRT_GIC_PROBE_V3) {
			v = 3;
		} else {
			snprintf(err, errlen, "host only supports in-kernel GICv2 emulation but more "
					      "than 8 vcpus are requested");
			return -1;
		}
	}
	if (v == 2 && !(probe & VIRT_GIC_PROBE_V2)) {
		snprintf(err, errlen, "host does not support in-kernel GICv2 emulation");
		return -1;
	}
	if (v == 3 && !(probe & VIRT_GIC_PROBE_V3)) {
		snprintf(err, errlen, "host does not support in-kernel GICv3 emulation");
		return -1;
	}
	return v;
}

int virt_gic_choose(bool legacy, int asked, unsigned probe, int ncpus, char *err,
		    size_t errlen)
{
	return legacy ? choose_4_1(asked, probe, err, errlen)
		      : choose_7_2(asked, probe, ncpus, err, errlen);
}

bool virt_gic_legacy_fallback(int err)
{
	return err == ENODEV || err == ENOTSUP;
}
