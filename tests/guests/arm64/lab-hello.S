/*
 * lab-hello: the smallest arm64 guest for QEMU's virt board under KVM (the
 * arm64 lab's check that nested KVM runs a vCPU): prints one line on the
 * PL011 UART and powers off through PSCI. Starts at EL1, MMU off, so the
 * UART's data register is written directly (QEMU's PL011 sends without
 * being set up); KVM's PSCI is called with hvc.
 */
#define PL011_DR		0x09000000
#define PSCI_SYSTEM_OFF		0x84000008

	.text
	.global _start
_start:
	ldr	x1, =PL011_DR
	adr	x2, message
1:	ldrb	w3, [x2], #1
	cbz	w3, 2f
	strb	w3, [x1]
	b	1b
2:	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
	/* SYSTEM_OFF does not return; if PSCI is missing, stop here */
3:	wfi
	b	3b

message:
	.asciz	"hello from the arm64 lab guest\n"
