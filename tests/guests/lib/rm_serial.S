/*
 * rm_serial.S - COM1 output for 16-bit real-mode code (flat16, the
 * bzImage setup stub). Same contract as serial.c: poll LSR.THRE (bounded)
 * before writing THR.
 */
	.code16
	.text

#define COM1_THR	0x3f8
#define COM1_LSR	0x3fd
#define LSR_THRE	0x20

/* rm_putc: write AL to COM1. Preserves all registers. */
	.globl	rm_putc
rm_putc:
	pushw	%ax
	pushw	%cx
	pushw	%dx
	movb	%al, %ah
	movw	$COM1_LSR, %dx
	movw	$0xffff, %cx
1:	inb	%dx, %al
	testb	$LSR_THRE, %al
	jnz	2f
	pause
	loop	1b
2:	movb	%ah, %al
	movw	$COM1_THR, %dx
	outb	%al, %dx
	popw	%dx
	popw	%cx
	popw	%ax
	ret

/* rm_puts: write the NUL-terminated string at DS:SI. Preserves all. */
	.globl	rm_puts
rm_puts:
	pushw	%ax
	pushw	%si
1:	lodsb
	testb	%al, %al
	jz	2f
	call	rm_putc
	jmp	1b
2:	popw	%si
	popw	%ax
	ret

	.section .note.GNU-stack, "", @progbits
