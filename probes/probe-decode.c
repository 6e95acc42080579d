/* The generic half of the generated log decoder: walks a probe's steps
 * (literal, argument, literal, ...) over a line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe-decode.h"

/* the integer at *P printed with CONV, as argument type TYPE holds it */
static bool take_int(const char **p, char conv, enum probe_arg_type type, int64_t *out)
{
	const char *s = *p;
	char *end;
	uint64_t u;
	errno = 0;
	if (conv == 'p' && !strncmp(s, "(nil)", 5)) {
		u = 0;
		end = (char *)s + 5;
	} else if (conv == 'p') {
		if (strncmp(s, "0x", 2) || !strchr("0123456789abcdef", s[2]) || !s[2])
			return false;
		u = strtoull(s + 2, &end, 16);
	} else if (conv == 'x' || conv == 'X' || conv == 'u') {
		if (!strchr("0123456789abcdefABCDEF", *s) || !*s || (conv == 'u' && !strchr("0123456789", *s)))
			return false;
		u = strtoull(s, &end, conv == 'u' ? 10 : 16);
	} else {
		if (!*s || !strchr("-0123456789", *s))
			return false;
		u = (uint64_t)strtoll(s, &end, 10);
	}
	if (end == s || errno)
		return false;
	switch (type) {
	case PROBE_ARG_INT:
		*out = (int32_t)(uint32_t)u;
		break;
	case PROBE_ARG_UNSIGNED:
	case PROBE_ARG_U32:
		*out = (uint32_t)u;
		break;
	case PROBE_ARG_BOOL:
		*out = u != 0;
		break;
	default:
		*out = (int64_t)u;
		break;
	}
	*p = end;
	return true;
}

/* A string argument at the end of the line takes the rest (less the last
 * literal); one inside it ends at the first character of the text after it
 * (a name in "(%s)" at the first ')', in "%s cpu_index" at the first space),
 * as QEMU's own names never hold that character. */
static bool take_str(const char **p, const struct probe_step *next, struct probe_value *v)
{
	const char *s = *p, *end;
	size_t ll = strlen(next->lit), n = strlen(s);
	if (next->arg < 0) {
		if (n < ll || strcmp(s + n - ll, next->lit))
			return false;
		end = s + n - ll;
	} else {
		end = s + strcspn(s, ll ? (char[]){ next->lit[0], '\0' } : " ");
		if (ll && strncmp(end, next->lit, ll))
			return false;
	}
	v->s = s;
	v->len = (size_t)(end - s);
	*p = end;
	return true;
}

bool probe_decode(const struct probe_desc *p, const char *args, struct probe_value *v)
{
	const char *s = args;
	memset(v, 0, p->nargs * sizeof(*v));
	for (const struct probe_step *st = p->steps;; st++) {
		size_t ll = strlen(st->lit);
		if (strncmp(s, st->lit, ll))
			return false;
		s += ll;
		if (st->arg < 0)
			return *s == '\0';
		struct probe_value *a = &v[st->arg];
		if (st->conv == 's' ? !take_str(&s, st + 1, a) :
				      !take_int(&s, st->conv, p->arg_types[st->arg], &a->i))
			return false;
	}
}

const char *probe_value_str(const struct probe_value *v, char *buf, size_t len)
{
	size_t n = v->len < len ? v->len : len - 1;
	memcpy(buf, v->s ? v->s : "", v->s ? n : 0);
	buf[v->s ? n : 0] = '\0';
	return buf;
}
