/* Name tables for decoding: ioctl requests, exit reasons, system events, errno. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "kvm-names.h"

struct kvm_ioctl_entry {
	uint32_t request;
	const char *name;
};

#define IOCTL(x) { x, #x }
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Request names of the KVM API (facts from <linux/kvm.h>), decoded by number:
 * the requests whose number is the same on every architecture. */
static const struct kvm_ioctl_entry kvm_ioctl_table[] = {
	IOCTL(KVM_GET_API_VERSION),
	IOCTL(KVM_CREATE_VM),
	IOCTL(KVM_S390_ENABLE_SIE),
	IOCTL(KVM_CHECK_EXTENSION),
	IOCTL(KVM_GET_VCPU_MMAP_SIZE),
	IOCTL(KVM_SET_MEMORY_REGION),
	IOCTL(KVM_CREATE_VCPU),
	IOCTL(KVM_GET_DIRTY_LOG),
	IOCTL(KVM_SET_NR_MMU_PAGES),
	IOCTL(KVM_GET_NR_MMU_PAGES),
	IOCTL(KVM_SET_USER_MEMORY_REGION),
	IOCTL(KVM_SET_TSS_ADDR),
	IOCTL(KVM_SET_IDENTITY_MAP_ADDR),
	IOCTL(KVM_S390_UCAS_MAP),
	IOCTL(KVM_S390_UCAS_UNMAP),
	IOCTL(KVM_S390_VCPU_FAULT),
	IOCTL(KVM_CREATE_IRQCHIP),
	IOCTL(KVM_IRQ_LINE),
	IOCTL(KVM_GET_IRQCHIP),
	IOCTL(KVM_SET_IRQCHIP),
	IOCTL(KVM_CREATE_PIT),
	IOCTL(KVM_IRQ_LINE_STATUS),
	IOCTL(KVM_ASSIGN_PCI_DEVICE),
	IOCTL(KVM_SET_GSI_ROUTING),
	IOCTL(KVM_ASSIGN_DEV_IRQ),
	IOCTL(KVM_REINJECT_CONTROL),
	IOCTL(KVM_DEASSIGN_PCI_DEVICE),
	IOCTL(KVM_ASSIGN_SET_MSIX_NR),
	IOCTL(KVM_ASSIGN_SET_MSIX_ENTRY),
	IOCTL(KVM_DEASSIGN_DEV_IRQ),
	IOCTL(KVM_IRQFD),
	IOCTL(KVM_CREATE_PIT2),
	IOCTL(KVM_SET_BOOT_CPU_ID),
	IOCTL(KVM_IOEVENTFD),
	IOCTL(KVM_SET_CLOCK),
	IOCTL(KVM_GET_CLOCK),
	IOCTL(KVM_PPC_GET_PVINFO),
	IOCTL(KVM_SET_TSC_KHZ),
	IOCTL(KVM_GET_TSC_KHZ),
	IOCTL(KVM_ASSIGN_SET_INTX_MASK),
	IOCTL(KVM_SIGNAL_MSI),
	IOCTL(KVM_PPC_GET_SMMU_INFO),
	IOCTL(KVM_PPC_ALLOCATE_HTAB),
	IOCTL(KVM_PPC_RESIZE_HPT_PREPARE),
	IOCTL(KVM_PPC_RESIZE_HPT_COMMIT),
	IOCTL(KVM_PPC_SVM_OFF),
	IOCTL(KVM_CREATE_DEVICE),
	IOCTL(KVM_SET_DEVICE_ATTR),
	IOCTL(KVM_GET_DEVICE_ATTR),
	IOCTL(KVM_HAS_DEVICE_ATTR),
	IOCTL(KVM_RUN),
	IOCTL(KVM_TRANSLATE),
	IOCTL(KVM_INTERRUPT),
	IOCTL(KVM_SET_SIGNAL_MASK),
	IOCTL(KVM_TPR_ACCESS_REPORTING),
	IOCTL(KVM_SET_VAPIC_ADDR),
	IOCTL(KVM_S390_INTERRUPT),
	IOCTL(KVM_S390_STORE_STATUS),
	IOCTL(KVM_S390_SET_INITIAL_PSW),
	IOCTL(KVM_S390_INITIAL_RESET),
	IOCTL(KVM_GET_MP_STATE),
	IOCTL(KVM_SET_MP_STATE),
	IOCTL(KVM_NMI),
	IOCTL(KVM_X86_SETUP_MCE),
	IOCTL(KVM_X86_GET_MCE_CAP_SUPPORTED),
	IOCTL(KVM_GET_VCPU_EVENTS),
	IOCTL(KVM_SET_VCPU_EVENTS),
	IOCTL(KVM_ENABLE_CAP),
	IOCTL(KVM_DIRTY_TLB),
	IOCTL(KVM_GET_ONE_REG),
	/* same number as KVM_GET_ONE_REG: after it, so a lookup by number alone
	 * gives the far commoner vCPU ioctl; kvm_ioctl_name_fd() tells them apart */
	IOCTL(KVM_ARM_SET_DEVICE_ADDR),
	IOCTL(KVM_SET_ONE_REG),
	IOCTL(KVM_KVMCLOCK_CTRL),
	IOCTL(KVM_GET_REG_LIST),
	IOCTL(KVM_S390_MEM_OP),
	IOCTL(KVM_S390_GET_SKEYS),
	IOCTL(KVM_S390_SET_SKEYS),
	IOCTL(KVM_S390_IRQ),
	IOCTL(KVM_S390_SET_IRQ_STATE),
	IOCTL(KVM_S390_GET_IRQ_STATE),
	IOCTL(KVM_SMI),
	IOCTL(KVM_S390_GET_CMMA_BITS),
	IOCTL(KVM_S390_SET_CMMA_BITS),
	IOCTL(KVM_MEMORY_ENCRYPT_OP),
	IOCTL(KVM_MEMORY_ENCRYPT_REG_REGION),
	IOCTL(KVM_MEMORY_ENCRYPT_UNREG_REGION),
	IOCTL(KVM_HYPERV_EVENTFD),
	IOCTL(KVM_CLEAR_DIRTY_LOG),
	IOCTL(KVM_ARM_VCPU_FINALIZE),
	IOCTL(KVM_S390_NORMAL_RESET),
	IOCTL(KVM_S390_CLEAR_RESET),
	IOCTL(KVM_S390_PV_COMMAND),
	IOCTL(KVM_RESET_DIRTY_RINGS),
	IOCTL(KVM_XEN_HVM_GET_ATTR),
	IOCTL(KVM_XEN_HVM_SET_ATTR),
	IOCTL(KVM_XEN_VCPU_GET_ATTR),
	IOCTL(KVM_XEN_VCPU_SET_ATTR),
	IOCTL(KVM_XEN_HVM_EVTCHN_SEND),
	IOCTL(KVM_GET_STATS_FD),
	IOCTL(KVM_S390_PV_CPU_COMMAND),
	IOCTL(KVM_S390_ZPCI_OP),
};

/* Requests whose number depends on the architecture: their argument structs
 * differ in size (kvm_regs, kvm_fpu...) or exist on one arch only. Kept as
 * literals so an analyst built for one arch decodes another's capture; where
 * this file is built for that arch, every literal is checked against
 * <linux/kvm.h> at compile time. */
#define KVM_IOCTLS_X86_64(X) \
	X(KVM_SET_PMU_EVENT_FILTER, 0x4020aeb2) \
	X(KVM_GET_REGS, 0x8090ae81) \
	X(KVM_SET_REGS, 0x4090ae82) \
	X(KVM_GET_SREGS, 0x8138ae83) \
	X(KVM_SET_SREGS, 0x4138ae84) \
	X(KVM_GET_FPU, 0x81a0ae8c) \
	X(KVM_SET_FPU, 0x41a0ae8d) \
	X(KVM_SET_GUEST_DEBUG, 0x4048ae9b) \
	X(KVM_GET_XSAVE2, 0x9000aecf) \
	X(KVM_GET_CPUID2, 0xc008ae91) \
	X(KVM_GET_DEBUGREGS, 0x8080aea1) \
	X(KVM_GET_EMULATED_CPUID, 0xc008ae09) \
	X(KVM_GET_LAPIC, 0x8400ae8e) \
	X(KVM_GET_MSRS, 0xc008ae88) \
	X(KVM_GET_MSR_FEATURE_INDEX_LIST, 0xc004ae0a) \
	X(KVM_GET_MSR_INDEX_LIST, 0xc004ae02) \
	X(KVM_GET_NESTED_STATE, 0xc080aebe) \
	X(KVM_GET_PIT, 0xc048ae65) \
	X(KVM_GET_PIT2, 0x8070ae9f) \
	X(KVM_GET_SREGS2, 0x8140aecc) \
	X(KVM_GET_SUPPORTED_CPUID, 0xc008ae05) \
	X(KVM_GET_SUPPORTED_HV_CPUID, 0xc008aec1) \
	X(KVM_GET_XCRS, 0x8188aea6) \
	X(KVM_GET_XSAVE, 0x9000aea4) \
	X(KVM_SET_CPUID, 0x4008ae8a) \
	X(KVM_SET_CPUID2, 0x4008ae90) \
	X(KVM_SET_DEBUGREGS, 0x4080aea2) \
	X(KVM_SET_LAPIC, 0x4400ae8f) \
	X(KVM_SET_MEMORY_ALIAS, 0x4020ae43) \
	X(KVM_SET_MSRS, 0x4008ae89) \
	X(KVM_SET_NESTED_STATE, 0x4080aebf) \
	X(KVM_SET_PIT, 0x8048ae66) \
	X(KVM_SET_PIT2, 0x4070aea0) \
	X(KVM_SET_SREGS2, 0x4140aecd) \
	X(KVM_SET_XCRS, 0x4188aea7) \
	X(KVM_SET_XSAVE, 0x5000aea5) \
	X(KVM_X86_SET_MCE, 0x4040ae9e) \
	X(KVM_X86_SET_MSR_FILTER, 0x4188aec6) \
	X(KVM_XEN_HVM_CONFIG, 0x4038ae7a) \

#define KVM_IOCTLS_ARM64(X) \
	X(KVM_GET_REGS, 0x8360ae81) \
	X(KVM_SET_REGS, 0x4360ae82) \
	X(KVM_GET_SREGS, 0x8000ae83) \
	X(KVM_SET_SREGS, 0x4000ae84) \
	X(KVM_GET_FPU, 0x8000ae8c) \
	X(KVM_SET_FPU, 0x4000ae8d) \
	X(KVM_SET_GUEST_DEBUG, 0x4208ae9b) \
	X(KVM_ARM_VCPU_INIT, 0x4020aeae) \
	X(KVM_ARM_PREFERRED_TARGET, 0x8020aeaf) \
	X(KVM_ARM_MTE_COPY_TAGS, 0x8030aeb4) \

#define ROW(name, value) { value, #name },
static const struct kvm_ioctl_entry kvm_ioctl_table_x86_64[] = { KVM_IOCTLS_X86_64(ROW) };
static const struct kvm_ioctl_entry kvm_ioctl_table_arm64[] = { KVM_IOCTLS_ARM64(ROW) };

#define CHECK_LITERAL(name, value) _Static_assert(name == value, #name " changed");
#if defined(__x86_64__)
KVM_IOCTLS_X86_64(CHECK_LITERAL)
#define NATIVE_ARCH KVM_ARCH_X86_64
#elif defined(__aarch64__)
KVM_IOCTLS_ARM64(CHECK_LITERAL)
#define NATIVE_ARCH KVM_ARCH_ARM64
#else
#define NATIVE_ARCH KVM_ARCH_X86_64
#endif

static const char *const kvm_exit_reason_table[] = {
	[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
	[KVM_EXIT_IO] = "KVM_EXIT_IO",
	[KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
	[KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
	[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
	[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
	[KVM_EXIT_INTR] = "KVM_EXIT_INTR",
	[KVM_EXIT_SET_TPR] = "KVM_EXIT_SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "KVM_EXIT_TPR_ACCESS",
	[KVM_EXIT_S390_SIEIC] = "KVM_EXIT_S390_SIEIC",
	[KVM_EXIT_S390_RESET] = "KVM_EXIT_S390_RESET",
	[KVM_EXIT_DCR] = "KVM_EXIT_DCR",
	[KVM_EXIT_NMI] = "KVM_EXIT_NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
	[KVM_EXIT_OSI] = "KVM_EXIT_OSI",
	[KVM_EXIT_PAPR_HCALL] = "KVM_EXIT_PAPR_HCALL",
	[KVM_EXIT_S390_UCONTROL] = "KVM_EXIT_S390_UCONTROL",
	[KVM_EXIT_WATCHDOG] = "KVM_EXIT_WATCHDOG",
	[KVM_EXIT_S390_TSCH] = "KVM_EXIT_S390_TSCH",
	[KVM_EXIT_EPR] = "KVM_EXIT_EPR",
	[KVM_EXIT_SYSTEM_EVENT] = "KVM_EXIT_SYSTEM_EVENT",
	[KVM_EXIT_S390_STSI] = "KVM_EXIT_S390_STSI",
	[KVM_EXIT_IOAPIC_EOI] = "KVM_EXIT_IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "KVM_EXIT_HYPERV",
	[KVM_EXIT_ARM_NISV] = "KVM_EXIT_ARM_NISV",
	[KVM_EXIT_X86_RDMSR] = "KVM_EXIT_X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "KVM_EXIT_X86_WRMSR",
	[KVM_EXIT_DIRTY_RING_FULL] = "KVM_EXIT_DIRTY_RING_FULL",
	[KVM_EXIT_AP_RESET_HOLD] = "KVM_EXIT_AP_RESET_HOLD",
	[KVM_EXIT_X86_BUS_LOCK] = "KVM_EXIT_X86_BUS_LOCK",
	[KVM_EXIT_XEN] = "KVM_EXIT_XEN",
	[KVM_EXIT_RISCV_SBI] = "KVM_EXIT_RISCV_SBI",
	[KVM_EXIT_RISCV_CSR] = "KVM_EXIT_RISCV_CSR",
	[KVM_EXIT_NOTIFY] = "KVM_EXIT_NOTIFY",
};
static const char *const kvm_system_event_table[] = {
	[KVM_SYSTEM_EVENT_SHUTDOWN] = "KVM_SYSTEM_EVENT_SHUTDOWN",
	[KVM_SYSTEM_EVENT_RESET] = "KVM_SYSTEM_EVENT_RESET",
	[KVM_SYSTEM_EVENT_CRASH] = "KVM_SYSTEM_EVENT_CRASH",
	[KVM_SYSTEM_EVENT_WAKEUP] = "KVM_SYSTEM_EVENT_WAKEUP",
	[KVM_SYSTEM_EVENT_SUSPEND] = "KVM_SYSTEM_EVENT_SUSPEND",
	[KVM_SYSTEM_EVENT_SEV_TERM] = "KVM_SYSTEM_EVENT_SEV_TERM",
};

static const char *find_request(const struct kvm_ioctl_entry *t, size_t n, uint32_t request)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].request == request)
			return t[i].name;
	return NULL;
}

enum kvm_arch kvm_arch_by_machine(const char *machine)
{
	if (machine && (!strcmp(machine, "aarch64") || !strcmp(machine, "arm64")))
		return KVM_ARCH_ARM64;
	if (machine && (!strcmp(machine, "x86_64") || !strcmp(machine, "amd64")))
		return KVM_ARCH_X86_64;
	return NATIVE_ARCH;
}

/* Request numbers are 32 bits: a caller that passes them sign-extended
 * (QEMU's 0xffffffffc008ae05) means the same request. */
const char *kvm_ioctl_name_arch(enum kvm_arch arch, uint64_t request)
{
	uint32_t req = (uint32_t)request;
	const char *name = find_request(kvm_ioctl_table, ARRAY_LEN(kvm_ioctl_table), req);
	if (name)
		return name;
	if (arch == KVM_ARCH_ARM64)
		return find_request(kvm_ioctl_table_arm64, ARRAY_LEN(kvm_ioctl_table_arm64), req);
	return find_request(kvm_ioctl_table_x86_64, ARRAY_LEN(kvm_ioctl_table_x86_64), req);
}

const char *kvm_ioctl_name(unsigned long request)
{
	return kvm_ioctl_name_arch(NATIVE_ARCH, request);
}

const char *kvm_ioctl_name_fd(int fd_kind, unsigned long request)
{
	if (request == KVM_ARM_SET_DEVICE_ADDR && fd_kind == KVM_FD_VM)
		return "KVM_ARM_SET_DEVICE_ADDR";
	return kvm_ioctl_name(request);
}

unsigned long kvm_ioctl_by_name(const char *name)
{
	const struct kvm_ioctl_entry *native = NATIVE_ARCH == KVM_ARCH_ARM64 ?
		kvm_ioctl_table_arm64 : kvm_ioctl_table_x86_64;
	size_t nnative = NATIVE_ARCH == KVM_ARCH_ARM64 ? ARRAY_LEN(kvm_ioctl_table_arm64) :
							  ARRAY_LEN(kvm_ioctl_table_x86_64);
	for (size_t i = 0; i < ARRAY_LEN(kvm_ioctl_table); i++)
		if (!strcmp(kvm_ioctl_table[i].name, name))
			return kvm_ioctl_table[i].request;
	for (size_t i = 0; i < nnative; i++)
		if (!strcmp(native[i].name, name))
			return native[i].request;
	return 0;
}

const char *kvm_exit_reason_name(uint32_t reason)
{
	return reason < ARRAY_LEN(kvm_exit_reason_table) ? kvm_exit_reason_table[reason] : NULL;
}

const char *kvm_system_event_name(uint32_t type)
{
	return type < ARRAY_LEN(kvm_system_event_table) ? kvm_system_event_table[type] : NULL;
}

const char *errno_name(int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;
	return name ? name : "E?";
}

int errno_by_name(const char *name)
{
	char *end;
	long v = strtol(name, &end, 10);
	if (*name && !*end)
		return v > 0 && v < 4096 ? (int)v : -1;
	for (int e = 1; e < 134; e++) {
		const char *n = strerrorname_np(e);
		if (n && !strcmp(n, name))
			return e;
	}
	return -1;
}
