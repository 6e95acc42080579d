/* The KVM ioctl answers that are a protocol, not a failure: a VMM that asks
 * a size-probing ioctl with a small buffer is told E2BIG and asks again; a
 * KVM_RUN interrupted by a signal says EINTR. Listed once here, each with
 * the reason, so no rule reports them and every rule agrees. */
#ifndef KVMSCOPE_BENIGN_ERRNO_H
#define KVMSCOPE_BENIGN_ERRNO_H

#include <stdbool.h>

struct benign_errno {
	const char *ioctl;   /* the ioctl's name, as the decoder names it */
	const char *errname; /* "E2BIG", ... */
	const char *reason;  /* why a healthy VMM sees it */
};

/* The entry for IOCTL failing with ERRNAME, or NULL when that is a failure
 * worth explaining. */
const struct benign_errno *benign_errno_find(const char *ioctl, const char *errname);

static inline bool benign_errno(const char *ioctl, const char *errname)
{
	return benign_errno_find(ioctl, errname) != NULL;
}

#endif
