/* The capture writer's state, shared by its two halves: writer.c (records
 * into a buffer, the buffer into the file) and writer-ring.c (the bounded
 * capture's two segments, reused in turn, assembled at close). Nothing
 * outside the capture module includes this. */
#ifndef KVMSCOPE_CAPTURE_WRITER_INTERNAL_H
#define KVMSCOPE_CAPTURE_WRITER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture.h"

#define WRITER_BUF (256 * 1024)

/* Events of one segment of a bounded capture: what goes when it is reused. */
struct seg_stats {
	uint64_t events, bytes, lost_records, lost;
};

struct cap_writer {
	int fd;			/* the file records go to: the current segment if bounded */
	off_t committed;	/* its length: always a whole number of records */
	uint8_t *buf;
	size_t used;
	uint64_t records;
	uint64_t lost;
	int error;		/* first write error, sticky */
	struct cap_file_header hdr;	/* of every file this writer starts */
	/* bounded (info.max_bytes): two segments, definitions kept in memory */
	uint64_t max_bytes;	/* the bound; 0: one file, unbounded */
	bool ring;		/* records go to the segments (bounded, not yet assembling) */
	char *path;		/* the capture the segments are assembled into */
	int seg_fd[2];
	unsigned cur;		/* seg_fd[cur] == fd */
	bool rotated;		/* a segment was ever reused (events dropped) */
	struct seg_stats seg[2];
	struct cap_drop dropped;
	uint8_t *defs;		/* every non-event record written, whole */
	size_t defs_len, defs_cap;
};

/* writer.c */
/* Appends LEN bytes at the file's end, or cuts it back to its last whole
 * record and makes the error sticky. */
int cap_writer_write_records(struct cap_writer *w, const void *p, size_t len);
/* Appends the END record (records and lost so far). */
int cap_writer_write_end(struct cap_writer *w);

/* writer-ring.c */
/* Whether a SIZE-byte record of TYPE must go to the other segment. */
bool cap_ring_full(const struct cap_writer *w, unsigned type, size_t size);
/* Reuses the other segment (dropping its events). 0 or -errno (sticky). */
int cap_ring_rotate(struct cap_writer *w);
/* Counts an event against its segment, or keeps a copy of anything else. */
int cap_ring_account(struct cap_writer *w, const struct cap_record *rec);
/* PATH from the segments, END too if END is true. On failure they stay. */
int cap_ring_assemble(struct cap_writer *w, bool end);

#endif
