/* The kvmscope-vmm of this build, for the unit tests that read the real
 * binary (its USDT notes, its symbols): BUILD/tests/unit/test-NAME finds it
 * at BUILD/kvmscope-vmm. Include after cmocka.h; needs -Itools.
 *
 * Use: int main(int argc, char **argv) { vmm_path_init(argv[0]); ... }
 *      static void test_x(void **state) { struct usdt_notes n; vmm_notes_read(&n); ... } */
#ifndef TESTS_UNIT_VMM_BINARY_H
#define TESTS_UNIT_VMM_BINARY_H

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "collect/usdt-notes.h"

static char vmm_path[PATH_MAX];

/* vmm_path from this test's argv[0], resolved when the VMM is there */
static inline void vmm_path_init(const char *argv0)
{
	char self[PATH_MAX];
	snprintf(self, sizeof(self), "%s", argv0);
	snprintf(vmm_path, sizeof(vmm_path), "%s/../../kvmscope-vmm", dirname(self));
	char *real = realpath(vmm_path, NULL);
	if (real) {
		snprintf(vmm_path, sizeof(vmm_path), "%s", real);
		free(real);
	}
}

/* the VMM's USDT notes into *N; the test is skipped when this build has no
 * VMM (a build of the tools alone) */
static inline void vmm_notes_read(struct usdt_notes *n)
{
	char why[512];
	if (access(vmm_path, R_OK))
		skip();
	if (usdt_notes_read(vmm_path, n, why, sizeof(why)))
		fail_msg("%s", why);
}

#endif
