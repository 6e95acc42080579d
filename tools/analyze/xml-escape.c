/* XML 1.0 escaping for the JUnit file and the HTML page: see xml-escape.h. */
#include "xml-escape.h"

#include <stdint.h>

/* Length of the valid UTF-8 sequence at S (1..4) that XML 1.0 may carry,
 * or 0 when the bytes are not one. */
static size_t xml_char_len(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n;
	if (s[0] < 0x80) {
		if (s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')
			return 1;
		return 0;
	} else if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		n = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		n = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		n = 4;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	static const uint32_t min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min_for_len[n] || cp > 0x10ffff)
		return 0; /* overlong or out of range */
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0; /* not an XML character */
	return n;
}

void xml_escape(FILE *out, const char *str, size_t len, bool attr)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		size_t n = xml_char_len(s + i, len - i);
		if (!n) {
			fprintf(out, "\\x%02x", s[i]);
			i++;
			continue;
		}
		if (n == 1) {
			switch (s[i]) {
			case '&': fputs("&amp;", out); break;
			case '<': fputs("&lt;", out); break;
			case '>': fputs("&gt;", out); break;
			case '"': fputs(attr ? "&quot;" : "\"", out); break;
			case '\'': fputs(attr ? "&apos;" : "'", out); break;
			/* attribute values normalise whitespace: keep it as references */
			case '\n': fputs(attr ? "&#10;" : "\n", out); break;
			case '\r': fputs("&#13;", out); break;
			case '\t': fputs(attr ? "&#9;" : "\t", out); break;
			default: fputc(s[i], out);
			}
		} else {
			fwrite(s + i, 1, n, out);
		}
		i += n;
	}
}
