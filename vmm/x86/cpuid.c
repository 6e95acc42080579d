/* CPUID for the guest: what KVM_GET_SUPPORTED_CPUID offers, with the
 * hypervisor bit, per-vCPU APIC IDs, and the PMU as -cpu host,pmu= asks:
 * pmu=on asks KVM to keep its vPMU (KVM_ENABLE_CAP, so a host without one
 * fails at an ioctl the collectors see), pmu=off zeroes leaf 0xA and sets
 * KVM_PMU_CAP_DISABLE, pmu-filter= becomes KVM_SET_PMU_EVENT_FILTER. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pmu-filter.h"
#include "x86.h"

#define CPUID_LEAF_PMU 0xa
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

static struct kvm_cpuid_entry2 *find_leaf(struct kvm_cpuid2 *c, uint32_t fn, uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

static struct kvm_cpuid2 *supported_cpuid(struct machine *m)
{
	for (uint32_t nent = 64; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c =
			calloc(1, sizeof(*c) + nent * sizeof(struct kvm_cpuid_entry2));
		if (!c)
			return NULL;
		c->nent = nent;
		if (kvm_ioctl(&m->sys, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG) {
			error_report("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return NULL;
		}
	}
	error_report("KVM_GET_SUPPORTED_CPUID: too many entries");
	return NULL;
}

/* Does the host KVM give guests a PMU? The capability says so on kernels
 * that have it (0 = no vPMU, e.g. enable_pmu=0); leaf 0xA version on Intel. */
static bool host_has_vpmu(struct machine *m, struct kvm_cpuid2 *c, int *cap)
{
	const struct kvm_cpuid_entry2 *leaf0 = find_leaf(c, 0, 0);
	const struct kvm_cpuid_entry2 *pmu = find_leaf(c, CPUID_LEAF_PMU, 0);
	bool intel = leaf0 && leaf0->ebx == 0x756e6547; /* "Genu" */

	*cap = kvm_ioctl_int(&m->sys, KVM_CHECK_EXTENSION, KVM_CAP_PMU_CAPABILITY);
	if (*cap == 0)
		return false;
	if (intel)
		return pmu && (pmu->eax & 0xff) != 0;
	return true;
}

static int disable_vpmu(struct machine *m, int cap)
{
	struct kvm_enable_cap enable = {
		.cap = KVM_CAP_PMU_CAPABILITY,
		.args = { KVM_PMU_CAP_DISABLE },
	};
	if (!(cap & KVM_PMU_CAP_DISABLE))
		return 0; /* nothing to switch off, or a kernel without the knob */
	if (kvm_ioctl(&m->vm, KVM_ENABLE_CAP, &enable) < 0) {
		error_report("Failed to set KVM_PMU_CAP_DISABLE: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* pmu=on: KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY) with no DISABLE bit keeps
 * the vPMU, and the kernel answers EINVAL when it has none (enable_pmu=0).
 * Kernels before the capability (5.18) say EINVAL too: there an Intel leaf
 * 0xA with a version is taken as the answer. */
static int require_vpmu(struct machine *m, struct kvm_cpuid2 *c, int cap, bool cpuid_vpmu)
{
	struct kvm_enable_cap keep = { .cap = KVM_CAP_PMU_CAPABILITY, .args = { 0 } };
	const struct kvm_cpuid_entry2 *pmu = find_leaf(c, CPUID_LEAF_PMU, 0);

	if (kvm_ioctl(&m->vm, KVM_ENABLE_CAP, &keep) == 0)
		return 0;
	int err = errno;
	if (cap == 0 && cpuid_vpmu && pmu && (pmu->eax & 0xff))
		return 0;
	error_report("Failed to enable KVM_CAP_PMU_CAPABILITY: %s", strerror(err));
	error_report("-cpu host,pmu=on: the host KVM offers no vPMU "
		     "(CPUID 0xA version %u, KVM_CAP_PMU_CAPABILITY %d)",
		     pmu ? pmu->eax & 0xff : 0, cap);
	return -1;
}

/* pmu-filter=: an allow or deny list of events, where KVM offers filters.
 * fixed_counter_bitmap stays 0: an allow list then leaves the fixed
 * counters off, a deny list leaves them on (KVM's rule for the bitmap). */
static int set_event_filter(struct machine *m)
{
	const struct pmu_filter_config *f = &m->cfg->pmu_filter;
	struct kvm_pmu_event_filter *kf;
	int ret;

	if (!f->set)
		return 0;
	if (m->cfg->pmu == PMU_OFF) {
		error_report("-cpu host,pmu-filter: the filter needs a vPMU, and pmu=off is set");
		return -1;
	}
	if (kvm_ioctl_int(&m->sys, KVM_CHECK_EXTENSION, KVM_CAP_PMU_EVENT_FILTER) <= 0) {
		error_report("-cpu host,pmu-filter: this host KVM does not offer "
			     "KVM_SET_PMU_EVENT_FILTER (KVM_CAP_PMU_EVENT_FILTER)");
		return -1;
	}
	kf = calloc(1, sizeof(*kf) + f->nevents * sizeof(kf->events[0]));
	if (!kf)
		return -1;
	kf->action = f->action;
	kf->nevents = f->nevents;
	memcpy(kf->events, f->events, f->nevents * sizeof(kf->events[0]));
	ret = kvm_ioctl(&m->vm, KVM_SET_PMU_EVENT_FILTER, kf);
	if (ret < 0)
		error_report("-cpu host,pmu-filter: KVM_SET_PMU_EVENT_FILTER (%s, %u events): %s",
			     f->action == PMU_FILTER_ALLOW ? "allow" : "deny", f->nevents,
			     strerror(errno));
	free(kf);
	return ret < 0 ? -1 : 0;
}

int x86_cpuid_init(struct machine *m)
{
	struct x86_machine *x = m->arch;
	struct kvm_cpuid2 *c = supported_cpuid(m);
	int cap;

	if (!c)
		return -1;
	x->cpuid = c;
	bool vpmu = host_has_vpmu(m, c, &cap);
	switch (m->cfg->pmu) {
	case PMU_ON:
		if (require_vpmu(m, c, cap, vpmu) < 0)
			return -1;
		break;
	case PMU_OFF: {
		struct kvm_cpuid_entry2 *pmu = find_leaf(c, CPUID_LEAF_PMU, 0);
		if (pmu)
			pmu->eax = pmu->ebx = pmu->ecx = pmu->edx = 0;
		if (disable_vpmu(m, cap) < 0)
			return -1;
		break;
	}
	case PMU_DEFAULT:
		break;
	}
	return set_event_filter(m);
}

int x86_cpuid_set(struct machine *m, struct vcpu *v)
{
	struct kvm_cpuid2 *src = x86_of(m)->cpuid;
	size_t size = sizeof(*src) + src->nent * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = malloc(size);
	int ret;

	if (!c)
		return -1;
	memcpy(c, src, size);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		switch (e->function) {
		case 1:
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			e->ebx = (e->ebx & 0x0000ffffu) | ((uint32_t)m->nr_vcpus << 16) |
				 ((uint32_t)v->index << 24);
			break;
		case 0xb:
		case 0x1f:
			e->edx = (uint32_t)v->index; /* x2APIC ID */
			break;
		}
	}
	ret = kvm_ioctl(&v->fd, KVM_SET_CPUID2, c);
	if (ret < 0)
		error_report("KVM_SET_CPUID2 (cpu %d): %s", v->index, strerror(errno));
	free(c);
	return ret;
}
