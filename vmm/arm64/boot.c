/* Direct kernel boot on virt, as QEMU's arm_setup_direct_kernel_boot
 * (vmm/arm64-kernel.c tells the kinds apart):
 * - a Linux Image (or raw binary) at RAM + text_offset (0x80000), the initrd
 *   at RAM + min(RAM/2, 128M), the device tree 2 MiB-aligned after it, x0 =
 *   device tree;
 * - an ELF at its physical addresses, entered at e_entry as a non-Linux
 *   image: the device tree at the base of RAM when it fits below the ELF,
 *   and x0 = 0 (QEMU sets no registers for it);
 * - a -device loader image at its addr. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arm64-kernel.h"
#include "arm64.h"
#include "error.h"

#define INITRD_MAX_OFFSET (128ULL << 20)
#define DTB_ALIGN (2ULL << 20)
#define DTB_MAX 0x10000

static int place(struct machine *m, uint64_t gpa, const void *data, size_t len, size_t memsz,
		 const char *what)
{
	uint8_t *dst = guest_ptr(m, gpa, memsz);
	if (!dst) {
		error_report("%s (%zu bytes at 0x%llx) does not fit in guest RAM", what, memsz,
			     (unsigned long long)gpa);
		return -1;
	}
	memcpy(dst, data, len);
	memset(dst + len, 0, memsz - len); /* bss: zero again on every reset */
	return 0;
}

static int place_dtb(struct machine *m, uint64_t limit)
{
	struct arm64_machine *a = arm64_of(m);
	char err[256];
	void *blob = malloc(DTB_MAX);

	if (!blob)
		return -1;
	int size = virt_fdt_build(&a->fdt, blob, DTB_MAX, err, sizeof(err));
	if (size < 0) {
		error_report("%s", err);
		free(blob);
		return -1;
	}
	int ret = -1;
	if (limit && a->dtb_addr + (uint64_t)size > limit)
		error_report("no room for the device tree (%d bytes) below the kernel at 0x%llx", size,
			     (unsigned long long)limit);
	else
		ret = place(m, a->dtb_addr, blob, (size_t)size, (size_t)size, "the device tree");
	free(blob);
	return ret;
}

static int load_elf(struct machine *m, const struct arm64_kernel *k)
{
	struct arm64_machine *a = arm64_of(m);
	uint64_t ram = m->banks[0].gpa;

	if (m->initrd) {
		error_report("-initrd: the kernel is an ELF, not a Linux Image");
		return -1;
	}
	for (int i = 0; i < k->nsegs; i++) {
		const struct arm64_kernel_seg *s = &k->segs[i];
		if (place(m, s->paddr, m->image + s->file_off, s->filesz, s->memsz, "an ELF segment") < 0)
			return -1;
	}
	a->fdt.initrd_start = a->fdt.initrd_end = 0;
	a->entry = k->entry;
	a->boot_x0 = 0;
	if (k->low <= ram) {
		warn_report("the ELF covers the base of RAM: no device tree");
		return 0;
	}
	a->dtb_addr = ram;
	return place_dtb(m, k->low);
}

static int load_linux(struct machine *m, const struct arm64_kernel *k)
{
	struct arm64_machine *a = arm64_of(m);
	uint64_t ram = m->banks[0].gpa, ram_size = m->banks[0].size;
	uint64_t kernel = m->cfg->loader_file ? m->cfg->loader_addr : ram + k->load_offset;
	uint64_t end = kernel + k->mem_size;
	uint64_t initrd = ram + (ram_size / 2 < INITRD_MAX_OFFSET ? ram_size / 2 : INITRD_MAX_OFFSET);

	if (place(m, kernel, m->image, m->image_size, k->mem_size, "the kernel") < 0)
		return -1;
	if (initrd < end)
		initrd = (end + 0xfff) & ~0xfffULL;
	a->fdt.initrd_start = a->fdt.initrd_end = 0;
	if (m->initrd) {
		if (place(m, initrd, m->initrd, m->initrd_size, m->initrd_size, "the initrd") < 0)
			return -1;
		a->fdt.initrd_start = initrd;
		a->fdt.initrd_end = initrd + m->initrd_size;
	}
	a->dtb_addr = (initrd + m->initrd_size + DTB_ALIGN - 1) & ~(DTB_ALIGN - 1);
	a->entry = kernel;
	a->boot_x0 = a->dtb_addr;
	return place_dtb(m, 0);
}

int arm64_load(struct machine *m)
{
	struct arm64_kernel k;
	char err[256];

	if (arm64_kernel_parse(m->image, m->image_size, &k, err, sizeof(err)) < 0) {
		error_report("-kernel: %s", err);
		return -1;
	}
	if (k.kind == ARM64_KERNEL_ELF && !m->cfg->loader_file)
		return load_elf(m, &k);
	if (m->cfg->loader_file)
		k.mem_size = m->image_size; /* a loader image is raw bytes */
	return load_linux(m, &k);
}
