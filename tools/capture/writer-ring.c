/* The bounded capture (record --max-size): two segment files reused in
 * turn, assembled into the capture at close. See cap_writer_open in
 * capture.h; the writer's state is in writer-internal.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writer-internal.h"

int cap_segment_path(char *buf, size_t len, const char *path, unsigned k)
{
	int n = snprintf(buf, len, "%s.seg%u", path, k);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A segment holds max_bytes/2, but at least as many event bytes as its
 * header and definitions: else huge definitions would rotate every event. */
static uint64_t seg_limit(const struct cap_writer *w)
{
	uint64_t prefix = sizeof(struct cap_file_header) + w->defs_len;
	return w->max_bytes / 2 > 2 * prefix ? w->max_bytes / 2 : 2 * prefix;
}

bool cap_ring_full(const struct cap_writer *w, unsigned type, size_t size)
{
	/* a STACK stays in the segment of the probe it belongs to */
	return w->ring && cap_record_is_event(type) && type != CAP_REC_STACK &&
	       w->seg[w->cur].events && (uint64_t)w->committed + w->used + size > seg_limit(w);
}

/* Counts an event against its segment, or keeps a copy of anything else:
 * the prefix of every segment and of the assembled capture. */
int cap_ring_account(struct cap_writer *w, const struct cap_record *rec)
{
	if (cap_record_is_event(rec->type)) {
		struct seg_stats *s = &w->seg[w->cur];
		s->events++;
		s->bytes += rec->size;
		const struct cap_lost *l;
		if (rec->type == CAP_REC_LOST && cap_decode_lost(rec, &l) == 0) {
			s->lost_records++;
			s->lost += l->count;
		}
		return 0;
	}
	if (rec->type == CAP_REC_END)
		return 0;
	if (w->defs_len + rec->size > w->defs_cap) {
		size_t cap = (w->defs_len + rec->size) * 2;
		uint8_t *n = realloc(w->defs, cap);
		if (!n)
			return -ENOMEM;
		w->defs = n;
		w->defs_cap = cap;
	}
	memcpy(w->defs + w->defs_len, rec, rec->size);
	w->defs_len += rec->size;
	return 0;
}

/* The current segment is full: the other one, with the oldest events, is
 * emptied and restarted with the header and every definition so far. */
int cap_ring_rotate(struct cap_writer *w)
{
	char seg[PATH_MAX];
	unsigned next = w->cur ^ 1;
	int rc = cap_flush(w);

	if (rc)
		return rc;
	if (w->seg_fd[next] < 0) {
		if (cap_segment_path(seg, sizeof(seg), w->path, next))
			return w->error = -ENAMETOOLONG;
		w->seg_fd[next] = open(seg, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (w->seg_fd[next] < 0)
			return w->error = -errno;
	} else if (ftruncate(w->seg_fd[next], 0) || lseek(w->seg_fd[next], 0, SEEK_SET)) {
		return w->error = -errno;
	}
	const struct seg_stats *s = &w->seg[next];
	w->dropped.records += s->events;
	w->dropped.bytes += s->bytes;
	w->dropped.lost_records += s->lost_records;
	w->dropped.lost += s->lost;
	memset(&w->seg[next], 0, sizeof(w->seg[next]));
	w->cur = next;
	w->fd = w->seg_fd[next];
	w->committed = 0;
	w->rotated = true;
	rc = cap_writer_write_records(w, &w->hdr, sizeof(w->hdr));
	return rc ? rc : cap_writer_write_records(w, w->defs, w->defs_len);
}

/* Assembling holds back this much before it frees the source behind it. */
#define ASSEMBLY_CHUNK (64 * 1024)

/* Appends the events of segment K to the capture being assembled, punching
 * holes behind what is copied so the disk does not hold both. */
static int copy_events(struct cap_writer *w, unsigned k, bool *can_punch)
{
	char seg[PATH_MAX], err[256];
	int rc = 0;

	if (cap_segment_path(seg, sizeof(seg), w->path, k))
		return -ENAMETOOLONG;
	struct cap_reader *r = cap_open(seg, err, sizeof(err));
	if (!r)
		return -EIO;
	const uint8_t *base = (const void *)cap_header(r);
	const struct cap_record *rec;
	while (!rc && cap_next(r, &rec) == CAP_NEXT_OK) {
		if (!cap_record_is_event(rec->type))
			continue;
		if (w->used + rec->size > ASSEMBLY_CHUNK) {
			rc = cap_flush(w);
			off_t done = ((const uint8_t *)rec - base) & ~(off_t)4095;
			if (!rc && *can_punch && done > 0 &&
			    fallocate(w->seg_fd[k], FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, done))
				*can_punch = false; /* not here: both copies exist until unlinked */
		}
		if (!rc)
			rc = cap_append_record(w, rec);
	}
	if (!rc && cap_error(r))
		rc = -EIO;
	cap_close(r);
	if (!rc)
		rc = cap_flush(w);
	if (!rc) {
		close(w->seg_fd[k]);
		w->seg_fd[k] = -1;
		unlink(seg);
	}
	return rc;
}

/* PATH from the segments: header, every definition, what was dropped, the
 * older segment's events, the newer's, END. On failure the segments stay. */
int cap_ring_assemble(struct cap_writer *w, bool end)
{
	char seg[PATH_MAX], note[320];
	bool can_punch = true;
	int rc = cap_flush(w);

	if (rc)
		return rc;
	if (!w->rotated) {
		/* nothing dropped: the only segment is the capture as it stands */
		if (cap_segment_path(seg, sizeof(seg), w->path, 0))
			return -ENAMETOOLONG;
		if (rename(seg, w->path))
			return -errno;
		w->seg_fd[0] = -1;
		w->ring = false;
		return end ? cap_writer_write_end(w) : 0;
	}
	int fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* from here on the writer appends plainly, to PATH */
	w->fd = fd;
	w->committed = 0;
	w->ring = false;
	rc = cap_writer_write_records(w, &w->hdr, sizeof(w->hdr));
	if (!rc)
		rc = cap_writer_write_records(w, w->defs, w->defs_len);
	if (!rc) {
		cap_format_drop_note(note, sizeof(note), "kvmscope record", w->max_bytes, &w->dropped);
		rc = cap_write_note(w, "%s", note);
	}
	if (!rc)
		rc = copy_events(w, w->cur ^ 1, &can_punch);
	if (!rc)
		rc = copy_events(w, w->cur, &can_punch);
	if (!rc && end)
		rc = cap_writer_write_end(w);
	return rc;
}

