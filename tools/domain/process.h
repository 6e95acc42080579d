/* process.h - the VMM as a child process: started with its console on a
 * pipe (stdin) and its stdout+stderr on another, signalled, reaped. */
#ifndef DOMAIN_PROCESS_H
#define DOMAIN_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

struct child {
	pid_t pid;
	int in_fd;		/* write end of its stdin, -1 when closed */
	int out_fd;		/* read end of its stdout+stderr */
	bool exited;
	int status;		/* waitpid status once exited */
};

/* 0, or -1 with errno. argv[0] is the program. */
int child_start(struct child *c, char *const argv[]);
/* Reaps without blocking; true once the child has exited. */
bool child_poll(struct child *c);
/* "exit status N" or "killed by signal N" */
const char *child_describe(const struct child *c);

#endif
