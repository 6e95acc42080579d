# kvmscope, the collector and analyst: every tools/*.c is one concern; the
# subcommands are joined by tools/kvmscope.c. Included from the Makefile.

KVMSCOPE := $(BUILD)/kvmscope
TOOLS_SRCS := $(wildcard tools/*.c)
TOOLS_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOLS_SRCS)) $(BUILD)/obj/gen/probe-table.o
TOOLS_LIBS := $(shell pkg-config --libs libbpf libelf libdw jansson libtracefs libtraceevent 2>/dev/null)
TOOLS_CFLAGS := $(shell pkg-config --cflags libbpf libelf libdw jansson libtracefs libtraceevent 2>/dev/null)

$(BUILD)/obj/tools/%.o: CPPFLAGS += -Itools $(TOOLS_CFLAGS)

$(KVMSCOPE): $(TOOLS_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TOOLS_LIBS) $(LDLIBS)

TOOLS_ALL := $(KVMSCOPE)
