#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "arm64-kernel.h"

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int parse_elf(const uint8_t *buf, size_t len, struct arm64_kernel *k, char *err,
		     size_t errlen)
{
	Elf64_Ehdr eh;

	if (len < sizeof(eh) || buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "not a 64-bit little-endian ELF");
		return -1;
	}
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_machine != EM_AARCH64) {
		snprintf(err, errlen, "ELF machine %u is not AArch64 (%u)", eh.e_machine, EM_AARCH64);
		return -1;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > len ||
	    (len - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum) {
		snprintf(err, errlen, "ELF program headers outside the file");
		return -1;
	}
	k->kind = ARM64_KERNEL_ELF;
	k->entry = eh.e_entry;
	k->low = UINT64_MAX;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset || ph.p_filesz > ph.p_memsz) {
			snprintf(err, errlen, "ELF segment %u outside the file", i);
			return -1;
		}
		if (k->nsegs == ARM64_KERNEL_MAX_SEGS) {
			snprintf(err, errlen, "more than %d ELF load segments", ARM64_KERNEL_MAX_SEGS);
			return -1;
		}
		k->segs[k->nsegs++] = (struct arm64_kernel_seg){ ph.p_offset, ph.p_filesz, ph.p_memsz,
								 ph.p_paddr };
		if (ph.p_paddr < k->low)
			k->low = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > k->high)
			k->high = ph.p_paddr + ph.p_memsz;
	}
	if (!k->nsegs) {
		snprintf(err, errlen, "ELF without a load segment");
		return -1;
	}
	return 0;
}

int arm64_kernel_parse(const uint8_t *buf, size_t len, struct arm64_kernel *k, char *err,
		       size_t errlen)
{
	memset(k, 0, sizeof(*k));
	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		return parse_elf(buf, len, k, err, errlen);
	k->kind = ARM64_KERNEL_RAW;
	k->load_offset = ARM64_IMAGE_DEFAULT_OFFSET;
	k->mem_size = len;
	if (len >= 64 && !memcmp(buf + ARM64_IMAGE_MAGIC_OFFSET, "ARM\x64", 4)) {
		uint64_t text_offset = le64(buf + 8), image_size = le64(buf + 16);
		k->kind = ARM64_KERNEL_IMAGE;
		/* image_size 0: a kernel older than 3.17, text_offset unreliable */
		if (image_size) {
			k->load_offset = text_offset;
			k->mem_size = image_size > len ? image_size : len;
		}
	}
	return 0;
}
