/* Kernel function records (see capture-kfunc.h, docs/capture-format.md). */
#include <string.h>

#include "capture-kfunc.h"

int cap_write_kfunc_def(struct cap_writer *w, const struct cap_kfunc_def *def, const char *name,
			const char *module, const char *ret_type)
{
	size_t ln = strlen(name) + 1, lm = strlen(module) + 1, lr = strlen(ret_type) + 1;
	char strs[512];
	struct cap_record h = { .type = CAP_REC_KFUNC_DEF, .source = CAP_SRC_BPF, .cpu = UINT32_MAX };

	if (ln + lm + lr > sizeof(strs))
		return -1;
	memcpy(strs, name, ln);
	memcpy(strs + ln, module, lm);
	memcpy(strs + ln + lm, ret_type, lr);
	return cap_append2(w, &h, def, sizeof(*def), strs, ln + lm + lr);
}

int cap_write_kfunc(struct cap_writer *w, uint64_t ts_ns, uint32_t pid, uint32_t tid, uint32_t cpu,
		    const struct cap_kfunc *call)
{
	struct cap_record h = { .type = CAP_REC_KFUNC, .source = CAP_SRC_BPF, .ts_ns = ts_ns,
				.pid = pid, .tid = tid, .cpu = cpu };
	return cap_append(w, &h, call, sizeof(*call));
}

/* the NUL-terminated string at *p before end, advancing *p; NULL if none */
static const char *take(const char **p, const char *end)
{
	const char *s = *p, *nul = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
	if (!nul)
		return NULL;
	*p = nul + 1;
	return s;
}

int cap_decode_kfunc_def(const struct cap_record *rec, struct cap_kfunc_def_view *out)
{
	size_t len = rec->size - sizeof(*rec);
	struct cap_kfunc_def d;

	if (rec->type != CAP_REC_KFUNC_DEF || len < sizeof(d))
		return -1;
	memcpy(&d, rec + 1, sizeof(d));
	const char *p = (const char *)(rec + 1) + sizeof(d), *end = (const char *)(rec + 1) + len;
	*out = (struct cap_kfunc_def_view){ .func_id = d.func_id, .attach = d.attach,
					    .ret_kind = d.ret_kind, .ret_size = d.ret_size };
	out->name = take(&p, end);
	out->module = take(&p, end);
	out->ret_type = take(&p, end);
	return out->name && out->module && out->ret_type && out->name[0] ? 0 : -1;
}

int cap_decode_kfunc(const struct cap_record *rec, const struct cap_kfunc **out)
{
	if (rec->type != CAP_REC_KFUNC || rec->size - sizeof(*rec) < sizeof(**out))
		return -1;
	*out = (const void *)(rec + 1);
	return 0;
}

int64_t cap_kfunc_value(const struct cap_kfunc_def_view *def, uint64_t ret)
{
	unsigned size = def ? def->ret_size : 0;
	bool is_signed = def && def->ret_kind == CAP_KFUNC_RET_SIGNED;

	switch (size) {
	case 1: return is_signed ? (int8_t)ret : (int64_t)(uint8_t)ret;
	case 2: return is_signed ? (int16_t)ret : (int64_t)(uint16_t)ret;
	case 4: return is_signed ? (int32_t)ret : (int64_t)(uint32_t)ret;
	default: return (int64_t)ret;
	}
}

static int as_errno(int64_t v)
{
	return v < 0 && v >= -4095 ? (int)-v : 0;
}

int cap_kfunc_errno(const struct cap_kfunc_def_view *def, uint64_t ret)
{
	unsigned kind = def ? def->ret_kind : CAP_KFUNC_RET_UNKNOWN;

	switch (kind) {
	case CAP_KFUNC_RET_SIGNED:
	case CAP_KFUNC_RET_POINTER:
		return as_errno(cap_kfunc_value(def, ret));
	case CAP_KFUNC_RET_UNKNOWN:
		/* a long's -errno, or an int's: x86-64 and arm64 zero the upper half
		 * of the register when a function returns a 32-bit int */
		if (as_errno((int64_t)ret))
			return as_errno((int64_t)ret);
		return ret >> 32 ? 0 : as_errno((int32_t)ret);
	default:
		return 0;
	}
}

const char *cap_kfunc_attach_name(unsigned attach)
{
	return attach == CAP_KFUNC_FENTRY ? "fentry" : attach == CAP_KFUNC_KPROBE ? "kprobe" : "?";
}
