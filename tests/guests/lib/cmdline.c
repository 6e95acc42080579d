/*
 * cmdline.c - look up key=value words in a space-separated command line.
 */
#include "cmdline.h"

const char *guest_cmdline = "";

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int cmdline_get(const char *cmdline, const char *key, const char **val,
		size_t *len)
{
	const char *p = cmdline;
	int found = 0;

	if (!p)
		return 0;
	while (*p) {
		const char *word, *k;

		while (is_space(*p))
			p++;
		word = p;
		while (*p && !is_space(*p))
			p++;
		/* word .. p is one word; does it start with "key="? */
		for (k = key; *k && word < p && *word == *k; k++, word++)
			;
		if (*k || word == p || *word != '=')
			continue;
		*val = word + 1;
		*len = (size_t)(p - (word + 1));
		found = 1;	/* keep going: the last one wins */
	}
	return found;
}

int cmdline_is(const char *cmdline, const char *key, const char *value)
{
	const char *v;
	size_t len, i;

	if (!cmdline_get(cmdline, key, &v, &len))
		return 0;
	for (i = 0; i < len; i++)
		if (value[i] != v[i])
			return 0;
	return value[len] == '\0';
}

unsigned long cmdline_ulong(const char *cmdline, const char *key,
			    unsigned long def)
{
	unsigned long n = 0;
	unsigned int base = 10;
	const char *v;
	size_t len, i = 0;

	if (!cmdline_get(cmdline, key, &v, &len) || !len)
		return def;
	if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < len; i++) {
		char c = v[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return def;
		n = n * base + d;
	}
	return n;
}

int cmdline_copy(const char *cmdline, const char *key, char *buf,
		 size_t size)
{
	const char *v;
	size_t len, i;

	if (!cmdline_get(cmdline, key, &v, &len))
		return 0;
	if (!size)
		return 1;
	for (i = 0; i < len && i + 1 < size; i++)
		buf[i] = v[i];
	buf[i] = '\0';
	return 1;
}
