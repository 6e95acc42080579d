/* What every binary's --version says: the project's version (the VERSION
 * file, through the build's generated kvmscope-version.h), the capture format
 * it reads and writes, and the QEMU release whose semantics the VMM mirrors. */
#ifndef KVMSCOPE_VERSION_H
#define KVMSCOPE_VERSION_H

#include <stdio.h>

#include "format-version.h"
#include "kvmscope-version.h"

#define QEMU_SEMANTICS_MAJOR 7
#define QEMU_SEMANTICS_MINOR 2

/* The first line is "PROG version X (...)": kvmscope-domain reads the VMM's. */
static inline void print_version(FILE *f, const char *prog)
{
	fprintf(f, "%s version %s (QEMU-compatible run-state semantics of %d.%d)\n"
		   "capture format version %d.%d\n",
		prog, KVMSCOPE_VERSION, QEMU_SEMANTICS_MAJOR, QEMU_SEMANTICS_MINOR,
		CAPTURE_FORMAT_MAJOR, CAPTURE_FORMAT_MINOR);
}

#endif
