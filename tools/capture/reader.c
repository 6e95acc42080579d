/* The capture reader: the file mapped, every record size-checked (a capture
 * is outside input), payloads decoded on demand. See capture.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"

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

/* The payload of REC when REC is of TYPE and its payload holds at least MIN
 * bytes, else NULL; *end = the payload's end. */
static const void *payload_of(const struct cap_record *rec, unsigned type, size_t min,
			      const uint8_t **end)
{
	size_t len = rec->size - sizeof(*rec);
	const uint8_t *p = (const uint8_t *)(rec + 1);

	if (rec->type != type || len < min)
		return NULL;
	*end = p + len;
	return p;
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
	const uint8_t *end, *p = payload_of(rec, CAP_REC_META, 0, &end);
	if (!p)
		return -1;
	*key = take_string(&p, end);
	*value = take_string(&p, end);
	return *key && *value ? 0 : -1;
}

int cap_decode_text(const struct cap_record *rec, const char **text)
{
	const uint8_t *end, *p = payload_of(rec, rec->type, 0, &end); /* NOTE, MAPS */
	*text = take_string(&p, end);
	return *text ? 0 : -1;
}

int cap_decode_probe_def(const struct cap_record *rec, struct cap_probe_def_view *out)
{
	const uint8_t *end;
	const struct cap_probe_def *def = payload_of(rec, CAP_REC_PROBE_DEF, sizeof(*def), &end);

	if (!def || def->nargs > CAP_PROBE_MAX_ARGS)
		return -1;
	memset(out, 0, sizeof(*out));
	out->probe_id = def->probe_id;
	out->nargs = def->nargs;
	out->arg_types = def->arg_types;
	const uint8_t *p = (const uint8_t *)(def + 1);
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
	const uint8_t *end;
	const struct cap_probe *pr = payload_of(rec, CAP_REC_PROBE, sizeof(*pr), &end);

	if (!pr || pr->nargs > CAP_PROBE_MAX_ARGS || (pr->str_mask >> pr->nargs) != 0 ||
	    (size_t)(end - (const uint8_t *)pr) < sizeof(*pr) + pr->nargs * sizeof(uint64_t))
		return -1;
	memset(out, 0, sizeof(*out));
	out->probe_id = pr->probe_id;
	out->nargs = pr->nargs;
	out->str_mask = pr->str_mask;
	out->args = pr->args;
	const uint8_t *p = (const uint8_t *)pr->args + pr->nargs * sizeof(uint64_t);
	for (unsigned i = 0; i < out->nargs; i++)
		if ((out->str_mask & (1u << i)) && !(out->strs[i] = take_string(&p, end)))
			return -1;
	return 0;
}

int cap_decode_tp_format(const struct cap_record *rec, struct cap_tp_format_view *out)
{
	const uint8_t *end;
	const struct cap_tp_format *f = payload_of(rec, CAP_REC_TP_FORMAT, sizeof(*f), &end);

	if (!f)
		return -1;
	out->event_id = f->event_id;
	const uint8_t *p = (const uint8_t *)(f + 1);
	out->system = take_string(&p, end);
	out->name = take_string(&p, end);
	out->format = take_string(&p, end);
	return out->system && out->name && out->format ? 0 : -1;
}

int cap_decode_tp_event(const struct cap_record *rec, const uint8_t **data, uint32_t *dlen,
			uint16_t *event_id)
{
	const uint8_t *end;
	const struct cap_tp_event *ev = payload_of(rec, CAP_REC_TP_EVENT, sizeof(*ev), &end);

	if (!ev || ev->len < 8 || ev->len > (size_t)(end - ev->data))
		return -1;
	*data = ev->data;
	*dlen = ev->len;
	memcpy(event_id, ev->data, sizeof(*event_id));
	return 0;
}

int cap_decode_lost(const struct cap_record *rec, const struct cap_lost **out)
{
	const uint8_t *end;
	*out = payload_of(rec, CAP_REC_LOST, sizeof(**out), &end);
	return *out ? 0 : -1;
}

int cap_decode_stack(const struct cap_record *rec, const struct cap_stack **out)
{
	const uint8_t *end;
	const struct cap_stack *s = payload_of(rec, CAP_REC_STACK, sizeof(*s), &end);

	if (!s || s->nframes > CAP_STACK_MAX ||
	    (size_t)(end - (const uint8_t *)s) < sizeof(*s) + s->nframes * sizeof(uint64_t))
		return -1;
	*out = s;
	return 0;
}

int cap_decode_symbol(const struct cap_record *rec, uint64_t *ip, const char **text)
{
	const uint8_t *end, *p = payload_of(rec, CAP_REC_SYMBOL, sizeof(struct cap_symbol), &end);

	if (!p)
		return -1;
	memcpy(ip, p, sizeof(*ip));
	p += sizeof(struct cap_symbol);
	*text = take_string(&p, end);
	return *text ? 0 : -1;
}

int cap_decode_end(const struct cap_record *rec, const struct cap_end **out)
{
	const uint8_t *end;
	*out = payload_of(rec, CAP_REC_END, sizeof(**out), &end);
	return *out ? 0 : -1;
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
		[CAP_REC_IOCTL_ARG] = "ioctl_arg",
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

/* ---- what a bound may drop ------------------------------------------ */

bool cap_record_is_event(unsigned type)
{
	switch (type) {
	case CAP_REC_PROBE: case CAP_REC_TP_EVENT: case CAP_REC_STACK: case CAP_REC_LOST:
	case CAP_REC_KFUNC: case CAP_REC_IOCTL_ARG:
		return true;
	default:
		return false;
	}
}
