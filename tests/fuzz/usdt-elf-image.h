/* A tiny ELF64 image with stapsdt notes, built in memory: the unit test
 * checks the reader against it (prelink shift, file offsets that differ from
 * addresses), and tests/fuzz/gen-usdt-seeds.c writes it as fuzzing seeds.
 *
 * Layout (file offsets): Ehdr | one PT_LOAD | .stapsdt.base @0x100 |
 * .probes @0x110 | "text" @0x120 | .note.stapsdt @0x140 | .shstrtab |
 * section headers. The segment maps file offset 0 at LOAD_VADDR + shift;
 * the notes keep the un-shifted addresses, as prelink leaves them. */
#ifndef TESTS_FUZZ_USDT_ELF_IMAGE_H
#define TESTS_FUZZ_USDT_ELF_IMAGE_H

#include <elf.h>
#include <stdint.h>
#include <string.h>

#define IMG_LOAD_VADDR 0x400000u
#define IMG_BASE_OFF 0x100u
#define IMG_SEMA_OFF 0x110u
#define IMG_TEXT_OFF 0x120u
#define IMG_NOTE_OFF 0x140u

struct img_probe {
	const char *provider, *name, *args;
	unsigned text_off; /* probe location, as a file offset inside "text" */
	int with_sema;
};

static size_t img_align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Builds the image into BUF (at least 4096 bytes); returns its size. */
static size_t img_build(unsigned char *buf, size_t cap, const struct img_probe *probes,
			unsigned nprobes, uint64_t prelink_shift)
{
	static const char shstr[] = "\0.stapsdt.base\0.probes\0.text\0.note.stapsdt\0.shstrtab";
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	size_t off = IMG_NOTE_OFF;

	memset(buf, 0, cap);
	for (unsigned i = 0; i < nprobes; i++) {
		const struct img_probe *p = &probes[i];
		size_t strs = strlen(p->provider) + strlen(p->name) + strlen(p->args) + 3;
		Elf64_Nhdr nh = { 8, (Elf64_Word)(24 + strs), 3 };
		uint64_t addrs[3] = {
			IMG_LOAD_VADDR + p->text_off,
			IMG_LOAD_VADDR + IMG_BASE_OFF,
			p->with_sema ? IMG_LOAD_VADDR + IMG_SEMA_OFF + 2 * i : 0,
		};
		if (off + sizeof(nh) + 8 + 24 + strs + 8 > cap / 2)
			break;
		memcpy(buf + off, &nh, sizeof(nh));
		memcpy(buf + off + sizeof(nh), "stapsdt", 8);
		unsigned char *d = buf + off + sizeof(nh) + 8;
		memcpy(d, addrs, 24);
		char *s = (char *)d + 24;
		strcpy(s, p->provider);
		s += strlen(p->provider) + 1;
		strcpy(s, p->name);
		s += strlen(p->name) + 1;
		strcpy(s, p->args);
		off += sizeof(nh) + 8 + img_align4(24 + strs);
	}
	size_t note_size = off - IMG_NOTE_OFF;
	size_t shstr_off = off;
	memcpy(buf + shstr_off, shstr, sizeof(shstr));
	off = (shstr_off + sizeof(shstr) + 7) & ~(size_t)7;
	size_t shoff = off;
	Elf64_Shdr *sh = (Elf64_Shdr *)(buf + shoff);
	uint64_t vbase = IMG_LOAD_VADDR + prelink_shift;

	/* [1] .stapsdt.base [2] .probes [3] .text [4] .note.stapsdt [5] .shstrtab */
	sh[1] = (Elf64_Shdr){ 1, SHT_PROGBITS, SHF_ALLOC, vbase + IMG_BASE_OFF, IMG_BASE_OFF, 1, 0, 0, 1, 0 };
	sh[2] = (Elf64_Shdr){ 15, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, vbase + IMG_SEMA_OFF, IMG_SEMA_OFF, 16, 0, 0, 2, 0 };
	sh[3] = (Elf64_Shdr){ 24, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, vbase + IMG_TEXT_OFF, IMG_TEXT_OFF, 32, 0, 0, 1, 0 };
	sh[4] = (Elf64_Shdr){ 30, SHT_NOTE, 0, 0, IMG_NOTE_OFF, note_size, 0, 0, 4, 0 };
	sh[5] = (Elf64_Shdr){ 44, SHT_STRTAB, 0, 0, shstr_off, sizeof(shstr), 0, 0, 1, 0 };
	off = shoff + 6 * sizeof(Elf64_Shdr);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_shoff = shoff;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 6;
	eh->e_shstrndx = 5;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff);
	*ph = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0, vbase, vbase, IMG_NOTE_OFF, IMG_NOTE_OFF, 0x1000 };
	return off;
}

#endif
