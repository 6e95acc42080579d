/* record's side of the ioctl-argument records (ioctl-args.h). */
#include <stdint.h>

#include "capture/capture-ioctl-arg.h"
#include "ioctl-args-events.h"
#include "ioctl-args.h"
#include "kvm-ioctl-args.h"
#include "bpf-collector.skel.h"

void ioctl_args_configure(struct bpf_collector_bpf *skel)
{
	uint32_t n = 0;

	for (size_t i = 0; i < kvm_ioctl_arg_nspecs && n < REC_ARG_REQUESTS; i++) {
		unsigned long req = kvm_ioctl_by_name(kvm_ioctl_arg_specs[i].name);
		if (!req)
			continue; /* not a request of this arch (KVM_ARM_VCPU_INIT on x86) */
		skel->rodata->arg_req[n] = (uint32_t)req;
		skel->rodata->arg_size[n] = kvm_ioctl_arg_specs[i].size;
		skel->rodata->arg_at_exit[n] = (uint32_t)kvm_ioctl_arg_specs[i].at_exit;
		n++;
	}
	skel->rodata->arg_nreq = n;
}

int ioctl_args_write(struct cap_writer *w, const void *data, size_t size)
{
	const struct rec_ioctl_arg_event *e = data;

	if (size < sizeof(*e))
		return 0;
	struct cap_ioctl_arg h = {
		.request = e->request,
		.arg = e->arg,
		.len = e->len > REC_ARG_MAX ? REC_ARG_MAX : e->len,
		.flags = e->at_exit ? CAP_IOCTL_ARG_AT_EXIT : 0,
	};
	return cap_write_ioctl_arg(w, e->c.ts_ns, e->c.pid, e->c.tid, e->c.cpu, &h, e->data);
}
