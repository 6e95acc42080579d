/* KVM capability names (KVM_CAP_*), for decoding KVM_CHECK_EXTENSION and
 * KVM_ENABLE_CAP arguments. The table is generated at build time from the
 * system's <linux/kvm.h> (tools/tools.mk), so it always matches the headers
 * the rest of kvmscope is built with. */
#ifndef KVMSCOPE_KVM_CAPS_H
#define KVMSCOPE_KVM_CAPS_H

/* "KVM_CAP_IRQCHIP" for 0; NULL when the headers do not name CAP. */
const char *kvm_cap_name(unsigned long cap);

#endif
