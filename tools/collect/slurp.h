/* slurp.h - a whole file into memory, for files whose size stat does not
 * tell (procfs and tracefs files say 0). */
#ifndef KVMSCOPE_SLURP_H
#define KVMSCOPE_SLURP_H

#include <stddef.h>

/* PATH's contents, NUL-terminated (the caller frees them), their length in
 * *LEN when LEN is not NULL; NULL if the file cannot be read or memory had. */
char *slurp(const char *path, size_t *len);

#endif
