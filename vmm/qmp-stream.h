/* QMP input framing: QEMU's JSON lexer and streamer (qobject/json-lexer.c,
 * json-streamer.c) cut a byte stream into complete JSON values, with QEMU's
 * limits and error texts; jansson parses each value. No line framing is
 * needed, single-quoted strings are accepted, and a lexical error is followed
 * by QEMU's recovery (skip to a structural or control byte). */
#ifndef VMM_QMP_STREAM_H
#define VMM_QMP_STREAM_H

#include <jansson.h>
#include <stddef.h>

/* QEMU's json-streamer.c limits (the fuzz target builds with small ones) */
#ifndef JSON_MAX_TOKEN_SIZE
#define JSON_MAX_TOKEN_SIZE (64ULL << 20)
#endif
#ifndef JSON_MAX_TOKEN_COUNT
#define JSON_MAX_TOKEN_COUNT (2ULL << 20)
#endif
#ifndef JSON_MAX_NESTING
#define JSON_MAX_NESTING 1024
#endif

/* One complete value (owned by the callee) or, with value NULL, the error's
 * desc without QEMU's class (always GenericError). */
typedef void (*json_stream_emit)(void *opaque, json_t *value, const char *error);

struct json_stream;

struct json_stream *json_stream_new(json_stream_emit emit, void *opaque);
void json_stream_feed(struct json_stream *s, const char *buf, size_t len);
/* Bytes held for an incomplete value (tests and the fuzz target). */
size_t json_stream_pending(const struct json_stream *s);
void json_stream_free(struct json_stream *s);
/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
size_t utf8_sequence_length(const char *s, size_t n);

#endif
