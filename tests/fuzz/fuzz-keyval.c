/* libFuzzer target: the option-list splitter (vmm/keyval.c) and the parsers
 * that use it without touching the host (-fault rules, -object sev-guest,
 * -serial unix:...). The input is one option argument. Checked on every
 * input: the fields are the argument's non-empty comma-separated pieces, in
 * order; a key holds no '='; a value exists exactly when the field has '=';
 * every parser either accepts or leaves a message naming the option. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chardev.h"
#include "confidential.h"
#include "keyval.h"
#include "kvm.h"
#include "mainloop.h"

/* chardev.c's backends register with the main loop; parsing never does */
int main_loop_add_fd(int fd, fd_handler handler, fd_can_read can_read, void *opaque)
{
	(void)fd, (void)handler, (void)can_read, (void)opaque;
	abort();
}
void main_loop_remove_fd(int fd)
{
	(void)fd;
	abort();
}

static void check_split(const char *arg)
{
	struct keyval kv;
	char err[128];
	const char *p = arg;

	if (keyval_start(&kv, "-x", arg, KEYVAL_MAX, err, sizeof(err)) < 0) {
		if (strlen(arg) < KEYVAL_MAX || strcmp(err, "-x: argument too long"))
			abort();
		return;
	}
	while (keyval_next(&kv)) {
		while (*p == ',')
			p++;
		size_t len = strcspn(p, ",");
		if (len == 0 || strlen(kv.text) != len || memcmp(kv.text, p, len))
			abort();
		if (strchr(kv.key, '=') || strncmp(kv.text, kv.key, strlen(kv.key)))
			abort();
		if (!kv.val != !memchr(p, '=', len))
			abort();
		if (kv.val && strcmp(kv.val, kv.text + strlen(kv.key) + 1))
			abort();
		p += len;
	}
	while (*p == ',')
		p++;
	if (*p) /* a field the splitter did not give */
		abort();
}

static void check_message(int r, const char *err, const char *prefix)
{
	if (r < 0 && strncmp(err, prefix, strlen(prefix)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg = malloc(size + 1);
	char err[256];
	if (!arg)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';

	check_split(arg);

	struct sev_config sev;
	err[0] = '\0';
	check_message(sev_parse_object(arg, &sev, err, sizeof(err)), err, "-object");

	kvm_fault_clear();
	err[0] = '\0';
	check_message(kvm_fault_parse(arg, err, sizeof(err)), err, "-fault");

	char spec[KEYVAL_MAX + 8];
	struct chardev_config c;
	snprintf(spec, sizeof(spec), "unix:%s", arg);
	err[0] = '\0';
	if (chardev_parse(spec, &c, err, sizeof(err)) < 0 && !err[0])
		abort();
	free(arg);
	return 0;
}
