/* The struct a TL_IOCTL's argument points at, when record copied it
 * (IOCTL_ARG records, capture format 1.2), joined to its ioctl and put in
 * words for the ioctl's text (timeline-format.c). The fd is named from the
 * capture's own KVM_CREATE_VCPU/VM/DEVICE, since a device attribute's group
 * means different things on a vCPU and on each device. */
#include <string.h>

#include "capture/capture-ioctl-arg.h"
#include "kvm-ioctl-args.h"
#include "kvm-names.h"
#include "timeline.h"

/* An IOCTL_ARG record belongs to its thread's latest sys_enter of that
 * request: the BPF program writes it right after that entry (at entry), or
 * at the syscall's exit (KVM_CREATE_DEVICE's fd), always before the next
 * ioctl of the thread. */
void timeline_attach_ioctl_arg(struct timeline *tl, const struct cap_record *rec)
{
	const struct cap_ioctl_arg *h;
	const uint8_t *data;

	if (cap_decode_ioctl_arg(rec, &h, &data)) {
		tl->malformed++;
		return;
	}
	for (size_t i = tl->n; i-- > 0 && i + 64 > tl->n;) {
		struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_IOCTL && e->tid == rec->tid && e->id == (uint32_t)tl->sys_enter_id &&
		    (uint32_t)e->cmd == (uint32_t)h->request) {
			e->args = rec;
			return;
		}
	}
}

/* fds the capture's own ioctls made, per process */
struct fd_kind {
	uint32_t pid;
	int64_t fd;
	uint8_t kind; /* enum kvm_attr_fd */
};

static void remember(struct fd_kind *fds, size_t *n, size_t max, uint32_t pid, int64_t fd,
		     uint8_t kind)
{
	for (size_t i = 0; i < *n; i++)
		if (fds[i].pid == pid && fds[i].fd == fd) {
			fds[i].kind = kind; /* a closed fd's number reused */
			return;
		}
	if (*n < max)
		fds[(*n)++] = (struct fd_kind){ pid, fd, kind };
}

void timeline_ioctl_args_fds(struct timeline *tl)
{
	struct fd_kind fds[256];
	size_t n = 0;

	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *e = &tl->ev[i];
		const struct cap_ioctl_arg *h;
		const uint8_t *d;
		if (e->kind != TL_IOCTL || !e->has_exit)
			continue;
		const char *name = timeline_ioctl_name(tl, e->cmd);
		if (!name)
			continue;
		if (e->ret >= 0 && !strcmp(name, "KVM_CREATE_VCPU"))
			remember(fds, &n, 256, e->pid, e->ret, KVM_ATTR_FD_VCPU);
		else if (e->ret >= 0 && !strcmp(name, "KVM_CREATE_VM"))
			remember(fds, &n, 256, e->pid, e->ret, KVM_ATTR_FD_VM);
		/* only /dev/kvm answers these */
		if (e->ret >= 0 && (!strcmp(name, "KVM_GET_API_VERSION") ||
				    !strcmp(name, "KVM_CREATE_VM") || !strcmp(name, "KVM_GET_VCPU_MMAP_SIZE")))
			remember(fds, &n, 256, e->pid, (int64_t)e->fd, KVM_ATTR_FD_SYSTEM);
		else if (e->ret == 0 && e->args && !strcmp(name, "KVM_CREATE_DEVICE") &&
			 cap_decode_ioctl_arg(e->args, &h, &d) == 0 && h->len >= 12 &&
			 (h->flags & CAP_IOCTL_ARG_AT_EXIT)) {
			uint32_t type, fd;
			memcpy(&type, d, 4);
			memcpy(&fd, d + 4, 4);
			if (type < 256 - KVM_ATTR_FD_DEVICE)
				remember(fds, &n, 256, e->pid, fd, (uint8_t)(KVM_ATTR_FD_DEVICE + type));
		}
		if (!e->args)
			continue;
		for (size_t j = 0; j < n; j++)
			if (fds[j].pid == e->pid && fds[j].fd == (int64_t)e->fd)
				e->arg_fd_kind = fds[j].kind;
	}
}

void timeline_format_ioctl_args(const struct timeline *tl, const struct tl_event *e, char *buf,
				size_t len)
{
	const struct cap_ioctl_arg *h;
	const uint8_t *d;
	const char *name = timeline_ioctl_name(tl, e->cmd);

	buf[0] = '\0';
	if (!e->args || cap_decode_ioctl_arg(e->args, &h, &d))
		return;
	if (kvm_ioctl_args_format(kvm_arch_by_machine(tl->machine), name, d, h->len, e->arg_fd_kind,
				  buf, len) < 0)
		snprintf(buf, len, "%s", h->len ? "" : "unreadable");
}

const char *timeline_ioctl_arg_fd_name(const struct tl_event *e)
{
	const char *dev = e->arg_fd_kind >= KVM_ATTR_FD_DEVICE ?
				  kvm_device_type_name(e->arg_fd_kind - KVM_ATTR_FD_DEVICE) : NULL;
	switch (e->arg_fd_kind) {
	case KVM_ATTR_FD_VCPU: return "vcpu";
	case KVM_ATTR_FD_VM: return "vm";
	case KVM_ATTR_FD_SYSTEM: return "system";
	}
	return dev ? dev : "unknown";
}
