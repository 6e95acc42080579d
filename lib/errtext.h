/* Error text for the callers' buffers: the tools' libraries report failures
 * as one line in (err, errlen), which the command prints. */
#ifndef KVMSCOPE_ERRTEXT_H
#define KVMSCOPE_ERRTEXT_H

#include <stddef.h>

/* printf into ERR (if the caller gave one). */
void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
