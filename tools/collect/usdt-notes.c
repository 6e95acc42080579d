/* Reader of .note.stapsdt (see usdt-notes.h). The note layout is
 * SystemTap's: owner "stapsdt", type 3, a descriptor of three addresses
 * (pc, .stapsdt.base, semaphore; 4 or 8 bytes each by ELF class) followed by
 * three NUL-terminated strings: provider, name, argument specs. */
#include "errtext.h"
#include "usdt-notes.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAPSDT_OWNER "stapsdt"
#define STAPSDT_TYPE 3


/* ---- argument specs -------------------------------------------------- */

static bool parse_int(const char *s, const char **end, int64_t *val)
{
	char *e;

	errno = 0;
	long long v = strtoll(s, &e, 0);
	if (e == s || errno)
		return false;
	*val = v;
	*end = e;
	return true;
}

/* a register name: letters and digits, copied without the '%' */
static bool parse_reg(const char *s, const char **end, char *reg)
{
	size_t n = 0;

	if (*s == '%')
		s++;
	if (!isalpha((unsigned char)*s))
		return false;
	while (isalnum((unsigned char)s[n])) {
		if (n + 1 >= USDT_REG_NAME)
			return false;
		reg[n] = s[n];
		n++;
	}
	reg[n] = '\0';
	*end = s + n;
	return true;
}

/* x86 memory operand: [disp|sym[+-disp]](%base[,%index[,scale]]) */
static bool parse_x86_mem(const char *s, struct usdt_arg *a)
{
	const char *p = s;

	a->kind = USDT_ARG_MEM;
	a->scale = 1;
	if (isalpha((unsigned char)*p) || *p == '_' || *p == '.') {
		size_t n = 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.' || p[n] == '$') {
			if (n + 1 >= sizeof(a->symbol))
				return false;
			a->symbol[n] = p[n];
			n++;
		}
		a->symbol[n] = '\0';
		p += n;
	}
	if (*p != '(') {
		if (!parse_int(p, &p, &a->value))
			return false;
	}
	if (*p++ != '(')
		return false;
	if (*p == '%') {
		if (!parse_reg(p, &p, a->reg))
			return false;
	}
	if (*p == ',') {
		p++;
		if (!parse_reg(p, &p, a->index))
			return false;
		if (*p == ',') {
			int64_t scale;
			p++;
			if (!parse_int(p, &p, &scale) ||
			    (scale != 1 && scale != 2 && scale != 4 && scale != 8))
				return false;
			a->scale = (unsigned)scale;
		}
	}
	if (*p++ != ')' || *p)
		return false;
	return a->reg[0] || a->index[0];
}

/* arm64 memory operand: [reg] or [reg, disp] (disp may carry '#') */
static bool parse_arm64_mem(const char *s, struct usdt_arg *a)
{
	const char *p = s + 1;

	a->kind = USDT_ARG_MEM;
	a->scale = 1;
	a->arm64 = true;
	if (!parse_reg(p, &p, a->reg))
		return false;
	if (*p == ',') {
		p++;
		while (*p == ' ')
			p++;
		if (*p == '#')
			p++;
		if (*p == ':') {
			/* a relocation operator and symbol: #:lo12:.LANCHOR0 */
			size_t n = strcspn(p, "]");
			if (n == 0 || n >= sizeof(a->symbol))
				return false;
			memcpy(a->symbol, p, n);
			a->symbol[n] = '\0';
			p += n;
		} else if (!parse_int(p, &p, &a->value)) {
			return false;
		}
	}
	return p[0] == ']' && p[1] == '\0';
}

static bool parse_operand(const char *s, struct usdt_arg *a)
{
	const char *end;

	if (strchr(s, '('))
		return parse_x86_mem(s, a);
	if (*s == '[')
		return parse_arm64_mem(s, a);
	if (*s == '$' || *s == '#' || *s == '-' || isdigit((unsigned char)*s)) {
		a->kind = USDT_ARG_CONST;
		a->arm64 = *s != '$';
		return parse_int(s + (*s == '$' || *s == '#'), &end, &a->value) && !*end;
	}
	a->kind = USDT_ARG_REG;
	a->arm64 = *s != '%';
	return parse_reg(s, &end, a->reg) && !*end;
}

int usdt_args_parse(const char *text, struct usdt_arg *args, unsigned max, char *err,
		    size_t errlen)
{
	unsigned n = 0;
	const char *p = text;

	while (*p) {
		char tok[256];
		size_t len = 0;
		int depth = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		/* a token ends at a blank outside brackets ("8@[sp, 16]" has one inside) */
		while (p[len] && (depth > 0 || (p[len] != ' ' && p[len] != '\t'))) {
			if (p[len] == '[' || p[len] == '(')
				depth++;
			else if ((p[len] == ']' || p[len] == ')') && depth > 0)
				depth--;
			len++;
		}
		if (len >= sizeof(tok)) {
			seterr(err, errlen, "argument %u is too long", n + 1);
			return -1;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		p += len;
		if (n >= max) {
			seterr(err, errlen, "more than %u arguments", max);
			return -1;
		}

		struct usdt_arg *a = &args[n];
		memset(a, 0, sizeof(*a));
		char *at = strchr(tok, '@');
		int64_t size;
		const char *end;
		if (!at || !parse_int(tok, &end, &size) || end != at ||
		    (llabs(size) != 1 && llabs(size) != 2 && llabs(size) != 4 && llabs(size) != 8)) {
			seterr(err, errlen, "argument %u '%s': no size (expected N@OPERAND, N = [-]1/2/4/8)",
			       n + 1, tok);
			return -1;
		}
		a->size = (unsigned)llabs(size);
		a->is_signed = size < 0;
		if (!parse_operand(at + 1, a)) {
			seterr(err, errlen, "argument %u '%s': operand not understood", n + 1, tok);
			return -1;
		}
		n++;
	}
	return (int)n;
}

void usdt_arg_format(const struct usdt_arg *a, char *buf, size_t len)
{
	int size = a->is_signed ? -(int)a->size : (int)a->size;

	if (a->arm64) {
		if (a->kind == USDT_ARG_CONST)
			snprintf(buf, len, "%d@%" PRId64, size, a->value);
		else if (a->kind == USDT_ARG_REG)
			snprintf(buf, len, "%d@%s", size, a->reg);
		else if (a->symbol[0])
			snprintf(buf, len, "%d@[%s, #%s]", size, a->reg, a->symbol);
		else if (a->value)
			snprintf(buf, len, "%d@[%s, %" PRId64 "]", size, a->reg, a->value);
		else
			snprintf(buf, len, "%d@[%s]", size, a->reg);
		return;
	}
	switch (a->kind) {
	case USDT_ARG_CONST:
		snprintf(buf, len, "%d@$%" PRId64, size, a->value);
		break;
	case USDT_ARG_REG:
		snprintf(buf, len, "%d@%%%s", size, a->reg);
		break;
	case USDT_ARG_MEM: {
		char disp[96] = "", idx[32] = "";
		if (a->symbol[0])
			snprintf(disp, sizeof(disp), "%s%+" PRId64, a->symbol, a->value);
		else if (a->value)
			snprintf(disp, sizeof(disp), "%" PRId64, a->value);
		if (a->index[0])
			snprintf(idx, sizeof(idx), ",%%%s,%u", a->index, a->scale);
		snprintf(buf, len, "%d@%s(%s%s%s)", size, disp, a->reg[0] ? "%" : "", a->reg, idx);
		break;
	}
	}
}

/* ---- ftrace fetch arguments ----------------------------------------- */

/* x86-64: any width of a general register -> its pt_regs name */
static const char *x86_pt_reg(const char *r)
{
	static const struct {
		const char *names[4];
		const char *pt;
	} map[] = {
		{ { "rax", "eax", "ax", "al" }, "ax" }, { { "rbx", "ebx", "bx", "bl" }, "bx" },
		{ { "rcx", "ecx", "cx", "cl" }, "cx" }, { { "rdx", "edx", "dx", "dl" }, "dx" },
		{ { "rsi", "esi", "si", "sil" }, "si" }, { { "rdi", "edi", "di", "dil" }, "di" },
		{ { "rbp", "ebp", "bp", "bpl" }, "bp" }, { { "rsp", "esp", "sp", "spl" }, "sp" },
		{ { "rip", "eip", "ip", NULL }, "ip" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		for (int j = 0; j < 4; j++)
			if (map[i].names[j] && !strcmp(r, map[i].names[j]))
				return map[i].pt;
	/* r8..r15 with an optional d/w/b suffix */
	static char buf[8];
	if (r[0] == 'r' && isdigit((unsigned char)r[1])) {
		char *end;
		long n = strtol(r + 1, &end, 10);
		if (n >= 8 && n <= 15 && (!*end || ((*end == 'd' || *end == 'w' || *end == 'b') && !end[1]))) {
			snprintf(buf, sizeof(buf), "r%ld", n);
			return buf;
		}
	}
	return NULL;
}

/* arm64: x0..x30 / w0..w30, sp, pc */
static const char *arm64_pt_reg(const char *r)
{
	static char buf[8];
	if (!strcmp(r, "sp") || !strcmp(r, "pc"))
		return r;
	if ((r[0] == 'x' || r[0] == 'w') && isdigit((unsigned char)r[1])) {
		char *end;
		long n = strtol(r + 1, &end, 10);
		if (!*end && n >= 0 && n <= 30) {
			snprintf(buf, sizeof(buf), "x%ld", n);
			return buf;
		}
	}
	return NULL;
}

/* Offsets in the kernel's struct pt_regs, which a uprobe's BPF program gets
 * as its context: x86-64's saves r15 first (arch/x86/include/asm/ptrace.h),
 * arm64's starts with regs[31], sp, pc. */
static const struct {
	unsigned machine;
	const char *pt;
	int offset;
} pt_regs_offsets[] = {
	{ EM_X86_64, "r15", 0 },   { EM_X86_64, "r14", 8 },   { EM_X86_64, "r13", 16 },
	{ EM_X86_64, "r12", 24 },  { EM_X86_64, "bp", 32 },   { EM_X86_64, "bx", 40 },
	{ EM_X86_64, "r11", 48 },  { EM_X86_64, "r10", 56 },  { EM_X86_64, "r9", 64 },
	{ EM_X86_64, "r8", 72 },   { EM_X86_64, "ax", 80 },   { EM_X86_64, "cx", 88 },
	{ EM_X86_64, "dx", 96 },   { EM_X86_64, "si", 104 },  { EM_X86_64, "di", 112 },
	{ EM_X86_64, "ip", 128 },  { EM_X86_64, "sp", 152 },
	{ EM_AARCH64, "sp", 31 * 8 }, { EM_AARCH64, "pc", 32 * 8 },
};

int usdt_arg_regs_offset(const struct usdt_arg *a, unsigned machine)
{
	const char *reg = machine == EM_X86_64 ? x86_pt_reg(a->reg) :
			  machine == EM_AARCH64 ? arm64_pt_reg(a->reg) : NULL;
	if (!reg)
		return -1;
	if (machine == EM_AARCH64 && reg[0] == 'x')
		return atoi(reg + 1) * 8;
	for (size_t i = 0; i < sizeof(pt_regs_offsets) / sizeof(pt_regs_offsets[0]); i++)
		if (pt_regs_offsets[i].machine == machine && !strcmp(pt_regs_offsets[i].pt, reg))
			return pt_regs_offsets[i].offset;
	return -1;
}

int usdt_arg_to_fetcharg(const struct usdt_arg *a, unsigned machine, bool as_string, char *buf,
			 size_t len, char *err, size_t errlen)
{
	char type[8];
	const char *reg = NULL;

	snprintf(type, sizeof(type), "%c%u", a->is_signed ? 's' : 'u', a->size * 8);
	if (a->kind != USDT_ARG_CONST) {
		if (a->symbol[0] || a->index[0]) {
			seterr(err, errlen, "ftrace cannot fetch %s (symbol or index register)",
			       a->symbol[0] ? a->symbol : a->index);
			return -1;
		}
		if (machine == EM_X86_64)
			reg = x86_pt_reg(a->reg);
		else if (machine == EM_AARCH64)
			reg = arm64_pt_reg(a->reg);
		if (!reg) {
			seterr(err, errlen, "register '%s' has no ftrace name on this machine", a->reg);
			return -1;
		}
	}
	switch (a->kind) {
	case USDT_ARG_CONST:
		if (as_string) {
			seterr(err, errlen, "a constant cannot be a string");
			return -1;
		}
		snprintf(buf, len, "\\%" PRId64 ":%s", a->value, type);
		break;
	case USDT_ARG_REG:
		if (as_string)
			snprintf(buf, len, "+0(%%%s):string", reg);
		else
			snprintf(buf, len, "%%%s:%s", reg, type);
		break;
	case USDT_ARG_MEM:
		if (as_string)
			snprintf(buf, len, "+0(%+" PRId64 "(%%%s)):string", a->value, reg);
		else
			snprintf(buf, len, "%+" PRId64 "(%%%s):%s", a->value, reg, type);
		break;
	}
	return 0;
}

/* ---- the ELF side ---------------------------------------------------- */

/* The file offset of virtual address ADDR: through the PT_LOAD segment that
 * holds it (its file-backed part), else through an allocated section (for
 * files without program headers, such as relocatable objects). */
static bool vaddr_to_offset(Elf *elf, uint64_t addr, uint64_t *off)
{
	size_t nph;

	if (elf_getphdrnum(elf, &nph) == 0) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if (addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_filesz) {
				*off = addr - ph.p_vaddr + ph.p_offset;
				return true;
			}
		}
		if (nph)
			return false;
	}
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS)
			continue;
		if (addr >= sh.sh_addr && addr - sh.sh_addr < sh.sh_size) {
			*off = addr - sh.sh_addr + sh.sh_offset;
			return true;
		}
	}
	return false;
}

static uint64_t read_addr(const unsigned char *p, bool elf64, bool swap)
{
	uint64_t v = 0;
	unsigned n = elf64 ? 8 : 4;

	for (unsigned i = 0; i < n; i++) {
		unsigned shift = swap ? (n - 1 - i) * 8 : i * 8;
		v |= (uint64_t)p[i] << shift;
	}
	return v;
}

static int add_probe(struct usdt_notes *out, size_t *cap, const unsigned char *desc, size_t dsz,
		     bool swap, char *err, size_t errlen)
{
	unsigned asz = out->elf64 ? 8 : 4;
	const char *str, *provider, *name, *args;
	size_t left;

	if (dsz < 3 * asz + 3) {
		seterr(err, errlen, "stapsdt note %zu: descriptor of %zu bytes is too short",
		       out->count + 1, dsz);
		return -1;
	}
	str = (const char *)desc + 3 * asz;
	left = dsz - 3 * asz;
	provider = str;
	size_t plen = strnlen(provider, left);
	name = provider + plen + 1;
	size_t nlen = plen < left ? strnlen(name, left - plen - 1) : left;
	args = name + nlen + 1;
	if (plen >= left || plen + 1 + nlen >= left ||
	    strnlen(args, left - plen - nlen - 2) >= left - plen - nlen - 2) {
		seterr(err, errlen, "stapsdt note %zu: provider/name/arguments not NUL-terminated",
		       out->count + 1);
		return -1;
	}
	if (out->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct usdt_probe *np = realloc(out->probes, ncap * sizeof(*np));
		if (!np) {
			seterr(err, errlen, "out of memory");
			return -1;
		}
		out->probes = np;
		*cap = ncap;
	}
	struct usdt_probe *p = &out->probes[out->count];
	memset(p, 0, sizeof(*p));
	p->provider = strdup(provider);
	p->name = strdup(name);
	p->args_text = strdup(args);
	out->count++; /* counted now so usdt_notes_free releases it on any error */
	if (!p->provider || !p->name || !p->args_text) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	p->note_pc = read_addr(desc, out->elf64, swap);
	p->note_base = read_addr(desc + asz, out->elf64, swap);
	p->note_semaphore = read_addr(desc + 2 * asz, out->elf64, swap);
	return 0;
}

/* The ELF header, checked: the machine, the class, and section headers that
 * lie inside the file (libelf quietly shows no sections when their table lies
 * past the end). Fills *SHSTRNDX and *SWAP (the file's byte order differs
 * from the host's, for the raw addresses in the descriptors). */
static int read_header(Elf *elf, struct usdt_notes *out, size_t *shstrndx, bool *swap, char *err,
		       size_t errlen)
{
	GElf_Ehdr eh;

	if (elf_kind(elf) != ELF_K_ELF) {
		size_t size = 0;
		const char *raw = elf_rawfile(elf, &size);
		if (raw && size >= SELFMAG && !memcmp(raw, ELFMAG, SELFMAG))
			seterr(err, errlen, "truncated ELF: header incomplete (%zu bytes)", size);
		else
			seterr(err, errlen, "not an ELF file");
		return -1;
	}
	if (!gelf_getehdr(elf, &eh)) {
		seterr(err, errlen, "truncated or corrupt ELF header: %s", elf_errmsg(-1));
		return -1;
	}
	out->elf64 = gelf_getclass(elf) == ELFCLASS64;
	out->machine = eh.e_machine;
	size_t fsize = 0;
	elf_rawfile(elf, &fsize);
	if (eh.e_shoff && (eh.e_shoff > fsize || eh.e_shnum > (fsize - eh.e_shoff) / (eh.e_shentsize ? eh.e_shentsize : 1))) {
		seterr(err, errlen, "truncated ELF: section headers at offset 0x%" PRIx64
		       " lie beyond the end of the file (%zu bytes)", (uint64_t)eh.e_shoff, fsize);
		return -1;
	}
	if (elf_getshdrstrndx(elf, shstrndx)) {
		seterr(err, errlen, "truncated or corrupt ELF: no section names: %s", elf_errmsg(-1));
		return -1;
	}
	*swap = (eh.e_ident[EI_DATA] == ELFDATA2MSB) != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	return 0;
}

/* Every stapsdt note of one SHT_NOTE section. */
static int read_note_section(Elf_Scn *scn, const char *sname, struct usdt_notes *out, size_t *cap,
			     bool swap, char *err, size_t errlen)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data) {
		seterr(err, errlen, "truncated ELF: note section %s unreadable: %s",
		       sname ? sname : "?", elf_errmsg(-1));
		return -1;
	}
	size_t off = 0, next;
	GElf_Nhdr nh;
	size_t name_off, desc_off;
	while (off < data->d_size && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		off = next;
		if (nh.n_type != STAPSDT_TYPE || nh.n_namesz != sizeof(STAPSDT_OWNER) ||
		    memcmp((char *)data->d_buf + name_off, STAPSDT_OWNER, sizeof(STAPSDT_OWNER)))
			continue;
		if (add_probe(out, cap, (unsigned char *)data->d_buf + desc_off, nh.n_descsz, swap,
			      err, errlen))
			return -1;
	}
	return 0;
}

/* Where each probe really is (prelink may have moved the image: shift by
 * how far .stapsdt.base moved), its file offsets, and its arguments. */
static void place_probes(Elf *elf, struct usdt_notes *out)
{
	for (size_t i = 0; i < out->count; i++) {
		struct usdt_probe *p = &out->probes[i];
		uint64_t shift = out->has_base && p->note_base ? out->base_addr - p->note_base : 0;
		p->pc = p->note_pc + shift;
		p->semaphore = p->note_semaphore ? p->note_semaphore + shift : 0;
		p->pc_offset_ok = vaddr_to_offset(elf, p->pc, &p->pc_offset);
		if (p->semaphore)
			p->semaphore_offset_ok = vaddr_to_offset(elf, p->semaphore, &p->semaphore_offset);
		char aerr[192];
		int n = usdt_args_parse(p->args_text, p->args, USDT_MAX_ARGS, aerr, sizeof(aerr));
		if (n < 0) {
			p->args_error = strdup(aerr);
			p->nargs = 0;
		} else {
			p->nargs = (unsigned)n;
		}
	}
}

static int read_elf(Elf *elf, struct usdt_notes *out, char *err, size_t errlen)
{
	size_t shstrndx, cap = 0;
	bool swap;

	if (read_header(elf, out, &shstrndx, &swap, err, errlen))
		return -1;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh)) {
			seterr(err, errlen, "corrupt section header: %s", elf_errmsg(-1));
			return -1;
		}
		const char *sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sname && !strcmp(sname, ".stapsdt.base") && sh.sh_type != SHT_NOBITS) {
			out->has_base = true;
			out->base_addr = sh.sh_addr;
		}
		if (sh.sh_type == SHT_NOTE &&
		    read_note_section(scn, sname, out, &cap, swap, err, errlen))
			return -1;
	}
	place_probes(elf, out);
	return 0;
}

static int read_with(Elf *elf, struct usdt_notes *out, char *err, size_t errlen)
{
	if (!elf) {
		seterr(err, errlen, "not an ELF file (%s)", elf_errmsg(-1));
		return -1;
	}
	int rc = read_elf(elf, out, err, errlen);
	elf_end(elf);
	if (rc)
		usdt_notes_free(out);
	return rc;
}

/* starts like ELF but ends inside its header (libelf just says "not ELF") */
static bool header_truncated(const void *image, size_t size)
{
	const unsigned char *p = image;

	if (size < SELFMAG || memcmp(p, ELFMAG, SELFMAG))
		return false;
	if (size <= EI_CLASS)
		return true;
	return size < (p[EI_CLASS] == ELFCLASS32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr));
}

int usdt_notes_read_image(const void *image, size_t size, struct usdt_notes *out, char *err,
			  size_t errlen)
{
	memset(out, 0, sizeof(*out));
	elf_version(EV_CURRENT);
	if (header_truncated(image, size)) {
		seterr(err, errlen, "truncated ELF: header incomplete (%zu bytes)", size);
		return -1;
	}
	/* libelf wants a writable image; it reads it in place */
	return read_with(elf_memory((char *)image, size), out, err, errlen);
}

int usdt_notes_read(const char *path, struct usdt_notes *out, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	unsigned char head[sizeof(Elf64_Ehdr)];
	ssize_t got = pread(fd, head, sizeof(head), 0);
	if (got >= 0 && header_truncated(head, (size_t)got)) {
		seterr(err, errlen, "%s: truncated ELF: header incomplete (%zd bytes)", path, got);
		close(fd);
		return -1;
	}
	elf_version(EV_CURRENT);
	char why[256];
	rc = read_with(elf_begin(fd, ELF_C_READ_MMAP, NULL), out, why, sizeof(why));
	close(fd);
	if (rc) {
		seterr(err, errlen, "%s: %s", path, why);
		return -1;
	}
	out->path = strdup(path);
	if (!out->path) {
		usdt_notes_free(out);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void usdt_notes_free(struct usdt_notes *notes)
{
	for (size_t i = 0; i < notes->count; i++) {
		free(notes->probes[i].provider);
		free(notes->probes[i].name);
		free(notes->probes[i].args_text);
		free(notes->probes[i].args_error);
	}
	free(notes->probes);
	free(notes->path);
	memset(notes, 0, sizeof(*notes));
}

const struct usdt_probe *usdt_notes_find(const struct usdt_notes *notes, const char *provider,
					 const char *name)
{
	for (size_t i = 0; i < notes->count; i++) {
		const struct usdt_probe *p = &notes->probes[i];
		if ((!provider || !strcmp(p->provider, provider)) && !strcmp(p->name, name))
			return p;
	}
	return NULL;
}
