/* idt.h - exception handlers for vectors 0..31 (32-bit guests). */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

/* The register frame vectors.S builds before calling the C handler. */
struct fault_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax; /* pusha */
	uint32_t vector;
	uint32_t error;		/* 0 for vectors without an error code */
	uint32_t eip, cs, eflags;	/* pushed by the CPU */
};

/*
 * Installs handlers for vectors 0..31. An exception that nobody expects
 * prints "guest: exception N at EIP 0x... error 0x..." and powers off.
 */
void idt_install(void);

/* Loads an IDT with limit 0: any exception then triple-faults. */
void idt_load_empty(void);

/*
 * Expecting a fault: the next exception `vector` does not stop the guest;
 * the handler skips `insn_len` bytes at the faulting EIP and returns.
 * fault_expect_end() disarms and tells whether it fired (1) or not (0).
 */
void fault_expect(uint32_t vector, uint32_t insn_len);
int fault_expect_end(void);

/* rdmsr that survives #GP: 0 and *val on success, -1 on #GP. */
int rdmsr_safe(uint32_t msr, uint64_t *val);

#endif
