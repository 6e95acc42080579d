/* SEV firmware status codes (see sev-status.h). */
#include <stddef.h>

#include "sev-status.h"

static const struct sev_status codes[] = {
	{ 0x00, "SUCCESS", "the firmware was not the one that failed (the kernel answered before it)" },
	{ 0x01, "INVALID_PLATFORM_STATE", "the SEV platform is not in a state for this command "
					  "(not initialised: the host kernel's SEV INIT failed)" },
	{ 0x02, "INVALID_GUEST_STATE", "the guest context is not in the state this launch step needs" },
	{ 0x03, "INVALID_CONFIG", "the platform or guest configuration is invalid for this firmware "
				  "(a firmware too old for the feature, e.g. SEV-ES on an early SEV API)" },
	{ 0x04, "INVALID_LENGTH", "a buffer was too small" },
	{ 0x05, "ALREADY_OWNED", "the platform is already owned" },
	{ 0x06, "INVALID_CERTIFICATE", "a certificate (the guest owner's PDH or session) is invalid" },
	{ 0x07, "POLICY_FAILURE", "the guest policy does not allow this (or this platform's firmware "
				  "version is below the policy's minimum)" },
	{ 0x08, "INACTIVE", "the guest is not active" },
	{ 0x09, "INVALID_ADDRESS", "an address given to the firmware is invalid" },
	{ 0x0a, "BAD_SIGNATURE", "a signature (ID block, certificate) does not verify" },
	{ 0x0b, "BAD_MEASUREMENT", "the launch measurement does not match the expected digest "
				   "(the ID block's, or the guest owner's)" },
	{ 0x0c, "ASID_OWNED", "the ASID is already owned by another guest" },
	{ 0x0d, "INVALID_ASID", "the ASID is invalid (none free for this kind of guest, or the "
				"BIOS reserved too few for SEV-ES/SNP)" },
	{ 0x0e, "WBINVD_REQUIRED", "a WBINVD is needed first" },
	{ 0x0f, "DFFLUSH_REQUIRED", "a DF_FLUSH is needed first" },
	{ 0x10, "INVALID_GUEST", "the guest handle is invalid" },
	{ 0x11, "INVALID_COMMAND", "the firmware does not know the command (firmware older than "
				   "the host kernel expects)" },
	{ 0x12, "ACTIVE", "the guest is already active" },
	{ 0x13, "HWERROR_PLATFORM", "a hardware error on the platform" },
	{ 0x14, "HWERROR_UNSAFE", "a hardware error left buffers unsafe" },
	{ 0x15, "UNSUPPORTED", "the firmware does not support the feature asked (a policy bit or "
			       "launch option this firmware version lacks)" },
	{ 0x16, "INVALID_PARAM", "a parameter is invalid" },
	{ 0x17, "RESOURCE_LIMIT", "the firmware ran out of a resource it needs" },
	{ 0x18, "SECURE_DATA_INVALID", "the part-specific secure data failed its integrity check" },
	{ 0x19, "INVALID_PAGE_SIZE", "SNP: a page's size in the RMP is not the one asked" },
	{ 0x1a, "INVALID_PAGE_STATE", "SNP: a page is not in the RMP state the command needs" },
	{ 0x1b, "INVALID_MDATA_ENTRY", "SNP: an RMP metadata entry is invalid" },
	{ 0x1c, "INVALID_PAGE_OWNER", "SNP: the page belongs to another ASID" },
	{ 0x1d, "AEAD_OFLOW", "SNP: the firmware's AEAD counter would overflow" },
	{ 0x1f, "RB_MODE_EXITED", "SNP: the RMP was left read-only (a firmware update happened)" },
	{ 0x20, "RMP_INIT_REQUIRED", "SNP: the RMP must be initialised first (SNP INIT did not run)" },
	{ 0x21, "BAD_SVN", "SNP: a security version number is below the required one" },
	{ 0x22, "BAD_VERSION", "SNP: a firmware version check failed" },
	{ 0x23, "SHUTDOWN_REQUIRED", "SNP: a platform shutdown is required first" },
	{ 0x24, "UPDATE_FAILED", "SNP: a firmware update failed" },
	{ 0x25, "RESTORE_REQUIRED", "SNP: a restore is required first" },
};

const struct sev_status *sev_status_find(unsigned long code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return &codes[i];
	return NULL;
}
