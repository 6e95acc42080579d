# make install / make uninstall / make man, included from the Makefile.
#
#   make install [PREFIX=/usr/local] [DESTDIR=]
# installs, FHS style:
#   PREFIX/bin/                  kvmscope, kvmscope-vmm, kvmscope-domain and the
#                                scripts users run as commands: scripts/NAME.sh
#                                of INSTALL_SCRIPTS as kvmscope-NAME
#   PREFIX/share/kvmscope/       guests/ (the bundled guests), fixtures/ (the
#                                logs the repro commands diagnose), and
#                                installed-files, the manifest `make uninstall` reads
#   PREFIX/share/man/man1/       kvmscope(1), kvmscope-vmm(1), kvmscope-domain(1)
#   PREFIX/share/bash-completion/completions/   one script, named for each binary
# The binaries find one another beside themselves (/proc/self/exe), the
# scripts their data in ../share/kvmscope: nothing points into the source tree.
# INSTALL_MANIFEST= (empty) installs no manifest (the Debian package: dpkg
# keeps its own list).

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/kvmscope
MAN1DIR = $(PREFIX)/share/man/man1
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
INSTALL_MANIFEST ?= $(DATADIR)/installed-files

# scripts installed as commands (a missing one, e.g. lab.sh before it exists, is skipped)
INSTALL_SCRIPTS := $(wildcard scripts/demo.sh scripts/repro-*.sh scripts/lab.sh)
# the guests this arch's kvmscope-vmm boots; the arm64 lab's own guest, built
# here for Debian's arm64 QEMU inside the lab, serves the source tree's tests
INSTALL_GUESTS = $(filter-out $(BUILD)/guests/arm64/%,$(GUESTS_ALL))
# the parts kvmscope-lab sources (scripts/lab/), in share/kvmscope/lab
INSTALL_LAB_PARTS := $(wildcard scripts/lab/*.sh)
# what the installed scripts read besides the guests
INSTALL_FIXTURES := tests/fixtures/seed-003-pmu-on.log tests/fixtures/seed-003-function-graph.log

# --- man pages: scdoc sources in docs/man -----------------------------------
MAN_SRCS := $(wildcard docs/man/*.1.scd)
MAN_PAGES := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(MAN_SRCS))

$(BUILD)/man/%.1: docs/man/%.1.scd
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scdoc < $< > $@.tmp && mv $@.tmp $@

.PHONY: man install uninstall
man: $(MAN_PAGES)

# the list is gathered here while installing, then installed as the manifest
MANIFEST_TMP := $(BUILD)/installed-files
# inst MODE SRC DEST: installs SRC at DESTDIR+DEST and lists DEST
inst = install -D -m $(1) $(2) '$(DESTDIR)$(3)' && echo '$(3)' >> $(MANIFEST_TMP)
# link TARGET DEST: a relative symlink at DESTDIR+DEST, listed
link = ln -sfn $(1) '$(DESTDIR)$(2)' && echo '$(2)' >> $(MANIFEST_TMP)

install: all man
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q): > $(MANIFEST_TMP)
	$(Q)$(foreach b,$(VMM) $(KVMSCOPE) $(DOMAIN),$(call inst,0755,$(b),$(BINDIR)/$(notdir $(b))) && ) :
	$(Q)$(foreach s,$(INSTALL_SCRIPTS),\
		$(call inst,0755,$(s),$(BINDIR)/kvmscope-$(basename $(notdir $(s)))) && ) :
	$(Q)$(foreach g,$(INSTALL_GUESTS),$(call inst,0644,$(g),$(DATADIR)/guests/$(notdir $(g))) && ) :
	$(Q)$(foreach f,$(INSTALL_FIXTURES),$(call inst,0644,$(f),$(DATADIR)/fixtures/$(notdir $(f))) && ) :
	$(Q)$(foreach f,$(INSTALL_LAB_PARTS),$(call inst,0644,$(f),$(DATADIR)/lab/$(notdir $(f))) && ) :
	$(Q)$(foreach m,$(MAN_PAGES),$(call inst,0644,$(m),$(MAN1DIR)/$(notdir $(m))) && ) :
	$(Q)$(call inst,0644,dist/completion/kvmscope.bash,$(BASHCOMPDIR)/kvmscope)
	$(Q)$(call link,kvmscope,$(BASHCOMPDIR)/kvmscope-vmm) && $(call link,kvmscope,$(BASHCOMPDIR)/kvmscope-domain)
	$(Q)if [ -n '$(INSTALL_MANIFEST)' ]; then \
		echo '$(INSTALL_MANIFEST)' >> $(MANIFEST_TMP) && \
		install -D -m 0644 $(MANIFEST_TMP) '$(DESTDIR)$(INSTALL_MANIFEST)'; fi

# removes what the manifest lists, then the directories of ours left empty
uninstall:
	$(Q)if [ ! -f '$(DESTDIR)$(INSTALL_MANIFEST)' ]; then \
		echo "make uninstall: no $(DESTDIR)$(INSTALL_MANIFEST): nothing was installed at PREFIX=$(PREFIX)" >&2; \
		exit 1; fi
	$(call msg,UNINST,$(DESTDIR)$(PREFIX))
	$(Q)while IFS= read -r f; do rm -f "$(DESTDIR)$$f"; done < '$(DESTDIR)$(INSTALL_MANIFEST)'
	$(Q)for d in '$(DATADIR)/guests' '$(DATADIR)/fixtures' '$(DATADIR)/lab' '$(DATADIR)'; do \
		[ ! -d "$(DESTDIR)$$d" ] || rmdir --ignore-fail-on-non-empty "$(DESTDIR)$$d"; done
