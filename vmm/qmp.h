/* The QMP server: monitor sockets (-qmp, -mon), their clients, and events
 * broadcast to every negotiated client. Runs in the main loop. */
#ifndef VMM_QMP_H
#define VMM_QMP_H

#include <stddef.h>

#include "config.h"

/* Opens every configured socket (mode 0600) and starts listening for
 * events; waits for a client on sockets without nowait. */
int qmp_init(const struct vmm_config *cfg, char *err, size_t errlen);
/* At exit: sends what is still queued (the reply to quit, SHUTDOWN), with a
 * bounded wait, then closes and removes the sockets. */
void qmp_cleanup(void);

#endif
