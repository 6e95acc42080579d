/* Ranked causes of KVM ioctl failures (see kvm-ioctl-causes.h). Each row
 * names only what the kernel's handler can return that errno for. */
#include <stdio.h>
#include <string.h>

#include "kvm-ioctl-causes.h"

static const struct ioctl_causes table[] = {
	{ "KVM_RUN", "EFAULT", NULL,
	  { "KVM could not get a host page for guest memory it had to touch: the memory behind "
	    "a memslot (a file on /dev/shm or hugetlbfs, a memfd shared with virtiofsd or "
	    "vhost-user) was truncated, ran out of space or lost its pages while the guest ran",
	    "a memslot still points at host memory QEMU has unmapped (memory hotplug, "
	    "migration or a memory-listener bug)",
	    "on a confidential guest, a private/shared conversion of a page the host refused" },
	  "kvmscope record -e kvm:kvm_page_fault -- <the QEMU command>: the last kvm_page_fault "
	  "before KVM_RUN returns EFAULT gives the guest physical address; QEMU's `info mtree` "
	  "names the memory backend behind it (then check that backend's free space)" },
	{ "KVM_RUN", "EINVAL", "x86",
	  { "VM entry refused the vCPU state: a CR0/CR4/EFER/segment combination the CPU does "
	    "not accept (firmware or guest code the host cannot run, state restored from "
	    "another host)",
	    "a confidential (SEV-ES/SNP) vCPU whose encrypted state (VMSA) the hardware "
	    "refused at VM entry: a vCPU that was reset, or firmware, host kernel and QEMU "
	    "versions that do not match",
	    "the vCPU was never fully set up (an earlier ioctl of its setup failed unreported)" },
	  "load kvm_intel with dump_invalid_vmcs=1 (kvm_amd: dump_invalid_vmcb=1), then "
	  "kvmscope record -e kvm:kvm_entry -e kvm:kvm_exit -- <the QEMU command>: a kvm_entry "
	  "with no kvm_exit after it means the VM entry itself failed, and the host kernel log "
	  "then holds the refused state" },
	{ "KVM_RUN", "EINVAL", NULL,
	  { "VM entry refused the vCPU state (on x86: invalid guest state; on arm64: a vCPU "
	    "that was not initialised with KVM_ARM_VCPU_INIT, or was reset without it)",
	    "a confidential vCPU whose protected state the hardware refused" },
	  "kvmscope record -e kvm:kvm_entry -e kvm:kvm_exit -- <the QEMU command>: whether "
	  "the vCPU entered the guest at all before the error" },
	{ "KVM_RUN", "ENOMEM", NULL,
	  { "the host could not allocate memory for the guest's pages or page tables: low "
	    "host memory or the memory cgroup limit of the VMM",
	    "a hugetlbfs backend with no free huge pages left" },
	  "kvmscope record -e kvm:kvm_page_fault -- <the QEMU command>, with the cgroup's "
	  "memory.events: a fault at the moment memory.events counts oom/max" },
	{ "KVM_ARM_VCPU_INIT", NULL, "arm64",
	  { "the host has heterogeneous cores (big.LITTLE, e.g. RK3399 Cortex-A53 + A72): "
	    "KVM_ARM_VCPU_INIT takes the target of the core the vCPU thread runs on, and a "
	    "vCPU on another core type than the first is refused; pin all vCPUs and QEMU to "
	    "one core type (taskset, <vcpupin>)",
	    "-cpu names a model KVM cannot run (with KVM only -cpu host or max), or QEMU was "
	    "started without -machine/-cpu and its default is not KVM-capable",
	    "a vCPU feature QEMU asked for (PMU, SVE, pointer authentication, EL2, 32-bit EL1) "
	    "that this host KVM does not offer" },
	  "kvmscope record --functions kvm_arch_vcpu_ioctl_vcpu_init,kvm_vcpu_init_check_features "
	  "-- <the QEMU command>, run with `taskset -c` on one core type and then on the other: "
	  "a failure on one type only is the core type; a failure in the feature check on both "
	  "is the feature" },
	{ "kvm_arch_init_vcpu (riscv)", NULL, "riscv",
	  { "the host KVM does not implement a register QEMU reads or writes while setting up "
	    "the vCPU with KVM_GET_ONE_REG/KVM_SET_ONE_REG (ISA extension or config "
	    "registers): the host CPU has no usable H extension for KVM, or the host kernel's "
	    "KVM is older than this QEMU",
	    "-cpu asks for ISA extensions the host does not have" },
	  "kvmscope record -- <the QEMU command>: every KVM_GET_ONE_REG/KVM_SET_ONE_REG with "
	  "its errno; the register id of the failing one names the register" },
	{ "KVM_SET_CPUID2", NULL, "x86",
	  { "KVM refused the CPUID table QEMU built: more entries than it accepts (E2BIG) or a "
	    "feature or state size this host KVM does not support (a -cpu model newer than the "
	    "host kernel)",
	    "KVM refuses to change CPUID after the vCPU ran (kernels >= 5.16), for a vCPU "
	    "set up twice" },
	  "kvmscope record -- <the QEMU command> with -cpu host, then with the failing model: "
	  "the KVM_SET_CPUID2 call and its errno in each" },
	{ "KVM_CREATE_VCPU", NULL, NULL,
	  { "a vCPU index above this host's KVM_CAP_MAX_VCPU_ID or KVM_CAP_MAX_VCPUS (-smp "
	    "maxcpus too large for the host kernel)",
	    "the same vCPU created twice (EEXIST: a hotplug bug)",
	    "the host could not allocate the vCPU (ENOMEM)" },
	  "kvmscope record -- <the QEMU command>: the KVM_CHECK_EXTENSION answers for "
	  "KVM_CAP_MAX_VCPUS and KVM_CAP_MAX_VCPU_ID next to the failing KVM_CREATE_VCPU" },
	{ "KVM_CREATE_VM", "ENOMEM", NULL,
	  { "the host could not allocate a VM: low host memory, or the memory cgroup limit of "
	    "the VMM's container or CI job",
	    "the kernel could not allocate the VM's memory-management structures (vmalloc "
	    "space, many VMs at once)" },
	  "the cgroup's memory.events and free memory at that moment; kvmscope record "
	  "--functions kvm_create_vm -- <the QEMU command> shows where kvm_create_vm gave up" },
	{ "KVM_CREATE_VM", "EBUSY", NULL,
	  { "another hypervisor (VirtualBox, VMware, a second KVM module) holds VT-x/AMD-V on "
	    "this host",
	    "kvm_intel/kvm_amd could not enable virtualization on some CPU (the host kernel log "
	    "says which)" },
	  "the host kernel log around the failure, and `lsmod` for vboxdrv/vmmon; kvmscope "
	  "record --functions kvm_create_vm,hardware_enable_all -- <the QEMU command>" },
	{ "KVM_CREATE_VM", "EINVAL", NULL,
	  { "the VM type QEMU asked for is not supported by this host KVM (kvm-type/vm-type, "
	    "arm64 IPA size, a confidential VM type)" },
	  "kvmscope record -- <the QEMU command>: the KVM_CREATE_VM argument and the "
	  "KVM_CHECK_EXTENSION answers before it" },
	{ "KVM_SET_MSRS", NULL, "x86",
	  { "KVM refused an MSR value QEMU set (QEMU names the MSR when it says \"failed to set "
	    "MSR\"): a -cpu model or feature whose MSR this host KVM does not accept, often the "
	    "nested-VMX capability MSRs 0x480-0x491 or a CPU feature newer than the host kernel",
	    "the kvm module's parameters disabled what the MSR controls (nested=0, "
	    "enable_pmu=0, ignore_msrs=0 with an unknown MSR)" },
	  "kvmscope record --functions kvm_set_msr_common,vmx_set_msr,svm_set_msr -- <the QEMU "
	  "command>: the handler that returns the error, for the MSR QEMU names" },
	{ "KVM_SET_MSRS", NULL, NULL,
	  { "KVM refused an MSR value QEMU set: a -cpu model or feature whose MSR this host KVM "
	    "does not accept" },
	  "kvmscope record --functions kvm_set_msr_common -- <the QEMU command>" },
	{ "kvm_arch_put_registers", NULL, NULL,
	  { "one of the register ioctls refused the vCPU state (KVM_SET_REGS, KVM_SET_SREGS, "
	    "KVM_SET_MSRS, KVM_SET_XSAVE, KVM_SET_XCRS on x86; KVM_SET_ONE_REG on arm64): a "
	    "register value the host CPU or KVM cannot take (CR4/XCR0/EFER bits the host "
	    "lacks, a system register outside what KVM accepts)",
	    "state that did not come from this host's KVM (a snapshot or migration from "
	    "another host)" },
	  "kvmscope record -- <the QEMU command>: every KVM ioctl with its errno; the one that "
	  "returns the error names the register set" },
	{ "KVM_SET_DEVICE_ATTR", NULL, NULL,
	  { "the in-kernel device has no such attribute group or attribute in this host KVM "
	    "(a kernel older than the QEMU)",
	    "the value is out of range for this host (e.g. more interrupts than the vGIC takes)",
	    "the attribute came in the wrong order (device set up after the vCPUs ran, or "
	    "before they exist)" },
	  "kvmscope record --functions kvm_device_ioctl -- <the QEMU command>: the group and "
	  "attribute of the failing call and the kernel function that refused it" },
	/* virt/kvm/kvm_main.c kvm_ioctl_create_device; arch/arm64/kvm/arm.c
	 * kvm_vm_ioctl_irq_line (seen in the arm64 lab, repro-pmu-set-attr.sh --lab) */
	{ "KVM_CREATE_DEVICE", "ENODEV", NULL,
	  { "this host's KVM registers no device of that type: on arm64 a vGIC version it "
	    "cannot emulate (KVM_DEV_TYPE_ARM_VGIC_V2 on a GICv3 host without a GICV region); "
	    "a VMM probing GIC versions (QEMU's KVM_CREATE_DEVICE_TEST) gets it too and picks "
	    "another, which is harmless",
	    "the device type is newer than this kernel" },
	  "kvmscope record --functions kvm_vm_ioctl,kvm_vgic_create -- <the QEMU command>: "
	  "kvm_vm_ioctl returns -ENODEV with no kvm_vgic_create call when the type is not "
	  "registered" },
	{ "KVM_IRQ_LINE", "ENXIO", NULL,
	  { "no in-kernel irqchip: on arm64 no vGIC, which an SPI or PPI line needs (the VM's "
	    "KVM_CREATE_DEVICE of the vGIC failed or was never made, e.g. QEMU <= 5.0's virt "
	    "going on without a vGIC after ENODEV for GICv2)",
	    "on arm64, a vCPU index or PPI the VM does not have" },
	  "kvmscope record --functions kvm_vm_ioctl,kvm_vm_ioctl_irq_line -- <the QEMU "
	  "command>: an earlier KVM_CREATE_DEVICE failing, and kvm_vm_ioctl_irq_line "
	  "returning -ENXIO" },
	{ "KVM_SET_USER_MEMORY_REGION", NULL, NULL,
	  { "a memslot that overlaps another, is not page aligned or lies beyond the host's "
	    "guest address width",
	    "more memslots than KVM_CAP_NR_MEMSLOTS (many devices or DIMMs)",
	    "the host could not allocate the slot's metadata (ENOMEM)" },
	  "kvmscope record -- <the QEMU command>: every KVM_SET_USER_MEMORY_REGION with its "
	  "slot, address and errno" },
};

const struct ioctl_causes *ioctl_causes_find(const char *ioctl, const char *errname,
					     const char *arch)
{
	const struct ioctl_causes *best = NULL;
	int best_score = -1;
	if (!ioctl)
		return NULL;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct ioctl_causes *c = &table[i];
		if (strcmp(c->ioctl, ioctl))
			continue;
		if (c->errname && (!errname || strcmp(c->errname, errname)))
			continue;
		if (c->arch && (!arch || strcmp(c->arch, arch)))
			continue;
		int score = (c->errname ? 2 : 0) + (c->arch ? 1 : 0);
		if (score > best_score) {
			best = c;
			best_score = score;
		}
	}
	return best;
}

const char *ioctl_of_helper(const char *function, const char *arch)
{
	static const struct {
		const char *function, *x86, *arm64, *riscv, *any;
	} map[] = {
		{ "kvm_arch_init_vcpu", "KVM_SET_CPUID2", "KVM_ARM_VCPU_INIT",
		  "kvm_arch_init_vcpu (riscv)",
		  "the architecture's vCPU setup: KVM_ARM_VCPU_INIT on arm64, KVM_SET_CPUID2 on "
		  "x86, KVM_GET_ONE_REG/KVM_SET_ONE_REG on riscv" },
		/* QEMU <= 4.x: one message for creating the vCPU and its arch setup */
		{ "kvm_init_vcpu", "KVM_SET_CPUID2", "KVM_ARM_VCPU_INIT", "kvm_arch_init_vcpu (riscv)",
		  "KVM_CREATE_VCPU or the architecture's vCPU setup (KVM_ARM_VCPU_INIT on arm64, "
		  "KVM_SET_CPUID2 on x86)" },
		{ "kvm_get_vcpu", "KVM_CREATE_VCPU", "KVM_CREATE_VCPU", "KVM_CREATE_VCPU",
		  "KVM_CREATE_VCPU" },
		{ "kvm_set_irq", "KVM_IRQ_LINE_STATUS", "KVM_IRQ_LINE", "KVM_IRQ_LINE",
		  "KVM_IRQ_LINE (or KVM_IRQ_LINE_STATUS)" },
		{ "kvm_arch_put_registers", "KVM_SET_REGS / KVM_SET_SREGS / KVM_SET_MSRS / KVM_SET_XSAVE",
		  "KVM_SET_ONE_REG", "KVM_SET_ONE_REG", "KVM_SET_REGS / KVM_SET_ONE_REG" },
		{ "kvm_arch_get_registers", "KVM_GET_REGS / KVM_GET_SREGS / KVM_GET_MSRS",
		  "KVM_GET_ONE_REG", "KVM_GET_ONE_REG", "KVM_GET_REGS / KVM_GET_ONE_REG" },
	};
	if (!function)
		return NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(map[i].function, function))
			continue;
		if (!arch)
			return map[i].any;
		if (!strcmp(arch, "x86"))
			return map[i].x86;
		if (!strcmp(arch, "arm64"))
			return map[i].arm64;
		if (!strcmp(arch, "riscv"))
			return map[i].riscv;
		return map[i].any;
	}
	return NULL;
}

static const char *arch_of_program(const char *prog)
{
	static const struct {
		const char *suffix, *arch;
	} progs[] = {
		{ "qemu-system-x86_64", "x86" }, { "qemu-system-i386", "x86" },
		{ "qemu-system-aarch64", "arm64" }, { "qemu-system-arm", "arm64" },
		{ "qemu-system-riscv64", "riscv" }, { "qemu-system-riscv32", "riscv" },
	};
	if (!prog)
		return NULL;
	const char *base = strrchr(prog, '/');
	base = base ? base + 1 : prog;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (!strcmp(base, progs[i].suffix))
			return progs[i].arch;
	return NULL;
}

const char *vmm_arch(const struct qlog_stream *s, size_t from, size_t to)
{
	for (size_t i = from; i < to && i < s->n; i++) {
		const struct qlog_event *e = &s->ev[i];
		const char *a = arch_of_program(qlog_get(e, "program"));
		if (a)
			return a;
		if (e->kind == QLOG_REGISTER_DUMP && (strstr(e->text, "RAX=") || strstr(e->text, "EAX=")))
			return "x86";
	}
	return NULL;
}
