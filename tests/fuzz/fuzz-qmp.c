/* libFuzzer target for the QMP input path: bytes -> QEMU's lexer/streamer
 * (vmm/qmp-stream.c) -> jansson -> the dispatcher and the real command table
 * (vmm/qmp-dispatch.c, vmm/qmp-commands.c), in negotiation or command mode,
 * fed in uneven pieces; the values and errors must be the same when the same
 * bytes come in one piece. The run-state machine is the real one; what the
 * commands ask of the rest of the VMM is faked below. Built with small
 * streamer limits so that the limit paths are reached (tests/fuzz/fuzz.mk). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "qmp-dispatch.h"
#include "qmp-stream.h"
#include "runstate.h"
#include "system.h"

/* ---- what the commands call ---- */
struct machine *current_machine;
struct run_actions run_actions;

void vm_stop(enum run_state state)
{
	if (runstate_is_running())
		runstate_set(state);
}
int vm_start(void)
{
	if (runstate_is_running())
		return -1;
	runstate_set(RUN_STATE_RUNNING);
	return 0;
}
void qemu_system_reset_request(enum shutdown_cause reason) { (void)reason; }
void qemu_system_shutdown_request(enum shutdown_cause reason) { (void)reason; }
void qemu_system_powerdown_request(void) {}

/* ---- the target ---- */
static struct qmp_session session;

/* what the streamer emitted, to compare a piecewise feed with a whole one */
struct record {
	char *text;
	size_t len, cap;
};

static void record(struct record *r, const char *what, const char *text)
{
	size_t n = strlen(what) + strlen(text) + 2;
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->text = realloc(r->text, r->cap);
		if (!r->text)
			abort();
	}
	r->len += (size_t)sprintf(r->text + r->len, "%s%s\n", what, text);
}

static void record_value(struct record *r, json_t *value, const char *error)
{
	if (!value) {
		record(r, "E ", error);
		return;
	}
	char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!text)
		abort();
	record(r, "V ", text);
	free(text);
}

static void on_whole(void *opaque, json_t *value, const char *error)
{
	record_value(opaque, value, error);
	json_decref(value);
}

static void on_value(void *opaque, json_t *value, const char *error)
{
	record_value(opaque, value, error);
	json_t *rsp = value ? qmp_dispatch(&session, value) : qmp_parse_error_response(error);
	char *text = json_dumps(rsp, JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
	if (!text)
		abort(); /* every response must serialize */
	free(text);
	json_decref(rsp);
	json_decref(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	session.negotiated = data[0] & 1;
	size_t piece = (size_t)(data[1] % 17) + 1;
	data += 2;
	size -= 2;
	struct record pieces = { 0 }, whole = { 0 };
	struct json_stream *s = json_stream_new(on_value, &pieces);
	for (size_t off = 0; off < size; off += piece)
		json_stream_feed(s, (const char *)data + off, size - off < piece ? size - off : piece);
	json_stream_free(s);
	/* the framing must not depend on how the bytes arrive */
	s = json_stream_new(on_whole, &whole);
	json_stream_feed(s, (const char *)data, size);
	json_stream_free(s);
	if (pieces.len != whole.len || (pieces.len && memcmp(pieces.text, whole.text, pieces.len)))
		abort();
	free(pieces.text);
	free(whole.text);
	return 0;
}
