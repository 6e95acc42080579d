/* IOCTL_ARG records (capture format 1.2, docs/capture-format.md): the struct
 * an ioctl's argument points at, as `kvmscope record` copied it. */
#ifndef KVMSCOPE_CAPTURE_IOCTL_ARG_H
#define KVMSCOPE_CAPTURE_IOCTL_ARG_H

#include "capture.h"

int cap_write_ioctl_arg(struct cap_writer *w, uint64_t ts_ns, uint32_t pid, uint32_t tid,
			uint32_t cpu, const struct cap_ioctl_arg *hdr, const void *data);

/* *hdr and the bytes after it (hdr->len of them, inside the record), or -1 */
int cap_decode_ioctl_arg(const struct cap_record *rec, const struct cap_ioctl_arg **hdr,
			 const uint8_t **data);

#endif
