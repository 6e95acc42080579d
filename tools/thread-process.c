/* The process of a thread id (see thread-process.h). */
#include "thread-process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8192 /* open addressing; a full table still answers, uncached */

struct thread_process {
	char *saved_tgids;
	uint32_t tid[SLOTS], pid[SLOTS];
	unsigned used;
};

struct thread_process *thread_process_new(const char *saved_tgids)
{
	struct thread_process *tp = calloc(1, sizeof(*tp));
	if (tp && saved_tgids && !(tp->saved_tgids = strdup(saved_tgids))) {
		free(tp);
		return NULL;
	}
	return tp;
}

void thread_process_free(struct thread_process *tp)
{
	if (!tp)
		return;
	free(tp->saved_tgids);
	free(tp);
}

static uint32_t from_proc(uint32_t tid)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	FILE *f = fopen(path, "r");
	uint32_t pid = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %u", &pid) == 1)
			break;
	if (f)
		fclose(f);
	return pid;
}

/* lines "TID TGID"; the kernel keeps the last process each traced tid had */
static uint32_t from_saved_tgids(const char *path, uint32_t tid)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	unsigned t, p;
	uint32_t pid = 0;
	while (f && fscanf(f, "%u %u", &t, &p) == 2)
		if (t == tid && p) {
			pid = p;
			break;
		}
	if (f)
		fclose(f);
	return pid;
}

uint32_t thread_process_of(struct thread_process *tp, uint32_t tid)
{
	if (!tid)
		return 0; /* the idle task */
	size_t h = (tid * 2654435761u) % SLOTS;
	for (unsigned probe = 0; probe < SLOTS; probe++, h = (h + 1) % SLOTS) {
		if (tp->tid[h] == tid)
			return tp->pid[h];
		if (!tp->tid[h])
			break;
	}
	uint32_t pid = from_proc(tid);
	if (!pid)
		pid = from_saved_tgids(tp->saved_tgids, tid);
	/* only answers are cached: an unknown thread may be known later */
	if (pid && tp->used < SLOTS * 3 / 4 && !tp->tid[h]) {
		tp->tid[h] = tid;
		tp->pid[h] = pid;
		tp->used++;
	}
	return pid;
}
