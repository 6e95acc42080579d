/*
 * head.S - entry points of the linux64.bzImage payload (the "protected-mode
 * kernel", loaded at 0x100000).
 *
 *   load + 0x000  startup_32: 32-bit boot protocol entry (code32_start).
 *                 Protected mode, paging off, flat __BOOT_CS/__BOOT_DS,
 *                 ESI = boot_params. Builds a 4 GiB identity map, enables
 *                 long mode and continues in 64-bit code. QEMU gets here
 *                 through setup.S.
 *   load + 0x200  startup_64: 64-bit boot protocol entry, what
 *                 kvmscope-vmm uses. Long mode, identity paging,
 *                 interrupts off, RSI = boot_params.
 *
 * Both end in linux64_main(boot_params, entered_via_startup_32). The
 * 64-bit path also switches to the payload's own 4 GiB identity map, so
 * the initrd and command line are reachable wherever the loader put them
 * below 4 GiB (the protocol only promises the kernel, the zero page and
 * the command line are mapped).
 */
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define CR0_PE		(1 << 0)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define PTE_P_RW	0x003
#define PDE_P_RW_PS	0x083		/* present, writable, 2 MiB page */
#define BOOT_CS		0x10
#define BOOT_DS		0x18
#define NR_PDS		4		/* 4 page directories x 1 GiB */

	.section .head.text, "ax"
	.code32
	.globl	startup_32
startup_32:
	cli
	cld
	/* Clear the tables: PML4, PDPT, 4 PDs. */
	movl	$pgtable, %edi
	movl	$(pgtable_end - pgtable) / 4, %ecx
	xorl	%eax, %eax
	rep stosl
	/* PML4[0] -> PDPT */
	movl	$(pgtable + 0x1000 + PTE_P_RW), pgtable
	/* PDPT[0..3] -> PD0..PD3 */
	movl	$(pgtable + 0x1000), %edi
	movl	$(pgtable + 0x2000 + PTE_P_RW), %eax
	movl	$NR_PDS, %ecx
1:	movl	%eax, (%edi)
	addl	$0x1000, %eax
	addl	$8, %edi
	loop	1b
	/* PD entries: 2048 x 2 MiB identity */
	movl	$(pgtable + 0x2000), %edi
	movl	$PDE_P_RW_PS, %eax
	movl	$(NR_PDS * 512), %ecx
1:	movl	%eax, (%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	1b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pgtable, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	lgdt	gdt64_desc
	movl	%cr0, %eax
	orl	$(CR0_PE | CR0_PG), %eax
	movl	%eax, %cr0
	ljmp	$BOOT_CS, $from_startup_32

	.p2align 3
gdt64:
	.quad	0
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x10: __BOOT_CS, 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x18: __BOOT_DS */
gdt64_end:
gdt64_desc:
	.word	gdt64_end - gdt64 - 1
	.long	gdt64

	.code64
	.org	0x200
	.globl	startup_64
startup_64:
	cli
	cld
	xorl	%ebx, %ebx		/* entered by a 64-bit loader */
	jmp	2f

from_startup_32:
	movl	$BOOT_DS, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%esi, %esi		/* zero-extend boot_params */
	movl	$1, %ebx

2:	/* Clear .bss (the page tables are in .pgtable, outside it). */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	leaq	__stack_top(%rip), %rsp

	testl	%ebx, %ebx
	jnz	3f
	/* Our own 4 GiB identity map (startup_32 built it already). */
	leaq	pgtable(%rip), %rdx
	movq	%rdx, %rdi
	movl	$(pgtable_end - pgtable) / 8, %ecx
	xorl	%eax, %eax
	rep stosq
	leaq	(0x1000 + PTE_P_RW)(%rdx), %rax
	movq	%rax, (%rdx)
	leaq	0x1000(%rdx), %rdi
	leaq	(0x2000 + PTE_P_RW)(%rdx), %rax
	movl	$NR_PDS, %ecx
1:	movq	%rax, (%rdi)
	addq	$0x1000, %rax
	addq	$8, %rdi
	loop	1b
	leaq	0x2000(%rdx), %rdi
	movl	$PDE_P_RW_PS, %eax
	movl	$(NR_PDS * 512), %ecx
1:	movq	%rax, (%rdi)
	addq	$0x200000, %rax
	addq	$8, %rdi
	loop	1b
	movq	%rdx, %cr3

3:	movq	%rsi, %rdi		/* boot_params */
	movl	%ebx, %esi		/* entered via startup_32? */
	call	linux64_main
4:	cli
	hlt
	jmp	4b

	.section .bss.stack, "aw", @nobits
	.p2align 4
	.space	16384
__stack_top:

	.section .pgtable, "aw", @nobits
	.p2align 12
pgtable:
	.space	(2 + NR_PDS) * 4096
pgtable_end:

	.section .note.GNU-stack, "", @progbits
