/*
 * entry.S - Multiboot v1 header and the 32-bit entry of every ELF guest.
 *
 * The loader enters _start in 32-bit protected mode, paging off, with
 * EAX = 0x2BADB002 and EBX = the physical address of the multiboot info.
 * We load a flat GDT of our own (the loader's may be gone), clear .bss,
 * switch to our stack and call guest_start(magic, info).
 */
#include "multiboot.h"

#define GDT_CODE	0x08
#define GDT_DATA	0x10

	.section .multiboot, "a"
	.p2align 2
multiboot_header:
	.long	MULTIBOOT_HEADER_MAGIC
	.long	MULTIBOOT_HEADER_FLAGS
	.long	-(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)

	.section .text.entry, "ax"
	.code32
	.globl	_start
	.type	_start, @function
_start:
	cli
	cld
	movl	%eax, %ebp		/* multiboot magic */
	movl	%ebx, %esi		/* multiboot info */

	lgdt	gdt_desc
	ljmp	$GDT_CODE, $1f
1:	movl	$GDT_DATA, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss

	/* The loader should have zeroed .bss, but after a reset it holds the
	 * last boot's data: clear it (the stack lives there too). */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	movl	$__stack_top, %esp
	pushl	%esi
	pushl	%ebp
	xorl	%ebp, %ebp
	call	guest_start
2:	cli
	hlt
	jmp	2b
	.size	_start, . - _start

	.section .rodata
	.p2align 3
gdt:				/* accessed bits preset: no descriptor writes */
	.quad	0x0000000000000000	/* null */
	.quad	0x00cf9b000000ffff	/* 0x08: code, base 0, 4 GiB, 32-bit */
	.quad	0x00cf93000000ffff	/* 0x10: data, base 0, 4 GiB */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.section .bss.stack, "aw", @nobits
	.p2align 4
	.space	16384
	.globl	__stack_top
__stack_top:

	.section .note.GNU-stack, "", @progbits
