/*
 * json.h - just enough JSON for the guest agent: cut a byte stream into
 * top-level values, check one value's syntax, and read the top-level
 * members of an object. No allocation; values are (pointer, length) views
 * into the text.
 */
#ifndef GUEST_JSON_H
#define GUEST_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_TEXT	1024	/* longest request the guest keeps */

/* The stream splitter: feed bytes one at a time. */
struct json_stream {
	char buf[JSON_MAX_TEXT + 1];
	size_t len;
	int depth;		/* nesting of { and [ */
	int in_string;
	int escape;
	int scalar;		/* collecting a top-level scalar */
	int overflow;		/* the value did not fit: dropped */
};

enum json_feed {
	JSON_MORE,		/* nothing complete yet */
	JSON_VALUE,		/* buf holds one complete top-level value */
	JSON_STRAY,		/* a 0xFF byte: the parser was reset */
	JSON_TOO_LONG,		/* a value longer than JSON_MAX_TEXT ended */
};

void json_stream_reset(struct json_stream *s);
/* *pushback is set to 1 when c ended a scalar and must be fed again. */
enum json_feed json_feed(struct json_stream *s, uint8_t c, int *pushback);

/*
 * Syntax check of one whole value. Returns NULL if it is valid, else the
 * reason in QEMU's words ("expected separator in dict", "invalid keyword
 * 'x'", ...), to follow "JSON parse error, ".
 */
const char *json_check(const char *text, size_t len);

struct json_view {
	const char *p;
	size_t len;
};

/* First non-space byte of a value: '{', '[', '"', a digit, '-', 't'... */
char json_kind(struct json_view v);

/*
 * Calls fn for each member of a (valid) object, in order; stops and returns
 * fn's value when it is non-zero, else returns 0. key is the raw string
 * token, quotes included.
 */
typedef int (*json_member_fn)(struct json_view key, struct json_view val, void *ctx);
int json_each_member(struct json_view obj, json_member_fn fn, void *ctx);

/* 1 if the raw string token equals the C string (no escapes compared). */
int json_key_is(struct json_view key, const char *name);

/* Decodes a string token (\" \\ \/ \n \t \r \b \f; \uXXXX below 0x80,
 * others as '?') into out, NUL-terminated and truncated. 0 if not a string. */
int json_string(struct json_view v, char *out, size_t size);

/* 1 if v is an integer literal that fits in int64 (no fraction, no exponent). */
int json_is_int64(struct json_view v);

/* Writes a valid value with QEMU's spacing (", " and ": ", nothing else
 * outside strings); returns the length, output truncated to size - 1. */
size_t json_normalize(struct json_view v, char *out, size_t size);

#endif
