/* uprobe_events definitions of USDT probes (see ftrace.h): the probe's file
 * offset and its semaphore's file offset as REF_CTR_OFFSET, so the kernel
 * raises the semaphore in every process that maps the binary, and one fetch
 * argument per USDT argument: "aN" its value (typed and sized as the spec
 * says), plus "sN" the C string it points to for string arguments. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errtext.h"
#include "ftrace.h"
#include "usdt-notes.h"


int ftrace_uprobe_definition(const struct usdt_probe *p, unsigned machine, const char *group,
			     const char *path, uint16_t str_mask, char *buf, size_t len, char *err,
			     size_t errlen)
{
	size_t used;
	int n;

	if (strpbrk(path, " \t\n")) {
		seterr(err, errlen, "path '%s' contains a blank: uprobe_events cannot name it", path);
		return -1;
	}
	if (!p->pc_offset_ok) {
		seterr(err, errlen, "probe %s: address 0x%llx is in no loadable segment", p->name,
		       (unsigned long long)p->pc);
		return -1;
	}
	if (p->args_error) {
		seterr(err, errlen, "probe %s: %s", p->name, p->args_error);
		return -1;
	}
	if (p->semaphore && !p->semaphore_offset_ok) {
		seterr(err, errlen, "probe %s: semaphore 0x%llx is in no loadable segment", p->name,
		       (unsigned long long)p->semaphore);
		return -1;
	}
	if (p->semaphore)
		n = snprintf(buf, len, "p:%s/%s %s:0x%llx(0x%llx)", group, p->name, path,
			     (unsigned long long)p->pc_offset, (unsigned long long)p->semaphore_offset);
	else
		n = snprintf(buf, len, "p:%s/%s %s:0x%llx", group, p->name, path,
			     (unsigned long long)p->pc_offset);
	if (n < 0 || (size_t)n >= len)
		goto too_long;
	used = (size_t)n;
	for (unsigned i = 0; i < p->nargs; i++) {
		char fetch[128], why[192];
		if (usdt_arg_to_fetcharg(&p->args[i], machine, false, fetch, sizeof(fetch), why,
					 sizeof(why))) {
			seterr(err, errlen, "probe %s argument %u: %s", p->name, i, why);
			return -1;
		}
		n = snprintf(buf + used, len - used, " a%u=%s", i, fetch);
		if (n < 0 || (size_t)n >= len - used)
			goto too_long;
		used += (size_t)n;
		if (!(str_mask & (1u << i)))
			continue;
		if (usdt_arg_to_fetcharg(&p->args[i], machine, true, fetch, sizeof(fetch), why,
					 sizeof(why))) {
			seterr(err, errlen, "probe %s argument %u: %s", p->name, i, why);
			return -1;
		}
		n = snprintf(buf + used, len - used, " s%u=%s", i, fetch);
		if (n < 0 || (size_t)n >= len - used)
			goto too_long;
		used += (size_t)n;
	}
	return 0;
too_long:
	seterr(err, errlen, "probe %s: definition longer than %zu bytes", p->name, len);
	return -1;
}
