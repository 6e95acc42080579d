# tests/guests/arm64/lab-guests.mk - arm64 guests for the arm64 lab
# (scripts/lab.sh --arch aarch64), built when the cross compiler is
# installed: $(BUILD)/guests/arm64/lab-hello.elf, linked at the virt
# board's RAM (0x40000000) + 512 KiB, loaded by QEMU's -kernel as an ELF.
G_ARM64_CC ?= aarch64-linux-gnu-gcc
G_ARM64 := $(G_OUT)/arm64

ifneq ($(shell command -v $(G_ARM64_CC) 2>/dev/null),)
GUESTS_ALL += $(G_ARM64)/lab-hello.elf
endif

$(G_ARM64)/lab-hello.elf: $(G_SRC)/arm64/lab-hello.S $(G_SRC)/arm64/lab-guests.mk
	$(call g_echo,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(G_ARM64_CC) -nostdlib -static -Wl,--build-id=none -Wl,-Ttext=0x40080000 \
		-Wl,-e,_start -o $@ $<
