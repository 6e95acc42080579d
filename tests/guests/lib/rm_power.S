/*
 * rm_power.S - power off from 16-bit real mode: SLP_EN (SLP_TYP 0) to the
 * ACPI PM1_CNT at 0x604, a grace period, then isa-debug-exit (0xf4) and
 * cli; hlt forever. Same contract as power.c, without the exit=debug
 * preference (real-mode guests have no command line).
 */
	.code16
	.text

#define PM1_CNT		0x604
#define SLP_EN		0x2000
#define DEBUG_EXIT	0xf4

	.globl	rm_poweroff
rm_poweroff:
	cli
	movw	$PM1_CNT, %dx
	movw	$SLP_EN, %ax
	outw	%ax, %dx
	movl	$100000, %ecx		/* grace: let the VMM stop us */
1:	pause
	decl	%ecx
	jnz	1b
	xorb	%al, %al
	outb	%al, $DEBUG_EXIT
2:	cli
	hlt
	jmp	2b

	.section .note.GNU-stack, "", @progbits
