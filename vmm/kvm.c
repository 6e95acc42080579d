#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "keyval.h"
#include "kvm.h"
#include "numparse.h"
#include "trace.h"

#define MAX_FAULTS 16

struct kvm_fault {
	unsigned long request;
	int err;
	unsigned after; /* matching calls let through first */
	unsigned count; /* failures to inject; 0 = unlimited */
	int kind;	/* enum kvm_fd_kind, or -1 for any */
	int cpu;	/* vCPU index, or -1 for any */
	unsigned seen;	/* matching calls so far (atomic) */
};

static struct kvm_fault faults[MAX_FAULTS];
static unsigned nfaults;

const char *kvm_fd_kind_name(enum kvm_fd_kind kind)
{
	static const char *const names[] = {
		[KVM_FD_SYSTEM] = "system",
		[KVM_FD_VM] = "vm",
		[KVM_FD_VCPU] = "vcpu",
		[KVM_FD_DEVICE] = "device",
	};
	return kind <= KVM_FD_DEVICE ? names[kind] : "?";
}

void kvm_fault_clear(void)
{
	nfaults = 0;
}

/* one KEY=VALUE of -fault into the rule being built */
static int fault_property(void *ctx, const char *tok, const char *val, char *err, size_t errlen)
{
	struct kvm_fault *f = ctx;

	if (!strcmp(tok, "ioctl")) {
		f->request = kvm_ioctl_by_name(val);
		if (!f->request) {
			snprintf(err, errlen, "-fault: unknown ioctl '%s'", val);
			return -1;
		}
	} else if (!strcmp(tok, "errno")) {
		f->err = errno_by_name(val);
		if (f->err <= 0) {
			snprintf(err, errlen, "-fault: unknown errno '%s'", val);
			return -1;
		}
	} else if (!strcmp(tok, "after") || !strcmp(tok, "count") || !strcmp(tok, "cpu")) {
		uint64_t v;
		/* cpu= is an index stored as int (-1 = any): keep it in range */
		if (parse_uint_max(val, tok[0] == 'c' && tok[1] == 'p' ? INT32_MAX : UINT32_MAX,
				   &v) < 0) {
			snprintf(err, errlen, "-fault: %s=%s is not a number", tok, val);
			return -1;
		}
		if (tok[0] == 'a')
			f->after = v;
		else if (tok[0] == 'c' && tok[1] == 'o')
			f->count = v;
		else
			f->cpu = (int)v;
	} else if (!strcmp(tok, "fd")) {
		int k;
		for (k = KVM_FD_SYSTEM; k <= KVM_FD_DEVICE; k++)
			if (!strcmp(val, kvm_fd_kind_name(k)))
				break;
		if (k > KVM_FD_DEVICE) {
			snprintf(err, errlen, "-fault: fd=%s: expected system, vm, vcpu or device",
				 val);
			return -1;
		}
		f->kind = k;
	} else {
		snprintf(err, errlen, "-fault: invalid parameter '%s'", tok);
		return -1;
	}
	return 0;
}

int kvm_fault_parse(const char *spec, char *err, size_t errlen)
{
	struct kvm_fault f = { .kind = -1, .cpu = -1, .count = 1, .err = -1 };

	if (nfaults == MAX_FAULTS) {
		snprintf(err, errlen, "-fault: at most %d rules", MAX_FAULTS);
		return -1;
	}
	if (keyval_each_pair("-fault", "-fault", spec, 512, fault_property, &f, err, errlen) < 0)
		return -1;
	if (!f.request || f.err < 0) {
		snprintf(err, errlen, "-fault: both ioctl=NAME and errno=ERRNO are required");
		return -1;
	}
	faults[nfaults++] = f;
	return 0;
}

/* Returns the errno to inject for this call, or 0. */
static int fault_check(const struct kvm_fd *h, unsigned long request, const char *name)
{
	for (unsigned i = 0; i < nfaults; i++) {
		struct kvm_fault *f = &faults[i];
		if (f->request != request || (f->kind >= 0 && f->kind != (int)h->kind) ||
		    (f->cpu >= 0 && f->cpu != h->cpu_index))
			continue;
		unsigned n = __atomic_fetch_add(&f->seen, 1, __ATOMIC_RELAXED);
		if (n < f->after || (f->count && n - f->after >= f->count))
			continue;
		trace_kvm_fault_inject(name, (int)request, f->err, errno_name(f->err),
				       (int)(n - f->after + 1));
		return f->err;
	}
	return 0;
}

static void trace_entry(const struct kvm_fd *h, unsigned long request, void *arg)
{
	switch (h->kind) {
	case KVM_FD_SYSTEM:
		trace_kvm_ioctl((int)request, arg);
		break;
	case KVM_FD_VM:
		trace_kvm_vm_ioctl((int)request, arg);
		break;
	case KVM_FD_VCPU:
		trace_kvm_vcpu_ioctl(h->cpu_index, (int)request, arg);
		break;
	case KVM_FD_DEVICE:
		trace_kvm_device_ioctl(h->fd, (int)request, arg);
		break;
	}
}

int kvm_ioctl(const struct kvm_fd *h, unsigned long request, void *arg)
{
	const char *name = kvm_ioctl_name_fd(h->kind, request);
	int ret, err = 0;

	if (!name)
		name = "?";
	trace_entry(h, request, arg);
	if (nfaults && (err = fault_check(h, request, name)) != 0) {
		ret = -1;
	} else {
		ret = ioctl(h->fd, request, arg);
		if (ret < 0)
			err = errno;
	}
	if (trace_kvm_ioctl_exit_enabled())
		trace_kvm_ioctl_exit_fire(name, ret, err, kvm_fd_kind_name(h->kind), h->cpu_index,
					  (int)request, arg, err ? errno_name(err) : "OK");
	errno = err;
	return ret;
}

int kvm_ioctl_int(const struct kvm_fd *h, unsigned long request, unsigned long arg)
{
	return kvm_ioctl(h, request, (void *)arg);
}
