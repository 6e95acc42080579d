/* QEMU's JSON lexer + streamer in front of jansson (see qmp-stream.h).
 *
 * The lexer copies each token into the message buffer as it goes, in a form
 * jansson reads: single-quoted strings become double-quoted, "\'" becomes
 * "'", and tokens are separated by a space (so "01" stays two tokens, as in
 * QEMU). The streamer counts braces, brackets, tokens and bytes exactly as
 * json-streamer.c does and hands a value to jansson once it is complete.
 * Once a message is bound to exceed the size limit its bytes are counted but
 * no longer stored, so a client's buffer never grows past the limit. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp-stream.h"

enum lex_state {
	LEX_START,
	LEX_RECOVERY,
	LEX_DQ, LEX_DQ_ESC, LEX_DQ_HEX,
	LEX_SQ, LEX_SQ_ESC, LEX_SQ_HEX,
	LEX_NUM_MINUS, LEX_NUM_ZERO, LEX_NUM_INT, LEX_NUM_DOT, LEX_NUM_FRAC,
	LEX_NUM_E, LEX_NUM_ESIGN, LEX_NUM_EXP,
	LEX_KEYWORD,
};

enum token_type { TOK_LCURLY, TOK_RCURLY, TOK_LSQUARE, TOK_RSQUARE, TOK_OTHER };

/* how much of a bad token the "stray" text quotes (QEMU quotes all of it) */
#define STRAY_QUOTE_MAX 4096

struct json_stream {
	json_stream_emit emit;
	void *opaque;
	enum lex_state state;
	int hex_left;		/* \uXXXX digits still expected */
	/* message buffer: stored tokens, then the token being lexed */
	char *buf;
	size_t len, cap;
	size_t tok_start;	/* where the current token begins in buf */
	uint64_t tok_raw;	/* raw input bytes of the current token */
	bool doomed;		/* over the size limit: stop storing */
	/* streamer (json-streamer.c) */
	long brace, bracket;
	uint64_t token_size, token_count;
	/* the first error QEMU's parser finds in a token the lexer passed (a
	 * bad keyword or escape), reported once the value is complete */
	char deferred[96];
	char uesc[5];		/* the characters after \u, for that error */
	int uesc_len;
	bool uesc_bad;
	bool want_low;		/* after a high surrogate */
	char high[5];		/* its digits */
};

struct json_stream *json_stream_new(json_stream_emit emit, void *opaque)
{
	struct json_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->emit = emit;
	s->opaque = opaque;
	return s;
}

void json_stream_free(struct json_stream *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

size_t json_stream_pending(const struct json_stream *s)
{
	return s->len;
}

static bool reserve(struct json_stream *s, size_t more)
{
	if (s->len + more <= s->cap)
		return true;
	size_t cap = s->cap ? s->cap : 256;
	while (cap < s->len + more)
		cap *= 2;
	/* no doubling past what a message may hold */
	size_t most = JSON_MAX_TOKEN_SIZE + 2 * STRAY_QUOTE_MAX;
	if (cap > most && s->len + more <= most)
		cap = most;
	char *nb = realloc(s->buf, cap);
	if (!nb)
		return false;
	s->buf = nb;
	s->cap = cap;
	return true;
}

/* Store normalized bytes of the current token (unless the message is doomed;
 * a doomed token keeps only what a "stray" error would quote). */
static void put(struct json_stream *s, const char *p, size_t n)
{
	if (s->doomed && s->len - s->tok_start >= STRAY_QUOTE_MAX)
		return;
	if (!reserve(s, n)) {
		s->doomed = true;
		return;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void putc1(struct json_stream *s, char c)
{
	put(s, &c, 1);
}

static void reset_message(struct json_stream *s)
{
	s->brace = s->bracket = 0;
	s->token_size = s->token_count = 0;
	s->len = s->tok_start = 0;
	s->tok_raw = 0;
	s->doomed = false;
	s->deferred[0] = '\0';
	s->uesc_len = 0;
	s->uesc_bad = s->want_low = false;
	/* a huge message's buffer is given back rather than kept per client */
	if (s->cap > (1u << 20)) {
		free(s->buf);
		s->buf = NULL;
		s->cap = 0;
	}
}

static void emit_error(struct json_stream *s, const char *desc)
{
	reset_message(s);
	s->emit(s->opaque, NULL, desc);
}

/* jansson's messages -> the detail QEMU's json-parser.c gives */
static const char *qemu_parse_detail(const json_error_t *e)
{
	static const struct {
		const char *jansson, *qemu;
	} map[] = {
		{ "string or '}' expected", "key is not a string in object" },
		{ "':' expected", "missing : in object pair" },
		{ "'}' expected", "expected separator in dict" },
		{ "']' expected", "expected separator in list" },
		{ "premature end of input", "premature EOI" },
		{ "\\u0000 is not allowed", "\\u0000 is not supported" },
		{ "duplicate object key", "duplicate key" },
		{ "unable to decode byte", "invalid UTF-8 sequence in string" },
		{ "invalid UTF-8", "invalid UTF-8 sequence in string" },
		{ "invalid Unicode", "invalid escape sequence in string" },
		{ "too big", "number too big" },
		{ "overflow", "number too big" },
	};
	/* {"a": 1,} -- QEMU expects a value where jansson expects a key */
	if (strstr(e->text, "string or '}' expected near '}'"))
		return "expecting value";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strstr(e->text, map[i].jansson))
			return map[i].qemu;
	return "expecting value";
}

static void parse_message(struct json_stream *s)
{
	char desc[128];
	json_error_t jerr;

	if (s->deferred[0]) {
		snprintf(desc, sizeof(desc), "JSON parse error, %s", s->deferred);
		emit_error(s, desc);
		return;
	}
	json_t *v = json_loadb(s->buf, s->len,
			       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!v) {
		snprintf(desc, sizeof(desc), "JSON parse error, %s", qemu_parse_detail(&jerr));
		emit_error(s, desc);
		return;
	}
	reset_message(s);
	s->emit(s->opaque, v, NULL);
}

size_t utf8_sequence_length(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0];
	size_t seq = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		     c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!seq || seq > n)
		return 0;
	for (size_t k = 1; k < seq; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	/* no overlong forms, surrogates or code points past U+10FFFF */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return seq;
}

/* Valid UTF-8 copy of a stray token for the error text: bad bytes become
 * U+FFFD, as QEMU's output does. */
static void stray_text(const char *p, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < outlen;) {
		unsigned char c = (unsigned char)p[i];
		size_t seq = utf8_sequence_length(p + i, n - i);
		if (seq && c != 0) {
			memcpy(out + o, p + i, seq);
			o += seq;
			i += seq;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
}

/* A lexical error: the token so far plus the byte that broke it. */
static void lex_error(struct json_stream *s, unsigned char bad)
{
	char raw[STRAY_QUOTE_MAX + 2], text[3 * (STRAY_QUOTE_MAX + 2) + 1];
	char desc[sizeof(text) + 40];
	size_t n = s->len - s->tok_start;

	if (n > STRAY_QUOTE_MAX)
		n = STRAY_QUOTE_MAX;
	if (n)
		memcpy(raw, s->buf + s->tok_start, n);
	raw[n++] = (char)bad;
	stray_text(raw, n, text, sizeof(text));
	snprintf(desc, sizeof(desc), "JSON parse error, stray '%s'", text);
	s->state = LEX_RECOVERY;
	emit_error(s, desc);
}

/* The streamer's view of a finished token (json_message_process_token). */
static void token_done(struct json_stream *s, enum token_type type)
{
	uint64_t raw = s->tok_raw;

	s->state = LEX_START;
	s->tok_raw = 0;
	switch (type) {
	case TOK_LCURLY: s->brace++; break;
	case TOK_RCURLY: s->brace--; break;
	case TOK_LSQUARE: s->bracket++; break;
	case TOK_RSQUARE: s->bracket--; break;
	case TOK_OTHER: break;
	}
	if (s->doomed || s->token_size + raw + 1 > JSON_MAX_TOKEN_SIZE) {
		emit_error(s, "JSON token size limit exceeded");
		return;
	}
	if (s->token_count + 1 > JSON_MAX_TOKEN_COUNT) {
		emit_error(s, "JSON token count limit exceeded");
		return;
	}
	if (s->bracket + s->brace > JSON_MAX_NESTING) {
		emit_error(s, "JSON nesting depth limit exceeded");
		return;
	}
	s->token_size += raw;
	s->token_count++;
	putc1(s, ' ');
	s->tok_start = s->len;
	if ((s->brace > 0 || s->bracket > 0) && s->brace >= 0 && s->bracket >= 0)
		return;
	parse_message(s);
}

static void defer_error(struct json_stream *s, const char *fmt, const char *arg)
{
	if (!s->deferred[0])
		snprintf(s->deferred, sizeof(s->deferred), fmt, arg);
}

static void keyword_done(struct json_stream *s)
{
	size_t n = s->len - s->tok_start;
	const char *kw = s->buf + s->tok_start;

	if (!s->doomed &&
	    !((n == 4 && !memcmp(kw, "true", 4)) || (n == 5 && !memcmp(kw, "false", 5)) ||
	      (n == 4 && !memcmp(kw, "null", 4)))) {
		char word[32];
		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, kw, n);
		word[n] = '\0';
		defer_error(s, "invalid keyword '%s'", word);
	}
	token_done(s, TOK_OTHER);
}

/* \uXXXX: four hex digits, surrogates in pairs (json-parser.c) */
static void uesc_done(struct json_stream *s)
{
	s->uesc[s->uesc_len] = '\0';
	unsigned cp = s->uesc_bad ? 0 : (unsigned)strtoul(s->uesc, NULL, 16);
	bool low = cp >= 0xdc00 && cp <= 0xdfff;
	if (s->uesc_bad || (low && !s->want_low) || (!low && s->want_low))
		defer_error(s, "\\u%s is not a valid Unicode character", s->uesc);
	s->want_low = !s->uesc_bad && cp >= 0xd800 && cp <= 0xdbff;
	if (s->want_low)
		memcpy(s->high, s->uesc, sizeof(s->high));
	s->uesc_len = 0;
	s->uesc_bad = false;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Inside a string: true if c is an ordinary string byte for QEMU's lexer. */
static bool string_byte(unsigned char c) { return c >= 0x20 && c <= 0xfd; }

/* QEMU reads an integer that int64 cannot hold as a double (uint64 aside);
 * jansson refuses it, so it gets a ".0". */
static void widen_integer(struct json_stream *s)
{
	size_t n = s->len - s->tok_start;
	if (s->doomed || n < 19)
		return;
	char num[32];
	if (n >= sizeof(num)) {
		put(s, ".0", 2);
		return;
	}
	memcpy(num, s->buf + s->tok_start, n);
	num[n] = '\0';
	errno = 0;
	(void)strtoll(num, NULL, 10);
	if (errno == ERANGE)
		put(s, ".0", 2);
}

/* Start a token at byte c (state START). */
static void lex_start(struct json_stream *s, unsigned char c)
{
	s->tok_start = s->len;
	s->tok_raw = 1;
	/* a doomed message keeps lexing only to find where it ends */
	if (!s->doomed && s->token_size + 2 > JSON_MAX_TOKEN_SIZE)
		s->doomed = true;
	switch (c) {
	case ' ': case '\t': case '\r': case '\n':
		s->tok_raw = 0;
		return;
	case '{': putc1(s, '{'); token_done(s, TOK_LCURLY); return;
	case '}': putc1(s, '}'); token_done(s, TOK_RCURLY); return;
	case '[': putc1(s, '['); token_done(s, TOK_LSQUARE); return;
	case ']': putc1(s, ']'); token_done(s, TOK_RSQUARE); return;
	case ':': case ',': putc1(s, (char)c); token_done(s, TOK_OTHER); return;
	case '"': putc1(s, '"'); s->state = LEX_DQ; return;
	case '\'': putc1(s, '"'); s->state = LEX_SQ; return;
	case '-': putc1(s, '-'); s->state = LEX_NUM_MINUS; return;
	case '0': putc1(s, '0'); s->state = LEX_NUM_ZERO; return;
	default:
		if (c >= '1' && c <= '9') {
			putc1(s, (char)c);
			s->state = LEX_NUM_INT;
		} else if (c >= 'a' && c <= 'z') {
			putc1(s, (char)c);
			s->state = LEX_KEYWORD;
		} else {
			s->tok_raw = 0;
			lex_error(s, c);
		}
	}
}

/* A byte inside a string, double- or single-quoted; true when c must be
 * looked at again. */
static bool lex_string(struct json_stream *s, unsigned char c)
{
	bool sq = s->state >= LEX_SQ && s->state <= LEX_SQ_HEX;

	switch (s->state) {
	case LEX_DQ:
	case LEX_SQ:
		if (c == (sq ? '\'' : '"')) {
			if (s->want_low) {
				s->want_low = false;
				defer_error(s, "\\u%s is not a valid Unicode character", s->high);
			}
			putc1(s, '"');
			token_done(s, TOK_OTHER);
		} else if (c == '\\') {
			s->state = sq ? LEX_SQ_ESC : LEX_DQ_ESC;
		} else if (string_byte(c)) {
			if (sq && c == '"')
				put(s, "\\\"", 2);
			else
				putc1(s, (char)c);
		} else {
			lex_error(s, c);
		}
		return false;
	case LEX_DQ_ESC:
	case LEX_SQ_ESC:
		/* the lexer takes any escape; the parser judges it */
		if (!string_byte(c)) {
			putc1(s, '\\');
			lex_error(s, c);
			return false;
		}
		s->state = sq ? LEX_SQ : LEX_DQ;
		if (c == 'u') {
			put(s, "\\u", 2);
			s->hex_left = 4;
			s->state = sq ? LEX_SQ_HEX : LEX_DQ_HEX;
			return false;
		}
		if (s->want_low) {
			s->want_low = false;
			defer_error(s, "\\u%s is not a valid Unicode character", s->high);
		}
		if (c == '\'') {
			putc1(s, '\'');
		} else if (strchr("\"/\\bfnrt", c)) {
			char esc[2] = { '\\', (char)c };
			put(s, esc, 2);
		} else {
			defer_error(s, "%s", "invalid escape sequence in string");
		}
		return false;
	case LEX_DQ_HEX:
	case LEX_SQ_HEX:
		/* up to four characters, quoted in the error if not all hex */
		if (!is_hex(c)) {
			s->uesc_bad = true;
			s->state = sq ? LEX_SQ : LEX_DQ;
			if (c == (sq ? '\'' : '"') && s->uesc_len < 4)
				s->uesc[s->uesc_len++] = '"';
			uesc_done(s);
			put(s, "0000", 4); /* keeps the buffer valid; the error wins */
			return true;
		}
		s->uesc[s->uesc_len++] = (char)c;
		putc1(s, (char)c);
		if (--s->hex_left == 0) {
			uesc_done(s);
			s->state = sq ? LEX_SQ : LEX_DQ;
		}
		return false;
	default:
		return false;
	}
}

/* A number's next byte: c continues it into state next, or (next ==
 * LEX_START) cannot continue it. */
static bool num_step(struct json_stream *s, unsigned char c, enum lex_state next)
{
	if (next == LEX_START) {
		lex_error(s, c);
		return false;
	}
	s->state = next;
	putc1(s, (char)c);
	return false;
}

/* A byte inside a number (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?);
 * true when c ended it and must be looked at again. */
static bool lex_number(struct json_stream *s, unsigned char c)
{
	switch (s->state) {
	case LEX_NUM_MINUS:
		return num_step(s, c, c == '0' ? LEX_NUM_ZERO : is_digit(c) ? LEX_NUM_INT : LEX_START);
	case LEX_NUM_ZERO:
	case LEX_NUM_INT:
	case LEX_NUM_FRAC:
		if (is_digit(c) && s->state == LEX_NUM_ZERO) {
			lex_error(s, c);
			return false;
		}
		if (is_digit(c)) {
			putc1(s, (char)c);
		} else if (c == '.' && s->state != LEX_NUM_FRAC) {
			putc1(s, '.');
			s->state = LEX_NUM_DOT;
		} else if (c == 'e' || c == 'E') {
			putc1(s, (char)c);
			s->state = LEX_NUM_E;
		} else {
			s->tok_raw--; /* c is not part of it */
			if (s->state != LEX_NUM_FRAC)
				widen_integer(s);
			token_done(s, TOK_OTHER);
			return true;
		}
		return false;
	case LEX_NUM_DOT:
	case LEX_NUM_ESIGN:
		return num_step(s, c, !is_digit(c) ? LEX_START
				 : s->state == LEX_NUM_DOT ? LEX_NUM_FRAC : LEX_NUM_EXP);
	case LEX_NUM_E:
		return num_step(s, c, c == '+' || c == '-' ? LEX_NUM_ESIGN
				 : is_digit(c) ? LEX_NUM_EXP : LEX_START);
	case LEX_NUM_EXP:
		if (is_digit(c)) {
			putc1(s, (char)c);
			return false;
		}
		s->tok_raw--;
		token_done(s, TOK_OTHER);
		return true;
	default:
		return false;
	}
}

/* One byte; returns true when c must be looked at again (lookahead). */
static bool lex_byte(struct json_stream *s, unsigned char c)
{
	switch (s->state) {
	case LEX_START:
		lex_start(s, c);
		return false;
	case LEX_RECOVERY:
		/* skip to a resynchronization point (json-lexer.c IN_RECOVERY) */
		if ((c < 0x20 && c != '\t') || c >= 0xfe || c == '[' || c == ']' || c == '{' ||
		    c == '}') {
			s->state = LEX_START;
			return true;
		}
		return false;
	case LEX_DQ:
	case LEX_SQ:
	case LEX_DQ_ESC:
	case LEX_SQ_ESC:
	case LEX_DQ_HEX:
	case LEX_SQ_HEX:
		return lex_string(s, c);
	case LEX_NUM_MINUS:
	case LEX_NUM_ZERO:
	case LEX_NUM_INT:
	case LEX_NUM_DOT:
	case LEX_NUM_FRAC:
	case LEX_NUM_E:
	case LEX_NUM_ESIGN:
	case LEX_NUM_EXP:
		return lex_number(s, c);
	case LEX_KEYWORD:
		if (c >= 'a' && c <= 'z') {
			putc1(s, (char)c);
			return false;
		}
		s->tok_raw--;
		keyword_done(s);
		return true;
	}
	return false;
}

void json_stream_feed(struct json_stream *s, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (s->state != LEX_START && s->state != LEX_RECOVERY) {
			s->tok_raw++;
			/* a token may not grow past the limit: QEMU's lexer hands it
			 * to the streamer as it is, which rejects it, and starts over */
			if (s->tok_raw > JSON_MAX_TOKEN_SIZE) {
				s->state = LEX_START;
				s->tok_raw = 0;
				emit_error(s, "JSON token size limit exceeded");
				continue;
			}
			if (!s->doomed && s->token_size + s->tok_raw + 1 > JSON_MAX_TOKEN_SIZE)
				s->doomed = true;
		}
		while (lex_byte(s, c))
			;
	}
}
