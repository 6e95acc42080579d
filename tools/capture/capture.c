/* The capture file: writer (whole records only, buffered) and reader (mmap,
 * every size checked: a capture is outside input). See capture.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"

#define WRITER_BUF (256 * 1024)

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t align_up(size_t n)
{
	return (n + CAP_ALIGN - 1) & ~(size_t)(CAP_ALIGN - 1);
}

/* ---- writer ---------------------------------------------------------- */

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

static int write_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len) {
		ssize_t n = write(fd, b, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int cap_flush(struct cap_writer *w)
{
	if (w->error)
		return w->error;
	if (!w->used)
		return 0;
	int rc = write_all(w->fd, w->buf, w->used);
	if (rc) {
		/* never leave a partial record behind: cut back to the last whole one */
		if (ftruncate(w->fd, w->committed) == 0)
			lseek(w->fd, w->committed, SEEK_SET);
		w->error = rc;
		return rc;
	}
	w->committed += (off_t)w->used;
	w->used = 0;
	return 0;
}

/* ---- bounded writer: two segments, reused in turn ------------------- */

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

/* Counts an event against its segment, or keeps a copy of anything else:
 * the prefix of every segment and of the assembled capture. */
static int account(struct cap_writer *w, const struct cap_record *rec)
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

/* Appends LEN bytes at the file's end, or cuts it back to its last whole
 * record and makes the error sticky. */
static int write_records(struct cap_writer *w, const void *p, size_t len)
{
	int rc = cap_flush(w);
	if (!rc)
		rc = write_all(w->fd, p, len);
	if (rc) {
		if (ftruncate(w->fd, w->committed) == 0)
			lseek(w->fd, w->committed, SEEK_SET);
		return w->error = rc;
	}
	w->committed += (off_t)len;
	return 0;
}

/* The current segment is full: the other one, with the oldest events, is
 * emptied and restarted with the header and every definition so far. */
static int rotate(struct cap_writer *w)
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
	rc = write_records(w, &w->hdr, sizeof(w->hdr));
	return rc ? rc : write_records(w, w->defs, w->defs_len);
}

int cap_append2(struct cap_writer *w, const struct cap_record *hdr, const void *p1, size_t l1,
		const void *p2, size_t l2)
{
	size_t size = align_up(sizeof(*hdr) + l1 + l2);

	if (w->error)
		return w->error;
	if (size > CAP_MAX_RECORD)
		return -E2BIG;
	/* a STACK stays in the segment of the probe it belongs to */
	if (w->ring && cap_record_is_event(hdr->type) && hdr->type != CAP_REC_STACK &&
	    w->seg[w->cur].events && (uint64_t)w->committed + w->used + size > seg_limit(w)) {
		int rc = rotate(w);
		if (rc)
			return rc;
	}
	if (w->used + size > WRITER_BUF) {
		int rc = cap_flush(w);
		if (rc)
			return rc;
	}
	uint8_t *p = w->buf + w->used;
	struct cap_record *rec = (struct cap_record *)p;
	*rec = *hdr;
	rec->size = (uint32_t)size;
	if (!rec->ts_ns)
		rec->ts_ns = clock_ns(CLOCK_MONOTONIC);
	p += sizeof(*rec);
	if (l1)
		memcpy(p, p1, l1);
	if (l2)
		memcpy(p + l1, p2, l2);
	memset(p + l1 + l2, 0, size - sizeof(*rec) - l1 - l2);
	if (w->ring) {
		int rc = account(w, rec);
		if (rc)
			return w->error = rc;
	}
	w->used += size;
	w->records++;
	return 0;
}

int cap_append(struct cap_writer *w, const struct cap_record *hdr, const void *payload, size_t len)
{
	return cap_append2(w, hdr, payload, len, NULL, 0);
}

static struct cap_record collector_hdr(unsigned type)
{
	return (struct cap_record){ .type = (uint16_t)type, .source = CAP_SRC_COLLECTOR,
				    .cpu = UINT32_MAX };
}

/* Appends NUL-terminated strings after a fixed part. */
static int append_strings(struct cap_writer *w, const struct cap_record *hdr, const void *fixed,
			  size_t fixed_len, const char *const *strs, unsigned n)
{
	size_t len = 0;
	for (unsigned i = 0; i < n; i++)
		len += strlen(strs[i] ? strs[i] : "") + 1;
	if (fixed_len + len > CAP_MAX_RECORD - sizeof(*hdr))
		return -E2BIG;
	char *buf = malloc(len ? len : 1), *p = buf;
	if (!buf)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		const char *s = strs[i] ? strs[i] : "";
		size_t l = strlen(s) + 1;
		memcpy(p, s, l);
		p += l;
	}
	int rc = cap_append2(w, hdr, fixed, fixed_len, buf, len);
	free(buf);
	return rc;
}

int cap_write_meta(struct cap_writer *w, const char *key, const char *value)
{
	struct cap_record h = collector_hdr(CAP_REC_META);
	const char *strs[] = { key, value };
	return append_strings(w, &h, NULL, 0, strs, 2);
}

int cap_write_note(struct cap_writer *w, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	struct cap_record h = collector_hdr(CAP_REC_NOTE);
	int rc = cap_append(w, &h, text, (size_t)n + 1);
	free(text);
	return rc;
}

int cap_write_probe_def(struct cap_writer *w, uint32_t probe_id, const char *provider,
			const char *name, const char *format, unsigned nargs,
			const char *const *arg_names, const uint8_t *arg_types)
{
	struct cap_probe_def def = { .probe_id = probe_id, .nargs = (uint16_t)nargs };
	const char *strs[3 + CAP_PROBE_MAX_ARGS];

	if (nargs > CAP_PROBE_MAX_ARGS)
		return -EINVAL;
	memcpy(def.arg_types, arg_types, nargs);
	strs[0] = provider;
	strs[1] = name;
	strs[2] = format;
	for (unsigned i = 0; i < nargs; i++)
		strs[3 + i] = arg_names[i];
	struct cap_record h = collector_hdr(CAP_REC_PROBE_DEF);
	return append_strings(w, &h, &def, sizeof(def), strs, 3 + nargs);
}

int cap_write_tp_format(struct cap_writer *w, enum cap_source src, uint32_t event_id,
			const char *system, const char *name, const char *format_text)
{
	struct cap_tp_format f = { .event_id = event_id };
	const char *strs[] = { system, name, format_text };
	struct cap_record h = collector_hdr(CAP_REC_TP_FORMAT);
	h.source = (uint16_t)src;
	return append_strings(w, &h, &f, sizeof(f), strs, 3);
}

int cap_write_tp_event(struct cap_writer *w, enum cap_source src, uint64_t ts_ns, uint32_t pid,
		       uint32_t tid, uint32_t cpu, const void *raw, uint32_t len)
{
	struct cap_tp_event ev = { .len = len };
	struct cap_record h = { .type = CAP_REC_TP_EVENT, .source = (uint16_t)src,
				.ts_ns = ts_ns, .pid = pid, .tid = tid, .cpu = cpu };
	return cap_append2(w, &h, &ev, sizeof(ev), raw, len);
}

int cap_write_probe(struct cap_writer *w, enum cap_source src, uint64_t ts_ns, uint32_t pid,
		    uint32_t tid, uint32_t cpu, uint32_t probe_id, unsigned nargs,
		    const uint64_t *args, uint16_t str_mask, const char *const *strs)
{
	uint8_t buf[sizeof(struct cap_probe) + CAP_PROBE_MAX_ARGS * sizeof(uint64_t) + 4096];
	struct cap_probe *pr = (struct cap_probe *)buf;
	size_t len = sizeof(*pr) + nargs * sizeof(uint64_t);

	if (nargs > CAP_PROBE_MAX_ARGS || (str_mask >> nargs))
		return -EINVAL;
	pr->probe_id = probe_id;
	pr->nargs = (uint16_t)nargs;
	pr->str_mask = str_mask;
	memcpy(pr->args, args, nargs * sizeof(uint64_t));
	for (unsigned i = 0; i < nargs; i++) {
		if (!(str_mask & (1u << i)))
			continue;
		const char *s = strs && strs[i] ? strs[i] : "";
		size_t l = strnlen(s, sizeof(buf) - len - 1);
		memcpy(buf + len, s, l);
		buf[len + l] = 0;
		len += l + 1;
		if (len >= sizeof(buf) - 1)
			return -E2BIG;
	}
	struct cap_record h = { .type = CAP_REC_PROBE, .source = (uint16_t)src, .ts_ns = ts_ns,
				.pid = pid, .tid = tid, .cpu = cpu };
	return cap_append(w, &h, buf, len);
}

int cap_write_lost(struct cap_writer *w, enum cap_source src, enum cap_lost_kind kind,
		   uint64_t count)
{
	struct cap_lost l = { .count = count, .kind = kind };
	struct cap_record h = collector_hdr(CAP_REC_LOST);
	h.source = (uint16_t)src;
	w->lost += count;
	return cap_append(w, &h, &l, sizeof(l));
}

int cap_write_maps(struct cap_writer *w, uint32_t pid)
{
	char path[64], *text = NULL;
	size_t cap = 0, len = 0;
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		/* only executable file mappings matter for symbolization */
		char perms[8] = "";
		if (sscanf(line, "%*s %7s", perms) != 1 || !strchr(perms, 'x'))
			continue;
		size_t l = strlen(line);
		if (len + l + 1 > cap) {
			cap = (len + l + 1) * 2;
			char *n = realloc(text, cap);
			if (!n) {
				free(text);
				fclose(f);
				return -ENOMEM;
			}
			text = n;
		}
		memcpy(text + len, line, l + 1);
		len += l;
	}
	fclose(f);
	if (!len)
		return -ESRCH;	/* a zombie's maps are empty */
	struct cap_record h = collector_hdr(CAP_REC_MAPS);
	h.pid = pid;
	int rc = cap_append(w, &h, text ? text : "", len + 1);
	free(text);
	return rc;
}

int cap_write_symbol(struct cap_writer *w, uint32_t pid, uint64_t ip, const char *text)
{
	struct cap_symbol s = { .ip = ip };
	struct cap_record h = collector_hdr(CAP_REC_SYMBOL);
	h.pid = pid;
	return cap_append2(w, &h, &s, sizeof(s), text, strlen(text) + 1);
}

static void init_header(struct cap_writer *w, uint32_t pid)
{
	struct cap_file_header h = {
		.version_major = CAP_VERSION_MAJOR,
		.version_minor = CAP_VERSION_MINOR,
		.header_size = sizeof(h),
		.byte_order = CAP_BYTE_ORDER,
		.clock_id = CLOCK_MONOTONIC,
		.start_mono_ns = clock_ns(CLOCK_MONOTONIC),
		.start_real_ns = clock_ns(CLOCK_REALTIME),
		.target_pid = pid,
	};
	memcpy(h.magic, CAP_MAGIC, sizeof(h.magic));
	w->hdr = h;
}

static void free_writer(struct cap_writer *w)
{
	free(w->buf);
	free(w->defs);
	free(w->path);
	free(w);
}

struct cap_writer *cap_writer_open(const char *path, const struct cap_writer_info *info,
				   char *err, size_t errlen)
{
	struct cap_writer *w = calloc(1, sizeof(*w));
	char file[PATH_MAX];

	if (!w || !(w->buf = malloc(WRITER_BUF)) || !(w->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		if (w)
			free_writer(w);
		return NULL;
	}
	w->seg_fd[0] = w->seg_fd[1] = -1;
	w->max_bytes = info ? info->max_bytes : 0;
	w->ring = w->max_bytes > 0;
	snprintf(file, sizeof(file), "%s", path);
	if (w->ring) {
		/* no stale capture or segment beside the new ones */
		if (cap_segment_path(file, sizeof(file), path, 1) == 0)
			unlink(file);
		unlink(path);
		if (cap_segment_path(file, sizeof(file), path, 0)) {
			snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
			goto fail;
		}
	}
	w->fd = open(file, (w->ring ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		goto fail;
	}
	w->seg_fd[0] = w->ring ? w->fd : -1;
	init_header(w, info ? info->target_pid : 0);
	if (write_all(w->fd, &w->hdr, sizeof(w->hdr))) {
		snprintf(err, errlen, "%s: cannot write the header: %s", file, strerror(errno));
		close(w->fd);
		goto fail;
	}
	w->committed = sizeof(struct cap_file_header);

	struct utsname u;
	if (uname(&u) == 0) {
		cap_write_meta(w, "kernel_release", u.release);
		cap_write_meta(w, "hostname", u.nodename);
		cap_write_meta(w, "machine", u.machine);
	}
	if (info && info->command)
		cap_write_meta(w, "command", info->command);
	if (info && info->collector)
		cap_write_meta(w, "collector", info->collector);
	if (cap_flush(w)) {
		snprintf(err, errlen, "%s: %s", file, strerror(-w->error));
		close(w->fd);
		goto fail;
	}
	return w;
fail:
	free_writer(w);
	return NULL;
}

int cap_writer_set_pid(struct cap_writer *w, uint32_t pid)
{
	w->hdr.target_pid = pid;
	for (unsigned k = 0; k < 2; k++) {
		int fd = w->ring ? w->seg_fd[k] : k ? -1 : w->fd;
		if (fd >= 0 && pwrite(fd, &pid, sizeof(pid), offsetof(struct cap_file_header, target_pid)) !=
				       (ssize_t)sizeof(pid))
			return -errno;
	}
	return 0;
}

uint64_t cap_writer_records(const struct cap_writer *w)
{
	return w->records;
}

static int write_end(struct cap_writer *w)
{
	struct cap_end e = { .records = w->records, .lost = w->lost,
			     .end_mono_ns = clock_ns(CLOCK_MONOTONIC) };
	struct cap_record h = collector_hdr(CAP_REC_END);
	return cap_append(w, &h, &e, sizeof(e));
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
		if (!rc && rec->size > WRITER_BUF - w->used) {
			rc = write_records(w, rec, rec->size);
		} else if (!rc) {
			memcpy(w->buf + w->used, rec, rec->size);
			w->used += rec->size;
		}
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
static int assemble(struct cap_writer *w, bool end)
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
		return end ? write_end(w) : 0;
	}
	int fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* from here on the writer appends plainly, to PATH */
	w->fd = fd;
	w->committed = 0;
	w->ring = false;
	rc = write_records(w, &w->hdr, sizeof(w->hdr));
	if (!rc)
		rc = write_records(w, w->defs, w->defs_len);
	if (!rc) {
		cap_format_drop_note(note, sizeof(note), "kvmscope record", w->max_bytes, &w->dropped);
		rc = cap_write_note(w, "%s", note);
	}
	if (!rc)
		rc = copy_events(w, w->cur ^ 1, &can_punch);
	if (!rc)
		rc = copy_events(w, w->cur, &can_punch);
	if (!rc && end)
		rc = write_end(w);
	return rc;
}

int cap_writer_close(struct cap_writer *w, bool end)
{
	int rc = 0;
	if (!w)
		return 0;
	if (w->ring)
		rc = assemble(w, end);
	else if (end)
		rc = write_end(w);
	int frc = cap_flush(w);
	if (!rc)
		rc = frc;
	for (unsigned k = 0; k < 2; k++)
		if (w->seg_fd[k] >= 0 && w->seg_fd[k] != w->fd)
			close(w->seg_fd[k]);
	if (close(w->fd) && !rc)
		rc = -errno;
	free_writer(w);
	return rc;
}

/* ---- reader ---------------------------------------------------------- */

struct cap_reader {
	const uint8_t *map;
	size_t len;
	size_t pos;		/* offset of the next record */
	size_t first;		/* offset of the first record */
	uint64_t records;
	bool saw_end;
	char error[160];
};

struct cap_reader *cap_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((size_t)st.st_size < sizeof(struct cap_file_header)) {
		snprintf(err, errlen, "%s: not a kvmscope capture (%lld bytes, shorter than the header)",
			 path, (long long)st.st_size);
		close(fd);
		return NULL;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return NULL;
	}
	const struct cap_file_header *h = map;
	const char *why = NULL;
	if (memcmp(h->magic, CAP_MAGIC, sizeof(h->magic)))
		why = "not a kvmscope capture (bad magic)";
	else if (h->byte_order != CAP_BYTE_ORDER)
		why = "written on a host of the other byte order (not supported)";
	else if (h->version_major != CAP_VERSION_MAJOR)
		why = "unsupported capture version";
	else if (h->header_size < sizeof(*h) || h->header_size % CAP_ALIGN ||
		 h->header_size > (size_t)st.st_size)
		why = "corrupt header (bad header_size)";
	if (why) {
		snprintf(err, errlen, "%s: %s", path, why);
		munmap(map, (size_t)st.st_size);
		return NULL;
	}
	struct cap_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		munmap(map, (size_t)st.st_size);
		return NULL;
	}
	r->map = map;
	r->len = (size_t)st.st_size;
	r->pos = r->first = h->header_size;
	return r;
}

const struct cap_file_header *cap_header(const struct cap_reader *r)
{
	return (const struct cap_file_header *)r->map;
}

enum cap_next_result cap_next(struct cap_reader *r, const struct cap_record **out)
{
	if (r->error[0])
		return CAP_NEXT_CORRUPT;
	size_t left = r->len - r->pos;
	if (left < sizeof(struct cap_record))
		return CAP_NEXT_END;
	const struct cap_record *rec = (const void *)(r->map + r->pos);
	if (rec->size < sizeof(*rec) || rec->size % CAP_ALIGN || rec->size > CAP_MAX_RECORD) {
		snprintf(r->error, sizeof(r->error),
			 "corrupt record %llu at offset %zu: impossible size %u",
			 (unsigned long long)r->records, r->pos, rec->size);
		return CAP_NEXT_CORRUPT;
	}
	if (rec->size > left)
		return CAP_NEXT_END; /* partial record: see cap_truncated */
	r->pos += rec->size;
	r->records++;
	if (rec->type == CAP_REC_END)
		r->saw_end = true;
	*out = rec;
	return CAP_NEXT_OK;
}

void cap_rewind(struct cap_reader *r)
{
	r->pos = r->first;
	r->records = 0;
	r->saw_end = false;
	r->error[0] = 0;
}

const char *cap_error(const struct cap_reader *r)
{
	return r->error[0] ? r->error : NULL;
}

uint64_t cap_records_read(const struct cap_reader *r)
{
	return r->records;
}

uint64_t cap_file_size(const struct cap_reader *r)
{
	return r->len;
}

bool cap_truncated(const struct cap_reader *r, uint64_t *partial)
{
	size_t left = r->len - r->pos;
	if (partial)
		*partial = left;
	return left != 0 && !r->error[0];
}

bool cap_saw_end(const struct cap_reader *r)
{
	return r->saw_end;
}

void cap_close(struct cap_reader *r)
{
	if (!r)
		return;
	munmap((void *)r->map, r->len);
	free(r);
}

/* ---- payload decoders ------------------------------------------------ */

static const uint8_t *payload(const struct cap_record *rec, size_t *len)
{
	*len = rec->size - sizeof(*rec);
	return (const uint8_t *)(rec + 1);
}

/* The NUL-terminated string at *p within end, advancing *p; NULL if none. */
static const char *take_string(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nul = *p < end ? memchr(*p, 0, (size_t)(end - *p)) : NULL;
	if (!nul)
		return NULL;
	const char *s = (const char *)*p;
	*p = nul + 1;
	return s;
}

int cap_decode_meta(const struct cap_record *rec, const char **key, const char **value)
{
	size_t len;
	const uint8_t *p = payload(rec, &len), *end = p + len;
	if (rec->type != CAP_REC_META)
		return -1;
	*key = take_string(&p, end);
	*value = take_string(&p, end);
	return *key && *value ? 0 : -1;
}

int cap_decode_text(const struct cap_record *rec, const char **text)
{
	size_t len;
	const uint8_t *p = payload(rec, &len);
	*text = take_string(&p, p + len);
	return *text ? 0 : -1;
}

int cap_decode_probe_def(const struct cap_record *rec, struct cap_probe_def_view *out)
{
	size_t len;
	const uint8_t *p = payload(rec, &len), *end = p + len;
	const struct cap_probe_def *def = (const void *)p;

	if (rec->type != CAP_REC_PROBE_DEF || len < sizeof(*def) || def->nargs > CAP_PROBE_MAX_ARGS)
		return -1;
	memset(out, 0, sizeof(*out));
	out->probe_id = def->probe_id;
	out->nargs = def->nargs;
	out->arg_types = def->arg_types;
	p += sizeof(*def);
	if (!(out->provider = take_string(&p, end)) || !(out->name = take_string(&p, end)) ||
	    !(out->format = take_string(&p, end)))
		return -1;
	for (unsigned i = 0; i < out->nargs; i++)
		if (!(out->arg_names[i] = take_string(&p, end)))
			return -1;
	return 0;
}

int cap_decode_probe(const struct cap_record *rec, struct cap_probe_view *out)
{
	size_t len;
	const uint8_t *p = payload(rec, &len), *end = p + len;
	const struct cap_probe *pr = (const void *)p;

	if (rec->type != CAP_REC_PROBE || len < sizeof(*pr) || pr->nargs > CAP_PROBE_MAX_ARGS ||
	    (pr->str_mask >> pr->nargs) != 0 ||
	    len < sizeof(*pr) + pr->nargs * sizeof(uint64_t))
		return -1;
	memset(out, 0, sizeof(*out));
	out->probe_id = pr->probe_id;
	out->nargs = pr->nargs;
	out->str_mask = pr->str_mask;
	out->args = pr->args;
	p += sizeof(*pr) + pr->nargs * sizeof(uint64_t);
	for (unsigned i = 0; i < out->nargs; i++)
		if ((out->str_mask & (1u << i)) && !(out->strs[i] = take_string(&p, end)))
			return -1;
	return 0;
}

int cap_decode_tp_format(const struct cap_record *rec, struct cap_tp_format_view *out)
{
	size_t len;
	const uint8_t *p = payload(rec, &len), *end = p + len;
	const struct cap_tp_format *f = (const void *)p;

	if (rec->type != CAP_REC_TP_FORMAT || len < sizeof(*f))
		return -1;
	out->event_id = f->event_id;
	p += sizeof(*f);
	out->system = take_string(&p, end);
	out->name = take_string(&p, end);
	out->format = take_string(&p, end);
	return out->system && out->name && out->format ? 0 : -1;
}

int cap_decode_tp_event(const struct cap_record *rec, const uint8_t **data, uint32_t *dlen,
			uint16_t *event_id)
{
	size_t len;
	const uint8_t *p = payload(rec, &len);
	const struct cap_tp_event *ev = (const void *)p;

	if (rec->type != CAP_REC_TP_EVENT || len < sizeof(*ev) || ev->len < 8 ||
	    ev->len > len - sizeof(*ev))
		return -1;
	*data = ev->data;
	*dlen = ev->len;
	memcpy(event_id, ev->data, sizeof(*event_id));
	return 0;
}

int cap_decode_lost(const struct cap_record *rec, const struct cap_lost **out)
{
	size_t len;
	const uint8_t *p = payload(rec, &len);
	if (rec->type != CAP_REC_LOST || len < sizeof(**out))
		return -1;
	*out = (const void *)p;
	return 0;
}

int cap_decode_stack(const struct cap_record *rec, const struct cap_stack **out)
{
	size_t len;
	const uint8_t *p = payload(rec, &len);
	const struct cap_stack *s = (const void *)p;
	if (rec->type != CAP_REC_STACK || len < sizeof(*s) || s->nframes > CAP_STACK_MAX ||
	    len < sizeof(*s) + s->nframes * sizeof(uint64_t))
		return -1;
	*out = s;
	return 0;
}

int cap_decode_symbol(const struct cap_record *rec, uint64_t *ip, const char **text)
{
	size_t len;
	const uint8_t *p = payload(rec, &len), *end = p + len;
	if (rec->type != CAP_REC_SYMBOL || len < sizeof(struct cap_symbol))
		return -1;
	memcpy(ip, p, sizeof(*ip));
	p += sizeof(struct cap_symbol);
	*text = take_string(&p, end);
	return *text ? 0 : -1;
}

int cap_decode_end(const struct cap_record *rec, const struct cap_end **out)
{
	size_t len;
	const uint8_t *p = payload(rec, &len);
	if (rec->type != CAP_REC_END || len < sizeof(**out))
		return -1;
	*out = (const void *)p;
	return 0;
}

const char *cap_record_type_name(unsigned type)
{
	static const char *const names[] = {
		[CAP_REC_META] = "meta",	[CAP_REC_PROBE_DEF] = "probe_def",
		[CAP_REC_PROBE] = "probe",	[CAP_REC_TP_FORMAT] = "tp_format",
		[CAP_REC_TP_EVENT] = "tp_event", [CAP_REC_LOST] = "lost",
		[CAP_REC_STACK] = "stack",	[CAP_REC_MAPS] = "maps",
		[CAP_REC_NOTE] = "note",	[CAP_REC_END] = "end",
		[CAP_REC_SYMBOL] = "symbol", [CAP_REC_KFUNC_DEF] = "kfunc_def", [CAP_REC_KFUNC] = "kfunc",
	};
	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "unknown";
}

const char *cap_source_name(unsigned source)
{
	switch (source) {
	case CAP_SRC_COLLECTOR: return "collector";
	case CAP_SRC_BPF: return "bpf";
	case CAP_SRC_FTRACE: return "ftrace";
	}
	return "unknown";
}

/* ---- bounding a capture ---------------------------------------------- */

bool cap_record_is_event(unsigned type)
{
	switch (type) {
	case CAP_REC_PROBE: case CAP_REC_TP_EVENT: case CAP_REC_STACK: case CAP_REC_LOST: case CAP_REC_KFUNC:
		return true;
	default:
		return false;
	}
}

void cap_format_drop_note(char *buf, size_t len, const char *who, uint64_t max_bytes,
			  const struct cap_drop *d)
{
	char bound[40], lost[128] = "";

	if (max_bytes % (1u << 20) == 0)
		snprintf(bound, sizeof(bound), "%llu MiB", (unsigned long long)(max_bytes >> 20));
	else
		snprintf(bound, sizeof(bound), "%llu bytes", (unsigned long long)max_bytes);
	/* a LOST record's count must not vanish silently with it */
	if (d->lost_records)
		snprintf(lost, sizeof(lost), ", among them %llu LOST records counting %llu lost records",
			 (unsigned long long)d->lost_records, (unsigned long long)d->lost);
	snprintf(buf, len, "%s --max-size %s: the %llu oldest event records (%llu bytes) were dropped%s",
		 who, bound, (unsigned long long)d->records, (unsigned long long)d->bytes, lost);
}

bool cap_parse_drop_note(const char *text, uint64_t *records, uint64_t *bytes)
{
	const char *p = strstr(text, " --max-size ");
	unsigned long long r, b;

	if (!p || !(p = strstr(p, ": the ")) ||
	    sscanf(p, ": the %llu oldest event records (%llu bytes) were dropped", &r, &b) != 2)
		return false;
	*records = r;
	*bytes = b;
	return true;
}
