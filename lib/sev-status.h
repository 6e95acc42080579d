/* The AMD SEV firmware's status codes (SEV API specification, "Status
 * Codes"; SEV-SNP firmware ABI adds 0x19..0x27): what QEMU prints as
 * fw_error=N after a failed KVM_MEMORY_ENCRYPT_OP. */
#ifndef KVMSCOPE_SEV_STATUS_H
#define KVMSCOPE_SEV_STATUS_H

struct sev_status {
	unsigned code;
	const char *name;    /* "INVALID_CONFIG" */
	const char *meaning; /* what it says about the launch */
};

/* The entry for CODE, or NULL when the specification has none. */
const struct sev_status *sev_status_find(unsigned long code);

#endif
