/* Kernel function calls in the timeline (record --functions): names, return
 * values, and the innermost call that returned an ioctl's errno. */
#include <stdio.h>

#include "kvm-names.h"
#include "timeline.h"

const struct cap_kfunc_def_view *timeline_kfunc_def(const struct timeline *tl, uint32_t id)
{
	return id < tl->nkfuncs && tl->kfuncs[id].name ? &tl->kfuncs[id] : NULL;
}

int timeline_kfunc_errno(const struct timeline *tl, const struct tl_event *e)
{
	if (e->kind != TL_KFUNC || !e->is_error)
		return 0;
	return cap_kfunc_errno(timeline_kfunc_def(tl, e->id), (uint64_t)e->ret);
}

const char *timeline_kfunc_name(const struct timeline *tl, const struct tl_event *e)
{
	const struct cap_kfunc_def_view *d = timeline_kfunc_def(tl, e->id);
	return d ? d->name : NULL;
}

void timeline_format_kfunc(const struct timeline *tl, const struct tl_event *e, char *buf,
			   size_t len)
{
	const struct cap_kfunc_def_view *d = timeline_kfunc_def(tl, e->id);
	int err = timeline_kfunc_errno(tl, e);
	char name[160];

	if (d)
		snprintf(name, sizeof(name), "%s%s%s%s", d->name, d->module[0] ? " [" : "", d->module,
			 d->module[0] ? "]" : "");
	else
		snprintf(name, sizeof(name), "kfunc#%u", e->id);
	if (d && d->ret_kind == CAP_KFUNC_RET_VOID)
		snprintf(buf, len, "%s()", name);
	else if (err)
		snprintf(buf, len, "%s() = -%d %s", name, err, errno_name(err));
	else if (d && d->ret_kind == CAP_KFUNC_RET_POINTER)
		snprintf(buf, len, "%s() = 0x%llx", name, (unsigned long long)e->ret);
	else
		snprintf(buf, len, "%s() = %lld", name, (long long)e->ret);
}

long timeline_kfunc_culprit(const struct timeline *tl, size_t i, int err)
{
	const struct tl_event *span = &tl->ev[i];
	long best = -1;

	if (span->end_ts <= span->ts)
		return -1; /* never closed: no bound to search within */
	for (size_t j = i + 1; j < tl->n && tl->ev[j].ts <= span->end_ts; j++) {
		const struct tl_event *e = &tl->ev[j];
		int e_err = timeline_kfunc_errno(tl, e);
		if (e->kind != TL_KFUNC || e->tid != span->tid || e->end_ts > span->end_ts || !e_err ||
		    (err && e_err != err))
			continue;
		if (best < 0 || e->depth >= tl->ev[best].depth)
			best = (long)j;
	}
	return best;
}
