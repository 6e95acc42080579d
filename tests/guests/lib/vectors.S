/*
 * vectors.S - entry stubs for exception vectors 0..31 (32-bit).
 *
 * Each stub makes the stack look the same (a dummy error code where the
 * CPU pushes none), pushes its vector number and joins exception_common,
 * which saves the registers and calls exception_dispatch(frame). The
 * handler may change frame->eip; the return then resumes there.
 */
	.code32
	.text

	.macro STUB vec, has_error
	.p2align 4
exception_stub_\vec:
	.if \has_error == 0
	pushl	$0
	.endif
	pushl	$\vec
	jmp	exception_common
	.endm

	/* Vectors where the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30. */
	STUB 0, 0
	STUB 1, 0
	STUB 2, 0
	STUB 3, 0
	STUB 4, 0
	STUB 5, 0
	STUB 6, 0
	STUB 7, 0
	STUB 8, 1
	STUB 9, 0
	STUB 10, 1
	STUB 11, 1
	STUB 12, 1
	STUB 13, 1
	STUB 14, 1
	STUB 15, 0
	STUB 16, 0
	STUB 17, 1
	STUB 18, 0
	STUB 19, 0
	STUB 20, 0
	STUB 21, 1
	STUB 22, 0
	STUB 23, 0
	STUB 24, 0
	STUB 25, 0
	STUB 26, 0
	STUB 27, 0
	STUB 28, 0
	STUB 29, 1
	STUB 30, 1
	STUB 31, 0

exception_common:
	pushal
	cld
	pushl	%esp			/* struct fault_frame * */
	call	exception_dispatch
	addl	$4, %esp
	popal
	addl	$8, %esp		/* vector and error code */
	/*
	 * Return without iret: [esp] = eip, cs, eflags. Every exception here
	 * is taken and returned at CPL 0 on the same stack and code segment,
	 * so "popfl; ret $8" does what iret would. The host KVM this project
	 * is tested on (an instruction emulator) fails 32-bit iret with
	 * KVM_EXIT_INTERNAL_ERROR, which would turn every recovered #GP into
	 * a dead guest.
	 */
	pushl	8(%esp)			/* eflags */
	popfl
	ret	$8			/* to eip; drop cs and eflags */

	.section .rodata
	.p2align 2
	.globl exception_stubs
exception_stubs:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long exception_stub_\vec
	.endr

	.section .note.GNU-stack, "", @progbits
