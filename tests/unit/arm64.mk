# tests/unit/arm64.mk - unit tests of the arm64 board's own code, cross-built
# with the arm64 VMM (make ARCH=aarch64 ... arm64-tests) and run under
# qemu-aarch64-static by tests/integration/arm64-pmu.sh. Not part of `all`:
# the arm64 build itself is the VMM and the arm64 guests. cmocka from libcmocka-dev:arm64.

ARM64_UNIT_OUT := $(BUILD)/tests/unit
ARM64_UNIT_OBJS := vmm/arm64/pmu.o vmm/arm64/vcpu.o vmm/arm64/machine.o vmm/arm64/gic.o vmm/arm64/boot.o \
		   vmm/virt-gic.o vmm/arm64-kernel.o vmm/bus.o vmm/fdt-virt.o vmm/pmu-attrs.o vmm/kvm.o lib/kvm-names.o vmm/numparse.o \
		   vmm/trace.o vmm/keyval.o vmm/error.o gen/vmm-probes.o gen/probe-table.o

$(ARM64_UNIT_OUT)/test-arm64-pmu: tests/unit/test-arm64-pmu.c \
		$(addprefix $(BUILD)/obj/,$(ARM64_UNIT_OBJS)) $(GENERATED_HEADERS)
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Ivmm $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(addprefix $(BUILD)/obj/,$(ARM64_UNIT_OBJS)) -lcmocka $(VMM_LDLIBS) $(LDLIBS)

.PHONY: arm64-tests
arm64-tests: $(ARM64_UNIT_OUT)/test-arm64-pmu
