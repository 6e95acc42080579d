/* The part every kvmscope command's command line shares: the getopt_long
 * loop's prologue (--help, --version, an unknown option), a choice among
 * named values (--format text|json) and the count of operands, with
 * messages of one shape ("kvmscope CMD: --format: 'xml' is not text or
 * json"). Exit status 2 is bad usage, as everywhere in kvmscope. */
#ifndef KVMSCOPE_CLI_H
#define KVMSCOPE_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#define CLI_MAX_OPTIONS 32

struct cli {
	const char *cmd;		/* "kvmscope diagnose": the messages' prefix */
	void (*usage)(FILE *out);
	const char *shortopts;		/* the command's own; h is added */
	const struct option *longopts;	/* the command's own, { 0 }-ended; help and version are added */
	/* kept by cli_next */
	struct option all[CLI_MAX_OPTIONS];
	char shorts[64];
	bool started;
};

/* The loop's end (-1), or CLI_EXIT with *status set (0 after --help or
 * --version, 2 after an option the command does not have). */
#define CLI_EXIT (-2)

/* The command's next option, as getopt_long returns it (optarg, optind). */
int cli_next(struct cli *c, int argc, char **argv, int *status);

/* VALUE of OPTION is one of CHOICES (NULL-ended); otherwise says which it
 * may be and returns false. */
bool cli_choice(const struct cli *c, const char *option, const char *value,
		const char *const *choices);

/* MIN..MAX operands after the options; otherwise says "WHAT (N given)" and
 * the usage, and returns false. */
bool cli_operands(const struct cli *c, int argc, int min, int max, const char *what);

#endif
