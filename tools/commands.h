/* The kvmscope subcommands. Each lives in its own file and is reached through
 * the table in kvmscope.c; argv[0] is the subcommand's name. */
#ifndef KVMSCOPE_COMMANDS_H
#define KVMSCOPE_COMMANDS_H

int cmd_record(int argc, char **argv);   /* record.c */
int cmd_report(int argc, char **argv);   /* report.c */
int cmd_probes(int argc, char **argv);   /* probes.c */
int cmd_diagnose(int argc, char **argv); /* diagnose.c */
int cmd_ci(int argc, char **argv);       /* ci.c */
int cmd_diff(int argc, char **argv);     /* diff.c */

#endif
