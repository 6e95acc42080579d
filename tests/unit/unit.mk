# tests/unit/unit.mk - cmocka unit tests, included by tests/tests.mk.
#
# Each test is one program, $(BUILD)/tests/unit/test-NAME, built from
# tests/unit/test-NAME.c plus exactly the VMM objects it exercises (the hooks
# a module calls into the rest of the VMM are faked in the test file itself).
# `make test` builds them through UNIT_TESTS; `make asan` builds them again
# under BUILD=build-asan with SAN_FLAGS in CFLAGS and LDFLAGS. `make
# unit-tests` only builds them; run one with CMOCKA_MESSAGE_OUTPUT=TAP set, or
# all with `make test T=test-`. tap-skip.h: see there.

UNIT_OUT := $(BUILD)/tests/unit
UNIT_PROBES := gen/vmm-probes.o gen/probe-table.o

# objects (relative to $(BUILD)/obj/) of each test
UNIT_OBJS_runstate := vmm/runstate.o lib/runstate-table.o vmm/error.o vmm/trace.o vmm/keyval.o $(UNIT_PROBES)
UNIT_OBJS_requests := vmm/system.o lib/qapi-names.o vmm/runstate.o lib/runstate-table.o vmm/events.o vmm/trace.o vmm/keyval.o vmm/error.o \
		      $(UNIT_PROBES)
UNIT_OBJS_requests-matrix := $(UNIT_OBJS_requests)
UNIT_OBJS_options := vmm/options.o vmm/pmu-filter.o vmm/chardev.o vmm/confidential.o vmm/kvm.o vmm/numparse.o \
		     lib/kvm-names.o vmm/system.o lib/qapi-names.o vmm/events.o vmm/runstate.o lib/runstate-table.o vmm/trace.o vmm/keyval.o \
		     vmm/error.o $(UNIT_PROBES)
UNIT_OBJS_kvm-names := vmm/kvm.o lib/kvm-names.o vmm/numparse.o vmm/trace.o vmm/keyval.o $(UNIT_PROBES)
UNIT_OBJS_trace := vmm/trace.o vmm/keyval.o $(UNIT_PROBES)
# the capture module: writer (and its bounded segments), reader, bound, trim
CAPTURE_UNIT_OBJS := tools/capture/writer.o tools/capture/writer-ring.o tools/capture/reader.o \
		     tools/capture/bound.o tools/capture/trim.o lib/write-all.o lib/errtext.o
UNIT_OBJS_capture := $(CAPTURE_UNIT_OBJS)
UNIT_OBJS_timeline := tools/analyze/timeline.o tools/analyze/timeline-format.o tools/analyze/timeline-kfunc.o \
		      tools/analyze/timeline-ioctl-args.o $(CAPTURE_UNIT_OBJS) tools/capture/capture-kfunc.o \
		      tools/capture/capture-ioctl-arg.o lib/kvm-names.o lib/kvm-ioctl-args.o gen/kvm-caps.o

UNIT_NAMES := runstate requests requests-matrix options kvm-names trace capture timeline
# the generated -trace decoder against the generated formatter, every probe
UNIT_OBJS_probe-decode := vmm/trace.o vmm/keyval.o $(UNIT_PROBES) gen/probe-samples.o probes/probe-decode.o
UNIT_NAMES += probe-decode
# the ioctl-argument decoder (lib/, capture format 1.2)
UNIT_OBJS_kvm-ioctl-args := lib/kvm-ioctl-args.o lib/kvm-names.o
UNIT_NAMES += kvm-ioctl-args
$(UNIT_OUT)/test-capture: CPPFLAGS += -Itools
$(UNIT_OUT)/test-timeline: CPPFLAGS += -Itools
$(UNIT_OUT)/test-timeline: LDLIBS += $(shell pkg-config --libs libtraceevent 2>/dev/null)
# USDT note reader (helper "probes"): libelf, the probe table to compare with
UNIT_OBJS_usdt-notes := tools/collect/usdt-notes.o lib/errtext.o gen/probe-table.o
UNIT_NAMES += usdt-notes
$(UNIT_OUT)/test-usdt-notes: CPPFLAGS += -Itools
$(UNIT_OUT)/test-usdt-notes: LDLIBS += -lelf
UNIT_OBJS_symbols := tools/collect/symbols.o tools/collect/usdt-notes.o lib/errtext.o
UNIT_NAMES += symbols
$(UNIT_OUT)/test-symbols: CPPFLAGS += -Itools
$(UNIT_OUT)/test-symbols: LDLIBS += -ldw -lelf
UNIT_OBJS_ftrace := tools/collect/ftrace.o tools/collect/collector.o tools/collect/ftrace-kept.o tools/collect/kept-lock.o tools/collect/ftrace-stale.o tools/collect/ftrace-trace-dat.o tools/collect/ftrace-uprobe.o tools/collect/ftrace-formats.o tools/collect/slurp.o tools/collect/cpu-merge.o tools/collect/thread-process.o tools/collect/usdt-notes.o $(CAPTURE_UNIT_OBJS) \
		    gen/probe-table.o
UNIT_NAMES += ftrace
$(UNIT_OUT)/test-ftrace: CPPFLAGS += -Itools $(shell pkg-config --cflags libtracefs libtraceevent)
$(UNIT_OUT)/test-ftrace: LDLIBS += $(shell pkg-config --libs libtracefs libtraceevent) -lelf
UNIT_OBJS_thread-process := tools/collect/thread-process.o
UNIT_NAMES += thread-process
UNIT_OBJS_cpu-merge := tools/collect/cpu-merge.o
UNIT_NAMES += cpu-merge
$(UNIT_OUT)/test-cpu-merge: CPPFLAGS += -Itools
$(UNIT_OUT)/test-thread-process: CPPFLAGS += -Itools
$(UNIT_OUT)/test-thread-process: LDLIBS += -lpthread
# arm64 PMU attribute plan and virt device tree (helper "arm64"), x86 pmu-filter
UNIT_OBJS_pmu-attrs := vmm/pmu-attrs.o vmm/pmu-misconfig.o vmm/numparse.o vmm/trace.o vmm/keyval.o $(UNIT_PROBES)
UNIT_OBJS_arm64-fdt := vmm/fdt-virt.o vmm/error.o
UNIT_OBJS_pmu-filter := vmm/pmu-filter.o vmm/numparse.o
UNIT_NAMES += pmu-attrs arm64-fdt pmu-filter
$(UNIT_OUT)/test-arm64-fdt: LDLIBS += -l:libfdt.so.1
# the arm64 board's host-independent parts: PL011 model, GIC choice, -kernel kinds
UNIT_OBJS_pl011 := vmm/hw/pl011.o
UNIT_OBJS_virt-gic := vmm/virt-gic.o
UNIT_OBJS_arm64-kernel := vmm/arm64-kernel.o
UNIT_NAMES += pl011 virt-gic arm64-kernel
$(UNIT_OUT)/test-pl011: LDLIBS += -lpthread
# log reader and diagnosis rules (helper "diagnose"); the fixtures by absolute path
DIAG_UNIT_OBJS := $(patsubst %.c,%.o,$(filter-out tools/analyze/logs/qemulog-capture.c,$(wildcard tools/analyze/logs/qemulog*.c))) tools/analyze/findings.o tools/analyze/diag-context.o tools/analyze/rules/rules.o tools/analyze/benign-errno.o tools/analyze/kvm-ioctl-causes.o lib/sev-status.o tools/analyze/reset-cause.o tools/analyze/diag-kfunc.o $(patsubst %.c,%.o,$(wildcard tools/analyze/rules/rule-*.c)) \
		  lib/runstate-table.o lib/qapi-names.o gen/probe-table.o probes/probe-decode.o
UNIT_OBJS_qemulog := $(DIAG_UNIT_OBJS)
UNIT_OBJS_diagnose := $(DIAG_UNIT_OBJS)
UNIT_OBJS_qemulog-shapes := $(DIAG_UNIT_OBJS)
UNIT_NAMES += qemulog diagnose qemulog-shapes
$(UNIT_OUT)/test-qemulog $(UNIT_OUT)/test-diagnose $(UNIT_OUT)/test-qemulog-shapes: CPPFLAGS += -Itools \
	-DFIXTURES='"$(CURDIR)/tests/fixtures"'
$(UNIT_OUT)/test-qemulog $(UNIT_OUT)/test-diagnose $(UNIT_OUT)/test-qemulog-shapes: LDLIBS += -ljansson

# the guest agent's JSON reader, compiled for the host (helper "agent"): the
# test includes tests/guests/lib/json.c itself
UNIT_OBJS_agent-json :=
UNIT_NAMES += agent-json

# $(1) = NAME; tests of vmm/ units (their objects are vmm/ ones) see vmm/ headers
define UNIT_TEST_RULE
UNIT_TESTS += $(UNIT_OUT)/test-$(1)
$(UNIT_OUT)/test-$(1): tests/unit/test-$(1).c $(addprefix $(BUILD)/obj/,$(UNIT_OBJS_$(1))) \
		$(GENERATED_HEADERS)
	$$(call msg,CCLD,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CC) $$(CPPFLAGS) $(if $(filter vmm/%,$(UNIT_OBJS_$(1))),-Ivmm) $$(CFLAGS) $$$$(pkg-config --cflags cmocka) $$(LDFLAGS) \
		-o $$@ $$< $(addprefix $(BUILD)/obj/,$(UNIT_OBJS_$(1))) \
		$$$$(pkg-config --libs cmocka) $$(LDLIBS)
endef

$(foreach t,$(UNIT_NAMES),$(eval $(call UNIT_TEST_RULE,$(t))))

.PHONY: unit-tests
unit-tests: $(UNIT_TESTS)

# header dependencies of the test programs (-MMD writes test-NAME.d)
-include $(wildcard $(UNIT_OUT)/*.d)
