/* process.c - starting and reaping the VMM. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"

int child_start(struct child *c, char *const argv[])
{
	int in[2], out[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		/* the VMM gets default signal handling and its own pipes */
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "kvmscope-domain: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->pid = pid;
	c->in_fd = in[1];
	c->out_fd = out[0];
	c->exited = false;
	c->status = 0;
	return 0;
}

bool child_poll(struct child *c)
{
	int status;

	if (c->exited)
		return true;
	if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
		c->exited = true;
		c->status = status;
	}
	return c->exited;
}

const char *child_describe(const struct child *c)
{
	static char text[48];

	if (WIFSIGNALED(c->status))
		snprintf(text, sizeof(text), "killed by signal %d", WTERMSIG(c->status));
	else
		snprintf(text, sizeof(text), "exit status %d", WEXITSTATUS(c->status));
	return text;
}
