#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confidential.h"
#include "error.h"
#include "keyval.h"
#include "numparse.h"

static const struct sev_config *active_sev;

/* one KEY=VALUE of -object sev-guest */
static int sev_property(void *ctx, const char *tok, const char *val, char *err, size_t errlen)
{
	struct sev_config *sev = ctx;

	if (!strcmp(tok, "qom-type")) {
		if (strcmp(val, "sev-guest") != 0) {
			snprintf(err, errlen, "-object: unsupported type '%s'", val);
			return -1;
		}
	} else if (!strcmp(tok, "id")) {
		snprintf(sev->id, sizeof(sev->id), "%s", val);
	} else if (!strcmp(tok, "policy") || !strcmp(tok, "cbitpos") ||
		   !strcmp(tok, "reduced-phys-bits") || !strcmp(tok, "handle")) {
		uint64_t v;
		if (parse_uint_max(val, UINT32_MAX, &v) < 0) {
			snprintf(err, errlen, "-object sev-guest: Parameter '%s' expects uint32_t",
				 tok);
			return -1;
		}
		if (tok[0] == 'p')
			sev->policy = v;
		else if (tok[0] == 'c')
			sev->cbitpos = v;
		else if (tok[0] == 'r')
			sev->reduced_phys_bits = v;
	} else if (!strcmp(tok, "sev-device") || !strcmp(tok, "dh-cert-file") ||
		   !strcmp(tok, "session-file") || !strcmp(tok, "kernel-hashes")) {
		/* accepted for command-line compatibility; nothing to open here */
	} else {
		snprintf(err, errlen, "-object sev-guest: Property '%s' not found", tok);
		return -1;
	}
	return 0;
}

int sev_parse_object(const char *props, struct sev_config *sev, char *err, size_t errlen)
{
	memset(sev, 0, sizeof(*sev));
	sev->policy = SEV_POLICY_NODBG; /* QEMU's default */
	if (keyval_each_pair("-object", "-object sev-guest", props, 512, sev_property, sev, err,
			     errlen) < 0)
		return -1;
	if (!sev->id[0]) {
		snprintf(err, errlen, "-object sev-guest: Parameter 'id' is missing");
		return -1;
	}
	sev->defined = true;
	return 0;
}

int confidential_init(const struct vmm_config *cfg, char *err, size_t errlen)
{
	active_sev = NULL;
	if (!cfg->cgs_id[0])
		return 0;
	if (!cfg->sev.defined || strcmp(cfg->sev.id, cfg->cgs_id) != 0) {
		snprintf(err, errlen, "-machine confidential-guest-support=%s: object '%s' not found",
			 cfg->cgs_id, cfg->cgs_id);
		return -1;
	}
	/* the checks sev_kvm_init makes that do not need SEV hardware */
	if (cfg->sev.reduced_phys_bits < 1) {
		snprintf(err, errlen,
			 "sev_kvm_init: reduced_phys_bits check failed, it should be >=1, requested '%u'",
			 cfg->sev.reduced_phys_bits);
		return -1;
	}
	active_sev = &cfg->sev;
	return 0;
}

bool sev_enabled(void)
{
	return active_sev != NULL;
}

bool sev_es_enabled(void)
{
	return sev_enabled() && (active_sev->policy & SEV_POLICY_ES);
}

bool cpus_are_resettable(void)
{
	return !sev_es_enabled();
}

void sev_policy_describe(uint32_t policy, char *buf, size_t len)
{
	static const char *const bits[] = { "NODBG", "NOKS", "ES", "NOSEND", "DOMAIN", "SEV" };
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 32; i++) {
		if (!(policy & (1u << i)))
			continue;
		int w = i < 6 ? snprintf(buf + n, len - n, "%s%s", n ? "|" : "", bits[i])
			      : snprintf(buf + n, len - n, "%sbit%u", n ? "|" : "", i);
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
	if (!n)
		snprintf(buf, len, "none");
}
