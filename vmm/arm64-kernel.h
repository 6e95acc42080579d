/* What kind of kernel an arm64 `virt` -kernel file is and where it goes, as
 * QEMU's arm_setup_direct_kernel_boot decides: an ELF (EM_AARCH64, its
 * PT_LOAD segments at their physical addresses, entry e_entry, not a Linux
 * kernel), a Linux arm64 Image (64-byte header, magic "ARM\x64" at 56;
 * text_offset at 8 and image_size at 16, the offset valid only when the
 * size is not 0), or a raw binary (like an old Image: RAM + 0x80000).
 * Pure: parsed and unit-tested on any host. */
#ifndef VMM_ARM64_KERNEL_H
#define VMM_ARM64_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#define ARM64_IMAGE_MAGIC_OFFSET 56
#define ARM64_IMAGE_DEFAULT_OFFSET 0x80000ULL
#define ARM64_KERNEL_MAX_SEGS 8

enum arm64_kernel_kind { ARM64_KERNEL_RAW, ARM64_KERNEL_IMAGE, ARM64_KERNEL_ELF };

struct arm64_kernel_seg {
	uint64_t file_off, filesz, memsz, paddr;
};

struct arm64_kernel {
	enum arm64_kernel_kind kind;
	uint64_t load_offset; /* Image/raw: from RAM base */
	uint64_t mem_size;    /* Image: image_size (bss included) or the file's size */
	uint64_t entry;	      /* ELF: e_entry */
	uint64_t low, high;   /* ELF: lowest paddr, end of the highest segment */
	int nsegs;
	struct arm64_kernel_seg segs[ARM64_KERNEL_MAX_SEGS];
};

/* Returns 0, or -1 with the reason in err (a bad ELF). */
int arm64_kernel_parse(const uint8_t *buf, size_t len, struct arm64_kernel *k, char *err,
		       size_t errlen);

#endif
