/* Names of the fields of KVM_ARM_VCPU_INIT, the device attributes and
 * KVM_CREATE_DEVICE (kvm-ioctl-args.h). The numbers are the kernel's UAPI
 * (include/uapi/linux/kvm.h, arch/arm64/include/uapi/asm/kvm.h,
 * arch/x86/include/uapi/asm/kvm.h), kept as literals so either arch decodes
 * the other's captures. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvm-ioctl-args.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const struct kvm_ioctl_arg_spec kvm_ioctl_arg_specs[] = {
	{ "KVM_ARM_VCPU_INIT", 32, 0 },	  /* u32 target, u32 features[7] */
	{ "KVM_SET_DEVICE_ATTR", 24, 0 }, /* u32 flags, u32 group, u64 attr, u64 addr */
	{ "KVM_GET_DEVICE_ATTR", 24, 0 },
	{ "KVM_HAS_DEVICE_ATTR", 24, 0 },
	{ "KVM_CREATE_DEVICE", 12, 1 },	  /* u32 type, u32 fd (out), u32 flags */
};
const size_t kvm_ioctl_arg_nspecs = ARRAY_LEN(kvm_ioctl_arg_specs);

/* arm64 KVM_ARM_VCPU_INIT features[0] bits */
static const char *const arm64_features[] = {
	"POWER_OFF", "EL1_32BIT", "PSCI_0_2", "PMU_V3", "SVE", "PTRAUTH_ADDRESS",
	"PTRAUTH_GENERIC", "HAS_EL2",
};

static const char *const device_types[] = {
	[1] = "KVM_DEV_TYPE_FSL_MPIC_20", [2] = "KVM_DEV_TYPE_FSL_MPIC_42",
	[3] = "KVM_DEV_TYPE_XICS",	  [4] = "KVM_DEV_TYPE_VFIO",
	[5] = "KVM_DEV_TYPE_ARM_VGIC_V2", [6] = "KVM_DEV_TYPE_FLIC",
	[7] = "KVM_DEV_TYPE_ARM_VGIC_V3", [8] = "KVM_DEV_TYPE_ARM_VGIC_ITS",
	[9] = "KVM_DEV_TYPE_XIVE",	  [10] = "KVM_DEV_TYPE_ARM_PV_TIME",
	[11] = "KVM_DEV_TYPE_RISCV_AIA",
};

struct attr_group {
	uint32_t group;
	const char *name;
	const char *const *attrs; /* by attr number, or NULL */
	size_t nattrs;
};

static const char *const pmu_attrs[] = { "KVM_ARM_VCPU_PMU_V3_IRQ", "KVM_ARM_VCPU_PMU_V3_INIT",
					 "KVM_ARM_VCPU_PMU_V3_FILTER",
					 "KVM_ARM_VCPU_PMU_V3_SET_PMU" };
static const char *const timer_attrs[] = { "KVM_ARM_VCPU_TIMER_IRQ_VTIMER",
					   "KVM_ARM_VCPU_TIMER_IRQ_PTIMER" };
static const char *const pvtime_attrs[] = { "KVM_ARM_VCPU_PVTIME_IPA" };
static const struct attr_group arm64_vcpu_groups[] = {
	{ 0, "KVM_ARM_VCPU_PMU_V3_CTRL", pmu_attrs, ARRAY_LEN(pmu_attrs) },
	{ 1, "KVM_ARM_VCPU_TIMER_CTRL", timer_attrs, ARRAY_LEN(timer_attrs) },
	{ 2, "KVM_ARM_VCPU_PVTIME_CTRL", pvtime_attrs, ARRAY_LEN(pvtime_attrs) },
};

static const char *const tsc_attrs[] = { "KVM_VCPU_TSC_OFFSET" };
static const struct attr_group x86_vcpu_groups[] = {
	{ 0, "KVM_VCPU_TSC_CTRL", tsc_attrs, ARRAY_LEN(tsc_attrs) },
};

/* /dev/kvm on x86: the XSAVE components a guest may have (QEMU asks it) */
static const char *const x86_system_attrs[] = { "KVM_X86_XCOMP_GUEST_SUPP" };
static const struct attr_group x86_system_groups[] = {
	{ 0, "KVM_X86_GRP_SYSTEM", x86_system_attrs, ARRAY_LEN(x86_system_attrs) },
};

/* the vGIC (v2, v3; the ITS shares ADDR and CTRL) */
static const char *const vgic_addr_attrs[] = {
	"KVM_VGIC_V2_ADDR_TYPE_DIST", "KVM_VGIC_V2_ADDR_TYPE_CPU",   "KVM_VGIC_V3_ADDR_TYPE_DIST",
	"KVM_VGIC_V3_ADDR_TYPE_REDIST", "KVM_VGIC_ITS_ADDR_TYPE", "KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION",
};
static const char *const vgic_ctrl_attrs[] = {
	"KVM_DEV_ARM_VGIC_CTRL_INIT", "KVM_DEV_ARM_ITS_SAVE_TABLES", "KVM_DEV_ARM_ITS_RESTORE_TABLES",
	"KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES", "KVM_DEV_ARM_ITS_CTRL_RESET",
};
static const struct attr_group vgic_groups[] = {
	{ 0, "KVM_DEV_ARM_VGIC_GRP_ADDR", vgic_addr_attrs, ARRAY_LEN(vgic_addr_attrs) },
	{ 1, "KVM_DEV_ARM_VGIC_GRP_DIST_REGS", NULL, 0 },
	{ 2, "KVM_DEV_ARM_VGIC_GRP_CPU_REGS", NULL, 0 },
	{ 3, "KVM_DEV_ARM_VGIC_GRP_NR_IRQS", NULL, 0 },
	{ 4, "KVM_DEV_ARM_VGIC_GRP_CTRL", vgic_ctrl_attrs, ARRAY_LEN(vgic_ctrl_attrs) },
	{ 5, "KVM_DEV_ARM_VGIC_GRP_REDIST_REGS", NULL, 0 },
	{ 6, "KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS", NULL, 0 },
	{ 7, "KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO", NULL, 0 },
	{ 8, "KVM_DEV_ARM_VGIC_GRP_ITS_REGS", NULL, 0 },
};

const char *kvm_device_type_name(uint32_t type)
{
	return type < ARRAY_LEN(device_types) ? device_types[type] : NULL;
}

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t u64_at(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* snprintf at offset n of buf, which may already be past its end; returns
 * the length the whole text would have, as snprintf does */
__attribute__((format(printf, 4, 5))) static int append(char *buf, size_t buflen, int n,
							const char *fmt, ...)
{
	size_t at = n >= 0 && (size_t)n < buflen ? (size_t)n : buflen - 1;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + at, buflen - at, fmt, ap);
	va_end(ap);
	return n < 0 || m < 0 ? -1 : n + m;
}

static int vcpu_init(const unsigned char *d, char *buf, size_t buflen)
{
	uint32_t f0 = u32_at(d + 4);
	int n = snprintf(buf, buflen, "target=%u features=", u32_at(d));
	const char *sep = "";
	for (unsigned b = 0; b < 32; b++) {
		if (!(f0 & (1u << b)))
			continue;
		n = b < ARRAY_LEN(arm64_features) ? append(buf, buflen, n, "%s%s", sep, arm64_features[b]) :
						    append(buf, buflen, n, "%sbit%u", sep, b);
		sep = ",";
	}
	return f0 ? n : append(buf, buflen, n, "0");
}

/* the group table for an attribute on FD_KIND's fd, or NULL */
static const struct attr_group *groups_of(enum kvm_arch arch, unsigned fd_kind, size_t *n)
{
	if (fd_kind == KVM_ATTR_FD_VCPU && arch == KVM_ARCH_ARM64) {
		*n = ARRAY_LEN(arm64_vcpu_groups);
		return arm64_vcpu_groups;
	}
	if (fd_kind == KVM_ATTR_FD_VCPU) {
		*n = ARRAY_LEN(x86_vcpu_groups);
		return x86_vcpu_groups;
	}
	if (fd_kind == KVM_ATTR_FD_SYSTEM && arch == KVM_ARCH_X86_64) {
		*n = ARRAY_LEN(x86_system_groups);
		return x86_system_groups;
	}
	if (fd_kind == KVM_ATTR_FD_DEVICE + 5 || fd_kind == KVM_ATTR_FD_DEVICE + 7 ||
	    fd_kind == KVM_ATTR_FD_DEVICE + 8) {
		*n = ARRAY_LEN(vgic_groups);
		return vgic_groups;
	}
	return NULL;
}

static int device_attr(enum kvm_arch arch, const unsigned char *d, unsigned fd_kind, char *buf,
		       size_t buflen)
{
	uint32_t flags = u32_at(d), group = u32_at(d + 4);
	uint64_t attr = u64_at(d + 8), addr = u64_at(d + 16);
	size_t ng = 0;
	const struct attr_group *groups = groups_of(arch, fd_kind, &ng), *g = NULL;
	char gnum[16], anum[24];

	for (size_t i = 0; groups && i < ng; i++)
		if (groups[i].group == group)
			g = &groups[i];
	snprintf(gnum, sizeof(gnum), "%u", group);
	snprintf(anum, sizeof(anum), "%llu", (unsigned long long)attr);
	const char *aname = g && attr < g->nattrs ? g->attrs[attr] : NULL;
	int n = snprintf(buf, buflen, "group=%s attr=%s addr=0x%llx", g ? g->name : gnum,
			 aname ? aname : anum, (unsigned long long)addr);
	return flags ? append(buf, buflen, n, " flags=0x%x", flags) : n;
}

int kvm_ioctl_args_format(enum kvm_arch arch, const char *ioctl, const void *data, size_t len,
			  unsigned fd_kind, char *buf, size_t buflen)
{
	const unsigned char *d = data;
	size_t want = 0;

	for (size_t i = 0; ioctl && i < kvm_ioctl_arg_nspecs; i++)
		if (!strcmp(ioctl, kvm_ioctl_arg_specs[i].name))
			want = kvm_ioctl_arg_specs[i].size;
	if (!want || len < want || !buflen)
		return -1;
	if (!strcmp(ioctl, "KVM_ARM_VCPU_INIT"))
		return vcpu_init(d, buf, buflen);
	if (!strcmp(ioctl, "KVM_CREATE_DEVICE")) {
		uint32_t type = u32_at(d), fd = u32_at(d + 4), flags = u32_at(d + 8);
		const char *t = kvm_device_type_name(type);
		int n = t ? snprintf(buf, buflen, "type=%s", t) : snprintf(buf, buflen, "type=%u", type);
		/* KVM_CREATE_DEVICE_TEST (flags bit 0) only asks; no fd is made */
		return flags & 1 ? append(buf, buflen, n, " flags=KVM_CREATE_DEVICE_TEST") :
				   append(buf, buflen, n, " fd=%u", fd);
	}
	return device_attr(arch, d, fd_kind, buf, buflen);
}
