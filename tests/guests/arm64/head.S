/* head.S - the arm64 Linux Image header (Documentation/arm64/booting.rst)
 * and the entry: x0 = device tree, EL1, MMU off. Sets the stack and the
 * exception vectors, clears .bss, calls arm64_start(dtb). */
	.section .head, "ax"
	.globl _head
_head:
	b	entry			/* code0: branch to the entry */
	.long	0			/* code1 */
	.quad	0x80000			/* text_offset from a 2 MiB-aligned base */
	.quad	_image_end - _head	/* image_size, bss included */
	.quad	0xa			/* flags: little-endian, 4K pages, anywhere */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5: no PE header */

entry:
	mov	x19, x0
	ldr	x1, =_stack_top
	mov	sp, x1
	ldr	x1, =vectors
	msr	vbar_el1, x1
	isb
	ldr	x1, =_bss_start
	ldr	x2, =_bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, x19
	bl	arm64_start
3:	wfi
	b	3b

/* Every vector reports and powers off: the test guests take no exceptions. */
	.macro	vec
	.balign	0x80
	mrs	x0, esr_el1
	mrs	x1, elr_el1
	mrs	x2, far_el1
	b	arm64_exception
	.endm

	.text
	.balign	0x800
vectors:
	.rept	16
	vec
	.endr
	.ltorg
