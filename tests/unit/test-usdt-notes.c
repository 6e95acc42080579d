/* Unit tests of the USDT note reader (tools/collect/usdt-notes.c): argument specs of
 * both syntaxes, their ftrace fetch arguments, a crafted prelinked image
 * (addresses shifted, file offsets unchanged), bad images, and the real
 * kvmscope-vmm next to this test's build dir checked against probes/vmm.probes. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/ptrace.h>

#include <cmocka.h>

#include "probe-table.h"
#include "collect/usdt-notes.h"
#include "../fuzz/usdt-elf-image.h"

#include "tap-skip.h"
#include "vmm-binary.h"

static char err[512];

static void test_args_x86(void **state)
{
	struct usdt_arg a[USDT_MAX_ARGS];
	(void)state;

	assert_int_equal(usdt_args_parse("-4@%eax 8@-16(%rbp) 4@$5 1@%r13b -2@$-7", a, USDT_MAX_ARGS,
					 err, sizeof(err)), 5);
	assert_int_equal(a[0].kind, USDT_ARG_REG);
	assert_int_equal(a[0].size, 4);
	assert_true(a[0].is_signed);
	assert_string_equal(a[0].reg, "eax");
	assert_int_equal(a[1].kind, USDT_ARG_MEM);
	assert_int_equal(a[1].size, 8);
	assert_false(a[1].is_signed);
	assert_int_equal(a[1].value, -16);
	assert_string_equal(a[1].reg, "rbp");
	assert_int_equal(a[2].kind, USDT_ARG_CONST);
	assert_int_equal(a[2].value, 5);
	assert_string_equal(a[3].reg, "r13b");
	assert_int_equal(a[3].size, 1);
	assert_int_equal(a[4].value, -7);
	assert_true(a[4].is_signed);

	assert_int_equal(usdt_args_parse("8@foo+8(%rip) 4@(%rax,%rbx,4) -4@112(%rsp)", a,
					 USDT_MAX_ARGS, err, sizeof(err)), 3);
	assert_string_equal(a[0].symbol, "foo");
	assert_int_equal(a[0].value, 8);
	assert_string_equal(a[0].reg, "rip");
	assert_string_equal(a[1].reg, "rax");
	assert_string_equal(a[1].index, "rbx");
	assert_int_equal(a[1].scale, 4);
	assert_int_equal(a[2].value, 112);

	assert_int_equal(usdt_args_parse("", a, USDT_MAX_ARGS, err, sizeof(err)), 0);
	assert_int_equal(usdt_args_parse("   ", a, USDT_MAX_ARGS, err, sizeof(err)), 0);
}

static void test_args_arm64(void **state)
{
	struct usdt_arg a[USDT_MAX_ARGS];
	(void)state;

	assert_int_equal(usdt_args_parse("-4@x0 8@[sp, 16] 8@[x29] -4@w3 4@#12", a, USDT_MAX_ARGS,
					 err, sizeof(err)), 5);
	assert_int_equal(a[0].kind, USDT_ARG_REG);
	assert_string_equal(a[0].reg, "x0");
	assert_int_equal(a[1].kind, USDT_ARG_MEM);
	assert_string_equal(a[1].reg, "sp");
	assert_int_equal(a[1].value, 16);
	assert_int_equal(a[2].value, 0);
	assert_string_equal(a[3].reg, "w3");
	assert_int_equal(a[4].kind, USDT_ARG_CONST);
	assert_int_equal(a[4].value, 12);

	/* what aarch64-linux-gnu-gcc 12 emits for a global: a relocation operator */
	assert_int_equal(usdt_args_parse("-8@[x0, #:lo12:.LANCHOR0] 8@[x1]", a, USDT_MAX_ARGS, err,
					 sizeof(err)), 2);
	assert_int_equal(a[0].kind, USDT_ARG_MEM);
	assert_string_equal(a[0].reg, "x0");
	assert_string_equal(a[0].symbol, ":lo12:.LANCHOR0");
	char buf[64];
	assert_int_equal(usdt_arg_to_fetcharg(&a[0], EM_AARCH64, false, buf, sizeof(buf), err,
					      sizeof(err)), -1);
	assert_non_null(strstr(err, ".LANCHOR0"));
	/* listed in their own syntax */
	usdt_arg_format(&a[0], buf, sizeof(buf));
	assert_string_equal(buf, "-8@[x0, #:lo12:.LANCHOR0]");
	usdt_arg_format(&a[1], buf, sizeof(buf));
	assert_string_equal(buf, "8@[x1]");
}

static void test_args_bad(void **state)
{
	struct usdt_arg a[USDT_MAX_ARGS];
	static const char *bad[] = {
		"%eax",        /* no size */
		"3@%eax",      /* size not 1/2/4/8 */
		"4@",          /* no operand */
		"4@-16(%rbp",  /* unclosed */
		"4@()",        /* no register */
		"4@%",         /* empty register */
		"4@(%rax,%rbx,3)", /* bad scale */
		"4@$",         /* constant without digits */
		"4@[x0, ]",    /* arm64 displacement missing */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (usdt_args_parse(bad[i], a, USDT_MAX_ARGS, err, sizeof(err)) != -1)
			fail_msg("'%s' parsed", bad[i]);
		assert_non_null(strstr(err, "argument 1"));
	}
	assert_int_equal(usdt_args_parse("4@$1 4@$2 4@$3", a, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 2"));
}

static void test_format_roundtrip(void **state)
{
	static const char *specs[] = { "-4@%eax", "8@-16(%rbp)", "4@$5", "8@foo+8(%rip)",
				       "4@(%rax,%rbx,4)", "-4@112(%rsp)", "-4@x0", "8@[sp, 16]",
				       "8@[x29]", "4@12", "-8@[x0, #:lo12:.LANCHOR0]" };
	(void)state;

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct usdt_arg a, b;
		char buf[160];
		assert_int_equal(usdt_args_parse(specs[i], &a, 1, err, sizeof(err)), 1);
		usdt_arg_format(&a, buf, sizeof(buf));
		assert_int_equal(usdt_args_parse(buf, &b, 1, err, sizeof(err)), 1);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

static void expect_fetch(const char *spec, unsigned machine, bool str, const char *want)
{
	struct usdt_arg a;
	char buf[128];

	assert_int_equal(usdt_args_parse(spec, &a, 1, err, sizeof(err)), 1);
	assert_int_equal(usdt_arg_to_fetcharg(&a, machine, str, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, want);
}

static void test_fetchargs(void **state)
{
	(void)state;
	expect_fetch("-4@%eax", EM_X86_64, false, "%ax:s32");
	expect_fetch("-4@%r13d", EM_X86_64, false, "%r13:s32");
	expect_fetch("1@%r13b", EM_X86_64, false, "%r13:u8");
	expect_fetch("8@%rbx", EM_X86_64, true, "+0(%bx):string");
	expect_fetch("8@-16(%rbp)", EM_X86_64, false, "-16(%bp):u64");
	expect_fetch("-4@112(%rsp)", EM_X86_64, false, "+112(%sp):s32");
	expect_fetch("8@-16(%rbp)", EM_X86_64, true, "+0(-16(%bp)):string");
	expect_fetch("4@$5", EM_X86_64, false, "\\5:u32");
	expect_fetch("-4@w3", EM_AARCH64, false, "%x3:s32");
	expect_fetch("8@[sp, 16]", EM_AARCH64, false, "+16(%sp):u64");

	struct usdt_arg a;
	char buf[64];
	assert_int_equal(usdt_args_parse("8@foo+8(%rip)", &a, 1, err, sizeof(err)), 1);
	assert_int_equal(usdt_arg_to_fetcharg(&a, EM_X86_64, false, buf, sizeof(buf), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "foo"));
	assert_int_equal(usdt_args_parse("4@%xmm0", &a, 1, err, sizeof(err)), 1);
	assert_int_equal(usdt_arg_to_fetcharg(&a, EM_X86_64, false, buf, sizeof(buf), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "xmm0"));
}

static int regs_offset(const char *spec, unsigned machine)
{
	struct usdt_arg a;

	assert_int_equal(usdt_args_parse(spec, &a, 1, err, sizeof(err)), 1);
	return usdt_arg_regs_offset(&a, machine);
}

/* where BPF reads a register: checked against the uapi's struct on this host */
static void test_regs_offsets(void **state)
{
	(void)state;
#if defined(__x86_64__)
	assert_int_equal(regs_offset("8@%rdi", EM_X86_64), offsetof(struct pt_regs, rdi));
	assert_int_equal(regs_offset("-4@%eax", EM_X86_64), offsetof(struct pt_regs, rax));
	assert_int_equal(regs_offset("1@%r13b", EM_X86_64), offsetof(struct pt_regs, r13));
	assert_int_equal(regs_offset("8@-16(%rbp)", EM_X86_64), offsetof(struct pt_regs, rbp));
	assert_int_equal(regs_offset("8@8(%rsp)", EM_X86_64), offsetof(struct pt_regs, rsp));
	assert_int_equal(regs_offset("-4@%r8d", EM_X86_64), offsetof(struct pt_regs, r8));
#elif defined(__aarch64__)
	assert_int_equal(regs_offset("8@x3", EM_AARCH64), offsetof(struct user_pt_regs, regs[3]));
	assert_int_equal(regs_offset("8@[sp, 16]", EM_AARCH64), offsetof(struct user_pt_regs, sp));
#endif
	/* the other machine's, as its kernel lays them out */
	assert_int_equal(regs_offset("-4@w30", EM_AARCH64), 240);
	assert_int_equal(regs_offset("8@[sp, 16]", EM_AARCH64), 248);
	assert_int_equal(regs_offset("8@%rsi", EM_X86_64), 104);
	/* what BPF cannot read */
	assert_int_equal(regs_offset("4@%xmm0", EM_X86_64), -1);
	assert_int_equal(regs_offset("1@%ah", EM_X86_64), -1);
	assert_int_equal(regs_offset("8@x31", EM_AARCH64), -1);
	assert_int_equal(regs_offset("8@%rdi", EM_AARCH64), -1);
}

static const struct img_probe img_probes[] = {
	{ "prov", "first", "-4@%eax 8@-16(%rbp)", IMG_TEXT_OFF + 0, 1 },
	{ "prov", "second", "", IMG_TEXT_OFF + 5, 0 },
	{ "other", "third", "4@%eax ???", IMG_TEXT_OFF + 9, 1 },
};

static void test_image_prelinked(void **state)
{
	static unsigned char img[8192];
	struct usdt_notes n;
	const uint64_t shift = 0x7000000;
	(void)state;

	size_t size = img_build(img, sizeof(img), img_probes, 3, shift);
	assert_int_equal(usdt_notes_read_image(img, size, &n, err, sizeof(err)), 0);
	assert_int_equal(n.count, 3);
	assert_true(n.elf64);
	assert_int_equal(n.machine, EM_X86_64);
	assert_true(n.has_base);

	const struct usdt_probe *p = usdt_notes_find(&n, "prov", "first");
	assert_non_null(p);
	assert_int_equal(p->note_pc, IMG_LOAD_VADDR + IMG_TEXT_OFF);
	assert_int_equal(p->pc, IMG_LOAD_VADDR + IMG_TEXT_OFF + shift);
	assert_true(p->pc_offset_ok);
	assert_int_equal(p->pc_offset, IMG_TEXT_OFF);
	assert_int_equal(p->note_semaphore, IMG_LOAD_VADDR + IMG_SEMA_OFF);
	assert_int_equal(p->semaphore, IMG_LOAD_VADDR + IMG_SEMA_OFF + shift);
	assert_true(p->semaphore_offset_ok);
	assert_int_equal(p->semaphore_offset, IMG_SEMA_OFF);
	assert_int_equal(p->nargs, 2);
	assert_null(p->args_error);

	p = usdt_notes_find(&n, NULL, "second");
	assert_non_null(p);
	assert_int_equal(p->pc_offset, IMG_TEXT_OFF + 5);
	assert_int_equal(p->semaphore, 0);
	assert_int_equal(p->nargs, 0);
	assert_string_equal(p->args_text, "");

	/* a bad spec keeps the probe listed, with the reason */
	p = usdt_notes_find(&n, "other", "third");
	assert_non_null(p);
	assert_int_equal(p->semaphore_offset, IMG_SEMA_OFF + 4);
	assert_non_null(p->args_error);
	assert_non_null(strstr(p->args_error, "???"));
	assert_null(usdt_notes_find(&n, "prov", "third"));
	usdt_notes_free(&n);

	/* not prelinked: addresses as in the notes */
	size = img_build(img, sizeof(img), img_probes, 3, 0);
	assert_int_equal(usdt_notes_read_image(img, size, &n, err, sizeof(err)), 0);
	assert_int_equal(n.probes[0].pc, IMG_LOAD_VADDR + IMG_TEXT_OFF);
	assert_int_equal(n.probes[0].pc_offset, IMG_TEXT_OFF);
	usdt_notes_free(&n);
}

static void test_image_bad(void **state)
{
	static unsigned char img[8192];
	struct usdt_notes n;
	(void)state;

	size_t size = img_build(img, sizeof(img), img_probes, 3, 0);
	/* every truncation is an error or a listing, never a crash */
	for (size_t cut = 0; cut < size; cut += 7) {
		static unsigned char copy[8192];
		memcpy(copy, img, cut);
		if (usdt_notes_read_image(copy, cut, &n, err, sizeof(err)) == 0)
			usdt_notes_free(&n);
		else
			assert_true(err[0] != '\0');
	}
	assert_int_equal(usdt_notes_read_image(img, 40, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated ELF"));
	assert_int_equal(usdt_notes_read_image(img, size - 8, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated ELF"));
	assert_int_equal(usdt_notes_read_image("hello, world", 12, &n, err, sizeof(err)), -1);
	assert_string_equal(err, "not an ELF file");

	/* a descriptor whose strings run off its end */
	size = img_build(img, sizeof(img), img_probes, 1, 0);
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(img + IMG_NOTE_OFF);
	nh->n_descsz = 24 + 3; /* "prov" cut to 3 bytes, no NUL */
	assert_int_equal(usdt_notes_read_image(img, size, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	nh->n_descsz = 20; /* shorter than three addresses */
	assert_int_equal(usdt_notes_read_image(img, size, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too short"));

	assert_int_equal(usdt_notes_read("/nonexistent/kvmscope", &n, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/kvmscope: No such file or directory");
	assert_int_equal(usdt_notes_read("/", &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_vmm(void **state)
{
	struct usdt_notes n;
	(void)state;

	vmm_notes_read(&n);
	/* exactly one note per probe of probes/vmm.probes, each semaphore-gated,
	 * argument counts as declared */
	assert_int_equal(n.count, vmm_probe_count);
	for (unsigned i = 0; i < vmm_probe_count; i++) {
		const struct probe_desc *d = &vmm_probe_table[i];
		const struct usdt_probe *p = usdt_notes_find(&n, PROBE_PROVIDER, d->name);
		if (!p)
			fail_msg("probe %s missing from the notes", d->name);
		assert_null(p->args_error);
		assert_int_equal(p->nargs, d->nargs);
		assert_true(p->pc_offset_ok);
		assert_true(p->semaphore != 0);
		assert_true(p->semaphore_offset_ok);
		for (unsigned j = 0; j < p->nargs; j++) {
			char buf[64];
			assert_int_equal(usdt_arg_to_fetcharg(&p->args[j], n.machine,
							      d->arg_types[j] == PROBE_ARG_STR, buf,
							      sizeof(buf), err, sizeof(err)), 0);
		}
	}
	usdt_notes_free(&n);
}

int main(int argc, char **argv)
{
	(void)argc;
	vmm_path_init(argv[0]);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_x86),
		cmocka_unit_test(test_args_arm64),
		cmocka_unit_test(test_args_bad),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_fetchargs),
		cmocka_unit_test(test_regs_offsets),
		cmocka_unit_test(test_image_prelinked),
		cmocka_unit_test(test_image_bad),
		cmocka_unit_test(test_vmm),
	};
	return tap_run_group("usdt-notes", tests, NULL, NULL);
}
