/* trace.dat through trace-cmd (see ftrace-trace-dat.h). */
#include "ftrace-trace-dat.h"

#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errtext.h"

/* runs ARGV (trace-cmd), its output appended to LOG; its exit status or -1 */
static int run_quiet(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = -1;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0 &&
	    waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	posix_spawn_file_actions_destroy(&fa);
	return status;
}

int ftrace_trace_dat(const char *dir, int ncpus, char *out, size_t outlen, char *why,
		     size_t whylen)
{
	char head[PATH_MAX], log[PATH_MAX];
	char **argv = calloc((size_t)ncpus + 8, sizeof(char *));

	if (!argv) {
		seterr(why, whylen, "out of memory: raw buffers kept in %s/cpu*", dir);
		return -1;
	}
	snprintf(head, sizeof(head), "%s/head.dat", dir);
	snprintf(out, outlen, "%s/trace.dat", dir);
	snprintf(log, sizeof(log), "%s/trace-cmd.log", dir);
	char *create[] = { "trace-cmd", "restore", "-c", "-o", head, NULL };
	int n = 0;
	argv[n++] = "trace-cmd";
	argv[n++] = "restore";
	argv[n++] = "-i";
	argv[n++] = head;
	argv[n++] = "-o";
	argv[n++] = out;
	for (int c = 0; c < ncpus; c++)
		if (asprintf(&argv[n], "%s/cpu%d", dir, c) > 0)
			n++;
	argv[n] = NULL;
	/* `restore -c` reads /proc/kallsyms and every event format of the
	 * system, each by size then text: a module or BPF program loaded, or
	 * another collector's uprobe group removed, in between spoils the
	 * headers (then -c or -i fails), so the pair gets a few tries */
	int rc = -1, step = 0;
	for (int attempt = 0; attempt < 5 && rc != 0; attempt++) {
		step = 0;
		if ((rc = run_quiet(create, log)) != 0)
			continue;
		step = 1;
		rc = run_quiet(argv, log);
	}
	if (rc != 0 && step == 0)
		seterr(why, whylen, "`trace-cmd restore -c` %s (see %s): raw buffers kept in %s/cpu*",
		       rc < 0 ? "could not run" : "failed", log, dir);
	else if (rc != 0)
		seterr(why, whylen, "`trace-cmd restore -i` failed (status %d, see %s): raw buffers "
		       "kept in %s/cpu*", rc, log, dir);
	for (int i = 6; i < n; i++)
		free(argv[i]);
	free(argv);
	unlink(head);
	return rc == 0 ? 0 : -1;
}
