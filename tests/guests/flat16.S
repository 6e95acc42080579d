/*
 * flat16.S - a flat real-mode binary (flat16.bin).
 *
 * Load it at physical 0x10000 and enter with CS=0x1000, IP=0; the code
 * sets DS=ES=SS=CS and SP=0xfffe itself, so it does not depend on the
 * loader's choice. It prints "guest: hello from real mode" on COM1 and
 * powers off (PM1_CNT, then isa-debug-exit, then cli; hlt).
 */
	.code16
	.section .text.entry, "ax"
	.globl	_start
_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0xfffe, %sp

	movw	$hello, %si
	call	rm_puts
	movw	$off, %si
	call	rm_puts
	jmp	rm_poweroff

hello:	.asciz	"guest: hello from real mode\n"
off:	.asciz	"guest: powering off\n"

	.section .note.GNU-stack, "", @progbits
