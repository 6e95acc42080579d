/* The capture writer: whole records only, buffered. A bounded capture's
 * segments are in writer-ring.c, the reader in reader.c. See
 * capture.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "writer-internal.h"
#include "write-all.h"

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

int cap_writer_write_records(struct cap_writer *w, const void *p, size_t len)
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

int cap_append2(struct cap_writer *w, const struct cap_record *hdr, const void *p1, size_t l1,
		const void *p2, size_t l2)
{
	size_t size = align_up(sizeof(*hdr) + l1 + l2);

	if (w->error)
		return w->error;
	if (size > CAP_MAX_RECORD)
		return -E2BIG;
	if (cap_ring_full(w, hdr->type, size)) {
		int rc = cap_ring_rotate(w);
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
		int rc = cap_ring_account(w, rec);
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

int cap_write_note_at(struct cap_writer *w, uint64_t ts_ns, const char *text)
{
	struct cap_record h = collector_hdr(CAP_REC_NOTE);
	h.ts_ns = ts_ns;
	return cap_append(w, &h, text, strlen(text) + 1);
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
	int rc = cap_write_note_at(w, 0, text);
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

/* A writer for PATH with no file open yet. */
static struct cap_writer *writer_new(const char *path, char *err, size_t errlen)
{
	struct cap_writer *w = calloc(1, sizeof(*w));

	if (!w || !(w->buf = malloc(WRITER_BUF)) || !(w->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		if (w)
			free_writer(w);
		return NULL;
	}
	w->fd = w->seg_fd[0] = w->seg_fd[1] = -1;
	return w;
}

/* Creates FILE (truncating it) and writes the first LEN bytes of HDR. */
static int writer_start(struct cap_writer *w, const char *file, const void *hdr, size_t len,
			char *err, size_t errlen)
{
	w->fd = open(file, (w->ring ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (write_all(w->fd, hdr, len)) {
		snprintf(err, errlen, "%s: cannot write the header: %s", file, strerror(errno));
		close(w->fd);
		return -1;
	}
	w->committed = (off_t)len;
	return 0;
}

struct cap_writer *cap_writer_open(const char *path, const struct cap_writer_info *info,
				   char *err, size_t errlen)
{
	struct cap_writer *w = writer_new(path, err, errlen);
	char file[PATH_MAX];

	if (!w)
		return NULL;
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
	init_header(w, info ? info->target_pid : 0);
	if (writer_start(w, file, &w->hdr, sizeof(w->hdr), err, errlen))
		goto fail;
	w->seg_fd[0] = w->ring ? w->fd : -1;

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

struct cap_writer *cap_writer_open_copy(const char *path, const struct cap_file_header *hdr,
					char *err, size_t errlen)
{
	struct cap_writer *w = writer_new(path, err, errlen);

	if (!w)
		return NULL;
	w->hdr = *hdr;
	/* header_size bytes as they are: a newer minor version's header is longer */
	if (writer_start(w, path, hdr, hdr->header_size, err, errlen)) {
		free_writer(w);
		return NULL;
	}
	return w;
}

int cap_append_record(struct cap_writer *w, const struct cap_record *rec)
{
	if (w->error)
		return w->error;
	if (w->ring)
		return -EINVAL; /* its segments account for every record they take */
	if (rec->size > WRITER_BUF - w->used)
		return cap_writer_write_records(w, rec, rec->size);
	memcpy(w->buf + w->used, rec, rec->size);
	w->used += rec->size;
	return 0;
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

int cap_writer_write_end(struct cap_writer *w)
{
	struct cap_end e = { .records = w->records, .lost = w->lost,
			     .end_mono_ns = clock_ns(CLOCK_MONOTONIC) };
	struct cap_record h = collector_hdr(CAP_REC_END);
	return cap_append(w, &h, &e, sizeof(e));
}

int cap_writer_close(struct cap_writer *w, bool end)
{
	int rc = 0;
	if (!w)
		return 0;
	if (w->ring)
		rc = cap_ring_assemble(w, end);
	else if (end)
		rc = cap_writer_write_end(w);
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

