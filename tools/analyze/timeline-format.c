/* The timeline's text: probe, kernel-event and ioctl lines, each made once
 * per distinct payload and kept. See timeline.h. */
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>
#include <traceevent/trace-seq.h>

#include "kvm-caps.h"
#include "kvm-names.h"
#include "timeline.h"
#include "timeline-format.h"

/* Kernel events are decoded from a zero-padded copy this large, so a format
 * whose fields lie beyond the recorded bytes (or a __data_loc pointing far)
 * reads zeros, never past the buffer: u16 offset + u16 length. */
#define DECODE_BUF (128 * 1024)

static uint8_t *decode_buf;

/* Most payloads repeat (every KVM_RUN: the same probe arguments, the same
 * kvm_fpu/kvm_pio entries), so their text is kept by payload bytes. */
#define CACHE_SLOTS 4096
struct tl_text_slot {
	const uint8_t *payload;	/* inside the mapped capture */
	uint32_t len;
	uint32_t kind;
	char *text;
};
struct tl_text_cache {
	struct tl_text_slot slot[CACHE_SLOTS];
};

static struct tl_text_slot *cache_slot(const struct timeline *tl, const struct cap_record *rec,
				       uint32_t kind, bool *hit)
{
	const uint8_t *p = (const uint8_t *)(rec + 1);
	uint32_t len = rec->size - (uint32_t)sizeof(*rec);
	uint64_t h = 1469598103934665603ull ^ kind;
	*hit = false;
	if (!tl->cache)
		return NULL;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	struct tl_text_slot *s = &tl->cache->slot[h % CACHE_SLOTS];
	*hit = s->text && s->kind == kind && s->len == len && !memcmp(s->payload, p, len);
	if (!*hit) {
		free(s->text);
		s->text = NULL;
		s->payload = p;
		s->len = len;
		s->kind = kind;
	}
	return s;
}

static void cache_store(struct tl_text_slot *s, const char *text)
{
	if (s)
		s->text = strdup(text);
}

int timeline_format_open(struct timeline *tl)
{
	if (!decode_buf && !(decode_buf = calloc(1, DECODE_BUF)))
		return -1;
	/* without a cache every line is made anew: slower, still right */
	tl->cache = calloc(1, sizeof(*tl->cache));
	return 0;
}

void timeline_format_close(struct timeline *tl)
{
	if (tl->cache)
		for (size_t i = 0; i < CACHE_SLOTS; i++)
			free(tl->cache->slot[i].text);
	free(tl->cache);
	tl->cache = NULL;
}

/* One conversion of a probe format, checked: flags, width, precision,
 * length and a conversion we know; anything else is printed literally. */
static size_t format_one(char *out, size_t len, const char *spec, size_t speclen, char conv,
			 unsigned lcount, uint64_t v, const char *s, bool is_str)
{
	char f[32];
	if (speclen + 1 >= sizeof(f))
		return 0;
	memcpy(f, spec, speclen);
	f[speclen] = 0;
	int n;
	switch (conv) {
	case 's':
		n = snprintf(out, len, f, is_str ? (s ? s : "(null)") : "?");
		break;
	case 'p':
		n = snprintf(out, len, "0x%llx", (unsigned long long)v);
		break;
	case 'c':
		n = snprintf(out, len, f, (int)(char)v);
		break;
	case 'd': case 'i':
		n = lcount ? snprintf(out, len, f, (long long)v) : snprintf(out, len, f, (int)v);
		break;
	default: /* u x X o */
		n = lcount ? snprintf(out, len, f, (unsigned long long)v)
			   : snprintf(out, len, f, (unsigned)v);
		break;
	}
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

typedef void format_fn(const struct timeline *tl, const struct tl_event *e, char *buf, size_t len);

/* the text of E from the cache, or made by FORMAT and kept; KIND keeps probe
 * and kernel event ids apart */
static void format_cached(const struct timeline *tl, const struct tl_event *e, uint32_t kind,
			  format_fn *format, char *buf, size_t len)
{
	bool hit;
	struct tl_text_slot *s = len ? cache_slot(tl, e->rec, kind, &hit) : NULL;
	if (s && hit) {
		snprintf(buf, len, "%s", s->text);
		return;
	}
	format(tl, e, buf, len);
	cache_store(s, buf);
}

static void format_probe(const struct timeline *tl, const struct tl_event *e, char *buf,
			 size_t len);

void timeline_format_probe(const struct timeline *tl, const struct tl_event *e, char *buf,
			   size_t len)
{
	format_cached(tl, e, 1000000 + e->id, format_probe, buf, len);
}

static void format_probe(const struct timeline *tl, const struct tl_event *e, char *buf,
			 size_t len)
{
	const struct cap_probe_def_view *d = timeline_probe_def(tl, e->id);
	struct cap_probe_view pv;
	size_t o = 0;

	buf[0] = 0;
	if (!len || cap_decode_probe(e->rec, &pv))
		return;
	if (!d) {
		for (unsigned i = 0; i < pv.nargs && o + 1 < len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%sarg%u=0x%llx", i ? " " : "", i,
					      (unsigned long long)pv.args[i]);
		return;
	}
	unsigned next = 0;
	for (const char *p = d->format; *p && o + 1 < len;) {
		if (*p != '%') {
			buf[o++] = *p++;
			continue;
		}
		if (p[1] == '%') {
			buf[o++] = '%';
			p += 2;
			continue;
		}
		/* %[N$][flags][width][.prec][hh|h|l|ll|z|j]conv */
		const char *q = p + 1;
		unsigned argi = next;
		const char *digits = q;
		while (*q >= '0' && *q <= '9')
			q++;
		if (*q == '$' && q > digits) {
			argi = (unsigned)strtoul(digits, NULL, 10) - 1;
			q++;
		} else {
			q = digits;
			next++;
		}
		char spec[32] = "%";
		size_t sl = 1;
		while (*q && strchr("-+ #0", *q) && sl < 20)
			spec[sl++] = *q++;
		while (*q >= '0' && *q <= '9' && sl < 24)
			spec[sl++] = *q++;
		if (*q == '.') {
			spec[sl++] = *q++;
			while (*q >= '0' && *q <= '9' && sl < 28)
				spec[sl++] = *q++;
		}
		unsigned lcount = 0;
		while (*q && strchr("hlzjt", *q)) {
			if (*q == 'l' || *q == 'z' || *q == 'j' || *q == 't')
				lcount = 2;
			q++;
		}
		if (!*q || !strchr("diuxXopsc", *q) || sl >= 29 || argi >= pv.nargs) {
			buf[o++] = *p++; /* not a conversion we trust: literal */
			continue;
		}
		char conv = *q++;
		if (lcount && strchr("diuxXo", conv)) {
			spec[sl++] = 'l';
			spec[sl++] = 'l';
		}
		spec[sl++] = conv;
		bool is_str = argi < d->nargs && d->arg_types[argi] == 6 /* PROBE_ARG_STR */ &&
			      (pv.str_mask & (1u << argi));
		o += format_one(buf + o, len - o, spec, sl, conv, lcount, pv.args[argi], pv.strs[argi],
				is_str);
		p = q;
	}
	buf[o < len ? o : len - 1] = 0;
}

static void format_kernel(const struct timeline *tl, const struct tl_event *e, char *buf,
			  size_t len);

void timeline_format_kernel(const struct timeline *tl, const struct tl_event *e, char *buf,
			    size_t len)
{
	format_cached(tl, e, e->id, format_kernel, buf, len);
}

static void format_kernel(const struct timeline *tl, const struct tl_event *e, char *buf,
			  size_t len)
{
	const uint8_t *data;
	uint32_t dlen;
	uint16_t id;
	struct tep_event *ev = tep_find_event(tl->tep, (int)e->id);

	buf[0] = 0;
	if (cap_decode_tp_event(e->rec, &data, &dlen, &id))
		return;
	if (!ev || (ev->flags & TEP_EVENT_FL_NOHANDLE)) {
		snprintf(buf, len, "event %u (%u bytes, no usable format)", id, dlen);
		return;
	}
	memcpy(decode_buf, data, dlen);
	struct tep_record r = { .ts = e->ts, .size = (int)dlen, .data = decode_buf,
				.cpu = (int)e->cpu };
	static struct trace_seq s;
	static bool seq_ready;
	if (!seq_ready) {
		trace_seq_init(&s);
		seq_ready = true;
	}
	trace_seq_reset(&s);
	tep_print_event(tl->tep, &s, &r, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&s);
	snprintf(buf, len, "%s", s.buffer ? s.buffer : "");
	memset(decode_buf, 0, dlen);
}

/* kvm_ioctl_name_arch() searches tables; the same few requests repeat. The
 * arch is the capture's: an analyst built for one decodes the other's. */
const char *timeline_ioctl_name(const struct timeline *tl, uint64_t cmd)
{
	static uint64_t keys[64];
	static const char *names[64];
	static bool used[64];
	enum kvm_arch arch = kvm_arch_by_machine(tl->machine);
	uint64_t key = cmd ^ ((uint64_t)arch << 63);
	unsigned h = (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 58);
	if (!used[h] || keys[h] != key) {
		keys[h] = key;
		names[h] = kvm_ioctl_name_arch(arch, cmd);
		used[h] = true;
	}
	return names[h];
}

void timeline_format_ioctl(const struct timeline *tl, const struct tl_event *e, char *buf,
			   size_t len)
{
	const char *name = timeline_ioctl_name(tl, e->cmd);
	char cmd[32];
	if (!name) {
		snprintf(cmd, sizeof(cmd), "0x%llx", (unsigned long long)e->cmd);
		name = cmd;
	}
	/* the capability asked about, by name */
	const char *cap = !strcmp(name, "KVM_CHECK_EXTENSION") ? kvm_cap_name(e->arg) : NULL;
	int n = cap ? snprintf(buf, len, "ioctl(%lld, %s, %s)", (long long)e->fd, name, cap) :
		      snprintf(buf, len, "ioctl(%lld, %s, 0x%llx)", (long long)e->fd, name,
			       (unsigned long long)e->arg);
	if (n < 0 || (size_t)n >= len)
		return;
	if (!e->has_exit)
		snprintf(buf + n, len - (size_t)n, " = ? (no exit recorded)");
	else if (e->ret < 0 && e->ret >= -4095)
		snprintf(buf + n, len - (size_t)n, " = -1 %s", errno_name((int)-e->ret));
	else
		snprintf(buf + n, len - (size_t)n, " = %lld", (long long)e->ret);
}

