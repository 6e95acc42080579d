/* Expected KVM ioctl answers (see benign-errno.h). Each row is what the
 * kernel's own handler does for a well-behaved caller; QEMU and
 * kvmscope-vmm both take these paths on healthy runs. */
#include <string.h>

#include "benign-errno.h"

static const struct benign_errno benign[] = {
	{ "KVM_GET_SUPPORTED_CPUID", "E2BIG",
	  "size probing: the caller's nent is smaller than the host's CPUID entries; "
	  "QEMU and kvmscope-vmm retry with a larger buffer (hosts with more than 64 entries)" },
	{ "KVM_GET_EMULATED_CPUID", "E2BIG", "size probing, as KVM_GET_SUPPORTED_CPUID" },
	{ "KVM_GET_SUPPORTED_HV_CPUID", "E2BIG", "size probing, as KVM_GET_SUPPORTED_CPUID" },
	{ "KVM_GET_MSR_INDEX_LIST", "E2BIG",
	  "size probing: asked with nmsrs = 0, the kernel writes the count and says E2BIG" },
	{ "KVM_GET_MSR_FEATURE_INDEX_LIST", "E2BIG", "size probing, as KVM_GET_MSR_INDEX_LIST" },
	{ "KVM_GET_REG_LIST", "E2BIG",
	  "size probing (arm64, riscv): asked with n = 0, the kernel writes the count and says E2BIG" },
	{ "KVM_RUN", "EINTR", "a signal kicked the vCPU out of the guest (pause, reset, stop)" },
	{ "KVM_RUN", "EAGAIN", "immediate_exit or a pending request made the vCPU return at once" },
	{ "KVM_KVMCLOCK_CTRL", "EINVAL",
	  "QEMU tells a stopped guest's kvmclock it was paused; a guest that never enabled "
	  "kvmclock gets EINVAL, which QEMU ignores" },
};

const struct benign_errno *benign_errno_find(const char *ioctl, const char *errname)
{
	if (!ioctl || !errname)
		return NULL;
	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++)
		if (!strcmp(benign[i].ioctl, ioctl) && !strcmp(benign[i].errname, errname))
			return &benign[i];
	return NULL;
}
