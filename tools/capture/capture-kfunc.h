/* Kernel function records of a capture (record --functions): writing,
 * decoding, and what a return value means. The structs are in capture.h. */
#ifndef KVMSCOPE_CAPTURE_KFUNC_H
#define KVMSCOPE_CAPTURE_KFUNC_H

#include "capture.h"

int cap_write_kfunc_def(struct cap_writer *w, const struct cap_kfunc_def *def, const char *name,
			const char *module, const char *ret_type);
int cap_write_kfunc(struct cap_writer *w, uint64_t ts_ns, uint32_t pid, uint32_t tid, uint32_t cpu,
		    const struct cap_kfunc *call);

struct cap_kfunc_def_view {
	uint32_t func_id;
	unsigned attach, ret_kind, ret_size;
	const char *name, *module, *ret_type;
};
int cap_decode_kfunc_def(const struct cap_record *rec, struct cap_kfunc_def_view *out);
int cap_decode_kfunc(const struct cap_record *rec, const struct cap_kfunc **out);

/* The return value as the function's type has it (an int's upper half of
 * the register is not part of it). DEF may be NULL (unknown type). */
int64_t cap_kfunc_value(const struct cap_kfunc_def_view *def, uint64_t ret);
/* The errno (1..4095) the function returned, or 0: -errno of a signed
 * type, ERR_PTR(-errno) of a pointer; guessed from the value without BTF. */
int cap_kfunc_errno(const struct cap_kfunc_def_view *def, uint64_t ret);
/* "fentry" or "kprobe" */
const char *cap_kfunc_attach_name(unsigned attach);

#endif
