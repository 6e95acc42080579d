/* Trimming a finished capture to a size (see ci-trim.h). */
#include "trim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "errtext.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A NOTE record, written by hand: the writer API opens new captures only. */
static int write_note(int fd, uint64_t ts, const char *text)
{
	size_t tl = strlen(text) + 1;
	size_t size = (sizeof(struct cap_record) + tl + CAP_ALIGN - 1) & ~(size_t)(CAP_ALIGN - 1);
	char *buf = calloc(1, size);
	if (!buf)
		return -1;
	struct cap_record *rec = (struct cap_record *)buf;
	rec->type = CAP_REC_NOTE;
	rec->source = CAP_SRC_COLLECTOR;
	rec->size = (uint32_t)size;
	rec->ts_ns = ts;
	rec->cpu = UINT32_MAX;
	memcpy(buf + sizeof(*rec), text, tl);
	int rc = write_all(fd, buf, size);
	free(buf);
	return rc;
}

int ci_trim_capture(const char *path, uint64_t max, char *err, size_t errlen)
{
	struct stat st;
	struct cap_drop d = { 0 };
	if (stat(path, &st) || (uint64_t)st.st_size <= max)
		return 0;
	struct cap_reader *r = cap_open(path, err, errlen);
	if (!r) {
		return -1;
	}
	const struct cap_file_header *h = cap_header(r);
	uint64_t fixed = h->header_size + 384; /* + our NOTE */
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
				cap_close(r);
				return -1;
			}
			sizes = ns;
		}
		sizes[nev++] = rec->size;
	}
	/* keep events from the newest backwards while they fit */
	uint64_t budget = max > fixed ? max - fixed : 0, used = 0;
	size_t first_kept = nev;
	while (first_kept > 0 && used + sizes[first_kept - 1] <= budget)
		used += sizes[--first_kept];
	for (size_t i = 0; i < first_kept; i++)
		d.bytes += sizes[i];
	d.records = first_kept;
	free(sizes);
	if (!first_kept) {
		cap_close(r);
		return 0;
	}

	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.trim", path) >= (int)sizeof(tmp)) {
		cap_close(r);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		cap_close(r);
		return -1;
	}
	int rc = write_all(fd, h, h->header_size);
	size_t ev = 0;
	bool noted = false;
	cap_rewind(r);
	while (!rc && cap_next(r, &rec) == CAP_NEXT_OK) {
		const struct cap_lost *l;
		bool event = cap_record_is_event(rec->type);
		if (event && ev++ < first_kept) {
			if (rec->type == CAP_REC_LOST && cap_decode_lost(rec, &l) == 0) {
				d.lost_records++;
				d.lost += l->count;
			}
			continue;
		}
		if (!noted && event) {
			char note[320];
			cap_format_drop_note(note, sizeof(note), "kvmscope ci", max, &d);
			rc = write_note(fd, rec->ts_ns, note);
			noted = true;
		}
		if (!rc)
			rc = write_all(fd, rec, rec->size);
	}
	cap_close(r);
	if (close(fd) || rc || rename(tmp, path)) {
		seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
