/* Which boot protocol an image speaks, and the flat-binary loader. */
#include <string.h>

#include "error.h"
#include "x86.h"

#define MULTIBOOT_MAGIC 0x1BADB002u
#define MULTIBOOT_SEARCH 8192

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum x86_image_kind x86_detect_image(const uint8_t *img, size_t len)
{
	/* Linux: boot_flag 0xAA55 at 0x1fe and "HdrS" at 0x202 */
	if (len >= 0x260 && img[0x1fe] == 0x55 && img[0x1ff] == 0xaa &&
	    !memcmp(img + 0x202, "HdrS", 4))
		return X86_IMAGE_LINUX;
	for (size_t off = 0; off + 12 <= len && off < MULTIBOOT_SEARCH; off += 4)
		if (le32(img + off) == MULTIBOOT_MAGIC)
			return X86_IMAGE_MULTIBOOT;
	/* an ELF without a multiboot header: the multiboot loader says why not */
	if (len >= 4 && !memcmp(img, "\x7f" "ELF", 4))
		return X86_IMAGE_MULTIBOOT;
	return X86_IMAGE_FLAT;
}

int boot_flat_load(struct machine *m, const uint8_t *img, size_t len, uint64_t addr,
		   struct x86_boot_state *bs)
{
	/* entered in real mode: the image must sit below 1 MiB */
	if (addr + len > 0x100000 || addr < 0x500) {
		error_report("flat image of %zu bytes at 0x%llx does not fit in real-mode memory "
			     "(0x500-0xfffff)",
			     len, (unsigned long long)addr);
		return -1;
	}
	void *dst = guest_ptr(m, addr, len);
	if (!dst) {
		error_report("flat image at 0x%llx is outside guest RAM", (unsigned long long)addr);
		return -1;
	}
	memcpy(dst, img, len);
	memset(bs, 0, sizeof(*bs));
	bs->mode = X86_BOOT_REAL16;
	bs->real_segment = (uint16_t)(addr >> 4);
	bs->rip = addr & 0xf;
	bs->rsp = 0xfffe;
	return 0;
}
