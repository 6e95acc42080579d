/* Multiboot v1 (ELF32 or a.out kludge): load segments, build the multiboot
 * information structure, enter in 32-bit protected mode with EAX=0x2BADB002. */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "x86.h"

#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_BOOTLOADER_MAGIC 0x2BADB002u
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
#define MB_INFO_MEMORY (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MEM_MAP (1u << 6)
#define MB_INFO_BOOT_LOADER_NAME (1u << 9)

/* low-memory layout of what the loader hands over */
#define MBI_ADDR 0x9000
#define MBI_LOADER_NAME 0x9300
#define MBI_MMAP 0x9400
#define MBI_CMDLINE 0x9800
#define MBI_CMDLINE_MAX 0x800

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

static const struct mb_header *find_header(const uint8_t *img, size_t len, size_t *off)
{
	for (size_t o = 0; o + sizeof(struct mb_header) <= len && o < 8192; o += 4) {
		struct mb_header h;
		memcpy(&h, img + o, sizeof(h));
		if (h.magic == MB_HEADER_MAGIC && h.magic + h.flags + h.checksum == 0) {
			*off = o;
			return (const struct mb_header *)(img + o);
		}
	}
	return NULL;
}

static int copy_to_guest(struct machine *m, uint64_t gpa, const void *src, uint64_t filesz,
			 uint64_t memsz)
{
	uint8_t *dst = guest_ptr(m, gpa, memsz);
	if (!dst || filesz > memsz) {
		error_report("multiboot: segment 0x%llx+0x%llx is outside guest RAM",
			     (unsigned long long)gpa, (unsigned long long)memsz);
		return -1;
	}
	memcpy(dst, src, filesz);
	memset(dst + filesz, 0, memsz - filesz);
	return 0;
}

static int load_elf(struct machine *m, const uint8_t *img, size_t len, uint32_t *entry)
{
	Elf32_Ehdr eh;

	if (len < sizeof(eh) || memcmp(img, ELFMAG, SELFMAG)) {
		error_report("multiboot: not an ELF image and no a.out kludge in the header");
		return -1;
	}
	if (img[EI_CLASS] == ELFCLASS64) {
		/* QEMU's words */
		error_report("Cannot load x86-64 image, give a 32bit one.");
		return -1;
	}
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_machine != EM_386 || eh.e_phentsize != sizeof(Elf32_Phdr) ||
	    eh.e_phoff > len || (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > len - eh.e_phoff) {
		error_report("multiboot: malformed ELF32 program headers");
		return -1;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset) {
			error_report("multiboot: ELF segment %u runs past the end of the file", i);
			return -1;
		}
		if (copy_to_guest(m, ph.p_paddr, img + ph.p_offset, ph.p_filesz, ph.p_memsz) < 0)
			return -1;
	}
	*entry = eh.e_entry;
	return 0;
}

static int load_aout(struct machine *m, const uint8_t *img, size_t len, size_t hdr_off,
		     const struct mb_header *h, uint32_t *entry)
{
	/* file offset of load_addr: the header sits at header_addr */
	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > hdr_off) {
		error_report("multiboot: inconsistent a.out kludge addresses");
		return -1;
	}
	size_t file_off = hdr_off - (h->header_addr - h->load_addr);
	uint64_t load_end = h->load_end_addr ? h->load_end_addr : h->load_addr + (len - file_off);
	uint64_t bss_end = h->bss_end_addr > load_end ? h->bss_end_addr : load_end;
	if (load_end < h->load_addr || load_end - h->load_addr > len - file_off) {
		error_report("multiboot: load_end_addr runs past the end of the file");
		return -1;
	}
	if (copy_to_guest(m, h->load_addr, img + file_off, load_end - h->load_addr,
			  bss_end - h->load_addr) < 0)
		return -1;
	*entry = h->entry_addr;
	return 0;
}

static int write_info(struct machine *m, uint32_t *mbi_addr)
{
	struct mb_info *mbi = guest_ptr(m, MBI_ADDR, sizeof(*mbi));
	char *cmdline = guest_ptr(m, MBI_CMDLINE, MBI_CMDLINE_MAX);
	char *name = guest_ptr(m, MBI_LOADER_NAME, 16);
	struct mb_mmap_entry *mmap = guest_ptr(m, MBI_MMAP, 4 * sizeof(*mmap));
	uint64_t low = x86_ram_below_4g(m);
	int n = 0;

	if (!mbi || !cmdline || !name || !mmap) {
		error_report("multiboot: guest RAM too small for the boot information");
		return -1;
	}
	memset(mbi, 0, sizeof(*mbi));
	/* QEMU passes "FILENAME ARGS" */
	int w = snprintf(cmdline, MBI_CMDLINE_MAX, "%s%s%s", m->cfg->kernel,
			 m->cfg->append ? " " : "", m->cfg->append ? m->cfg->append : "");
	if (w >= MBI_CMDLINE_MAX)
		warn_report("multiboot: command line cut to %d bytes", MBI_CMDLINE_MAX - 1);
	snprintf(name, 16, "kvmscope");
	mmap[n++] = (struct mb_mmap_entry){ 20, 0, 0x9fc00, 1 };
	mmap[n++] = (struct mb_mmap_entry){ 20, 0x9fc00, 0x100000 - 0x9fc00, 2 };
	mmap[n++] = (struct mb_mmap_entry){ 20, 0x100000, low - 0x100000, 1 };
	if (m->nr_banks > 1)
		mmap[n++] = (struct mb_mmap_entry){ 20, m->banks[1].gpa, m->banks[1].size, 1 };
	mbi->flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MEM_MAP | MB_INFO_BOOT_LOADER_NAME;
	mbi->mem_lower = 640;
	mbi->mem_upper = (uint32_t)((low - 0x100000) / 1024);
	mbi->cmdline = MBI_CMDLINE;
	mbi->mmap_addr = MBI_MMAP;
	mbi->mmap_length = (uint32_t)(n * sizeof(*mmap));
	mbi->boot_loader_name = MBI_LOADER_NAME;
	*mbi_addr = MBI_ADDR;
	return 0;
}

int boot_multiboot_load(struct machine *m, struct x86_boot_state *bs)
{
	size_t off;
	const struct mb_header *h = find_header(m->image, m->image_size, &off);
	uint32_t entry, mbi;

	if (!h) {
		error_report("%s: no valid multiboot header in the first 8 KiB", m->cfg->kernel);
		return -1;
	}
	if (m->initrd) {
		error_report("-initrd with a multiboot kernel: modules are not supported");
		return -1;
	}
	struct mb_header hdr;
	memcpy(&hdr, h, sizeof(hdr));
	int r = (hdr.flags & MB_FLAG_AOUT_KLUDGE)
			? load_aout(m, m->image, m->image_size, off, &hdr, &entry)
			: load_elf(m, m->image, m->image_size, &entry);
	if (r < 0 || write_info(m, &mbi) < 0)
		return -1;
	memset(bs, 0, sizeof(*bs));
	bs->mode = X86_BOOT_PROT32;
	bs->rip = entry;
	bs->rax = MB_BOOTLOADER_MAGIC;
	bs->rbx = mbi;
	return 0;
}
