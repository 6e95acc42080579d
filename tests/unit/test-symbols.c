/* Unit tests of user-space symbolization (tools/collect/symbols.c) against the real
 * kvmscope-vmm of this build (built with -g): each USDT probe's site, found
 * through the stapsdt notes, must symbolize to its generated fire function
 * in gen/vmm-probes.c, in all three modes (file offset, ELF + load bias,
 * saved /proc/PID/maps text); and this very process, live and afterwards. */
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect/symbols.h"
#include "collect/usdt-notes.h"

#include "tap-skip.h"
#include "vmm-binary.h"

static char err[512];

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

__attribute__((noinline)) int symbols_known_function(int x);
__attribute__((noinline)) int symbols_known_function(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

static void expect_fire(const struct symbol_info *info, const char *probe)
{
	char want[128], line[1024];

	snprintf(want, sizeof(want), "trace_%s_fire", probe);
	symbol_info_format(info, 0, line, sizeof(line));
	if (strcmp(info->function, want) || !ends_with(info->file, "gen/vmm-probes.c") ||
	    info->line <= 0)
		fail_msg("probe %s symbolized as '%s'", probe, line);
	assert_string_equal(info->symbol, want);
	assert_string_equal(info->module, "kvmscope-vmm");
}

static void test_file_offset_mode(void **state)
{
	struct usdt_notes n;
	(void)state;

	vmm_notes_read(&n);
	assert_true(n.count > 0);
	struct symbolizer *s = symbolizer_new(err, sizeof(err));
	assert_non_null(s);
	for (size_t i = 0; i < n.count; i++) {
		struct symbol_info info;
		assert_int_equal(symbolizer_lookup_file_offset(s, vmm_path, n.probes[i].pc_offset, &info,
							       err, sizeof(err)), 0);
		expect_fire(&info, n.probes[i].name);
	}
	/* beyond every segment: a clear error */
	struct symbol_info info;
	assert_int_equal(symbolizer_lookup_file_offset(s, vmm_path, 1ull << 40, &info, err,
						       sizeof(err)), -1);
	assert_non_null(strstr(err, "outside"));
	assert_int_equal(symbolizer_lookup_file_offset(s, "/nonexistent/vmm", 0, &info, err,
						       sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/vmm: No such file"));
	symbolizer_free(s);
	usdt_notes_free(&n);
}

static void test_bias_and_maps_modes(void **state)
{
	struct usdt_notes n;
	const uint64_t bias = 0x555500000000ull;
	(void)state;

	vmm_notes_read(&n);
	const struct usdt_probe *p = usdt_notes_find(&n, "vmm", "runstate_set");
	assert_non_null(p);

	/* ELF + load bias, as after the process is gone; the cache answers twice */
	struct symbolizer *s = symbolizer_new(err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(symbolizer_add_elf(s, vmm_path, bias, err, sizeof(err)), 0);
	assert_int_equal(symbolizer_add_elf(s, vmm_path, bias, err, sizeof(err)), 0);
	struct symbol_info info;
	assert_int_equal(symbolizer_lookup(s, bias + p->pc, &info), 0);
	expect_fire(&info, "runstate_set");
	assert_int_equal(info.module_offset, p->pc);
	assert_int_equal(symbolizer_lookup(s, bias + p->pc, &info), 0);
	expect_fire(&info, "runstate_set");
	uint64_t hits, lookups;
	symbolizer_cache_stats(s, &hits, &lookups);
	assert_int_equal(lookups, 2);
	assert_int_equal(hits, 1);
	/* an address in no module */
	assert_int_equal(symbolizer_lookup(s, 0x1000, &info), -1);
	assert_string_equal(info.module, "");
	char line[256];
	symbol_info_format(&info, 0x1000, line, sizeof(line));
	assert_string_equal(line, "0x1000");
	symbolizer_free(s);

	/* the text segment's mapping line, as /proc/PID/maps showed it */
	char maps[3 * PATH_MAX];
	snprintf(maps, sizeof(maps),
		 "%" PRIx64 "-%" PRIx64 " r--p 00000000 08:01 42 %s\n"
		 "%" PRIx64 "-%" PRIx64 " r-xp %08" PRIx64 " 08:01 42 %s\n"
		 "7ffc0000-7ffd0000 rw-p 00000000 00:00 0 [stack]\n",
		 bias, bias + 0x1000, vmm_path, bias + (p->pc & ~(uint64_t)0xfff),
		 bias + (p->pc & ~(uint64_t)0xfff) + 0x1000, p->pc_offset & ~(uint64_t)0xfff, vmm_path);
	s = symbolizer_new(err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(symbolizer_add_maps_text(s, maps, NULL), 1);
	assert_int_equal(symbolizer_lookup(s, bias + p->pc, &info), 0);
	expect_fire(&info, "runstate_set");
	symbolizer_free(s);
	usdt_notes_free(&n);
}

static void test_live_and_afterwards(void **state)
{
	uint64_t ip = (uint64_t)(uintptr_t)&symbols_known_function;
	struct symbol_info live, later;
	char line[1024];
	(void)state;

	assert_int_equal(symbols_known_function(1), 4);
	struct symbolizer *s = symbolizer_new_pid(getpid(), err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(symbolizer_lookup(s, ip, &live), 0);
	symbol_info_format(&live, ip, line, sizeof(line));
	if (strcmp(live.function, "symbols_known_function") ||
	    !ends_with(live.file, "tests/unit/test-symbols.c"))
		fail_msg("own function symbolized as '%s'", line);
	assert_string_equal(live.symbol, "symbols_known_function");
	assert_int_equal(live.symbol_offset, 0);
	symbolizer_free(s);

	/* the same from the saved maps text, without the live process */
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	static char maps[1 << 16];
	size_t len = fread(maps, 1, sizeof(maps) - 1, f);
	fclose(f);
	maps[len] = '\0';
	s = symbolizer_new(err, sizeof(err));
	assert_non_null(s);
	assert_true(symbolizer_add_maps_text(s, maps, NULL) >= 2); /* the test and libc at least */
	assert_int_equal(symbolizer_lookup(s, ip, &later), 0);
	assert_string_equal(later.function, live.function);
	assert_string_equal(later.file, live.file);
	assert_int_equal(later.line, live.line);
	/* a shared library's function (libc's getpid; whichever module holds
	 * it under a sanitizer) the same way live and afterwards */
	uint64_t lib_ip = (uint64_t)(uintptr_t)&getpid;
	struct symbolizer *again = symbolizer_new_pid(getpid(), err, sizeof(err));
	assert_non_null(again);
	assert_int_equal(symbolizer_lookup(again, lib_ip, &live), 0);
	symbolizer_free(again);
	assert_int_equal(symbolizer_lookup(s, lib_ip, &later), 0);
	symbolizer_free(s);
	assert_string_equal(later.module, live.module);
	assert_string_equal(later.symbol, live.symbol);
	assert_true(strstr(live.symbol, "getpid") != NULL);

	assert_null(symbolizer_new_pid(999999999, err, sizeof(err)));
	assert_non_null(strstr(err, "process 999999999"));
}

int main(int argc, char **argv)
{
	(void)argc;
	vmm_path_init(argv[0]);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_offset_mode),
		cmocka_unit_test(test_bias_and_maps_modes),
		cmocka_unit_test(test_live_and_afterwards),
	};
	tap_skip_filter_start();
	return tap_skip_filter_end(cmocka_run_group_tests(tests, NULL, NULL));
}
