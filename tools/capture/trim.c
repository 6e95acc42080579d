/* Trimming a finished capture to a size (see trim.h): the records it keeps
 * are copied through the writer, bytes unchanged. */
#include "trim.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "errtext.h"

/* The first pass: how many of the oldest events must go (*first_kept) for
 * the rest, every other record and our NOTE to fit MAX; 0 or -1. */
static int plan(struct cap_reader *r, uint64_t max, struct cap_drop *d, size_t *first_kept)
{
	uint64_t fixed = cap_header(r)->header_size + 384; /* + our NOTE */
	size_t nev = 0, cap = 0;
	uint32_t *sizes = NULL;
	const struct cap_record *rec;
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		if (!cap_record_is_event(rec->type)) {
			fixed += rec->size;
			continue;
		}
		if (nev == cap) {
			cap = cap ? cap * 2 : 65536;
			uint32_t *ns = realloc(sizes, cap * sizeof(*ns));
			if (!ns) {
				free(sizes);
				return -1;
			}
			sizes = ns;
		}
		sizes[nev++] = rec->size;
	}
	/* keep events from the newest backwards while they fit */
	uint64_t budget = max > fixed ? max - fixed : 0, used = 0;
	size_t first = nev;
	while (first > 0 && used + sizes[first - 1] <= budget)
		used += sizes[--first];
	for (size_t i = 0; i < first; i++)
		d->bytes += sizes[i];
	d->records = first;
	*first_kept = first;
	free(sizes);
	return 0;
}

/* The second pass: every record into W but the FIRST_KEPT oldest events, the
 * NOTE saying so before the first event kept. 0 or -errno. */
static int copy_kept(struct cap_reader *r, struct cap_writer *w, size_t first_kept, uint64_t max,
		     const char *who, struct cap_drop *d)
{
	const struct cap_record *rec;
	size_t ev = 0;
	bool noted = false;
	int rc = 0;
	cap_rewind(r);
	while (!rc && cap_next(r, &rec) == CAP_NEXT_OK) {
		const struct cap_lost *l;
		bool event = cap_record_is_event(rec->type);
		if (event && ev++ < first_kept) {
			if (rec->type == CAP_REC_LOST && cap_decode_lost(rec, &l) == 0) {
				d->lost_records++;
				d->lost += l->count;
			}
			continue;
		}
		if (!noted && event) {
			/* where the dropped events were, at the time of the first kept one */
			char note[320];
			cap_format_drop_note(note, sizeof(note), who, max, d);
			rc = cap_write_note_at(w, rec->ts_ns, note);
			noted = true;
		}
		if (!rc)
			rc = cap_append_record(w, rec);
	}
	return rc;
}

int cap_trim(const char *path, uint64_t max, const char *who, char *err, size_t errlen)
{
	struct stat st;
	struct cap_drop d = { 0 };
	size_t first_kept = 0;
	char tmp[PATH_MAX];

	if (stat(path, &st) || (uint64_t)st.st_size <= max)
		return 0;
	struct cap_reader *r = cap_open(path, err, errlen);
	if (!r)
		return -1;
	if (plan(r, max, &d, &first_kept)) {
		seterr(err, errlen, "%s: out of memory", path);
		cap_close(r);
		return -1;
	}
	if (!first_kept) {
		cap_close(r);
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.trim", path) >= (int)sizeof(tmp)) {
		seterr(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		cap_close(r);
		return -1;
	}
	struct cap_writer *w = cap_writer_open_copy(tmp, cap_header(r), err, errlen);
	if (!w) {
		cap_close(r);
		return -1;
	}
	int rc = copy_kept(r, w, first_kept, max, who, &d);
	cap_close(r);
	int crc = cap_writer_close(w, false);
	if (rc || crc || rename(tmp, path)) {
		seterr(err, errlen, "cannot write %s: %s", tmp, strerror(rc ? -rc : crc ? -crc : errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
