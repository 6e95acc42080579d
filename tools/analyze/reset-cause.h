/* Why a guest's vCPUs were asked to reset, and which confidential
 * technology the guest used, from the evidence in a stream: the guest's
 * console (panic, reboot), QMP events (GUEST_PANICKED), traces (KVM_EXIT_SHUTDOWN
 * of a triple fault), command lines, QEMU's and the kernel's lines. Shared by
 * the rules that explain a reset (cpus-not-resettable). */
#ifndef KVMSCOPE_RESET_CAUSE_H
#define KVMSCOPE_RESET_CAUSE_H

#include "analyze/logs/qemulog.h"

enum reset_cause {
	RESET_CAUSE_UNKNOWN,	  /* the input does not say */
	RESET_CAUSE_REBOOT,	  /* the guest rebooted (its console says so, or its last exit was
				   * a write to a reset port/register or a system event) */
	RESET_CAUSE_PANIC,	  /* the guest panicked and rebooted from the panic */
	RESET_CAUSE_TRIPLE_FAULT, /* the vCPU reset itself (x86 triple fault) */
	RESET_CAUSE_EARLY,	  /* no word from the guest, and it died right after start:
				   * a triple fault most likely */
};

struct reset_evidence {
	enum reset_cause cause;
	const struct qlog_event *ev; /* the line that says it; NULL for UNKNOWN */
	double seconds;		     /* EARLY: seconds from the start to the reset */
};

/* The cause of the reset at index I, looking at [FROM, I). */
struct reset_evidence reset_cause_find(const struct qlog_stream *s, size_t from, size_t i);
const char *reset_cause_name(enum reset_cause c);

/* The confidential technology of the guest: "SEV", "SEV-ES", "SNP" or "TDX",
 * and the event that says so (*EV); NULL when the input does not say.
 * Explicit evidence (command line, QEMU's and the kernel's lines) wins over a
 * mention in the text, which sets *WEAK. */
const char *confidential_tech_find(const struct qlog_stream *s, const struct qlog_event **ev,
				   bool *weak);

#endif
