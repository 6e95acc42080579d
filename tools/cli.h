/* The part every kvmscope command's command line shares: the getopt_long
 * loop (--help, --version, an unknown option), a choice among
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
	bool no_version;		/* only --help is added: record and ci never had a --version
					 * (and with one, ci's --v would no longer be --vmm) */
	/* kept by cli_parse */
	struct option all[CLI_MAX_OPTIONS];
	char shorts[64];
};

/* Reads the options: ON_OPTION(OPT, optarg, ARG) for each of the command's
 * own, which returns -1 to go on or an exit status to stop with. Returns -1
 * once they are read (optind is then the first operand), else the exit
 * status: 0 after --help or --version, 2 after an option the command does
 * not have, or ON_OPTION's. */
int cli_parse(struct cli *c, int argc, char **argv,
	      int (*on_option)(int opt, const char *val, void *arg), void *arg);

/* VALUE of OPTION is one of CHOICES (NULL-ended); otherwise says which it
 * may be and returns false. */
bool cli_choice(const struct cli *c, const char *option, const char *value,
		const char *const *choices);

/* MIN..MAX operands after the options; otherwise says "WHAT (N given)" and
 * the usage, and returns false. */
bool cli_operands(const struct cli *c, int argc, int min, int max, const char *what);

#endif
