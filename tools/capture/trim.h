/* kvmscope ci --max-size: the exact bound of a finished capture. record
 * --max-size bounds the capture while it runs; this trim comes after it (and
 * is the only bound with a kvmscope whose record lacks the option). */
#ifndef KVMSCOPE_CI_TRIM_H
#define KVMSCOPE_CI_TRIM_H

#include <stddef.h>
#include <stdint.h>

/* Drops the oldest event records (cap_record_is_event) of the capture at
 * PATH until it fits MAX bytes; every other record stays, in place, and a
 * NOTE says what went. 0 (also when nothing had to go), or -1 with ERR. */
int ci_trim_capture(const char *path, uint64_t max, char *err, size_t errlen);

#endif
