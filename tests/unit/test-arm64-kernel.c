/* arm64 -kernel kinds (vmm/arm64-kernel.c): a Linux Image header (magic,
 * text_offset, image_size), an old Image with image_size 0, a raw binary,
 * an AArch64 ELF, and ELFs that must be refused. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arm64-kernel.h"
#include "tap-skip.h"

static uint8_t buf[4096];
static char err[128];

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void image(uint64_t text_offset, uint64_t image_size)
{
	memset(buf, 0, sizeof(buf));
	put_le64(buf + 8, text_offset);
	put_le64(buf + 16, image_size);
	memcpy(buf + 56, "ARM\x64", 4);
}

static void test_image_header(void **state)
{
	struct arm64_kernel k;
	(void)state;
	image(0x200000, 0x10000); /* image_size beyond the file: bss */
	assert_int_equal(arm64_kernel_parse(buf, 1024, &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, ARM64_KERNEL_IMAGE);
	assert_int_equal(k.load_offset, 0x200000);
	assert_int_equal(k.mem_size, 0x10000);
	/* image_size 0: before Linux 3.17, text_offset not to be trusted */
	image(0x12345, 0);
	assert_int_equal(arm64_kernel_parse(buf, 1024, &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, ARM64_KERNEL_IMAGE);
	assert_int_equal(k.load_offset, 0x80000);
	assert_int_equal(k.mem_size, 1024);
	/* no magic: a raw binary at RAM + 0x80000 */
	buf[56] = 'X';
	assert_int_equal(arm64_kernel_parse(buf, 1024, &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, ARM64_KERNEL_RAW);
	assert_int_equal(k.load_offset, 0x80000);
	assert_int_equal(arm64_kernel_parse(buf, 10, &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, ARM64_KERNEL_RAW);
}

static Elf64_Ehdr *elf(uint16_t machine, int nph)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	memset(buf, 0, sizeof(buf));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = machine;
	eh->e_entry = 0x40080040;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (uint16_t)nph;
	return eh;
}

static Elf64_Phdr *ph(int i)
{
	return (Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)) + i;
}

static void test_elf(void **state)
{
	struct arm64_kernel k;
	(void)state;
	elf(EM_AARCH64, 3);
	*ph(0) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x100, .p_filesz = 0x200,
			       .p_memsz = 0x300, .p_paddr = 0x40080000 };
	*ph(1) = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x300, .p_filesz = 8, .p_memsz = 8 };
	*ph(2) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x400, .p_filesz = 0x10,
			       .p_memsz = 0x10, .p_paddr = 0x40100000 };
	assert_int_equal(arm64_kernel_parse(buf, sizeof(buf), &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, ARM64_KERNEL_ELF);
	assert_int_equal(k.entry, 0x40080040);
	assert_int_equal(k.nsegs, 2);
	assert_int_equal(k.segs[0].memsz, 0x300);
	assert_int_equal(k.low, 0x40080000);
	assert_int_equal(k.high, 0x40100010);
}

static void expect_refused(const char *why)
{
	struct arm64_kernel k;
	assert_int_equal(arm64_kernel_parse(buf, sizeof(buf), &k, err, sizeof(err)), -1);
	assert_string_equal(err, why);
}

static void test_bad_elf(void **state)
{
	(void)state;
	elf(EM_X86_64, 0);
	expect_refused("ELF machine 62 is not AArch64 (183)");
	elf(EM_AARCH64, 1);
	*ph(0) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0xf00, .p_filesz = 0x200,
			       .p_memsz = 0x200, .p_paddr = 0x40080000 };
	expect_refused("ELF segment 0 outside the file");
	elf(EM_AARCH64, 0);
	expect_refused("ELF without a load segment");
	elf(EM_AARCH64, 1)->e_phoff = 0xffffffff;
	expect_refused("ELF program headers outside the file");
	elf(EM_AARCH64, 0)->e_ident[EI_CLASS] = ELFCLASS32;
	expect_refused("not a 64-bit little-endian ELF");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_header),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_bad_elf),
	};
	return tap_run_group("arm64-kernel", tests, NULL, NULL);
}
