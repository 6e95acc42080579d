# kvmscope, the collector and analyst: every tools/*.c is one concern; the
# subcommands are joined by tools/kvmscope.c. Included from the Makefile.

KVMSCOPE := $(BUILD)/kvmscope
TOOLS_SRCS := $(wildcard tools/*.c)
TOOLS_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOLS_SRCS)) $(BUILD)/obj/gen/probe-table.o \
	      $(BUILD)/obj/vmm/kvm-names.o
# diagnose checks transitions against the VMM's own run-state table (and what runstate.o needs)
TOOLS_OBJS += $(addprefix $(BUILD)/obj/,vmm/runstate.o vmm/qapi-names.o vmm/error.o vmm/trace.o gen/vmm-probes.o)
# the HTML timeline page, built in (rule at the end)
TOOLS_OBJS += $(BUILD)/obj/gen/html-timeline.o
# Asked of pkg-config at first use, not when make reads this file: on a fresh
# machine the -dev packages arrive only with $(DEPS_STAMP), which every object
# waits for (then the answer is kept).
TOOLS_PKGS := libbpf libelf libdw jansson libtracefs libtraceevent
TOOLS_LIBS = $(eval TOOLS_LIBS := $(shell pkg-config --libs $(TOOLS_PKGS) 2>/dev/null))$(TOOLS_LIBS)
TOOLS_CFLAGS = $(eval TOOLS_CFLAGS := $(shell pkg-config --cflags $(TOOLS_PKGS) 2>/dev/null))$(TOOLS_CFLAGS)

$(BUILD)/obj/tools/%.o: CPPFLAGS += -Itools $(TOOLS_CFLAGS)

$(KVMSCOPE): $(TOOLS_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TOOLS_LIBS) $(LDLIBS)

TOOLS_ALL := $(KVMSCOPE)

# --- BPF programs (probes/*.bpf.c) -> skeletons in $(GEN) -------------------
# No CO-RE: the programs read only USDT arguments and raw trace entries, so no
# vmlinux.h is needed. clang -target bpf needs the multiarch include dir.
BPF_CLANG ?= clang
BPF_ARCH := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(ARCH)))
BPF_INC := -I/usr/include/$(shell gcc -dumpmachine 2>/dev/null)
BPF_SRCS := $(wildcard probes/*.bpf.c)
BPF_SKELS := $(patsubst probes/%.bpf.c,$(GEN)/%.skel.h,$(BPF_SRCS))

$(GEN)/%.bpf.o: probes/%.bpf.c tools/record-events.h | $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) $(BPF_INC) -Itools \
		-Wall -Werror -c -o $@ $<

$(GEN)/%.skel.h: $(GEN)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)bpftool gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/tools/record.o: $(GEN)/record.skel.h
$(GEN)/kfunc.bpf.o: tools/record-kfunc-events.h
$(BUILD)/obj/tools/record-kfunc.o: $(GEN)/kfunc.skel.h

# --- the HTML timeline page (tools/html/timeline.html) as a C string -------
# kvmscope report --format html and kvmscope ci fill in its data.
$(GEN)/html-timeline.c: tools/html/timeline.html tools/tools.mk
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo '/* generated from $< */'; echo 'extern const char report_html_page[];'; \
	  echo 'const char report_html_page[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@.tmp
	$(Q)mv $@.tmp $@

# --- fuzzing the capture reader (libFuzzer, clang): `make fuzz-capture` ----
FUZZ_CAPTURE_SRCS := tests/fuzz/fuzz-capture.c tools/capture.c tools/capture-kfunc.c tools/timeline.c \
		     tools/timeline-kfunc.c tools/report-text.c \
		     tools/report-json.c tools/report-chrome.c vmm/kvm-names.c
$(BUILD)/fuzz-capture: $(FUZZ_CAPTURE_SRCS) tools/capture.h tools/timeline.h tools/report.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -Itools -Ivmm \
		-Iprobes $(TOOLS_CFLAGS) -o $@ $(FUZZ_CAPTURE_SRCS) $(TOOLS_LIBS)
.PHONY: fuzz-capture
fuzz-capture: $(BUILD)/fuzz-capture
