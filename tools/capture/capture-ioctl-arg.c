/* IOCTL_ARG records: written by record (tools/collect/ioctl-args.c), read by the
 * timeline (tools/analyze/timeline-ioctl-args.c). */
#include "capture-ioctl-arg.h"

int cap_write_ioctl_arg(struct cap_writer *w, uint64_t ts_ns, uint32_t pid, uint32_t tid,
			uint32_t cpu, const struct cap_ioctl_arg *hdr, const void *data)
{
	struct cap_record h = { .type = CAP_REC_IOCTL_ARG, .source = CAP_SRC_BPF, .ts_ns = ts_ns,
				.pid = pid, .tid = tid, .cpu = cpu };
	return cap_append2(w, &h, hdr, sizeof(*hdr), data, hdr->len);
}

int cap_decode_ioctl_arg(const struct cap_record *rec, const struct cap_ioctl_arg **hdr,
			 const uint8_t **data)
{
	size_t len = rec->size - sizeof(*rec);
	const struct cap_ioctl_arg *h = (const void *)(rec + 1);

	if (rec->type != CAP_REC_IOCTL_ARG || len < sizeof(*h) || h->len > len - sizeof(*h))
		return -1;
	*hdr = h;
	*data = (const uint8_t *)(h + 1);
	return 0;
}
