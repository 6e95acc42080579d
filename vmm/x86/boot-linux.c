/* Linux/x86 boot protocol, 64-bit entry (Documentation/arch/x86/boot.rst):
 * protected-mode kernel at 1 MiB, zero page with the setup header, command
 * line, initrd and E820 map, identity-mapped long mode, RSI = zero page. */
#include <string.h>

#include "error.h"
#include "x86.h"

/* setup header offsets (in the image and in boot_params) */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_VID_MODE 0x1fa
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_INIT_SIZE 0x260
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0

#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80
#define XLF_KERNEL_64 0x01

/* guest-physical layout */
#define BOOT_GDT 0x500
#define ZERO_PAGE 0x7000
#define BOOT_STACK 0x8ff0
#define PML4 0x9000
#define PDPT 0xa000
#define PD 0xb000 /* four pages: 4 GiB in 2 MiB pages */
#define CMDLINE_ADDR 0x20000
#define KERNEL_ADDR 0x100000

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static int build_page_tables(struct machine *m)
{
	uint64_t *pml4 = guest_ptr(m, PML4, 4096);
	uint64_t *pdpt = guest_ptr(m, PDPT, 4096);
	uint64_t *pd = guest_ptr(m, PD, 4 * 4096);

	if (!pml4 || !pdpt || !pd)
		return -1;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = PDPT | 0x3; /* present, writable */
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (PD + i * 4096) | 0x3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB page */
	return 0;
}

static int build_gdt(struct machine *m)
{
	uint64_t *gdt = guest_ptr(m, BOOT_GDT, 4 * 8);
	if (!gdt)
		return -1;
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL; /* 0x10: 64-bit code */
	gdt[3] = 0x00cf93000000ffffULL; /* 0x18: data */
	return 0;
}

static int place_initrd(struct machine *m, uint8_t *zp, uint64_t kernel_end)
{
	uint64_t max = rd32(zp + HDR_INITRD_ADDR_MAX);
	uint64_t top = x86_ram_below_4g(m);

	if (!m->initrd)
		return 0;
	if (!max || max > top - 1)
		max = top - 1;
	if (m->initrd_size > max) {
		error_report("initrd of %zu bytes does not fit below 0x%llx", m->initrd_size,
			     (unsigned long long)max);
		return -1;
	}
	uint64_t addr = (max + 1 - m->initrd_size) & ~0xfffULL;
	uint8_t *dst = guest_ptr(m, addr, m->initrd_size);
	if (addr < kernel_end || !dst) {
		error_report("initrd of %zu bytes does not fit above the kernel (ends at 0x%llx)",
			     m->initrd_size, (unsigned long long)kernel_end);
		return -1;
	}
	memcpy(dst, m->initrd, m->initrd_size);
	wr32(zp + HDR_RAMDISK_IMAGE, (uint32_t)addr);
	wr32(zp + HDR_RAMDISK_SIZE, (uint32_t)m->initrd_size);
	return 0;
}

static void write_e820(struct machine *m, uint8_t *zp)
{
	struct e820_entry map[4];
	int n = 0;

	map[n++] = (struct e820_entry){ 0, 0x9fc00, 1 };
	map[n++] = (struct e820_entry){ 0x9fc00, 0x100000 - 0x9fc00, 2 };
	map[n++] = (struct e820_entry){ 0x100000, x86_ram_below_4g(m) - 0x100000, 1 };
	if (m->nr_banks > 1)
		map[n++] = (struct e820_entry){ m->banks[1].gpa, m->banks[1].size, 1 };
	memcpy(zp + BP_E820_TABLE, map, n * sizeof(map[0]));
	zp[BP_E820_ENTRIES] = (uint8_t)n;
}

int boot_linux_load(struct machine *m, struct x86_boot_state *bs)
{
	const uint8_t *img = m->image;
	size_t len = m->image_size;
	uint16_t version = rd16(img + HDR_VERSION);
	unsigned setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	size_t setup_size = (setup_sects + 1) * 512;
	uint8_t *zp = guest_ptr(m, ZERO_PAGE, 4096);

	if (version < 0x020c || !(rd16(img + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
		error_report("%s: Linux boot protocol %u.%02u without a 64-bit entry point "
			     "(need 2.12+ and XLF_KERNEL_64)",
			     m->cfg->kernel, version >> 8, version & 0xff);
		return -1;
	}
	if (setup_size >= len) {
		error_report("%s: truncated bzImage (setup of %zu bytes, file of %zu)",
			     m->cfg->kernel, setup_size, len);
		return -1;
	}
	size_t kernel_size = len - setup_size;
	uint64_t init_size = rd32(img + HDR_INIT_SIZE);
	uint64_t kernel_end = KERNEL_ADDR + (init_size > kernel_size ? init_size : kernel_size);
	uint8_t *kernel = guest_ptr(m, KERNEL_ADDR, kernel_end - KERNEL_ADDR);
	if (!kernel || !zp) {
		error_report("%s: kernel needs 0x%llx bytes at 1 MiB: more guest RAM (-m)",
			     m->cfg->kernel, (unsigned long long)(kernel_end - KERNEL_ADDR));
		return -1;
	}
	memcpy(kernel, img + setup_size, kernel_size);

	/* the zero page: a copy of the setup header, then what the loader fills */
	size_t hdr_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];
	if (hdr_end > setup_size || hdr_end > 4096)
		hdr_end = setup_size < 4096 ? setup_size : 4096;
	memset(zp, 0, 4096);
	memcpy(zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	zp[HDR_TYPE_OF_LOADER] = 0xff;
	zp[HDR_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
	zp[HDR_HEAP_END_PTR] = 0x00;
	zp[HDR_HEAP_END_PTR + 1] = 0xfe;
	zp[HDR_VID_MODE] = 0xff;
	zp[HDR_VID_MODE + 1] = 0xff;

	uint32_t cmdline_max = version >= 0x0206 ? rd32(img + HDR_CMDLINE_SIZE) : 255;
	char *cmdline = guest_ptr(m, CMDLINE_ADDR, (uint64_t)cmdline_max + 1);
	const char *append = m->cfg->append ? m->cfg->append : "";
	if (!cmdline || strlen(append) > cmdline_max) {
		error_report("kernel command line of %zu bytes exceeds the kernel's limit of %u",
			     strlen(append), cmdline_max);
		return -1;
	}
	strcpy(cmdline, append);
	wr32(zp + HDR_CMD_LINE_PTR, CMDLINE_ADDR);
	write_e820(m, zp);
	if (place_initrd(m, zp, kernel_end) < 0 || build_page_tables(m) < 0 || build_gdt(m) < 0)
		return -1;

	memset(bs, 0, sizeof(*bs));
	bs->mode = X86_BOOT_LONG64;
	bs->rip = KERNEL_ADDR + 0x200; /* startup_64 */
	bs->rsi = ZERO_PAGE;
	bs->rsp = BOOT_STACK;
	bs->cr3 = PML4;
	bs->gdt_base = BOOT_GDT;
	bs->gdt_limit = 4 * 8 - 1;
	return 0;
}
