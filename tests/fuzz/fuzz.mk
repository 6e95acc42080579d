# tests/fuzz/fuzz.mk - fuzz targets and the QMP test client, included by
# tests/tests.mk; `make test` builds them (TEST_PROGS) and the integration
# tests run them (tests/integration/qmp-fuzz.sh runs fuzz-qmp for a bounded
# time). The fuzz targets need clang (libFuzzer + ASan + UBSan).

FUZZ_DIR := $(BUILD)/tests/fuzz
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	      -fno-sanitize-recover=undefined -Ilib -Ivmm -Iprobes -I$(GEN)

# QMP input path; small streamer limits so the fuzzer reaches them
FUZZ_QMP := $(FUZZ_DIR)/fuzz-qmp
FUZZ_QMP_SRCS := tests/fuzz/fuzz-qmp.c vmm/qmp-stream.c vmm/qmp-dispatch.c \
		 vmm/qmp-commands.c lib/qapi-names.c vmm/runstate.c lib/runstate-table.c vmm/trace.c vmm/keyval.c vmm/error.c \
		 $(GEN)/vmm-probes.c $(GEN)/probe-table.c
$(FUZZ_QMP): $(FUZZ_QMP_SRCS) $(GENERATED_HEADERS) tests/fuzz/fuzz.mk vmm/qmp-stream.h \
		vmm/qmp-dispatch.h
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -Wno-format-zero-length -Wno-unknown-attributes -DJSON_MAX_TOKEN_SIZE=4096 \
		-DJSON_MAX_TOKEN_COUNT=512 -DJSON_MAX_NESTING=32 -o $@ $(FUZZ_QMP_SRCS) \
		-ljansson -lpthread

# the QMP client of the integration tests and of scripts/bench-qmp.sh
QMP_CLIENT := $(BUILD)/tests/qmp-client
$(QMP_CLIENT): tests/bench/qmp-client.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lpthread

TEST_PROGS += $(QMP_CLIENT) $(FUZZ_QMP)
.PHONY: fuzz-progs
fuzz-progs: $(FUZZ_QMP)

# the option-list splitter and the parsers built on it
FUZZ_KEYVAL := $(FUZZ_DIR)/fuzz-keyval
FUZZ_KEYVAL_SRCS := tests/fuzz/fuzz-keyval.c vmm/keyval.c vmm/chardev.c vmm/confidential.c \
		    vmm/kvm.c vmm/numparse.c lib/kvm-names.c vmm/trace.c vmm/error.c \
		    $(GEN)/vmm-probes.c $(GEN)/probe-table.c
$(FUZZ_KEYVAL): $(FUZZ_KEYVAL_SRCS) $(GENERATED_HEADERS) tests/fuzz/fuzz.mk vmm/keyval.h
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -Wno-format-zero-length -Wno-unknown-attributes -o $@ \
		$(FUZZ_KEYVAL_SRCS) -lpthread
TEST_PROGS += $(FUZZ_KEYVAL)
fuzz-progs: $(FUZZ_KEYVAL)

# the capture reader's target (tools/tools.mk): built for the capture-fuzz test
TEST_PROGS += $(BUILD)/fuzz-capture
