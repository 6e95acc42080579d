/* Run-state events with QEMU's names and data members. Each one fires the
 * qapi_event probe and is handed to every registered listener (the QMP
 * server adds one). */
#ifndef VMM_EVENTS_H
#define VMM_EVENTS_H

#include <stdbool.h>

#include "system.h"

/* name: "SHUTDOWN"...; data: a JSON object's text, or NULL for no data. */
typedef void (*event_listener)(const char *name, const char *data, void *opaque);

int event_add_listener(event_listener fn, void *opaque);
void event_remove_listener(event_listener fn, void *opaque);

void qapi_event_send_shutdown(bool guest, enum shutdown_cause reason);
void qapi_event_send_reset(bool guest, enum shutdown_cause reason);
void qapi_event_send_powerdown(void);
void qapi_event_send_stop(void);
void qapi_event_send_resume(void);
void qapi_event_send_guest_panicked(const char *action);

#endif
