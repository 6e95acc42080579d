/* The command-line prologue the kvmscope commands share (cli.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "version.h"

/* the command's options with --help and --version (unless no_version) after them */
static void add_common(struct cli *c)
{
	static const struct option common[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	size_t n = 0;
	while (c->longopts && c->longopts[n].name && n + 3 < CLI_MAX_OPTIONS) {
		c->all[n] = c->longopts[n];
		n++;
	}
	memcpy(&c->all[n], common, sizeof(common));
	memset(&c->all[n + (c->no_version ? 1 : 2)], 0, sizeof(c->all[0]));
	snprintf(c->shorts, sizeof(c->shorts), "%sh", c->shortopts ? c->shortopts : "");
	optind = 1;
}

int cli_parse(struct cli *c, int argc, char **argv,
	      int (*on_option)(int opt, const char *val, void *arg), void *arg)
{
	int opt, status = -1;
	add_common(c);
	while (status < 0 && (opt = getopt_long(argc, argv, c->shorts, c->all, NULL)) != -1) {
		if (opt == 'h') {
			c->usage(stdout);
			status = 0;
		} else if (opt == 'V') {
			print_version(stdout, "kvmscope");
			status = 0;
		} else if (opt == '?' || opt == ':') {
			c->usage(stderr);
			status = 2;
		} else {
			status = on_option(opt, optarg, arg);
		}
	}
	return status;
}

bool cli_choice(const struct cli *c, const char *option, const char *value,
		const char *const *choices)
{
	size_t n = 0;
	while (choices[n])
		if (!strcmp(choices[n++], value))
			return true;
	fprintf(stderr, "%s: %s: '%s' is not ", c->cmd, option, value);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s", choices[i], i + 2 < n ? ", " : i + 2 == n ? " or " : "\n");
	return false;
}

bool cli_operands(const struct cli *c, int argc, int min, int max, const char *what)
{
	int n = argc - optind;
	if (n >= min && n <= max)
		return true;
	fprintf(stderr, "%s: %s (%d given)\n", c->cmd, what, n);
	c->usage(stderr);
	return false;
}
