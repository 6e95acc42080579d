/* The text of a TL_IOCTL: the request's name on the capture's arch, the
 * struct its argument points at when record copied it (IOCTL_ARG records,
 * capture format 1.2), and the result. The argument's fd is named from the
 * capture's own KVM_CREATE_VCPU/VM/DEVICE, since a device attribute's group
 * means different things on a vCPU and on each device. */
#include <string.h>

#include "capture-ioctl-arg.h"
#include "kvm-caps.h"
#include "kvm-ioctl-args.h"
#include "kvm-names.h"
#include "timeline.h"

/* kvm_ioctl_name_arch() searches tables; the same few requests repeat. The
 * arch is the capture's: an analyst built for one decodes the other's. */
const char *timeline_ioctl_name(const struct timeline *tl, uint64_t cmd)
{
	static uint64_t keys[64];
	static const char *names[64];
	static bool used[64];
	enum kvm_arch arch = kvm_arch_by_machine(tl->machine);
	uint64_t key = cmd ^ ((uint64_t)arch << 63);
	unsigned h = (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 58);
	if (!used[h] || keys[h] != key) {
		keys[h] = key;
		names[h] = kvm_ioctl_name_arch(arch, cmd);
		used[h] = true;
	}
	return names[h];
}

void timeline_format_ioctl(const struct timeline *tl, const struct tl_event *e, char *buf,
			   size_t len)
{
	const char *name = timeline_ioctl_name(tl, e->cmd);
	char cmd[32];
	if (!name) {
		snprintf(cmd, sizeof(cmd), "0x%llx", (unsigned long long)e->cmd);
		name = cmd;
	}
	/* the capability asked about, by name */
	const char *cap = !strcmp(name, "KVM_CHECK_EXTENSION") ? kvm_cap_name(e->arg) : NULL;
	char args[256]; /* the struct behind arg, when recorded */
	timeline_format_ioctl_args(tl, e, args, sizeof(args));
	int n = cap ? snprintf(buf, len, "ioctl(%lld, %s, %s)", (long long)e->fd, name, cap) :
		      snprintf(buf, len, "ioctl(%lld, %s, 0x%llx%s)", (long long)e->fd, name,
			       (unsigned long long)e->arg, args);
	if (n < 0 || (size_t)n >= len)
		return;
	if (!e->has_exit)
		snprintf(buf + n, len - (size_t)n, " = ? (no exit recorded)");
	else if (e->ret < 0 && e->ret >= -4095)
		snprintf(buf + n, len - (size_t)n, " = -1 %s", errno_name((int)-e->ret));
	else
		snprintf(buf + n, len - (size_t)n, " = %lld", (long long)e->ret);
}

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
	if (len > 3 && kvm_ioctl_args_format(kvm_arch_by_machine(tl->machine), name, d, h->len,
					     e->arg_fd_kind, buf + 2, len - 3) >= 0) {
		buf[0] = ' ';
		buf[1] = '{';
		strcat(buf, "}");
	} else if (!h->len) {
		snprintf(buf, len, " {unreadable}");
	} else {
		buf[0] = '\0';
	}
}
