# cap-order-args.jq: `kvmscope report --format json` of an arm64 VMM's
# capture (slurped) -> its vCPU-init, vGIC and PMU-attribute ioctls with the
# struct record copied (capture format 1.2: .arg_struct, .arg_fd), one per
# line, repeats folded; what both VMMs decide the same way as QEMU 7.2:
#   VCPU_INIT features=PSCI_0_2,PMU_V3   (of the machine's own vCPUs: not a
#                                        scratch VM's probe; the PSCI and PMU bits)
#   VGIC_CREATE type=KVM_DEV_TYPE_ARM_VGIC_V3   (not a KVM_CREATE_DEVICE_TEST probe)
#   VGIC_ATTR group=... attr=...          (NR_IRQS, CTRL_INIT)
#   PMU_ATTR group=... attr=... = RET     (KVM_SET_DEVICE_ATTR, PMU group, on a vCPU)
# With --arg mode other: the rest, for the diagnostics (whole feature sets,
# other vCPU attributes, the vGIC's addresses and register state, the ITS).
($mode // "order") as $mode
| [.[] | select(.kind == "ioctl")] as $io
| ($io | map(select(.text | test("^ioctl\\([0-9]+, KVM_CREATE_VM,"))) | .[0].ret) as $vm
| reduce $io[] as $e ({vcpus: [], out: []};
    ($e.text | capture("^ioctl\\([0-9]+, (?<n>[A-Z_0-9]+)").n) as $n
    | if $n == "KVM_CREATE_VCPU" and $e.fd == $vm and ($e.ret // -1) >= 0 then .vcpus += [$e.ret]
      elif $e.arg_struct == null then .
      else ($e.arg_struct | sub(" addr=0x[0-9a-f]+"; "")) as $a
        | ($e.arg_fd | startswith("KVM_DEV_TYPE_ARM_VGIC_V")) as $gic
        | (if $n == "KVM_ARM_VCPU_INIT" and (.vcpus | index($e.fd)) != null then
             ["VCPU_INIT features=" + ([$a | scan("PSCI_0_2|PMU_V3")] | join(",")),
              "other VCPU_INIT " + ($a | sub("^target=[0-9]+ "; ""))]
           elif $n == "KVM_CREATE_DEVICE" and ($a | test(" fd=")) and ($a | test("VGIC_V[23]")) then
             ["VGIC_CREATE " + ($a | sub(" fd=.*"; ""))]
           elif $n == "KVM_SET_DEVICE_ATTR" and $gic and
                ($a | test("GRP_NR_IRQS |GRP_CTRL attr=KVM_DEV_ARM_VGIC_CTRL_INIT$")) then ["VGIC_ATTR " + $a]
           elif $n == "KVM_SET_DEVICE_ATTR" and $e.arg_fd == "vcpu" and ($a | test("PMU_V3_CTRL ")) then
             ["PMU_ATTR " + $a + " = \($e.ret)"]
           elif $n == "KVM_SET_DEVICE_ATTR" or $n == "KVM_ARM_VCPU_INIT" or
                ($n == "KVM_CREATE_DEVICE" and ($a | test(" fd="))) then
             ["other " + $n + " on " + $e.arg_fd + ": " + $a]
           else [] end) as $lines
        | .out += $lines
      end)
| .out | map(select(($mode == "other") == startswith("other ")))
| reduce .[] as $s ([]; if length > 0 and .[-1] == $s then . else . + [$s] end)
| .[]
