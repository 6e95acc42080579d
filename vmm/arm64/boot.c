/* Direct kernel boot on virt, as QEMU's arm_setup_direct_kernel_boot: an
 * arm64 Image at RAM + text_offset (a flat binary at RAM + 0x80000, or a
 * -device loader image at its addr), the initrd at RAM + min(RAM/2, 128M),
 * the device tree 2 MiB-aligned after it; x0 = device tree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arm64.h"
#include "error.h"

#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 56 */
#define IMAGE_DEFAULT_TEXT_OFFSET 0x80000ULL
#define INITRD_MAX_OFFSET (128ULL << 20)
#define DTB_ALIGN (2ULL << 20)
#define DTB_MAX 0x10000

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Where the image goes: its header's text_offset when it is an Image. */
static uint64_t image_offset(const uint8_t *img, size_t len)
{
	if (len >= 64 && (uint32_t)le64(img + 56) == IMAGE_MAGIC) {
		uint64_t image_size = le64(img + 16);
		/* image_size 0: a kernel older than 3.17, text_offset unreliable */
		return image_size ? le64(img + 8) : IMAGE_DEFAULT_TEXT_OFFSET;
	}
	return IMAGE_DEFAULT_TEXT_OFFSET;
}

static int place(struct machine *m, uint64_t gpa, const void *data, size_t len, const char *what)
{
	void *dst = guest_ptr(m, gpa, len);
	if (!dst) {
		error_report("%s (%zu bytes at 0x%llx) does not fit in guest RAM", what, len,
			     (unsigned long long)gpa);
		return -1;
	}
	memcpy(dst, data, len);
	return 0;
}

int arm64_load(struct machine *m)
{
	struct arm64_machine *a = arm64_of(m);
	uint64_t ram = m->banks[0].gpa, ram_size = m->banks[0].size;
	uint64_t kernel = m->cfg->loader_file ? m->cfg->loader_addr
					      : ram + image_offset(m->image, m->image_size);
	uint64_t initrd = ram + (ram_size / 2 < INITRD_MAX_OFFSET ? ram_size / 2 : INITRD_MAX_OFFSET);
	char err[256];

	if (place(m, kernel, m->image, m->image_size, "the kernel") < 0)
		return -1;
	if (initrd < kernel + m->image_size)
		initrd = (kernel + m->image_size + 0xfff) & ~0xfffULL;
	a->fdt.initrd_start = a->fdt.initrd_end = 0;
	if (m->initrd) {
		if (place(m, initrd, m->initrd, m->initrd_size, "the initrd") < 0)
			return -1;
		a->fdt.initrd_start = initrd;
		a->fdt.initrd_end = initrd + m->initrd_size;
	}
	a->dtb_addr = (initrd + m->initrd_size + DTB_ALIGN - 1) & ~(DTB_ALIGN - 1);
	a->entry = kernel;

	void *blob = malloc(DTB_MAX);
	if (!blob)
		return -1;
	int size = virt_fdt_build(&a->fdt, blob, DTB_MAX, err, sizeof(err));
	if (size < 0) {
		error_report("%s", err);
		free(blob);
		return -1;
	}
	int ret = place(m, a->dtb_addr, blob, (size_t)size, "the device tree");
	free(blob);
	return ret;
}
