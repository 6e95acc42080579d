# kvmscope-domain, the libvirt-like control plane (tools/domain/): a daemon
# that starts kvmscope-vmm, watches it over QMP, reboots it through the guest
# agent, system_powerdown and signals, and writes a libvirt-style domain log.
# Included from the Makefile; a binary of its own, apart from build/kvmscope.

DOMAIN := $(BUILD)/kvmscope-domain
DOMAIN_SRCS := $(wildcard tools/domain/*.c)
DOMAIN_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(DOMAIN_SRCS))
# one write_all in the tree: the capture module's
DOMAIN_OBJS += $(BUILD)/obj/lib/write-all.o
DOMAIN_LIBS = $(eval DOMAIN_LIBS := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson))$(DOMAIN_LIBS)

$(BUILD)/obj/tools/domain/%.o: CPPFLAGS += -Itools/domain

$(DOMAIN): $(DOMAIN_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DOMAIN_LIBS) $(LDLIBS)

DOMAIN_ALL := $(DOMAIN)
