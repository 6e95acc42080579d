/* kvmscope: the collector and analyst. One binary, one subcommand per job. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "version.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* A subcommand whose file is not built yet is a weak NULL: it is listed as
 * unavailable rather than breaking the link. */
#pragma weak cmd_record
#pragma weak cmd_report
#pragma weak cmd_probes
#pragma weak cmd_diagnose
#pragma weak cmd_ci
#pragma weak cmd_diff

static const struct command commands[] = {
	{ "record", cmd_record, "record VMM probes and kernel events into a capture" },
	{ "report", cmd_report, "print a capture as one merged timeline" },
	{ "probes", cmd_probes, "list the USDT probes of an ELF binary" },
	{ "diagnose", cmd_diagnose, "explain a capture or QEMU/libvirt logs" },
	{ "ci", cmd_ci, "run a command under the collectors and keep CI artifacts" },
	{ "diff", cmd_diff, "where two captures of one scenario part ways (ioctls, kernel functions)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: kvmscope COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s%s\n", commands[i].name, commands[i].summary,
			commands[i].run ? "" : " (not built)");
	fprintf(out, "\n`kvmscope COMMAND --help` describes each command; --version the versions.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		print_version(stdout, "kvmscope");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (!commands[i].run) {
			fprintf(stderr, "kvmscope: %s: not built into this binary\n", argv[1]);
			return 2;
		}
		return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "kvmscope: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
