# kvm-order.awk: kprobe lines of tests/integration/lab/arm64-cases.sh (the
# kvmscope_order events on kvm_vcpu_ioctl, kvm_vm_ioctl, kvm_device_ioctl,
# with the ioctl number and the first words of the user structure) -> the
# virt board's set-up milestones, one per line, repeats folded: VCPU_INIT,
# the vGIC's creation (not the KVM_CREATE_DEVICE_TEST probes), NR_IRQS, its
# first CTRL_INIT, its addresses, and the vCPUs' PMU attributes. What only
# QEMU does (ITS, PV time, vGIC register state) is left out.
function field(name,   i) {
	for (i = 1; i <= NF; i++)
		if (index($i, name "=") == 1)
			return substr($i, length(name) + 2)
	return ""
}
function emit(step) {
	if (step != last)
		print step
	last = step
}
{
	kind = ""
	for (i = 1; i <= NF; i++)
		if ($i ~ /^(vcpu|vm|dev):$/)
			kind = substr($i, 1, length($i) - 1)
	io = field("ioctl"); u0 = field("u0") + 0; g = field("u4") + 0; a = field("u8") + 0
	if (kind == "vcpu" && io == "0x4020aeae") {
		emit("VCPU_INIT")
	} else if (kind == "vm" && io == "0xc00caee0" && a % 4294967296 == 0 && (u0 == 5 || u0 == 7)) {
		emit("CREATE_DEVICE " (u0 == 5 ? "VGIC_V2" : "VGIC_V3")); gic = 1
	} else if (kind == "dev" && io == "0x4018aee1" && gic) {
		if (g == 3) emit("GIC NR_IRQS")
		else if (g == 4 && a == 0 && !inited) { emit("GIC CTRL_INIT"); inited = 1 }
		else if (g == 0) emit("GIC ADDR")
	} else if (kind == "vcpu" && (io == "0x4018aee1" || io == "0x4018aee3") && g == 0) {
		emit("PMU " (io == "0x4018aee1" ? "SET" : "HAS") " " (a == 0 ? "IRQ" : a == 1 ? "INIT" : a))
	}
}
