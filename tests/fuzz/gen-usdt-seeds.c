/* Writes seed ELF images for fuzz-usdt-notes into DIR: the crafted image of
 * usdt-elf-image.h with several probe sets, prelinked and not. */
#include <stdio.h>

#include "usdt-elf-image.h"

static const struct img_probe sets[][3] = {
	{ { "prov", "a", "-4@%eax 8@-16(%rbp) 4@$5", IMG_TEXT_OFF, 1 },
	  { "prov", "b", "", IMG_TEXT_OFF + 4, 0 },
	  { "x", "c", "8@[sp, 16] -4@w3 8@foo+8(%rip) 4@(%rax,%rbx,4)", IMG_TEXT_OFF + 8, 1 } },
	{ { "vmm", "runstate_set", "-4@%r13d 8@%rbx -4@%ebp 8@%r12", IMG_TEXT_OFF, 1 } },
};

int main(int argc, char **argv)
{
	static unsigned char buf[8192];
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-usdt-seeds DIR\n");
		return 2;
	}
	for (unsigned s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		for (int prelinked = 0; prelinked < 2; prelinked++) {
			char path[4096];
			unsigned count = s == 0 ? 3 : 1;
			size_t size = img_build(buf, sizeof(buf), sets[s], count, prelinked ? 0x10000 : 0);
			snprintf(path, sizeof(path), "%s/seed-%d.elf", argv[1], n++);
			FILE *f = fopen(path, "wb");
			if (!f || fwrite(buf, 1, size, f) != size || fclose(f)) {
				perror(path);
				return 1;
			}
		}
	}
	return 0;
}
