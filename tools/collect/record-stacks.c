/* record-stacks.c - see record-stacks.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "probe-table.h"
#include "bpf-collector-events.h"
#include "record-stacks.h"
#include "symbols.h"
#include "usdt-notes.h"

#define MAX_PROCESSES	64	/* with --follow, several VMMs */
#define LAST_PROBE_SLOTS 256	/* threads whose last probe is kept */
#define SEEN_SLOTS	4096	/* (pid, ip) already symbolized */
#define PAGE_MASK	4095ull

struct process {
	uint32_t pid;
	struct symbolizer *sym;	/* NULL: none yet, or none possible */
	bool gone;		/* it had exited when first asked */
	bool fallback_tried;	/* the probe-address symbolizer (gone processes) */
};

struct record_stacks {
	struct cap_writer *w;
	char *probe_binary;
	uint64_t probe_pc[REC_MAX_PROBES];	/* link-time address; 0: unknown */
	struct process procs[MAX_PROCESSES];
	unsigned nprocs;
	struct { uint32_t tid, probe_id; bool used; } last_probe[LAST_PROBE_SLOTS];
	uint64_t seen_ip[SEEN_SLOTS];
	uint32_t seen_pid[SEEN_SLOTS];
};

struct record_stacks *record_stacks_new(struct cap_writer *w, const char *probe_binary)
{
	struct record_stacks *s = calloc(1, sizeof(*s));
	struct usdt_notes notes;
	char err[256];

	if (!s)
		return NULL;
	s->w = w;
	s->probe_binary = strdup(probe_binary);
	if (!s->probe_binary) {
		free(s);
		return NULL;
	}
	if (usdt_notes_read(probe_binary, &notes, err, sizeof(err)) == 0) {
		for (unsigned id = 0; id < vmm_probe_count && id < REC_MAX_PROBES; id++)
			for (size_t i = 0; i < notes.count; i++)
				if (!strcmp(notes.probes[i].provider, PROBE_PROVIDER) &&
				    !strcmp(notes.probes[i].name, vmm_probe_table[id].name))
					s->probe_pc[id] = notes.probes[i].pc;
		usdt_notes_free(&notes);
	}
	return s;
}

void record_stacks_free(struct record_stacks *s)
{
	if (!s)
		return;
	for (unsigned k = 0; k < s->nprocs; k++)
		symbolizer_free(s->procs[k].sym);
	free(s->probe_binary);
	free(s);
}

/* The process's entry, made at its first sight: MAPS and a live symbolizer. */
static struct process *process_of(struct record_stacks *s, uint32_t pid)
{
	struct process *p;
	char err[256];

	for (unsigned k = 0; k < s->nprocs; k++)
		if (s->procs[k].pid == pid)
			return &s->procs[k];
	if (s->nprocs == MAX_PROCESSES)
		return NULL;	/* raw ips from here on */
	p = &s->procs[s->nprocs++];
	*p = (struct process){ .pid = pid };
	cap_write_maps(s->w, pid);
	p->sym = symbolizer_new_pid((pid_t)pid, err, sizeof(err));
	p->gone = !p->sym;
	return p;
}

void record_stacks_probe(struct record_stacks *s, uint32_t pid, uint32_t tid, uint32_t probe_id)
{
	unsigned slot = tid % LAST_PROBE_SLOTS;

	s->last_probe[slot].tid = tid;
	s->last_probe[slot].probe_id = probe_id;
	s->last_probe[slot].used = true;
	process_of(s, pid);
}

/* A gone process: its probe binary's load bias from the stack's frame 0,
 * which is the address of the probe the stack was taken at. */
static void fall_back(struct record_stacks *s, struct process *p, uint32_t tid, uint64_t ip0)
{
	unsigned slot = tid % LAST_PROBE_SLOTS;
	uint64_t pc = 0, bias;
	char err[256] = "";

	p->fallback_tried = true;
	if (s->last_probe[slot].used && s->last_probe[slot].tid == tid &&
	    s->last_probe[slot].probe_id < REC_MAX_PROBES)
		pc = s->probe_pc[s->last_probe[slot].probe_id];
	bias = ip0 - pc;
	if (!pc || ip0 < pc || (bias & PAGE_MASK)) {
		cap_write_note(s->w, "stacks of pid %u not symbolized: it had exited before they "
			       "were read, and their first frame is not at a known probe", p->pid);
		return;
	}
	p->sym = symbolizer_new(err, sizeof(err));
	if (p->sym && symbolizer_add_elf(p->sym, s->probe_binary, bias, err, sizeof(err))) {
		symbolizer_free(p->sym);
		p->sym = NULL;
	}
	if (!p->sym)
		cap_write_note(s->w, "stacks of pid %u not symbolized: %s", p->pid, err);
	else
		cap_write_note(s->w, "pid %u had exited before its stacks were read: its frames in "
			       "%s symbolized from the probe's address, others left raw",
			       p->pid, s->probe_binary);
}

/* true the first time (pid, ip) is seen */
static bool first_sight(struct record_stacks *s, uint32_t pid, uint64_t ip)
{
	size_t slot = (size_t)(((ip ^ pid) * 0x9E3779B97F4A7C15ull) >> 52) % SEEN_SLOTS;

	for (unsigned probes = 0; probes < SEEN_SLOTS; probes++, slot = (slot + 1) % SEEN_SLOTS) {
		if (!s->seen_ip[slot]) {
			s->seen_ip[slot] = ip;
			s->seen_pid[slot] = pid;
			return true;
		}
		if (s->seen_ip[slot] == ip && s->seen_pid[slot] == pid)
			return false;
	}
	return false;	/* full: no more SYMBOL records */
}

void record_stacks_stack(struct record_stacks *s, uint32_t pid, uint32_t tid, const uint64_t *ips,
			 uint32_t n)
{
	struct process *p = process_of(s, pid);

	if (!p || !n)
		return;
	if (!p->sym && p->gone && !p->fallback_tried)
		fall_back(s, p, tid, ips[0]);
	if (!p->sym)
		return;
	for (uint32_t i = 0; i < n; i++) {
		struct symbol_info info;
		char text[1024];

		if (!ips[i] || !first_sight(s, pid, ips[i]))
			continue;
		if (symbolizer_lookup(p->sym, ips[i], &info) == 0) {
			symbol_info_format(&info, ips[i], text, sizeof(text));
			cap_write_symbol(s->w, pid, ips[i], text);
		}
	}
}
