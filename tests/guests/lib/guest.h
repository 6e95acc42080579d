/* guest.h - what a 32-bit test guest includes: the whole runtime. */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "boot_counter.h"
#include "cmdline.h"
#include "cpu.h"
#include "idt.h"
#include "io.h"
#include "power.h"
#include "print.h"
#include "reset.h"
#include "serial.h"
#include "string.h"

/*
 * Every 32-bit guest defines guest_main(). The runtime calls it with the
 * command line (never NULL) after setting up a stack, a flat GDT, the
 * exception handlers and COM1; if it returns, the guest powers off.
 */
void guest_main(const char *cmdline);

#endif
