/* libFuzzer target: the USDT note reader over arbitrary bytes taken as an
 * ELF image, and the argument-spec parser over the same bytes as a string.
 * Either parses or returns an error; ASan/UBSan catch the rest.
 *   tests/fuzz/run-usdt-notes.sh [SECONDS]   builds, seeds and runs it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/usdt-notes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usdt_notes notes;
	char err[256];
	/* libelf reads the image in place; give it its own exact-size copy so
	 * ASan sees any read past the end */
	unsigned char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (usdt_notes_read_image(copy, size, &notes, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < notes.count; i++) {
			const struct usdt_probe *p = &notes.probes[i];
			for (unsigned j = 0; j < p->nargs; j++) {
				char buf[160];
				usdt_arg_format(&p->args[j], buf, sizeof(buf));
				usdt_arg_to_fetcharg(&p->args[j], notes.machine, j & 1, buf, sizeof(buf), err,
						     sizeof(err));
			}
		}
		usdt_notes_free(&notes);
	}
	free(copy);

	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct usdt_arg args[USDT_MAX_ARGS];
	int n = usdt_args_parse(text, args, USDT_MAX_ARGS, err, sizeof(err));
	for (int i = 0; i < n; i++) {
		char buf[160];
		usdt_arg_format(&args[i], buf, sizeof(buf));
		usdt_arg_to_fetcharg(&args[i], 62 /* EM_X86_64 */, false, buf, sizeof(buf), err, sizeof(err));
	}
	free(text);
	return 0;
}
