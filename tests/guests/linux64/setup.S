/*
 * setup.S - the real-mode part of linux64.bzImage (the "setup" code).
 *
 * mkbzimage writes the boot sector and the setup header (file offsets
 * 0x1f1..0x27f, including the 2-byte jump at 0x200 that lands here); this
 * code is linked to start at setup offset 0x280.
 *
 * Only loaders that use the 16-bit boot protocol run it - QEMU's Linux
 * loader on -M pc does (its option ROM jumps to setup_seg+0x20:0000 with
 * DS=ES=SS=setup_seg). kvmscope-vmm enters the 64-bit entry (startup_64)
 * directly and never comes here.
 *
 * Like Linux's setup, it says so on COM1, switches to 32-bit protected
 * mode with the boot GDT (__BOOT_CS 0x10, __BOOT_DS 0x18) and jumps to
 * code32_start with ESI = boot_params (for the 16-bit protocol that is
 * the setup segment itself: the header sits at its offset 0x1f1 and the
 * rest of the zero page was zero in the file). A20 is left as the
 * firmware set it.
 */
#define BOOT_CS		0x10
#define BOOT_DS		0x18
#define HDR_CODE32_START 0x214

	.code16
	.section .text.entry, "ax"
	.globl	_start
_start:
	cli
	cld
	/* The loader entered at CS = DS + 0x20, IP = 0x280 - 0x200; make CS
	 * equal DS so code and data offsets agree. */
	pushw	%ds
	pushw	$1f
	lretw
1:
	movw	$msg_entered, %si
	call	rm_puts

	/* EBX = linear address of the setup segment = boot_params */
	xorl	%ebx, %ebx
	movw	%ds, %bx
	shll	$4, %ebx

	/* Fix up the linear addresses the GDT pointer and the far jump need. */
	leal	gdt(%ebx), %eax
	movl	%eax, gdt_desc + 2
	leal	pm32(%ebx), %eax
	movl	%eax, pm32_ptr

	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$1, %eax		/* CR0.PE */
	movl	%eax, %cr0
	ljmpl	*pm32_ptr

	.code32
pm32:
	movl	$BOOT_DS, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	%ebx, %esi		/* boot_params */
	movl	HDR_CODE32_START(%esi), %eax
	jmpl	*%eax

	.p2align 3
gdt:
	.quad	0
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x10: __BOOT_CS, flat 32-bit code */
	.quad	0x00cf93000000ffff	/* 0x18: __BOOT_DS, flat data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	0			/* linear base, filled in above */
pm32_ptr:
	.long	0			/* linear address of pm32, filled in */
	.word	BOOT_CS

msg_entered:
	.asciz	"guest: real-mode setup entered\n"

	.section .note.GNU-stack, "", @progbits
