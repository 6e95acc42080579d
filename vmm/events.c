#include <pthread.h>
#include <stdio.h>

#include "events.h"
#include "trace.h"

#define MAX_LISTENERS 8

static struct {
	event_listener fn;
	void *opaque;
} listeners[MAX_LISTENERS];
static pthread_mutex_t listeners_lock = PTHREAD_MUTEX_INITIALIZER;

int event_add_listener(event_listener fn, void *opaque)
{
	int ret = -1;
	pthread_mutex_lock(&listeners_lock);
	for (int i = 0; i < MAX_LISTENERS; i++) {
		if (!listeners[i].fn) {
			listeners[i].fn = fn;
			listeners[i].opaque = opaque;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&listeners_lock);
	return ret;
}

void event_remove_listener(event_listener fn, void *opaque)
{
	pthread_mutex_lock(&listeners_lock);
	for (int i = 0; i < MAX_LISTENERS; i++)
		if (listeners[i].fn == fn && listeners[i].opaque == opaque)
			listeners[i].fn = NULL;
	pthread_mutex_unlock(&listeners_lock);
}

static void emit(const char *name, const char *data)
{
	trace_qapi_event(name, data ? data : "{}");
	pthread_mutex_lock(&listeners_lock);
	for (int i = 0; i < MAX_LISTENERS; i++)
		if (listeners[i].fn)
			listeners[i].fn(name, data, listeners[i].opaque);
	pthread_mutex_unlock(&listeners_lock);
}

static void emit_guest_reason(const char *name, bool guest, enum shutdown_cause reason)
{
	char data[96];
	snprintf(data, sizeof(data), "{\"guest\": %s, \"reason\": \"%s\"}",
		 guest ? "true" : "false", shutdown_cause_name(reason));
	emit(name, data);
}

void qapi_event_send_shutdown(bool guest, enum shutdown_cause reason)
{
	emit_guest_reason("SHUTDOWN", guest, reason);
}

void qapi_event_send_reset(bool guest, enum shutdown_cause reason)
{
	emit_guest_reason("RESET", guest, reason);
}

void qapi_event_send_powerdown(void)
{
	emit("POWERDOWN", NULL);
}

void qapi_event_send_stop(void)
{
	emit("STOP", NULL);
}

void qapi_event_send_resume(void)
{
	emit("RESUME", NULL);
}

void qapi_event_send_guest_panicked(const char *action)
{
	char data[64];
	snprintf(data, sizeof(data), "{\"action\": \"%s\"}", action);
	emit("GUEST_PANICKED", data);
}
