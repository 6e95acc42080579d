/* Confidential-guest policy (an `sev-guest` object). Memory is NOT
 * encrypted: the policy only drives the VMM's decisions, as QEMU's does. */
#ifndef VMM_CONFIDENTIAL_H
#define VMM_CONFIDENTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SEV_POLICY_NODBG 0x1
#define SEV_POLICY_NOKS 0x2
#define SEV_POLICY_ES 0x4
#define SEV_POLICY_NOSEND 0x8
#define SEV_POLICY_DOMAIN 0x10
#define SEV_POLICY_SEV 0x20

/* -object sev-guest,id=ID,policy=N,cbitpos=N,reduced-phys-bits=N */
int sev_parse_object(const char *props, struct sev_config *sev, char *err, size_t errlen);
/* Checks the pair of -object and -machine confidential-guest-support, and
 * makes the policy the one in force. */
int confidential_init(const struct vmm_config *cfg, char *err, size_t errlen);
bool sev_enabled(void);
bool sev_es_enabled(void);
/* "NODBG|ES" */
void sev_policy_describe(uint32_t policy, char *buf, size_t len);
/* QEMU 7.2-9.0 x86: !sev_es_enabled() */
bool cpus_are_resettable(void);

#endif
