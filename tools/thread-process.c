/* The process of a thread id (see thread-process.h). */
#include "thread-process.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 8192 /* open addressing; a full table still answers, uncached */
/* An ended thread that saved_tgids does not hold either is asked again at
 * most this often: every event of such a thread re-read the whole table
 * (100 KB), and a CI recorder spent minutes draining one spinning vCPU's
 * backlog at 50 events a second. */
#define UNKNOWN_RETRY_NS 100000000ull

struct thread_process {
	char *saved_tgids;
	uint32_t tid[SLOTS], pid[SLOTS];
	uint64_t retry_at[SLOTS]; /* pid 0: not known; ask again from then */
	unsigned used;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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
	bool found = false;
	for (unsigned probe = 0; probe < SLOTS; probe++, h = (h + 1) % SLOTS) {
		if (tp->tid[h] == tid) {
			found = true;
			break;
		}
		if (!tp->tid[h])
			break;
	}
	if (found && (tp->pid[h] || now_ns() < tp->retry_at[h]))
		return tp->pid[h];
	uint32_t pid = from_proc(tid);
	if (!pid)
		pid = from_saved_tgids(tp->saved_tgids, tid);
	if (found) {
		tp->pid[h] = pid;
		tp->retry_at[h] = pid ? 0 : now_ns() + UNKNOWN_RETRY_NS;
	} else if (tp->used < SLOTS * 3 / 4 && !tp->tid[h]) {
		/* an unknown thread is remembered too, and asked again later */
		tp->tid[h] = tid;
		tp->pid[h] = pid;
		tp->retry_at[h] = pid ? 0 : now_ns() + UNKNOWN_RETRY_NS;
		tp->used++;
	}
	return pid;
}
