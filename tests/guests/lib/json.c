/*
 * json.c - the guest agent's JSON: a stream splitter that counts brackets
 * outside strings (as QEMU's json-streamer does), a recursive syntax check
 * with QEMU's error words, and readers for top-level object members.
 */
#include "json.h"
#include "string.h"

#define JSON_MAX_DEPTH	32

void json_stream_reset(struct json_stream *s)
{
	s->len = 0;
	s->depth = 0;
	s->in_string = 0;
	s->escape = 0;
	s->scalar = 0;
	s->overflow = 0;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_delim(int c)
{
	return is_space(c) || c == '{' || c == '}' || c == '[' || c == ']' ||
	       c == ',' || c == ':' || c == '"';
}

static void keep(struct json_stream *s, uint8_t c)
{
	if (s->len < JSON_MAX_TEXT)
		s->buf[s->len++] = (char)c;
	else
		s->overflow = 1;
}

static enum json_feed finish(struct json_stream *s)
{
	enum json_feed r = s->overflow ? JSON_TOO_LONG : JSON_VALUE;

	s->buf[s->len] = '\0';
	s->depth = 0;
	s->in_string = 0;
	s->escape = 0;
	s->scalar = 0;
	s->overflow = 0;
	return r;
}

enum json_feed json_feed(struct json_stream *s, uint8_t c, int *pushback)
{
	*pushback = 0;
	if (c == 0xff) {
		json_stream_reset(s);
		return JSON_STRAY;
	}
	if (s->scalar) {
		if (!is_delim(c)) {
			keep(s, c);
			return JSON_MORE;
		}
		*pushback = !is_space(c);
		return finish(s);
	}
	if (s->depth == 0 && !s->in_string) {
		s->len = 0;
		if (is_space(c))
			return JSON_MORE;
		keep(s, c);
		if (c == '{' || c == '[') {
			s->depth = 1;
		} else if (c == '"') {
			s->in_string = 1;
		} else if (c == '}' || c == ']' || c == ',' || c == ':') {
			return finish(s);	/* a lone structural byte */
		} else {
			s->scalar = 1;
		}
		return JSON_MORE;
	}
	keep(s, c);
	if (s->in_string) {
		if (s->escape)
			s->escape = 0;
		else if (c == '\\')
			s->escape = 1;
		else if (c == '"') {
			s->in_string = 0;
			if (s->depth == 0)
				return finish(s);	/* a top-level string */
		}
		return JSON_MORE;
	}
	if (c == '"')
		s->in_string = 1;
	else if (c == '{' || c == '[')
		s->depth++;
	else if (c == '}' || c == ']') {
		if (--s->depth == 0)
			return finish(s);
	}
	return JSON_MORE;
}

/* ------------------------------------------------------------ syntax check */

struct cursor {
	const char *p;
	const char *end;
	const char *error;
	char word[48];		/* "invalid keyword '...'" */
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
}

static int parse_value(struct cursor *c, int depth);

static int parse_string(struct cursor *c)
{
	c->p++;			/* opening quote */
	while (c->p < c->end) {
		char ch = *c->p++;

		if (ch == '"')
			return 0;
		if (ch == '\\') {
			if (c->p >= c->end)
				break;
			c->p++;
		} else if ((unsigned char)ch < 0x20) {
			c->error = "invalid string";
			return -1;
		}
	}
	c->error = "premature EOI";
	return -1;
}

static int word_is(const char *p, size_t n, const char *w)
{
	return str_len(w) == n && !memcmp(p, w, n);
}

static int parse_number(struct cursor *c)
{
	const char *p = c->p;
	int digits = 0;

	if (p < c->end && *p == '-')
		p++;
	while (p < c->end && *p >= '0' && *p <= '9') {
		p++;
		digits++;
	}
	if (p < c->end && *p == '.') {
		p++;
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < c->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < c->end && (*p == '+' || *p == '-'))
			p++;
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (!digits || (p < c->end && !is_delim(*p))) {
		c->error = "invalid number";
		return -1;
	}
	c->p = p;
	return 0;
}

static int parse_word(struct cursor *c)
{
	const char *start = c->p;
	size_t n;

	while (c->p < c->end && !is_delim(*c->p))
		c->p++;
	n = (size_t)(c->p - start);
	if (word_is(start, n, "true") || word_is(start, n, "false") ||
	    word_is(start, n, "null"))
		return 0;
	if (n > sizeof(c->word) - 1)
		n = sizeof(c->word) - 1;
	memcpy(c->word, start, n);
	c->word[n] = '\0';
	c->error = "invalid keyword";
	return -1;
}

/* consumes CH when it comes next: 1, else 0 */
static int take(struct cursor *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* after a member of an object or array: 1 past its CLOSE, 0 past the comma
 * before the next member, -1 (WHY the error) otherwise */
static int next_member(struct cursor *c, char close, const char *why)
{
	skip_space(c);
	if (take(c, close))
		return 1;
	if (take(c, ','))
		return 0;
	c->error = why;
	return -1;
}

/* past an object's or array's opening byte: 1 when CLOSE comes next (an
 * empty one, consumed), else 0 */
static int opens_empty(struct cursor *c, char close)
{
	c->p++;
	skip_space(c);
	return take(c, close);
}

static int parse_object(struct cursor *c, int depth)
{
	int r;

	if (opens_empty(c, '}'))
		return 0;
	do {
		skip_space(c);
		if (c->p >= c->end || *c->p != '"') {
			c->error = "key is not a string in object";
			return -1;
		}
		if (parse_string(c) < 0)
			return -1;
		skip_space(c);
		if (!take(c, ':')) {
			c->error = "missing : in object pair";
			return -1;
		}
		if (parse_value(c, depth) < 0)
			return -1;
	} while (!(r = next_member(c, '}', "expected separator in dict")));
	return r < 0 ? -1 : 0;
}

static int parse_array(struct cursor *c, int depth)
{
	int r;

	if (opens_empty(c, ']'))
		return 0;
	do {
		if (parse_value(c, depth) < 0)
			return -1;
	} while (!(r = next_member(c, ']', "expected separator in list")));
	return r < 0 ? -1 : 0;
}

static int parse_value(struct cursor *c, int depth)
{
	skip_space(c);
	if (c->p >= c->end) {
		c->error = "expecting value";
		return -1;
	}
	if (depth >= JSON_MAX_DEPTH) {
		c->error = "nesting too deep";
		return -1;
	}
	switch (*c->p) {
	case '{':
		return parse_object(c, depth + 1);
	case '[':
		return parse_array(c, depth + 1);
	case '"':
		return parse_string(c);
	case '}': case ']': case ',': case ':':
		c->error = "expecting value";
		return -1;
	default:
		if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
			return parse_number(c);
		return parse_word(c);
	}
}

const char *json_check(const char *text, size_t len)
{
	static char message[80];
	struct cursor c = { text, text + len, NULL, "" };

	if (parse_value(&c, 0) < 0) {
		if (c.word[0]) {
			size_t n = str_copy(message, "invalid keyword '", sizeof(message));

			n += str_copy(message + n, c.word, sizeof(message) - n);
			str_copy(message + n, "'", sizeof(message) - n);
			return message;
		}
		return c.error;
	}
	skip_space(&c);
	return c.p == c.end ? NULL : "expecting end of input";
}

/* ------------------------------------------------------------ readers */

char json_kind(struct json_view v)
{
	size_t i = 0;

	while (i < v.len && is_space(v.p[i]))
		i++;
	return i < v.len ? v.p[i] : '\0';
}

/* Length of the (valid) value starting at p, spaces before it skipped. */
static const char *value_end(const char *p, const char *end)
{
	struct cursor c = { p, end, NULL, "" };

	parse_value(&c, 0);
	return c.p;
}

int json_each_member(struct json_view obj, json_member_fn fn, void *ctx)
{
	const char *p = obj.p, *end = obj.p + obj.len;

	while (p < end && *p != '{')
		p++;
	if (p++ >= end)
		return 0;
	for (;;) {
		struct json_view key, val;
		int r;

		while (p < end && is_space(*p))
			p++;
		if (p >= end || *p != '"')
			return 0;	/* '}' of an empty object */
		key.p = p;
		key.len = (size_t)(value_end(p, end) - p);
		p += key.len;
		while (p < end && (is_space(*p) || *p == ':'))
			p++;
		val.p = p;
		val.len = (size_t)(value_end(p, end) - p);
		p += val.len;
		r = fn(key, val, ctx);
		if (r)
			return r;
		while (p < end && is_space(*p))
			p++;
		if (p >= end || *p != ',')
			return 0;
		p++;
	}
}

int json_key_is(struct json_view key, const char *name)
{
	size_t n = str_len(name);

	return key.len == n + 2 && key.p[0] == '"' && !memcmp(key.p + 1, name, n);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int json_string(struct json_view v, char *out, size_t size)
{
	size_t i = 1, o = 0;

	if (v.len < 2 || v.p[0] != '"' || !size)
		return 0;
	while (i < v.len - 1) {
		char ch = v.p[i++];

		if (ch == '\\' && i < v.len - 1) {
			char e = v.p[i++];

			switch (e) {
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'u': {
				int cp = 0, k;

				for (k = 0; k < 4 && i < v.len - 1; k++) {
					int h = hex_digit(v.p[i++]);

					cp = cp * 16 + (h < 0 ? 0 : h);
				}
				ch = cp < 0x80 ? (char)cp : '?';
				break;
			}
			default: ch = e; break;	/* \" \\ \/ */
			}
		}
		if (o + 1 < size)
			out[o++] = ch;
	}
	out[o] = '\0';
	return 1;
}

int json_is_int64(struct json_view v)
{
	static const char max[] = "9223372036854775807";
	const char *p = v.p;
	size_t n = v.len, i;
	int neg = 0;

	if (n && *p == '-') {
		neg = 1;
		p++;
		n--;
	}
	if (!n || n > sizeof(max) - 1)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	if (n < sizeof(max) - 1)
		return 1;
	/* 19 digits: compare with INT64_MAX (INT64_MIN is one more) */
	for (i = 0; i < n; i++) {
		char m = max[i] + (char)(neg && i == n - 1);

		if (p[i] != m)
			return p[i] < m;
	}
	return 1;
}

size_t json_normalize(struct json_view v, char *out, size_t size)
{
	size_t i, o = 0;
	int in_string = 0, escape = 0;

#define EMIT(ch) do { if (o + 1 < size) out[o++] = (ch); } while (0)
	for (i = 0; i < v.len; i++) {
		char ch = v.p[i];

		if (in_string) {
			EMIT(ch);
			if (escape)
				escape = 0;
			else if (ch == '\\')
				escape = 1;
			else if (ch == '"')
				in_string = 0;
			continue;
		}
		if (is_space(ch))
			continue;
		EMIT(ch);
		if (ch == '"')
			in_string = 1;
		else if (ch == ',' || ch == ':')
			EMIT(' ');
	}
#undef EMIT
	if (size)
		out[o] = '\0';
	return o;
}
