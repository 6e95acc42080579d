# cap-order.jq: `kvmscope report --format json` of an arm64 VMM's capture
# (slurped) -> the virt board's set-up milestones from its decoded ioctls and
# the kernel functions recorded under them, one per line, repeats folded:
# VCPU_INIT, VGIC_CREATE (a KVM_CREATE_DEVICE in which kvm_vgic_create ran,
# not a KVM_CREATE_DEVICE_TEST probe), PMU_SET_ATTR = RET (a
# KVM_SET_DEVICE_ATTR in which kvm_arm_pmu_v3_set_attr ran).
. as $all
| ([$all[] | select(.kind == "kfunc")] | group_by(.ioctl)
   | map({ key: (.[0].ioctl | tostring), value: map("\(.name)=\(.ret)") }) | from_entries) as $under
| [$all[] | select(.kind == "ioctl")
   | (.text | capture("^ioctl\\([0-9]+, (?<n>[A-Z_0-9]+)").n) as $n
   | ($under[.i | tostring] // []) as $k
   | if $n == "KVM_ARM_VCPU_INIT" then "VCPU_INIT"
     elif $n == "KVM_CREATE_DEVICE" and ($k | any(startswith("kvm_vgic_create="))) then "VGIC_CREATE"
     elif $n == "KVM_SET_DEVICE_ATTR" and ($k | any(startswith("kvm_arm_pmu_v3_set_attr="))) then
       "PMU_SET_ATTR = " + ($k | map(select(startswith("kvm_arm_pmu_v3_set_attr="))) | .[0] | split("=")[1])
     else empty end]
| reduce .[] as $s ([]; if length > 0 and .[-1] == $s then . else . + [$s] end)
| .[]
