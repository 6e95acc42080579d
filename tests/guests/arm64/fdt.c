/* fdt.c - /chosen/bootargs from a flattened device tree (structure block
 * tokens, big-endian), enough for the test guests' command line. */
#include "arm64.h"

#define FDT_MAGIC	0xd00dfeedu
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int streq(const char *a, const char *b)
{
	size_t n = str_len(b) + 1;
	return !memcmp(a, b, n);
}

static const uint8_t *skip_string(const uint8_t *p)
{
	size_t n = str_len((const char *)p) + 1;
	return p + ((n + 3) & ~(size_t)3);
}

const char *fdt_bootargs(const void *fdt)
{
	const uint8_t *base = fdt;
	int depth = 0, in_chosen = 0;

	if (!fdt || be32(base) != FDT_MAGIC)
		return NULL;
	const uint8_t *p = base + be32(base + 8);
	const char *strings = (const char *)base + be32(base + 12);
	for (;;) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			depth++;
			if (depth == 2)
				in_chosen = streq((const char *)p, "chosen");
			p = skip_string(p);
		} else if (tok == FDT_END_NODE) {
			if (depth-- == 2)
				in_chosen = 0;
		} else if (tok == FDT_PROP) {
			uint32_t len = be32(p), name = be32(p + 4);
			if (in_chosen && streq(strings + name, "bootargs"))
				return (const char *)p + 8;
			p += 8 + ((len + 3) & ~3u);
		} else if (tok != FDT_NOP) {
			return NULL; /* FDT_END or garbage */
		}
	}
}
