/* What the collectors share (see collector.h). */
#include "collector.h"

#include <stdarg.h>
#include <stdio.h>

#include "capture/capture.h"

const char *const collector_kvm_events[] = {
	"kvm_entry", "kvm_exit", "kvm_userspace_exit", "kvm_pio", "kvm_mmio", "kvm_msr",
	"kvm_cpuid", "kvm_cr", "kvm_hypercall", "kvm_inj_exception", "kvm_set_irq",
	"kvm_pic_set_irq", "kvm_ioapic_set_irq", "kvm_apic_accept_irq", "kvm_vcpu_wakeup",
	"kvm_fpu", "kvm_smm_transition",
};
const size_t collector_kvm_event_count = sizeof(collector_kvm_events) / sizeof(collector_kvm_events[0]);

void collector_problem(const struct collector_voice *v, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (v->say)
		v->say(v->ctx, line);
	else
		fprintf(stderr, "%s: %s\n", v->who, line);
	if (v->w)
		cap_write_note(v->w, "%s%s", v->note_prefix ? v->note_prefix : "", line);
	if (v->heard)
		v->heard(v->heard_ctx, line);
}
