/* kvmscope record internals worth testing on their own. */
#ifndef KVMSCOPE_RECORD_H
#define KVMSCOPE_RECORD_H

#include <stdint.h>

/* Bytes of a raw trace entry of the event whose tracefs `format` text is
 * given: the end of its last fixed field, or REC_TP_MAX when dynamic
 * (__data_loc) data follows the fixed fields. */
uint32_t record_entry_size(const char *format);

#endif
