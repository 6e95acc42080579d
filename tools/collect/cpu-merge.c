/* cpu-merge.c - see cpu-merge.h. */
#include "cpu-merge.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	uint64_t ts;
	uint64_t seq;	/* add order: ties keep it */
	size_t off;	/* into the queue's arena */
	uint32_t len;
};

/* One CPU's entries, oldest first from HEAD; their bytes in ARENA in the same order. */
struct queue {
	struct entry *e;
	size_t head, n, cap;
	unsigned char *arena;
	size_t alen, acap;
};

struct cpu_merge {
	unsigned ncpus;
	uint64_t seq;
	size_t held;
	struct queue q[];
};

struct cpu_merge *cpu_merge_new(unsigned ncpus)
{
	struct cpu_merge *m = calloc(1, sizeof(*m) + (size_t)ncpus * sizeof(struct queue));

	if (m)
		m->ncpus = ncpus;
	return m;
}

void cpu_merge_free(struct cpu_merge *m)
{
	if (!m)
		return;
	for (unsigned c = 0; c < m->ncpus; c++) {
		free(m->q[c].e);
		free(m->q[c].arena);
	}
	free(m);
}

static int grow(void **p, size_t *cap, size_t need, size_t unit, size_t first)
{
	size_t ncap = *cap ? *cap : first;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * unit);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int cpu_merge_add(struct cpu_merge *m, unsigned cpu, uint64_t ts, const void *data, uint32_t len)
{
	struct queue *q;
	size_t i;

	if (cpu >= m->ncpus)
		return -1;
	q = &m->q[cpu];
	if (grow((void **)&q->e, &q->cap, q->n + 1, sizeof(*q->e), 1024) ||
	    grow((void **)&q->arena, &q->acap, q->alen + len, 1, 1u << 16))
		return -1;
	memcpy(q->arena + q->alen, data, len);
	/* in place from the back: the kernel hands a CPU's entries in order,
	 * so this loop does not run in practice */
	for (i = q->n; i > q->head && q->e[i - 1].ts > ts; i--)
		q->e[i] = q->e[i - 1];
	q->e[i] = (struct entry){ .ts = ts, .seq = m->seq++, .off = q->alen, .len = len };
	q->n++;
	q->alen += len;
	m->held++;
	return 0;
}

/* The queue's unreleased entries and bytes moved to the front. Bytes of
 * entries moved back out of order may sit anywhere, so the arena is only
 * reset when the queue is empty, and otherwise kept from the lowest offset. */
static void compact(struct queue *q)
{
	size_t low = q->alen;

	if (q->head == q->n) {
		q->head = q->n = q->alen = 0;
		return;
	}
	for (size_t i = q->head; i < q->n; i++)
		if (q->e[i].off < low)
			low = q->e[i].off;
	memmove(q->e, q->e + q->head, (q->n - q->head) * sizeof(*q->e));
	q->n -= q->head;
	q->head = 0;
	if (low) {
		memmove(q->arena, q->arena + low, q->alen - low);
		q->alen -= low;
		for (size_t i = 0; i < q->n; i++)
			q->e[i].off -= low;
	}
}

int cpu_merge_release(struct cpu_merge *m, uint64_t limit, cpu_merge_emit emit, void *ctx)
{
	int written = 0;

	for (;;) {
		struct queue *best = NULL;
		unsigned best_cpu = 0;

		/* the oldest head; CPUs are few, a scan is cheaper than a heap */
		for (unsigned c = 0; c < m->ncpus; c++) {
			struct queue *q = &m->q[c];
			if (q->head == q->n || q->e[q->head].ts >= limit)
				continue;
			if (!best || q->e[q->head].ts < best->e[best->head].ts ||
			    (q->e[q->head].ts == best->e[best->head].ts &&
			     q->e[q->head].seq < best->e[best->head].seq)) {
				best = q;
				best_cpu = c;
			}
		}
		if (!best)
			break;
		const struct entry *e = &best->e[best->head++];
		int r = emit(ctx, e->ts, best_cpu, best->arena + e->off, e->len);
		if (r > 0)
			written += r;
		m->held--;
	}
	for (unsigned c = 0; c < m->ncpus; c++)
		compact(&m->q[c]);
	return written;
}

size_t cpu_merge_held(const struct cpu_merge *m)
{
	return m->held;
}
