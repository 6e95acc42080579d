/* Symbolization of user-space instruction pointers to `function (file:line)`
 * with elfutils libdwfl.
 *
 * Three ways to describe the address space, one lookup:
 *   - a live process: symbolizer_new_pid() reads /proc/PID/maps through
 *     dwfl_linux_proc_report (the VMM while it runs);
 *   - after the process is gone: symbolizer_new() plus the mappings saved
 *     with the capture (symbolizer_add_maps_text(), /proc/PID/maps format),
 *     or one ELF at a known load bias (symbolizer_add_elf());
 *   - an ELF file and a file offset, no process at all
 *     (symbolizer_lookup_file_offset(), e.g. a USDT probe's offset).
 * Results are cached per address; the cache is dropped when modules change.
 * Errors: -1/NULL and a one-line reason in the caller's buffer. */
#ifndef KVMSCOPE_SYMBOLS_H
#define KVMSCOPE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct symbolizer;

struct symbol_info {
	char function[256];   /* innermost function, an inlined one included; "" if unknown */
	char symbol[256];     /* the ELF symbol holding the address; "" if none */
	uint64_t symbol_offset;
	char file[512];       /* source file of the line, "" without debug info */
	int line;             /* 0 without debug info */
	char module[256];     /* the module (file) name, "" outside any */
	uint64_t module_offset; /* address relative to the module's load bias */
};

/* An empty address space; add modules before looking up. */
struct symbolizer *symbolizer_new(char *err, size_t errlen);

/* The address space of live process PID. */
struct symbolizer *symbolizer_new_pid(pid_t pid, char *err, size_t errlen);

void symbolizer_free(struct symbolizer *s);

/* The ELF PATH loaded at LOAD_BIAS (the runtime address of its virtual
 * address 0; 0 for a non-PIE executable). Adding the same PATH again is
 * a no-op. */
int symbolizer_add_elf(struct symbolizer *s, const char *path, uint64_t load_bias, char *err,
		       size_t errlen);

/* One file mapping: PATH mapped at START from file offset PGOFF, as in a
 * line of /proc/PID/maps. The load bias comes from the ELF's segments. */
int symbolizer_add_mapping(struct symbolizer *s, const char *path, uint64_t start, uint64_t pgoff,
			   char *err, size_t errlen);

/* Every executable file mapping in TEXT (the contents of /proc/PID/maps);
 * ROOT, when not NULL, prefixes each path (/proc/PID/root for another
 * mount namespace). Unreadable files are skipped; returns how many were added. */
int symbolizer_add_maps_text(struct symbolizer *s, const char *text, const char *root);

/* 0 and OUT filled (fields it cannot know left empty), or -1 when IP lies in
 * no known module (OUT->module is then ""). */
int symbolizer_lookup(struct symbolizer *s, uint64_t ip, struct symbol_info *out);

/* An address given as PATH + file offset (the ELF is added at bias 0). */
int symbolizer_lookup_file_offset(struct symbolizer *s, const char *path, uint64_t offset,
				  struct symbol_info *out, char *err, size_t errlen);

/* "function (file:line)", "symbol+0x1a (module)" or "0x55d0... (module)". */
void symbol_info_format(const struct symbol_info *info, uint64_t ip, char *buf, size_t len);

/* Lookups answered from the cache, and all lookups (for tests and stats). */
void symbolizer_cache_stats(const struct symbolizer *s, uint64_t *hits, uint64_t *lookups);

#endif
