/* Rule pmu-set-attr: the cause of an arm64 PMU attribute's errno that the
 * run's own evidence proves (rule-pmu-set-attr-kernel.c). */
#ifndef KVMSCOPE_RULE_PMU_SET_ATTR_KERNEL_H
#define KVMSCOPE_RULE_PMU_SET_ATTR_KERNEL_H

#include "analyze/diag-rule.h"

/* For the failed KVM_{HAS,SET}_DEVICE_ATTR exit at I (a capture's), looking
 * back to START: when what the VMM did before rules out every other check of
 * kvm_arm_pmu_v3_{has,set}_attr for ERRNAME, adds the steps, evidence and the
 * fact "kernel_cause" to F and returns why the kernel refused (a sentence);
 * else NULL and F is untouched. CMD: the VMM's command line, or NULL. */
const char *pmu_kernel_cause(const struct diag_ctx *c, size_t start, size_t i,
			     const struct qlog_event *cmd, const char *attr, const char *errname,
			     struct finding *f);

#endif
