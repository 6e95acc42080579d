#!/bin/bash
# The arm64 virt device tree against its peer: QEMU 7.2's own
# (qemu-system-aarch64 -machine virt,dumpdtb, TCG) for the same -smp, -m,
# gic-version and pmu. Every property both trees describe for the nodes this
# board has (root, memory, cpus, timer, psci, GIC, /pmu) must be byte for byte
# the same, and have the same property names. QEMU-only content (virtio-mmio,
# pl011, fw-cfg, cpu-map, v2m, phandle numbers, the CPU model's compatible,
# chosen's seeds) is outside this board.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/arm64-lib.bash"
need_tools "arm64 vs QEMU" $CROSS qemu-aarch64-static qemu-system-aarch64 fdtget
arm64_make
expect_eq "cross build" "$?" 0

# same NAME SMP MEM GIC PMU: both dump, then compare node by node
compare() {
	local name=$1 smp=$2 mem=$3 gic=$4 pmu=$5 ours theirs
	ours=$T_TMP/$name.ours.dtb
	theirs=$T_TMP/$name.qemu.dtb
	timeout 60 qemu-aarch64-static "$ARM_BUILD/kvmscope-vmm" -machine virt,gic-version=$gic,dumpdtb="$ours" \
		-cpu host,pmu=$pmu -smp "$smp" -m "$mem" >/dev/null 2>"$T_TMP/$name.ours.err"
	timeout 60 qemu-system-aarch64 -machine virt,gic-version=$gic,dumpdtb="$theirs" \
		-cpu cortex-a57,pmu=$pmu -smp "$smp" -m "$mem" -nographic >/dev/null 2>"$T_TMP/$name.qemu.err"
	if [ ! -s "$ours" ] || [ ! -s "$theirs" ]; then
		not_ok "$name: both dumps written"
		cat "$T_TMP/$name.ours.err" "$T_TMP/$name.qemu.err" | diag
		return
	fi
	ok "$name: both dumps written"
	local nodes="/ /memory@40000000 /timer /psci /intc@8000000"
	for i in $(seq 0 $((smp - 1))); do nodes+=" /cpus/cpu@$i"; done
	[ "$pmu" = on ] && nodes+=" /pmu"
	local diffs="" node prop
	for node in $nodes; do
		# property names: ours must be QEMU's, minus what QEMU has beyond this board
		local skip_re='^(phandle|interrupt-parent|dma-coherent)$'
		[ "$node" = / ] && skip_re='^(phandle|interrupt-parent)$'
		local ourprops theirprops
		ourprops=$(fdtget -p "$ours" "$node" 2>&1 | grep -Ev "$skip_re" | sort)
		theirprops=$(fdtget -p "$theirs" "$node" 2>&1 | grep -Ev "$skip_re" | sort)
		[ "$ourprops" = "$theirprops" ] || diffs+="$node props: ours [$(echo $ourprops)] qemu [$(echo $theirprops)]"$'\n'
		for prop in $ourprops; do
			# a CPU's compatible is its model (cortex-a57 under TCG, arm-v8 for KVM's host CPU)
			[[ $node == /cpus/cpu@* && $prop == compatible ]] && continue
			local a b
			a=$(fdtget -t bx "$ours" "$node" "$prop" 2>&1)
			b=$(fdtget -t bx "$theirs" "$node" "$prop" 2>&1)
			[ "$a" = "$b" ] || diffs+="$node $prop: ours <$a> qemu <$b>"$'\n'
		done
	done
	expect_eq "$name: every property of root, memory, cpus, timer, psci, GIC$([ "$pmu" = on ] && echo ', pmu') equals QEMU 7.2's" "$diffs" ""
	# the interrupt-parent phandle points at the GIC in both
	expect_eq "$name: interrupt-parent is the GIC's phandle" \
		"$(fdtget "$ours" / interrupt-parent)" "$(fdtget "$ours" /intc@8000000 phandle)"
	if [ "$pmu" = off ]; then
		expect_eq "$name: neither has /pmu" \
			"$(fdtget -l "$ours" / | grep -c '^pmu$')/$(fdtget -l "$theirs" / | grep -c '^pmu$')" "0/0"
	fi
}

compare gicv2-smp2 2 256 2 on
compare gicv3-smp4 4 1G 3 on
compare gicv2-nopmu 1 128 2 off
echo "1..$T_N"
