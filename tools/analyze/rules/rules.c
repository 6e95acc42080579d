/* The diagnose rules, in reporting order: one row each (rule-*.c holds the
 * three steps). A new rule is one file and one row. */
#include <string.h>

#include "analyze/diag-rule.h"

#define RULE_STEPS(id)                                                     \
	bool id##_match(struct diag_ctx *c, size_t i);                     \
	void *id##_gather(struct diag_ctx *c, size_t i);                   \
	void id##_explain(struct diag_ctx *c, void *incident, struct finding *f);
RULE_STEPS(cpus_not_resettable)
RULE_STEPS(pmu_set_attr)
RULE_STEPS(agent_escalation)
RULE_STEPS(runstate_transition)
RULE_STEPS(kvm_ioctl_error)
RULE_STEPS(kvm_internal_error)
RULE_STEPS(confidential_launch)

#define RULE(id, name, summary) { name, summary, id##_match, id##_gather, id##_explain }

static const struct diag_rule rules[] = {
	RULE(cpus_not_resettable, "cpus-not-resettable",
	     "a guest reboot turned into a shutdown because a confidential guest's vCPUs cannot be "
	     "reset"),
	RULE(pmu_set_attr, "pmu-set-attr",
	     "a vCPU PMU attribute refused by KVM (or no vPMU on x86): attribute, errno, kernel "
	     "time and known causes"),
	RULE(agent_escalation, "agent-escalation",
	     "a shutdown escalated from the guest agent to ACPI powerdown to a host signal"),
	RULE(runstate_transition, "runstate-transition",
	     "run-state changes that are invalid (abort) or stop the guest unasked"),
	RULE(kvm_ioctl_error, "kvm-ioctl-error",
	     "another KVM ioctl failed: which, errno, duration, injected or not"),
	RULE(kvm_internal_error, "kvm-internal-error",
	     "KVM_RUN ended in an exit QEMU cannot handle: internal error (suberror decoded), "
	     "failed VM entry"),
	RULE(confidential_launch, "confidential-launch",
	     "a SEV, SEV-ES, SNP or TDX guest could not be launched: the step, the kernel's "
	     "errno and the firmware's status decoded"),
};

const struct diag_rule *const *diag_rules(size_t *count)
{
	static const struct diag_rule *list[sizeof(rules) / sizeof(rules[0])];
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		list[i] = &rules[i];
	*count = sizeof(rules) / sizeof(rules[0]);
	return list;
}

const struct diag_rule *diag_rule_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i].name, name))
			return &rules[i];
	return NULL;
}
