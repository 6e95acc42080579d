# kvmscope: `make` builds into build/, `make test` runs every test, `make demo`
# runs the main job, `make bench` measures against the peers, `make asan` runs
# the tests under ASan+UBSan. V=1 shows full commands.

BUILD ?= build
GEN := $(BUILD)/gen
ARCH ?= $(shell uname -m)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CC ?= cc
HOSTCC ?= cc
# the target's multiarch tuple (x86_64-linux-gnu, aarch64-linux-gnu): where a
# cross build finds Debian's :arm64 -dev packages (headers, .pc files)
MULTIARCH := $(shell $(CC) -dumpmachine 2>/dev/null)
ifneq ($(ARCH),$(shell uname -m))
PKG_CONFIG ?= PKG_CONFIG_LIBDIR=/usr/lib/$(MULTIARCH)/pkgconfig:/usr/share/pkgconfig pkg-config
endif
PKG_CONFIG ?= pkg-config
SAN_FLAGS ?=
# frame pointers: `kvmscope record -s PROBE` walks the VMM's user stacks by them
# optimisation: a variable of its own, so `make asan` cannot drop the flags below
OPTFLAGS ?= -O2 -g
CFLAGS += $(OPTFLAGS) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	  -Wno-format-nonliteral -fno-strict-aliasing $(SAN_FLAGS) \
	  -fno-omit-frame-pointer
# lib/ (pure tables) is everyone's; vmm/ headers are the VMM's own (and its tests')
CPPFLAGS += -Ilib -Iprobes -I$(GEN) -MMD -MP
LDFLAGS += $(SAN_FLAGS)
LDLIBS += -lpthread -ljansson

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDARY:

# --- dependencies: one step, `make deps`, done first -----------------------
# The project's own script installs the Debian packages. Every build reads
# the stamp as a makefile, so make brings it up to date once, before any
# other rule (then restarts, pkg-config answering from the packages): no
# object waits on it. NO_DEPS=1 (debian/rules) leaves the packages to the
# caller: no apt-get.
DEPS_STAMP := $(BUILD)/.deps-ok
$(DEPS_STAMP): scripts/install-deps.sh
	$(call msg,DEPS,scripts/install-deps.sh)
	$(Q)mkdir -p $(@D)
	$(Q)$(if $(filter 1,$(NO_DEPS)),:,scripts/install-deps.sh --check 2>/dev/null || scripts/install-deps.sh)
	$(Q)echo '# scripts/install-deps.sh found every package (make deps)' > $@
.PHONY: deps
deps: $(DEPS_STAMP)
ifneq ($(filter-out clean uninstall,$(or $(MAKECMDGOALS),all)),)
include $(DEPS_STAMP)
endif

# --- probes: one list, generated everywhere ---------------------------------
PROBES := probes/vmm.probes
GEN_PROBES := $(BUILD)/gen-probes

$(GEN_PROBES): probes/gen-probes.c
	$(call msg,HOSTCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOSTCC) -O2 -Wall -Wextra -Werror -o $@ $<

$(GEN)/vmm-probes.h: $(PROBES) $(GEN_PROBES)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(GEN_PROBES) header $(PROBES) > $@
$(GEN)/vmm-probes.c: $(PROBES) $(GEN_PROBES)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(GEN_PROBES) fire $(PROBES) > $@
$(GEN)/probe-table.c: $(PROBES) $(GEN_PROBES)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(GEN_PROBES) table $(PROBES) > $@
# every probe fired with known arguments: the decoder's round-trip test
$(GEN)/probe-samples.c: $(PROBES) $(GEN_PROBES)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(GEN_PROBES) samples $(PROBES) > $@

# --- the version: VERSION is its one source (binaries, QMP, debian/changelog)
KVMSCOPE_VERSION := $(shell cat VERSION)
$(GEN)/kvmscope-version.h: VERSION
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)printf '#define KVMSCOPE_VERSION "%s"\n' "$$(cat $<)" > $@

GENERATED_HEADERS := $(GEN)/vmm-probes.h $(GEN)/kvmscope-version.h

# --- the VMM ----------------------------------------------------------------
LIB_SRCS := $(wildcard lib/*.c)
VMM_COMMON := $(wildcard vmm/*.c) $(wildcard vmm/hw/*.c) $(LIB_SRCS)
ifeq ($(ARCH),x86_64)
VMM_ARCH := $(wildcard vmm/x86/*.c)
else ifeq ($(ARCH),aarch64)
VMM_ARCH := $(wildcard vmm/arm64/*.c)
endif
VMM_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(VMM_COMMON) $(VMM_ARCH)) \
	    $(BUILD)/obj/gen/vmm-probes.o $(BUILD)/obj/gen/probe-table.o
VMM := $(BUILD)/kvmscope-vmm
# libfdt builds the arm64 virt board's device tree (vmm/fdt-virt.c, on every
# arch). Debian's libfdt-dev has no .pc file and exists for one architecture
# at a time, so both builds take the headers from libfdt-dev:arm64 and link the
# soname of the co-installable libfdt1 (the cross compiler searches the
# multiarch dir /usr/lib/aarch64-linux-gnu).
VMM_LDLIBS := -l:libfdt.so.1

$(BUILD)/obj/vmm/%.o: CPPFLAGS += -Ivmm
$(BUILD)/obj/%.o: %.c $(GENERATED_HEADERS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# generated code: an empty format is how a probe without arguments logs
$(BUILD)/obj/gen/%.o: $(GEN)/%.c $(GENERATED_HEADERS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-format-zero-length -c -o $@ $<
# the probes' fire functions log through the VMM's trace.h
$(BUILD)/obj/gen/vmm-probes.o: CPPFLAGS += -Ivmm

$(VMM): $(VMM_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(VMM_LDLIBS) $(LDLIBS)

# --- kvmscope, the collector and analyst ------------------------------------
# Built for both arches: `make ARCH=aarch64 CC=aarch64-linux-gnu-gcc` links it
# against Debian's :arm64 libbpf, libtraceevent, libtracefs, libdw, jansson.
-include tools/tools.mk

# --- kvmscope-domain, the libvirt-like control plane ------------------------
-include tools/domain.mk

# The x86 guests, tests and benchmarks are x86-64 host things; the arm64
# build has its own guests (tests/guests/arm64).
ifeq ($(ARCH),x86_64)

# --- guests (freestanding payloads) -----------------------------------------
-include tests/guests/guests.mk

# --- tests ------------------------------------------------------------------
-include tests/tests.mk

# --- benchmarks (make bench): side by side with QEMU and a bare KVM program
-include tests/bench/bench.mk

# --- make install / uninstall, the man pages ---------------------------------
-include dist/install.mk
else ifeq ($(ARCH),aarch64)
# arm64 board unit tests, cross-built on request (make ... arm64-tests)
-include tests/unit/arm64.mk
# the bundled arm64 guests, built with the VMM
-include tests/guests/arm64/guests.mk
endif

.PHONY: all clean demo asan
all: $(VMM) $(TOOLS_ALL) $(DOMAIN_ALL) $(if $(GUESTS_ALL),guests) $(MAN_PAGES) $(A64_GUESTS)

demo: all
	$(Q)scripts/demo.sh

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan \
		SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		OPTFLAGS="-O1 -g" test

clean:
	rm -rf $(BUILD) build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
