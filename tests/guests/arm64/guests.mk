# tests/guests/arm64/guests.mk - the bundled arm64 test guests (hello,
# reboot, pmu), built with the cross toolchain in the arm64 build
# (make ARCH=aarch64 CC=aarch64-linux-gnu-gcc BUILD=build-arm64). Each
# comes as NAME.img, a Linux arm64 Image (header, text_offset 0x80000), and
# NAME.elf, the same program as an ELF. They reuse the x86 guests' portable
# printf, command-line and string code from tests/guests/lib.
#     A64_CC  A64_OBJCOPY

A64_CC      ?= aarch64-linux-gnu-gcc
A64_OBJCOPY ?= aarch64-linux-gnu-objcopy

A64_SRC := tests/guests/arm64
A64_OUT := $(BUILD)/guests/arm64
A64_OBJ := $(A64_OUT)/obj

A64_CFLAGS := -ffreestanding -fno-pic -fno-pie -fno-stack-protector -nostdlib -O2 \
	-Wall -Wextra -Werror -std=gnu11 -mgeneral-regs-only -mstrict-align \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-ffunction-sections -fdata-sections -I$(A64_SRC) -Itests/guests/lib -MMD -MP
A64_LDFLAGS := -nostdlib -static -no-pie -Wl,--gc-sections -Wl,--build-id=none \
	-Wl,--no-warn-rwx-segments -T $(A64_SRC)/link.ld

A64_GUEST_NAMES := hello reboot pmu
A64_RUNTIME := $(A64_OBJ)/head.o $(A64_OBJ)/runtime.o $(A64_OBJ)/fdt.o \
	$(A64_OBJ)/print.o $(A64_OBJ)/cmdline.o $(A64_OBJ)/string.o
A64_GUESTS := $(A64_GUEST_NAMES:%=$(A64_OUT)/%.img) $(A64_GUEST_NAMES:%=$(A64_OUT)/%.elf)

$(A64_OBJ)/%.o: $(A64_SRC)/%.c
	$(call msg,A64CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(A64_CC) $(A64_CFLAGS) -c -o $@ $<
$(A64_OBJ)/%.o: $(A64_SRC)/%.S
	$(call msg,A64AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(A64_CC) $(A64_CFLAGS) -c -o $@ $<
$(A64_OBJ)/%.o: tests/guests/lib/%.c
	$(call msg,A64CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(A64_CC) $(A64_CFLAGS) -c -o $@ $<

$(A64_OUT)/%.elf: $(A64_OBJ)/%.o $(A64_RUNTIME) $(A64_SRC)/link.ld
	$(call msg,A64LD,$@)
	$(Q)$(A64_CC) $(A64_LDFLAGS) -o $@ $(A64_RUNTIME) $<
$(A64_OUT)/%.img: $(A64_OUT)/%.elf
	$(call msg,OBJCOPY,$@)
	$(Q)$(A64_OBJCOPY) -O binary $< $@

.PHONY: arm64-guests
arm64-guests: $(A64_GUESTS)
-include $(wildcard $(A64_OBJ)/*.d)
