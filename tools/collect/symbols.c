/* User-space symbolization with libdwfl (see symbols.h). */
#include "errtext.h"
#include "symbols.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CACHE_SLOTS 1024
/* ELFs looked up by file offset are reported at distinct biases so they
 * never overlap in their private address space */
#define FILE_SLOT_SPAN (1ull << 40)

struct cache_entry {
	uint64_t ip;
	bool valid;
	int rc;
	struct symbol_info info;
};

struct added_module {
	char *path;
	uint64_t bias;
	Dwfl_Module *mod;
};

struct symbolizer {
	Dwfl *dwfl;
	struct added_module *mods;
	size_t nmods;
	struct cache_entry *cache; /* allocated on first lookup */
	uint64_t hits, lookups;
	struct symbolizer *files; /* for symbolizer_lookup_file_offset */
};

static char *debuginfo_path;

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};


static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static struct symbolizer *alloc_with(const Dwfl_Callbacks *cb, char *err, size_t errlen)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	s->dwfl = dwfl_begin(cb);
	if (!s->dwfl) {
		seterr(err, errlen, "libdwfl: %s", dwfl_errmsg(-1));
		free(s);
		return NULL;
	}
	return s;
}

struct symbolizer *symbolizer_new(char *err, size_t errlen)
{
	return alloc_with(&offline_callbacks, err, errlen);
}

static int count_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
			void *arg)
{
	(void)mod, (void)userdata, (void)name, (void)start;
	++*(unsigned *)arg;
	return DWARF_CB_OK;
}

struct symbolizer *symbolizer_new_pid(pid_t pid, char *err, size_t errlen)
{
	struct symbolizer *s = alloc_with(&proc_callbacks, err, errlen);
	unsigned nmods = 0;

	if (!s)
		return NULL;
	int rc = dwfl_linux_proc_report(s->dwfl, pid);
	if (rc) {
		seterr(err, errlen, "process %d: %s", (int)pid,
		       rc > 0 ? strerror(rc) : dwfl_errmsg(-1));
		symbolizer_free(s);
		return NULL;
	}
	if (dwfl_report_end(s->dwfl, NULL, NULL)) {
		seterr(err, errlen, "process %d: %s", (int)pid, dwfl_errmsg(-1));
		symbolizer_free(s);
		return NULL;
	}
	/* a zombie still has /proc/PID, with an empty maps */
	if (dwfl_getmodules(s->dwfl, count_module, &nmods, 0) != 0 || nmods == 0) {
		seterr(err, errlen, "process %d: no mappings (it has exited)", (int)pid);
		symbolizer_free(s);
		return NULL;
	}
	return s;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	if (s->files)
		symbolizer_free(s->files);
	dwfl_end(s->dwfl);
	for (size_t i = 0; i < s->nmods; i++)
		free(s->mods[i].path);
	free(s->mods);
	free(s->cache);
	free(s);
}

static const struct added_module *find_added(const struct symbolizer *s, const char *path)
{
	for (size_t i = 0; i < s->nmods; i++)
		if (!strcmp(s->mods[i].path, path))
			return &s->mods[i];
	return NULL;
}

int symbolizer_add_elf(struct symbolizer *s, const char *path, uint64_t load_bias, char *err,
		       size_t errlen)
{
	if (find_added(s, path))
		return 0;
	struct added_module *nm = realloc(s->mods, (s->nmods + 1) * sizeof(*nm));
	if (!nm) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	s->mods = nm;
	if (access(path, R_OK)) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	const char *base = strrchr(path, '/');
	dwfl_report_begin_add(s->dwfl);
	Dwfl_Module *mod = dwfl_report_elf(s->dwfl, base ? base + 1 : path, path, -1, load_bias, false);
	const char *why = mod ? NULL : dwfl_errmsg(-1);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (!mod) {
		seterr(err, errlen, "%s: %s", path, why);
		return -1;
	}
	s->mods[s->nmods].path = strdup(path);
	s->mods[s->nmods].bias = load_bias;
	s->mods[s->nmods].mod = mod;
	if (!s->mods[s->nmods].path) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	s->nmods++;
	if (s->cache)
		memset(s->cache, 0, CACHE_SLOTS * sizeof(*s->cache));
	return 0;
}

/* The load bias of PATH mapped at START from file offset PGOFF: the PT_LOAD
 * segment that begins in that page fixes vaddr <-> address. */
static int mapping_bias(const char *path, uint64_t start, uint64_t pgoff, uint64_t *bias,
			char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t nph;
	int rc = -1;
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &nph)) {
		seterr(err, errlen, "%s: not an ELF file", path);
		goto out;
	}
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		uint64_t seg_page = ph.p_offset & ~(uint64_t)0xfff;
		if (seg_page == pgoff || (pgoff >= ph.p_offset && pgoff < ph.p_offset + ph.p_filesz)) {
			*bias = start - (ph.p_vaddr - ph.p_offset + pgoff);
			rc = 0;
			goto out;
		}
	}
	seterr(err, errlen, "%s: no loadable segment at file offset 0x%" PRIx64, path, pgoff);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}

int symbolizer_add_mapping(struct symbolizer *s, const char *path, uint64_t start, uint64_t pgoff,
			   char *err, size_t errlen)
{
	uint64_t bias;

	if (find_added(s, path))
		return 0;
	if (mapping_bias(path, start, pgoff, &bias, err, errlen))
		return -1;
	return symbolizer_add_elf(s, path, bias, err, errlen);
}

int symbolizer_add_maps_text(struct symbolizer *s, const char *text, const char *root)
{
	int added = 0;
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[4096 + 256], perms[8], path[4096];
		unsigned long long start, end, off;
		int pathpos = 0;

		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			if (sscanf(buf, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off,
				   &pathpos) == 4 &&
			    pathpos > 0 && strchr(perms, 'x') && buf[pathpos] == '/') {
				char *p = buf + pathpos;
				char *del = strstr(p, " (deleted)");
				if (del)
					*del = '\0';
				snprintf(path, sizeof(path), "%s%s", root ? root : "", p);
				if (!find_added(s, path) &&
				    !symbolizer_add_mapping(s, path, start, off, NULL, 0))
					added++;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return added;
}

/* the innermost function (an inlined one included) at IP, from DWARF scopes */
static void innermost_function(Dwfl_Module *mod, uint64_t ip, char *buf, size_t len)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, ip, &bias);
	Dwarf_Die *scopes = NULL;

	if (!cu)
		return;
	int n = dwarf_getscopes(cu, ip - bias, &scopes);
	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
			const char *name = dwarf_diename(&scopes[i]);
			if (name) {
				copy_str(buf, len, name);
				break;
			}
		}
	}
	free(scopes);
}

static int lookup_uncached(struct symbolizer *s, uint64_t ip, struct symbol_info *out)
{
	memset(out, 0, sizeof(*out));
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, ip);
	if (!mod)
		return -1;

	Dwarf_Addr low = 0, bias = 0;
	const char *mname = dwfl_module_info(mod, NULL, &low, NULL, NULL, NULL, NULL, NULL);
	/* live reports name modules by path, added ELFs by file name: keep the name */
	const char *slash = mname ? strrchr(mname, '/') : NULL;
	copy_str(out->module, sizeof(out->module), slash ? slash + 1 : mname);
	if (dwfl_module_getelf(mod, &bias))
		out->module_offset = ip - bias;
	else
		out->module_offset = ip - low;

	GElf_Off off = 0;
	GElf_Sym sym;
	const char *sname = dwfl_module_addrinfo(mod, ip, &off, &sym, NULL, NULL, NULL);
	if (sname) {
		copy_str(out->symbol, sizeof(out->symbol), sname);
		out->symbol_offset = off;
	}
	Dwfl_Line *line = dwfl_module_getsrc(mod, ip);
	if (line) {
		int lineno = 0;
		const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		copy_str(out->file, sizeof(out->file), file);
		out->line = lineno;
	}
	innermost_function(mod, ip, out->function, sizeof(out->function));
	if (!out->function[0] && out->symbol[0])
		copy_str(out->function, sizeof(out->function), out->symbol);
	return 0;
}

int symbolizer_lookup(struct symbolizer *s, uint64_t ip, struct symbol_info *out)
{
	s->lookups++;
	if (!s->cache)
		s->cache = calloc(CACHE_SLOTS, sizeof(*s->cache));
	if (s->cache) {
		struct cache_entry *e = &s->cache[(ip ^ (ip >> 12)) % CACHE_SLOTS];
		if (e->valid && e->ip == ip) {
			s->hits++;
			*out = e->info;
			return e->rc;
		}
		e->rc = lookup_uncached(s, ip, &e->info);
		e->ip = ip;
		e->valid = true;
		*out = e->info;
		return e->rc;
	}
	return lookup_uncached(s, ip, out);
}

int symbolizer_lookup_file_offset(struct symbolizer *s, const char *path, uint64_t offset,
				  struct symbol_info *out, char *err, size_t errlen)
{
	if (!s->files && !(s->files = symbolizer_new(err, errlen)))
		return -1;
	struct symbolizer *f = s->files;
	const struct added_module *m = find_added(f, path);
	if (!m) {
		if (symbolizer_add_elf(f, path, (uint64_t)(f->nmods + 1) * FILE_SLOT_SPAN, err, errlen))
			return -1;
		m = find_added(f, path);
	}

	/* file offset -> virtual address through the module's segments */
	Dwarf_Addr ebias;
	Elf *elf = dwfl_module_getelf(m->mod, &ebias);
	size_t nph;
	if (elf && elf_getphdrnum(elf, &nph) == 0) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if (offset >= ph.p_offset && offset - ph.p_offset < ph.p_filesz)
				return symbolizer_lookup(f, ebias + ph.p_vaddr + (offset - ph.p_offset), out);
		}
	}
	seterr(err, errlen, "%s: offset 0x%" PRIx64 " is outside the file's loadable segments",
	       path, offset);
	return -1;
}

void symbol_info_format(const struct symbol_info *info, uint64_t ip, char *buf, size_t len)
{
	if (info->function[0] && info->file[0]) {
		const char *file = info->file;
		snprintf(buf, len, "%s (%s:%d)", info->function, file, info->line);
	} else if (info->symbol[0]) {
		snprintf(buf, len, "%s+0x%" PRIx64 " (%s)", info->symbol, info->symbol_offset,
			 info->module);
	} else if (info->module[0]) {
		snprintf(buf, len, "0x%" PRIx64 " (%s+0x%" PRIx64 ")", ip, info->module,
			 info->module_offset);
	} else {
		snprintf(buf, len, "0x%" PRIx64, ip);
	}
}

void symbolizer_cache_stats(const struct symbolizer *s, uint64_t *hits, uint64_t *lookups)
{
	*hits = s->hits;
	*lookups = s->lookups;
}
