/* The arguments of the few KVM ioctls whose struct says what was asked:
 * KVM_ARM_VCPU_INIT (target, features), KVM_{SET,GET,HAS}_DEVICE_ATTR
 * (group, attr) and KVM_CREATE_DEVICE (type, fd). `kvmscope record` copies
 * the struct out of the traced process (capture record IOCTL_ARG); this
 * names its fields. Pure: bytes in, text out (lib/kvm-ioctl-args.c). */
#ifndef KVMSCOPE_KVM_IOCTL_ARGS_H
#define KVMSCOPE_KVM_IOCTL_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "kvm-names.h"

/* The requests whose struct is copied, by name, with its size (the same on
 * every arch this decodes), and when: at the syscall's entry, or (for the
 * fd KVM_CREATE_DEVICE fills in) at its exit. */
struct kvm_ioctl_arg_spec {
	const char *name;
	uint32_t size;
	int at_exit;
};
extern const struct kvm_ioctl_arg_spec kvm_ioctl_arg_specs[];
extern const size_t kvm_ioctl_arg_nspecs;
#define KVM_IOCTL_ARG_MAX 32 /* bytes: struct kvm_vcpu_init, the largest */

/* What a device attribute's fd is: its groups mean different things. */
enum kvm_attr_fd {
	KVM_ATTR_FD_UNKNOWN = 0,
	KVM_ATTR_FD_VCPU = 1,
	KVM_ATTR_FD_VM = 2,
	KVM_ATTR_FD_SYSTEM = 3, /* /dev/kvm */
	KVM_ATTR_FD_DEVICE = 16, /* + the KVM_DEV_TYPE_* of KVM_CREATE_DEVICE */
};

/* "target=5 features=POWER_OFF,PSCI_0_2,PMU_V3" for KVM_ARM_VCPU_INIT,
 * "group=KVM_ARM_VCPU_PMU_V3_CTRL attr=KVM_ARM_VCPU_PMU_V3_IRQ addr=0x..."
 * for a device attribute (numbers where no name is known), "type=..." for
 * KVM_CREATE_DEVICE. Returns the length written (snprintf's), or -1 when
 * IOCTL is none of these or DATA is too short. */
int kvm_ioctl_args_format(enum kvm_arch arch, const char *ioctl, const void *data, size_t len,
			  unsigned fd_kind, char *buf, size_t buflen);

/* "KVM_DEV_TYPE_ARM_VGIC_V3" for 7, or NULL */
const char *kvm_device_type_name(uint32_t type);

#endif
