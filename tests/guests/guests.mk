# tests/guests/guests.mk - the bundled test guests.
#
# Included by the top Makefile, run from the repository root:
#     include tests/guests/guests.mk
# Uses BUILD (default "build") and Q ("@", or empty with V=1). Outputs go to
# $(BUILD)/guests/, objects to $(BUILD)/guests/obj/. `make guests` builds
# everything listed in GUESTS_ALL; `make guests-clean` removes it.
#
# The guests are x86 whatever the VMM is built for, so they use their own
# tool variables (the system gcc/binutils by default), never CC/CFLAGS:
#     GUESTS_CC  GUESTS_LD  GUESTS_AR  GUESTS_OBJCOPY  GUESTS_HOSTCC

BUILD ?= build

ifeq ($(origin Q),undefined)
  ifeq ($(V),1)
    Q :=
  else
    Q := @
  endif
endif

GUESTS_CC      ?= gcc
GUESTS_LD      ?= ld
GUESTS_AR      ?= ar
GUESTS_OBJCOPY ?= objcopy
GUESTS_HOSTCC  ?= cc

G_SRC := tests/guests
G_OUT := $(BUILD)/guests
G_OBJ := $(G_OUT)/obj

# kbuild-style "  CC      file" lines, silent when Q is empty (V=1).
g_echo = $(if $(Q),@printf '  %-7s %s\n' '$(1)' '$(2)')

G_CFLAGS_BASE := -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-nostdlib -O2 -Wall -Wextra -Werror -std=gnu11 \
	-fno-asynchronous-unwind-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns -mgeneral-regs-only \
	-I$(G_SRC)/lib -MMD -MP
G_CFLAGS32 := -m32 $(G_CFLAGS_BASE)
G_CFLAGS64 := -m64 -mno-red-zone -mcmodel=small $(G_CFLAGS_BASE)
G_LDFLAGS  := -nostdlib --no-warn-rwx-segments --build-id=none
G_HOSTCFLAGS := -O2 -Wall -Wextra -Werror -std=gnu11

# ---------------------------------------------------------------- outputs
G_ELF_NAMES := hello reboot pmu garbage agent
G_ELFS := $(G_ELF_NAMES:%=$(G_OUT)/%.elf)

G_FLAT16 := $(G_OUT)/flat16.bin
G_BZIMAGE := $(G_OUT)/linux64.bzImage

GUESTS_ALL := $(G_ELFS) $(G_FLAT16) $(G_BZIMAGE)

# arm64 guests for the lab, when the cross compiler is there
include $(G_SRC)/arm64/lab-guests.mk

.PHONY: guests guests-clean
guests: $(GUESTS_ALL)

guests-clean:
	$(Q)rm -rf $(G_OUT)

# ---------------------------------------------------------------- runtime
# g_object_rules,BITS: the objects under $(G_OBJ)/BITS - G_CBITS_OBJS from C,
# G_SBITS_OBJS from assembler, both with G_CFLAGSBITS - and G_LIBBITS, the
# archive of G_LIBBITS_OBJS (called once the variables of BITS are set)
define g_object_rules
$$(G_C$(1)_OBJS): $$(G_OBJ)/$(1)/%.o: $$(G_SRC)/%.c $$(G_SRC)/guests.mk
	$$(call g_echo,CC,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(GUESTS_CC) $$(G_CFLAGS$(1)) -c -o $$@ $$<

$$(G_S$(1)_OBJS): $$(G_OBJ)/$(1)/%.o: $$(G_SRC)/%.S $$(G_SRC)/guests.mk
	$$(call g_echo,AS,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(GUESTS_CC) $$(G_CFLAGS$(1)) -c -o $$@ $$<

$$(G_LIB$(1)): $$(G_LIB$(1)_OBJS)
	$$(call g_echo,AR,$$@)
	$$(Q)rm -f $$@
	$$(Q)$$(GUESTS_AR) rcs $$@ $$^
endef

# lib sources that build for both the 32-bit guests and the 64-bit payload
G_LIB_COMMON := serial print cmdline string power reset boot_counter json
# 32-bit only: multiboot start, exception handling
G_LIB32_ONLY := start idt vectors

G_ENTRY32 := $(G_OBJ)/32/lib/entry.o
G_LIB32_OBJS := $(patsubst %,$(G_OBJ)/32/lib/%.o,$(G_LIB_COMMON) $(G_LIB32_ONLY))
G_LIB32 := $(G_OBJ)/32/libguest.a

G_GUEST32_OBJS := $(G_ELF_NAMES:%=$(G_OBJ)/32/%.o)

G_C32_OBJS := $(filter-out $(G_OBJ)/32/lib/vectors.o $(G_ENTRY32),\
	$(G_LIB32_OBJS) $(G_GUEST32_OBJS))
G_S32_OBJS := $(G_OBJ)/32/lib/vectors.o $(G_ENTRY32)

$(eval $(call g_object_rules,32))

# ---------------------------------------------------------------- guests
$(G_ELFS): $(G_OUT)/%.elf: $(G_OBJ)/32/%.o $(G_ENTRY32) $(G_LIB32) $(G_SRC)/link.ld
	$(call g_echo,LD,$@)
	$(Q)$(GUESTS_LD) -m elf_i386 $(G_LDFLAGS) -T $(G_SRC)/link.ld \
		-o $@ $(G_ENTRY32) $< $(G_LIB32)

# ---------------------------------------------------------------- real mode
# 16-bit code assembled by the 32-bit toolchain (.code16 in the sources).
G_RM_LIB := $(G_OBJ)/16/lib/rm_serial.o $(G_OBJ)/16/lib/rm_power.o
G_S16_OBJS := $(G_RM_LIB) $(G_OBJ)/16/flat16.o $(G_OBJ)/16/linux64/setup.o

$(G_S16_OBJS): $(G_OBJ)/16/%.o: $(G_SRC)/%.S $(G_SRC)/guests.mk
	$(call g_echo,AS,$@)
	@mkdir -p $(@D)
	$(Q)$(GUESTS_CC) $(G_CFLAGS32) -c -o $@ $<

$(G_OBJ)/16/flat16.elf: $(G_OBJ)/16/flat16.o $(G_RM_LIB) $(G_SRC)/link16.ld
	$(call g_echo,LD,$@)
	$(Q)$(GUESTS_LD) -m elf_i386 $(G_LDFLAGS) -T $(G_SRC)/link16.ld \
		-o $@ $(G_OBJ)/16/flat16.o $(G_RM_LIB)

$(G_FLAT16): $(G_OBJ)/16/flat16.elf
	$(call g_echo,OBJCOPY,$@)
	$(Q)$(GUESTS_OBJCOPY) -O binary $< $@

# ---------------------------------------------------------------- bzImage
# linux64.bzImage = boot sector + header (mkbzimage) + setup code (16-bit,
# linked at setup offset 0x280) + the 64-bit payload built from the lib
# sources that are not 32-bit specific.
G_LIB64_OBJS := $(patsubst %,$(G_OBJ)/64/lib/%.o,$(G_LIB_COMMON))
G_LIB64 := $(G_OBJ)/64/libguest.a
G_C64_OBJS := $(G_LIB64_OBJS) $(G_OBJ)/64/linux64/main.o
G_S64_OBJS := $(G_OBJ)/64/linux64/head.o
G_MKBZIMAGE := $(G_OBJ)/host/mkbzimage

$(eval $(call g_object_rules,64))

$(G_OBJ)/64/linux64.elf: $(G_S64_OBJS) $(G_OBJ)/64/linux64/main.o $(G_LIB64) \
		$(G_SRC)/linux64/link64.ld
	$(call g_echo,LD,$@)
	$(Q)$(GUESTS_LD) -m elf_x86_64 $(G_LDFLAGS) -T $(G_SRC)/linux64/link64.ld \
		-o $@ $(G_S64_OBJS) $(G_OBJ)/64/linux64/main.o $(G_LIB64)

$(G_OBJ)/16/setup.elf: $(G_OBJ)/16/linux64/setup.o $(G_RM_LIB) $(G_SRC)/linux64/setup.ld
	$(call g_echo,LD,$@)
	$(Q)$(GUESTS_LD) -m elf_i386 $(G_LDFLAGS) -T $(G_SRC)/linux64/setup.ld \
		-o $@ $(G_OBJ)/16/linux64/setup.o $(G_RM_LIB)

$(G_OBJ)/16/setup.bin: $(G_OBJ)/16/setup.elf
	$(call g_echo,OBJCOPY,$@)
	$(Q)$(GUESTS_OBJCOPY) -O binary $< $@

$(G_MKBZIMAGE): $(G_SRC)/mkbzimage.c $(G_SRC)/linux64/bootparam.h $(G_SRC)/guests.mk
	$(call g_echo,HOSTCC,$@)
	@mkdir -p $(@D)
	$(Q)$(GUESTS_HOSTCC) $(G_HOSTCFLAGS) -I$(G_SRC) -o $@ $<

$(G_BZIMAGE): $(G_MKBZIMAGE) $(G_OBJ)/16/setup.bin $(G_OBJ)/64/linux64.elf
	$(call g_echo,MKBZ,$@)
	$(Q)$(G_MKBZIMAGE) -s $(G_OBJ)/16/setup.bin -k $(G_OBJ)/64/linux64.elf -o $@

-include $(G_C32_OBJS:.o=.d) $(G_S32_OBJS:.o=.d) $(G_S16_OBJS:.o=.d)
-include $(G_C64_OBJS:.o=.d) $(G_S64_OBJS:.o=.d)
