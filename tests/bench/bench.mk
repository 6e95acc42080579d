# tests/bench/bench.mk - `make bench`: kvmscope-vmm against the bare KVM
# floor and QEMU, side by side in one run (scripts/bench.sh does the runs).
#
# Included by the top Makefile (-include tests/bench/bench.mk), or tried
# alone with `make -f Makefile -f tests/bench/bench.mk bench`. Uses BUILD,
# CC, CFLAGS, CPPFLAGS, LDFLAGS, Q and msg from the top Makefile. Outputs:
#   $(BUILD)/bench/firstbyte     time to first stdout byte and to exit
#   $(BUILD)/bench/bare-kvm      the minimal KVM_RUN loop (the floor)
#   $(BUILD)/bench/guests/*      tiny guests from exitloop.S: flat real-mode
#                                binaries and multiboot ELFs
# Knobs, passed through to scripts/bench.sh: BENCH_RUNS, BENCH_EXITS,
# BENCH_REBOOTS, BENCH_QEMU_PC_RUNS, BENCH_QEMU_PC_REBOOTS, BENCH_QUICK=1.

BENCH_DIR := $(BUILD)/bench
BENCH_GDIR := $(BENCH_DIR)/guests
BENCH_EXITS ?= 20000

# the guests are x86 whatever CC is: the system toolchain, as guests.mk does
BENCH_GUEST_CC ?= $(if $(GUESTS_CC),$(GUESTS_CC),gcc)
BENCH_GUEST_LD ?= $(if $(GUESTS_LD),$(GUESTS_LD),ld)

BENCH_PROGS := $(BENCH_DIR)/firstbyte $(BENCH_DIR)/bare-kvm

# name -> preprocessor flags
BENCH_G_firstbyte := -DFIRST_BYTE
BENCH_G_firstbyte-pm := -DFIRST_BYTE -DPOWEROFF_PM
BENCH_G_exits0 := -DFIRST_BYTE -DLAST_BYTE -DEXITS=0
BENCH_G_exits := -DFIRST_BYTE -DLAST_BYTE -DEXITS=$(BENCH_EXITS) -DPORT=0x80
BENCH_G_exits-scr := -DFIRST_BYTE -DLAST_BYTE -DEXITS=$(BENCH_EXITS) -DPORT=0x3ff
BENCH_G_NAMES := firstbyte firstbyte-pm exits0 exits exits-scr

BENCH_FLAT := $(BENCH_G_NAMES:%=$(BENCH_GDIR)/%.bin)
BENCH_MB := $(BENCH_G_NAMES:%=$(BENCH_GDIR)/%.elf)
BENCH_GUESTS := $(BENCH_FLAT) $(BENCH_MB)

$(BENCH_PROGS): $(BENCH_DIR)/%: tests/bench/%.c tests/bench/bench.mk
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# the exit count is part of the flags: rebuild when BENCH_EXITS changes
$(BENCH_GDIR)/flags-$(BENCH_EXITS):
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $(@D)/flags-*
	$(Q)touch $@

$(BENCH_GDIR)/%.16.o: tests/bench/exitloop.S tests/bench/bench.mk $(BENCH_GDIR)/flags-$(BENCH_EXITS)
	$(call msg,AS,$@)
	$(Q)$(BENCH_GUEST_CC) -m32 $(BENCH_G_$*) -c -o $@ $<

$(BENCH_GDIR)/%.32.o: tests/bench/exitloop.S tests/bench/bench.mk $(BENCH_GDIR)/flags-$(BENCH_EXITS)
	$(call msg,AS,$@)
	$(Q)$(BENCH_GUEST_CC) -m32 -DMULTIBOOT $(BENCH_G_$*) -c -o $@ $<

$(BENCH_GDIR)/%.bin: $(BENCH_GDIR)/%.16.o
	$(call msg,LD,$@)
	$(Q)$(BENCH_GUEST_LD) -m elf_i386 --build-id=none --oformat binary -Ttext=0 \
		-e _start -o $@ $<

$(BENCH_GDIR)/%.elf: $(BENCH_GDIR)/%.32.o
	$(call msg,LD,$@)
	$(Q)$(BENCH_GUEST_LD) -m elf_i386 --build-id=none --no-warn-rwx-segments -N -Ttext=0x100000 \
		-e _start -o $@ $<

.PHONY: bench bench-progs bench-suite
bench-progs: $(BENCH_PROGS) $(BENCH_GUESTS)

bench: all bench-progs $(QMP_CLIENT) $(UNIT_OUT)/test-ftrace
	$(Q)BUILD=$(BUILD) BENCH_EXITS=$(BENCH_EXITS) scripts/bench.sh

# records lost while kvmscope ci wraps the whole suite (minutes: not in bench)
bench-suite: all
	$(Q)BUILD=$(BUILD) scripts/bench-suite.sh

-include $(BENCH_PROGS:%=%.d)
