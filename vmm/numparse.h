/* Strict number parsing for option values: the one helper every parser uses. */
#ifndef KVMSCOPE_NUMPARSE_H
#define KVMSCOPE_NUMPARSE_H

#include <stdint.h>

/* Parses S as an unsigned integer (decimal, 0x hex or 0 octal) no larger than
 * MAX. Rejects an empty string, a sign, trailing characters and overflow.
 * Returns 0 and stores *OUT, or -1. */
int parse_uint_max(const char *s, uint64_t max, uint64_t *out);

#endif
