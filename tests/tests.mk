# Tests: `make test` builds everything, then tests/run-tests.sh runs the unit
# tests (cmocka, tests/unit/) and the integration tests (tests/integration/)
# and prints "N passed, N failed, N skipped". T=PATTERN selects tests.

UNIT_TESTS :=
-include tests/unit/unit.mk
TEST_PROGS :=
-include tests/fuzz/fuzz.mk

# CI_ARTIFACTS=DIR runs the tests under `kvmscope ci`, which leaves the
# capture, report, diagnosis, junit.xml and timeline of the run in DIR and
# passes the tests' status through (.ci/run sets it). When kvmscope ci is not
# usable the tests run plainly. The newest 64 MiB (the last minutes of the
# suite) are kept: the analysis of 256 MiB took 7 minutes and made a 250 MB
# timeline no browser opens comfortably. CI_MAX_SIZE=MIB changes it.
CI_ARTIFACTS ?=
CI_MAX_SIZE ?= 64
CI_WRAP = $(if $(CI_ARTIFACTS),$(KVMSCOPE) ci --quiet --keep=always --max-size $(CI_MAX_SIZE) \
	--out $(CI_ARTIFACTS) --vmm $(abspath $(VMM)) --)

.PHONY: test test-programs
# everything `make test` runs, built
test-programs: all $(UNIT_TESTS) $(TEST_PROGS)
# at the end the kept ftrace instance and BPF set go (kvmscope ci --cleanup), so no
# probe stays armed on the host after the suite
test: test-programs
	$(Q)if [ -n "$(CI_ARTIFACTS)" ]; then rm -rf $(CI_ARTIFACTS); fi
	$(Q)if [ -n "$(CI_ARTIFACTS)" ] && ! $(KVMSCOPE) ci --help >/dev/null 2>&1; then \
		echo "make test: kvmscope ci is not usable here: running the tests without it"; \
		tests/run-tests.sh $(BUILD) $(T); \
	else \
		$(CI_WRAP) tests/run-tests.sh $(BUILD) $(T); \
	fi; st=$$?; \
	$(KVMSCOPE) ci --cleanup >/dev/null 2>&1; \
	exit $$st
