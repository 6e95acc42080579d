/*
 * exitloop.S - the benchmark guests: optionally one serial byte, then
 * EXITS port writes (each one a KVM exit to user space), then power off.
 *
 * Built two ways by tests/bench/bench.mk:
 *   flat real-mode binary (default): kvmscope-vmm and bare-kvm both load it
 *     at 0x10000 and enter it with CS=0x1000, IP=0, SP=0xfffe;
 *   -DMULTIBOOT: a 32-bit multiboot v1 ELF at 1 MiB, which QEMU's -kernel
 *     loads too, so the same loop runs under QEMU for comparison.
 *
 * Knobs (preprocessor):
 *   EXITS=N        number of `out` exits in the loop (default 0)
 *   PORT=P         the port they go to (default 0x80, claimed by nobody)
 *   FIRST_BYTE     write 'K' to COM1 (0x3f8) before anything else
 *   LAST_BYTE      write 'E' to COM1 after the loop: the time between the
 *                  two bytes is the loop alone, without start-up or teardown
 *   POWEROFF_PM    power off with outw 0x604, 0x2000 (ACPI PM1_CNT SLP_EN,
 *                  an orderly shutdown: exit status 0) and halt; without
 *                  it, `out 0xf4` of 0 to isa-debug-exit (exit status 1)
 */
#ifndef EXITS
#define EXITS 0
#endif
#ifndef PORT
#define PORT 0x80
#endif

#ifdef MULTIBOOT
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0
	.code32
	.text
	.globl _start
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
#else
	.code16
	.text
	.globl _start
#endif
_start:
	cli
#ifdef FIRST_BYTE
	mov $'K', %al
	mov $0x3f8, %dx
	out %al, (%dx)
#endif
	mov $EXITS, %ecx
	mov $PORT, %dx
	test %ecx, %ecx
	jz 2f
1:	out %al, (%dx)
	dec %ecx
	jnz 1b
2:
#ifdef LAST_BYTE
	mov $'E', %al
	mov $0x3f8, %dx
	out %al, (%dx)
#endif
#ifdef POWEROFF_PM
	mov $0x604, %dx
	mov $0x2000, %ax
	out %ax, (%dx)
#else
	xor %al, %al
	out %al, $0xf4
#endif
4:	hlt
	jmp 4b
