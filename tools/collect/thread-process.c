/* The process of a thread id (see thread-process.h). */
#include "thread-process.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIRST_SLOTS 8192 /* open addressing, doubled at 3/4 full */
/* An ended thread that saved_tgids does not hold either is asked again at
 * most this often: every event of such a thread re-read the whole table
 * (100 KB), and a CI recorder spent minutes draining one spinning vCPU's
 * backlog at 50 events a second. */
#define UNKNOWN_RETRY_NS 100000000ull

struct slot {
	uint32_t tid, pid;  /* tid 0: free; pid 0: not known */
	uint64_t retry_at;  /* not known: ask again from then */
};

struct thread_process {
	char *saved_tgids;
	struct slot *slots;
	size_t nslots, used;
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
	if (!tp)
		return NULL;
	tp->nslots = FIRST_SLOTS;
	tp->slots = calloc(tp->nslots, sizeof(*tp->slots));
	if (!tp->slots || (saved_tgids && !(tp->saved_tgids = strdup(saved_tgids)))) {
		thread_process_free(tp);
		return NULL;
	}
	return tp;
}

void thread_process_free(struct thread_process *tp)
{
	if (!tp)
		return;
	free(tp->slots);
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

/* TID's slot, or the free slot where it belongs */
static struct slot *find(struct slot *slots, size_t nslots, uint32_t tid)
{
	size_t h = (tid * 2654435761u) % nslots;
	while (slots[h].tid && slots[h].tid != tid)
		h = (h + 1) % nslots;
	return &slots[h];
}

/* doubles the table; false (the table unchanged) when out of memory */
static bool grow(struct thread_process *tp)
{
	size_t n = tp->nslots * 2;
	struct slot *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < tp->nslots; i++)
		if (tp->slots[i].tid)
			*find(slots, n, tp->slots[i].tid) = tp->slots[i];
	free(tp->slots);
	tp->slots = slots;
	tp->nslots = n;
	return true;
}

uint32_t thread_process_of(struct thread_process *tp, uint32_t tid)
{
	if (!tid)
		return 0; /* the idle task */
	struct slot *s = find(tp->slots, tp->nslots, tid);
	if (s->tid && (s->pid || now_ns() < s->retry_at))
		return s->pid;
	uint32_t pid = from_proc(tid);
	if (!pid)
		pid = from_saved_tgids(tp->saved_tgids, tid);
	if (!s->tid) {
		/* an unknown thread is remembered too, and asked again later; a
		 * table that cannot grow still answers, uncached */
		if (tp->used + 1 > tp->nslots * 3 / 4 &&
		    !(grow(tp) && (s = find(tp->slots, tp->nslots, tid))))
			return pid;
		s->tid = tid;
		tp->used++;
	}
	s->pid = pid;
	s->retry_at = pid ? 0 : now_ns() + UNKNOWN_RETRY_NS;
	return pid;
}
