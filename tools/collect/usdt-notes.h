/* USDT probes of an ELF file, read from its .note.stapsdt notes.
 *
 * Each note gives a probe's provider, name, address, the link-time address of
 * .stapsdt.base, its semaphore address (0: none) and its argument specs
 * ("-4@%eax 8@-16(%rbp) 4@$5"). Consumers need more than the note says:
 *   - the addresses corrected for prelinking (the note keeps the link-time
 *     value; the difference between .stapsdt.base's section address and the
 *     note's base is added to both the probe and the semaphore address);
 *   - FILE OFFSETS of the probe and of the semaphore, which is what uprobe
 *     events (`PATH:OFFSET(REF_CTR_OFFSET)`) and perf_event uprobes take;
 *   - the argument specs as structures, and as ftrace fetch arguments.
 * The reader uses libelf only and checks every length, so any file (or a
 * crafted buffer) gives either probes or one error line, never a crash. */
#ifndef KVMSCOPE_USDT_NOTES_H
#define KVMSCOPE_USDT_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USDT_MAX_ARGS 12 /* <sys/sdt.h> carries at most 12 */
#define USDT_REG_NAME 8  /* longest x86/arm64 register name + NUL */

enum usdt_arg_kind {
	USDT_ARG_CONST, /* 4@$5: an immediate */
	USDT_ARG_REG,   /* -4@%eax: a register's value */
	USDT_ARG_MEM,   /* 8@-16(%rbp), 8@foo+8(%rip), 4@(%rax,%rbx,4): memory */
};

struct usdt_arg {
	enum usdt_arg_kind kind;
	unsigned size;  /* bytes: 1, 2, 4 or 8 */
	bool is_signed; /* a negative size in the spec */
	int64_t value;  /* CONST: the value; MEM: the displacement */
	char reg[USDT_REG_NAME];   /* REG, MEM: the register as written ("eax", "rbp"); MEM may have none */
	char index[USDT_REG_NAME]; /* MEM: index register, "" when none */
	unsigned scale;            /* MEM: scale of the index (1, 2, 4, 8) */
	char symbol[64];           /* MEM: a symbolic displacement ("foo" in foo+8(%rip),
				    * ":lo12:.LANCHOR0" in [x0, #:lo12:.LANCHOR0]), "" if none */
	bool arm64;                /* written in arm64 syntax ("x0", "[sp, 16]", "#5") */
};

struct usdt_probe {
	char *provider;
	char *name;
	char *args_text;   /* the spec string as in the note ("" when no arguments) */
	uint64_t note_pc;  /* the three addresses exactly as the note holds them */
	uint64_t note_base;
	uint64_t note_semaphore;
	uint64_t pc;        /* virtual address, corrected for prelinking */
	uint64_t semaphore; /* virtual address, corrected; 0 when the probe has none */
	uint64_t pc_offset; /* file offsets (valid when *_offset_ok) */
	uint64_t semaphore_offset;
	bool pc_offset_ok;
	bool semaphore_offset_ok;
	unsigned nargs;
	struct usdt_arg args[USDT_MAX_ARGS];
	char *args_error; /* why args_text did not parse (NULL: it did); the probe stays listed */
};

struct usdt_notes {
	char *path;       /* as given (NULL for a memory image) */
	bool elf64;
	unsigned machine; /* e_machine: EM_X86_64, EM_AARCH64, ... */
	bool has_base;    /* the file has a .stapsdt.base section */
	uint64_t base_addr;
	size_t count;
	struct usdt_probe *probes;
};

/* Reads every stapsdt note of PATH. Returns 0 and fills OUT (count may be 0:
 * the file is ELF but has no USDT probes), or -1 with a one-line reason in
 * ERR ("not an ELF file", "truncated ELF: ...", the errno text). */
int usdt_notes_read(const char *path, struct usdt_notes *out, char *err, size_t errlen);

/* The same over an ELF image in memory (the fuzzer uses this). */
int usdt_notes_read_image(const void *image, size_t size, struct usdt_notes *out, char *err,
			  size_t errlen);

void usdt_notes_free(struct usdt_notes *notes);

/* The first probe PROVIDER:NAME (PROVIDER NULL: any provider), or NULL. */
const struct usdt_probe *usdt_notes_find(const struct usdt_notes *notes, const char *provider,
					 const char *name);

/* Parses a spec string ("-4@%eax 8@-16(%rbp)") into at most MAX arguments.
 * Returns the number parsed, or -1 with the bad token named in ERR. */
int usdt_args_parse(const char *text, struct usdt_arg *args, unsigned max, char *err,
		    size_t errlen);

/* One argument in the spec's own syntax ("-4@%eax"), for listings. */
void usdt_arg_format(const struct usdt_arg *arg, char *buf, size_t len);

/* One argument as an ftrace uprobe fetch argument for MACHINE
 * ("%ax:s32", "-16(%bp):u64", "\5:s32"); AS_STRING dereferences the value as
 * a NUL-terminated user string ("+0(%r12):string"). Returns 0, or -1 with the
 * reason in ERR when ftrace cannot express the argument (a symbolic
 * displacement, an index register, an unknown register). */
int usdt_arg_to_fetcharg(const struct usdt_arg *arg, unsigned machine, bool as_string,
			 char *buf, size_t len, char *err, size_t errlen);

/* Where the argument's register sits in the kernel's struct pt_regs on
 * MACHINE (EM_X86_64, EM_AARCH64: what a BPF uprobe program reads), or -1
 * for a register it does not hold. */
int usdt_arg_regs_offset(const struct usdt_arg *arg, unsigned machine);

#endif
