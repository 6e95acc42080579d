/* CPUID for the guest: what KVM_GET_SUPPORTED_CPUID offers, with the
 * hypervisor bit, per-vCPU APIC IDs, and the PMU as -cpu host,pmu= asks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
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
		if (!vpmu) {
			const struct kvm_cpuid_entry2 *pmu = find_leaf(c, CPUID_LEAF_PMU, 0);
			error_report("-cpu host,pmu=on: the host KVM offers no vPMU "
				     "(CPUID 0xA version %u, KVM_CAP_PMU_CAPABILITY %d)",
				     pmu ? pmu->eax & 0xff : 0, cap);
			return -1;
		}
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
	return 0;
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
