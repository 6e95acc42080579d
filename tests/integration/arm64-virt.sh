#!/bin/bash
# The arm64 `virt` board, cross-built (gcc-aarch64-linux-gnu, libfdt-dev:arm64)
# and run under qemu-user in its host-independent mode: -machine virt,dumpdtb
# builds the device tree from the options and exits before opening KVM, as
# QEMU does; dtc reads the blob back. arm64 KVM itself cannot run here.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/arm64-lib.bash"
need_tools arm64 $CROSS qemu-aarch64-static dtc
ARM_VMM=$ARM_BUILD/kvmscope-vmm

arm64_make
expect_eq "cross build (make ARCH=aarch64 CC=$CROSS) succeeds" "$?" 0
tail -5 "$T_TMP/make.log" | diag
expect_grep "the binary is an aarch64 ELF" <(file "$ARM_VMM") 'ELF 64-bit LSB .*ARM aarch64'
check "no x86 guests or collectors in the arm64 build" \
	[ ! -e "$ARM_BUILD/guests/hello.elf" ] && [ ! -e "$ARM_BUILD/kvmscope" ] && [ ! -e "$ARM_BUILD/obj/tools" ]
expect_grep "the arm64 guests are arm64 Images" <(file "$ARM_BUILD"/guests/arm64/{hello,reboot,pmu}.img | grep -c 'Linux kernel ARM64 boot executable Image') '^3$'

expect_grep "USDT probe arm_pmu_attr in the arm64 binary" <(readelf -n "$ARM_VMM") 'NT_STAPSDT.*|arm_pmu_attr'
expect_eq "every probe of probes/vmm.probes has its note in the arm64 binary" \
	"$(readelf -n "$ARM_VMM" | grep -c 'Provider: vmm')" \
	"$(grep -c '^[a-z_0-9]*(' "$ROOT/probes/vmm.probes")"

# arm VMM NAME ARGS...: like vmm, under qemu-user
avmm() {
	local name=$1
	shift
	timeout -s KILL 60 qemu-aarch64-static "$ARM_VMM" "$@" </dev/null \
		>"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	echo $? >"$T_TMP/$name.rc"
}

# -smp 2 -m 256, GICv2 (QEMU's choice when no KVM is asked), PMU on
avmm v2 -machine virt,dumpdtb="$T_TMP/v2.dtb" -smp 2 -m 256 -append "console=ttyAMA0 quiet"
expect_eq "dumpdtb: status 0" "$(rc v2)" 0
expect_grep "dumpdtb: QEMU's message" "$T_TMP/v2.err" "^kvmscope-vmm: info: dtb dumped to $T_TMP/v2.dtb. Exiting.$"
dtc -I dtb -O dts -o "$T_TMP/v2.dts" "$T_TMP/v2.dtb" 2>"$T_TMP/dtc.err"
expect_eq "dtc reads the blob back" "$?" 0
dts=$T_TMP/v2.dts
expect_grep "root: linux,dummy-virt" "$dts" '^	compatible = "linux,dummy-virt";'
expect_grep "/pmu: arm,armv8-pmuv3" "$dts" 'compatible = "arm,armv8-pmuv3";'
expect_grep "/pmu: PPI 7, level-high, CPUs 0-1 (GICv2 mask)" "$dts" 'interrupts = <0x01 0x07 0x304>;'
expect_grep "GICv2 node: cortex-a15-gic at 0x8000000 (dist) and 0x8010000 (cpu)" "$dts" \
	'reg = <0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000>;'
expect_grep "GIC node name intc@8000000" "$dts" '^	intc@8000000 \{'
expect_grep "psci: method hvc" "$dts" 'method = "hvc";'
expect_grep "psci: 1.0 / 0.2 compatible" "$dts" 'compatible = "arm,psci-1.0\\0arm,psci-0.2\\0arm,psci";'
expect_grep "timer: four PPIs 13 14 11 10" "$dts" \
	'interrupts = <0x01 0x0d 0x304 0x01 0x0e 0x304 0x01 0x0b 0x304 0x01 0x0a 0x304>;'
expect_grep "chosen: bootargs from -append" "$dts" 'bootargs = "console=ttyAMA0 quiet";'
expect_grep "memory@40000000: 256 MiB" "$dts" 'reg = <0x00 0x40000000 0x00 0x10000000>;'
expect_eq "two cpu nodes, both with enable-method psci" \
	"$(grep -c 'enable-method = "psci";' "$dts")/$(grep -Ec '^		cpu@[01] \{' "$dts")" "2/2"

# GICv3, 4 vCPUs: no CPU mask in PPI flags, redistributor region
avmm v3 -machine virt,gic-version=3,dumpdtb="$T_TMP/v3.dtb" -smp 4 -m 1G
expect_eq "dumpdtb gic-version=3: status 0" "$(rc v3)" 0
dtc -I dtb -O dts -o "$T_TMP/v3.dts" "$T_TMP/v3.dtb" 2>>"$T_TMP/dtc.err"
expect_grep "GICv3: arm,gic-v3 with distributor and redistributors" "$T_TMP/v3.dts" \
	'reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0xf60000>;'
expect_grep "GICv3: /pmu interrupts <1 7 4>" "$T_TMP/v3.dts" 'interrupts = <0x01 0x07 0x04>;'
expect_eq "GICv3: four cpu nodes" "$(grep -Ec '^		cpu@[0-3] \{' "$T_TMP/v3.dts")" 4
expect_grep "memory: 1 GiB" "$T_TMP/v3.dts" 'reg = <0x00 0x40000000 0x00 0x40000000>;'

# pmu=off: no /pmu node (QEMU's fdt_add_pmu_nodes skips it)
avmm nopmu -machine virt,dumpdtb="$T_TMP/nopmu.dtb" -cpu host,pmu=off
dtc -I dtb -O dts -o "$T_TMP/nopmu.dts" "$T_TMP/nopmu.dtb" 2>>"$T_TMP/dtc.err"
expect_eq "pmu=off: no /pmu node" "$(grep -c 'pmu {' "$T_TMP/nopmu.dts")" 0
expect_grep "pmu=off: single cpu, no enable-method" <(grep -c 'enable-method' "$T_TMP/nopmu.dts") '^0$'

# bad input: named, status 1, no crash
avmm badpath -machine virt,dumpdtb=/nonexistent-dir/x.dtb
expect_eq "dumpdtb to a missing directory: status 1" "$(rc badpath)" 1
expect_grep "dumpdtb to a missing directory: QEMU's message with the reason" "$T_TMP/badpath.err" \
	'^kvmscope-vmm: qemu_fdt_dumpdtb: Failed dumping dtb to /nonexistent-dir/x.dtb: No such file or directory$'
avmm badgic -machine virt,gic-version=4,dumpdtb="$T_TMP/x.dtb"
expect_grep "gic-version=4 refused by name" "$T_TMP/badgic.err" "gic-version: '4' is not 2, 3, host or max"
avmm pc -machine pc
expect_grep "arm64 build: -machine pc refused" "$T_TMP/pc.err" "unsupported machine type 'pc' \(arm64: virt, virt-7.2, virt-4.1\)"
avmm toomany -machine virt,dumpdtb="$T_TMP/x.dtb" -smp 9
expect_eq "-smp 9: refused (status 1)" "$(rc toomany)" 1

# without dumpdtb the board needs arm64 KVM: under qemu-user there is none,
# and the VMM must say so and exit 1, not crash
head -c 4096 /dev/zero >"$T_TMP/flat.bin"
avmm nokvm -machine virt -kernel "$T_TMP/flat.bin"
expect_eq "no arm64 KVM: status 1, not a signal" "$(rc nokvm)" 1
expect_grep "no arm64 KVM: a message" "$T_TMP/nokvm.err" '^kvmscope-vmm: '
echo "1..$T_N"
