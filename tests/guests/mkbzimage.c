/*
 * mkbzimage.c - build linux64.bzImage, a fake Linux/x86 bzImage for
 * testing a VMM's Linux boot protocol (host tool).
 *
 *   mkbzimage -s SETUP.bin -k PAYLOAD.elf -o OUT [-V VERSION]
 *
 * OUT = boot sector + setup header (written here) + SETUP.bin (real-mode
 * code linked at setup offset 0x280) + a version string, padded to whole
 * 512-byte sectors, followed by the flat image of PAYLOAD.elf (a 64-bit
 * ELF loaded at 0x100000 with startup_64 at +0x200). Header values follow
 * the boot protocol documentation (Documentation/arch/x86/boot.rst):
 * protocol 2.15, LOADED_HIGH, XLF_KERNEL_64, not relocatable, syssize and
 * init_size from the payload.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linux64/bootparam.h"

#define SECTOR		512
#define SETUP_CODE_OFF	0x280		/* where SETUP.bin starts */
#define SETUP_MAX	0x8000		/* real-mode code + data limit */
#define LOAD_ADDR	0x100000u	/* code32_start, pref_address */
#define ENTRY64_OFF	0x200		/* startup_64 */
#define PROTOCOL	0x020f
#define CMDLINE_SIZE	2047		/* COMMAND_LINE_SIZE - 1 */
#define INITRD_MAX	0x7fffffffu
#define PAYLOAD_MAX	(64u << 20)

static const char *prog = "mkbzimage";

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *f = fopen(path, "rb");

	if (!f)
		die("cannot open %s", path);
	for (;;) {
		size_t got;

		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > PAYLOAD_MAX * 2)
				die("%s: too large", path);
			buf = realloc(buf, cap);
			if (!buf)
				die("out of memory reading %s", path);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		die("cannot read %s", path);
	fclose(f);
	*len = n;
	return buf;
}

static void put8(unsigned char *p, unsigned int off, uint8_t v)
{
	p[off] = v;
}

static void put16(unsigned char *p, unsigned int off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(unsigned char *p, unsigned int off, uint32_t v)
{
	put16(p, off, (uint16_t)v);
	put16(p, off + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, unsigned int off, uint64_t v)
{
	put32(p, off, (uint32_t)v);
	put32(p, off + 4, (uint32_t)(v >> 32));
}

struct payload {
	unsigned char *image;	/* flat bytes from LOAD_ADDR */
	size_t size;		/* file part, padded to 16 bytes */
	uint32_t init_size;	/* memory needed from LOAD_ADDR, incl. .bss */
};

/* Flatten the PT_LOAD segments of a 64-bit x86 ELF into one image. */
static void load_payload(const char *path, struct payload *pl)
{
	size_t len, i;
	unsigned char *elf = read_file(path, &len);
	Elf64_Ehdr eh;
	uint64_t lo = UINT64_MAX, file_end = 0, mem_end = 0;

	if (len < sizeof(eh))
		die("%s: not an ELF file", path);
	memcpy(&eh, elf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
		die("%s: not a little-endian x86-64 ELF64 file", path);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len)
		die("%s: bad program headers", path);

	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, elf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (ph.p_offset + ph.p_filesz > len || ph.p_filesz > ph.p_memsz)
			die("%s: PT_LOAD outside the file", path);
		if (ph.p_paddr < lo)
			lo = ph.p_paddr;
		if (ph.p_paddr + ph.p_filesz > file_end)
			file_end = ph.p_paddr + ph.p_filesz;
		if (ph.p_paddr + ph.p_memsz > mem_end)
			mem_end = ph.p_paddr + ph.p_memsz;
	}
	if (lo != LOAD_ADDR)
		die("%s: must load at 0x100000 (code32_start)", path);
	if (eh.e_entry != LOAD_ADDR + ENTRY64_OFF)
		die("%s: entry must be startup_64 at load address + 0x200", path);
	if (mem_end - lo > PAYLOAD_MAX)
		die("%s: payload too large", path);

	pl->size = (size_t)((file_end - lo + 15) & ~15ull);
	pl->init_size = (uint32_t)((mem_end - lo + 4095) & ~4095ull);
	pl->image = calloc(1, pl->size ? pl->size : 1);
	if (!pl->image)
		die("out of memory for %s", path);

	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, elf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		memcpy(pl->image + (ph.p_paddr - lo), elf + ph.p_offset,
		       ph.p_filesz);
	}
	free(elf);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s -s SETUP.bin -k PAYLOAD.elf -o OUT [-V VERSION]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *setup_path = NULL, *payload_path = NULL, *out_path = NULL;
	const char *version = "kvmscope-linux64 (fake bzImage for VMM tests)";
	unsigned char *setup_code, *setup;
	size_t setup_code_len, setup_len, version_off;
	unsigned int setup_sects;
	struct payload pl;
	FILE *out;
	int opt;

	while ((opt = getopt(argc, argv, "s:k:o:V:")) != -1) {
		switch (opt) {
		case 's': setup_path = optarg; break;
		case 'k': payload_path = optarg; break;
		case 'o': out_path = optarg; break;
		case 'V': version = optarg; break;
		default: usage();
		}
	}
	if (!setup_path || !payload_path || !out_path || optind != argc)
		usage();

	setup_code = read_file(setup_path, &setup_code_len);
	load_payload(payload_path, &pl);

	version_off = SETUP_CODE_OFF + setup_code_len;
	setup_len = version_off + strlen(version) + 1;
	setup_len = (setup_len + SECTOR - 1) / SECTOR * SECTOR;
	if (setup_len > SETUP_MAX)
		die("%s: setup code too large", setup_path);
	setup_sects = (unsigned int)(setup_len / SECTOR - 1);

	setup = calloc(1, setup_len);
	if (!setup)
		die("out of memory%s", "");
	memcpy(setup + SETUP_CODE_OFF, setup_code, setup_code_len);
	memcpy(setup + version_off, version, strlen(version) + 1);

	put8(setup, BP_SETUP_SECTS, (uint8_t)setup_sects);
	put16(setup, BP_ROOT_FLAGS, 0);
	put32(setup, BP_SYSSIZE, (uint32_t)(pl.size / 16));
	put16(setup, BP_VID_MODE, 0xffff);		/* NORMAL_VGA */
	put16(setup, BP_BOOT_FLAG, BOOT_FLAG);
	put8(setup, BP_JUMP, 0xeb);			/* jmp short */
	put8(setup, BP_JUMP + 1, SETUP_CODE_OFF - (BP_JUMP + 2));
	put32(setup, BP_HDR_MAGIC, HDR_MAGIC);
	put16(setup, BP_VERSION, PROTOCOL);
	put16(setup, BP_START_SYS_SEG, 0x1000);
	put16(setup, BP_KERNEL_VERSION, (uint16_t)(version_off - 0x200));
	put8(setup, BP_LOADFLAGS, LOADFLAGS_LOADED_HIGH);
	put16(setup, BP_SETUP_MOVE_SIZE, 0x8000);
	put32(setup, BP_CODE32_START, LOAD_ADDR);
	put32(setup, BP_INITRD_ADDR_MAX, INITRD_MAX);
	put32(setup, BP_KERNEL_ALIGNMENT, LOAD_ADDR);
	put8(setup, BP_RELOCATABLE_KERNEL, 0);
	put8(setup, BP_MIN_ALIGNMENT, 20);		/* 1 MiB, log2 */
	put16(setup, BP_XLOADFLAGS, XLF_KERNEL_64);
	put32(setup, BP_CMDLINE_SIZE, CMDLINE_SIZE);
	put64(setup, BP_PREF_ADDRESS, LOAD_ADDR);
	put32(setup, BP_INIT_SIZE, pl.init_size);
	/* Everything else (loader-written fields, handover_offset,
	 * kernel_info_offset, setup_data...) stays 0: no EFI handover, no
	 * kernel_info. */

	out = fopen(out_path, "wb");
	if (!out)
		die("cannot create %s", out_path);
	if (fwrite(setup, 1, setup_len, out) != setup_len ||
	    fwrite(pl.image, 1, pl.size, out) != pl.size || fclose(out)) {
		unlink(out_path);
		die("cannot write %s", out_path);
	}
	free(setup);
	free(setup_code);
	free(pl.image);
	return 0;
}
