/* What the VMM does with each KVM_RUN exit, as QEMU's kvm_cpu_exec() does;
 * exits only one architecture has go to arch_vcpu_handle_exit(). */
#include <inttypes.h>
#include <string.h>

#include "bus.h"
#include "error.h"
#include "machine.h"
#include "system.h"
#include "trace.h"

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned size = run->io.size;

	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		uint32_t value = 0;
		uint64_t v64;
		if (is_write)
			memcpy(&value, data, size);
		v64 = value;
		bool claimed = bus_access(&ioport_bus, is_write, run->io.port, size, &v64);
		value = (uint32_t)v64;
		if (!claimed)
			trace_vcpu_unhandled_io(v->index, is_write ? "out" : "in", run->io.port, size,
						value);
		if (!is_write)
			memcpy(data, &value, size);
	}
}

static uint64_t load_le(const uint8_t *data, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = size; i-- > 0;)
		v = v << 8 | data[i];
	return v;
}

static void store_le(uint8_t *data, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size; i++, v >>= 8)
		data[i] = (uint8_t)v;
}

/* the kvm_run mmio buffer is little-endian, 1..8 bytes; false when no
 * device claims the address (the buffer is left as it is) */
static bool handle_mmio(struct kvm_run *run)
{
	unsigned size = run->mmio.len;
	uint64_t value;

	if (size == 0 || size > 8)
		return false;
	value = run->mmio.is_write ? load_le(run->mmio.data, size) : 0;
	if (!bus_access(&mmio_bus, run->mmio.is_write, run->mmio.phys_addr, size, &value))
		return false;
	if (!run->mmio.is_write)
		store_le(run->mmio.data, size, value);
	return true;
}

static int handle_system_event(struct vcpu *v)
{
	uint32_t type = v->run->system_event.type;

	trace_kvm_run_exit_system_event(v->index, type);
	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
		return 0;
	case KVM_SYSTEM_EVENT_RESET:
		qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
		return 0;
	case KVM_SYSTEM_EVENT_CRASH:
		qemu_system_guest_panicked();
		return 0;
	default:
		error_report("KVM: unknown system event %u (%s)", type,
			     kvm_system_event_name(type) ? kvm_system_event_name(type) : "?");
		return -1;
	}
}

int kvm_handle_exit(struct machine *m, struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return 0;
	case KVM_EXIT_MMIO:
		if (handle_mmio(run))
			return 0;
		trace_vcpu_unhandled_mmio(v->index, run->mmio.is_write ? "write" : "read",
					  run->mmio.phys_addr, run->mmio.len);
		arch_vcpu_unhandled_mmio(m, v);
		return 0;
	case KVM_EXIT_SHUTDOWN:
		/* x86 triple fault */
		qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(v);
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_UNKNOWN:
		error_report("KVM: unknown exit, hardware reason %" PRIx64,
			     (uint64_t)run->hw.hardware_exit_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		error_report("KVM internal error. Suberror: %u", run->internal.suberror);
		if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
			error_report("emulation failure");
		for (uint32_t i = 0; i < run->internal.ndata && i < 16; i++)
			error_report("extra data[%u]: 0x%016" PRIx64, i,
				     (uint64_t)run->internal.data[i]);
		return -1;
	}
	int r = arch_vcpu_handle_exit(m, v);
	if (r == 1) {
		const char *name = kvm_exit_reason_name(run->exit_reason);
		error_report("KVM: unknown exit reason %u (%s)", run->exit_reason, name ? name : "?");
		return -1;
	}
	return r;
}
