# Tests: `make test` builds everything, then tests/run-tests.sh runs the unit
# tests (cmocka, tests/unit/) and the integration tests (tests/integration/)
# and prints "N passed, N failed, N skipped". T=PATTERN selects tests.

UNIT_TESTS :=
-include tests/unit/unit.mk
TEST_PROGS :=
-include tests/fuzz/fuzz.mk

.PHONY: test test-programs
# everything `make test` runs, built (.ci/run then runs tests/run-tests.sh itself)
test-programs: all $(UNIT_TESTS) $(TEST_PROGS)
test: test-programs
	$(Q)tests/run-tests.sh $(BUILD) $(T)
