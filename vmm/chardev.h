/* Character backends for the serial ports: stdio, file:, unix: (server or
 * client), null. Input is read in the main loop only while the front end can
 * take it, so nothing is dropped. */
#ifndef VMM_CHARDEV_H
#define VMM_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct chardev;

typedef size_t (*chardev_can_receive)(void *opaque);
typedef void (*chardev_receive)(void *opaque, const uint8_t *buf, size_t len);

/* "stdio", "null", "none", "file:PATH", "unix:PATH[,server][,nowait]"
 * (also "server=on", "wait=off"). */
int chardev_parse(const char *spec, struct chardev_config *cfg, char *err, size_t errlen);
/* A socket flag as -serial unix: and -chardev socket spell it: server,
 * server=on|off, nowait, wait=on|off. False for any other field. */
bool chardev_socket_flag(const char *field, bool *server, bool *wait);
struct chardev *chardev_open(const struct chardev_config *cfg, char *err, size_t errlen);
void chardev_set_receiver(struct chardev *c, chardev_can_receive can_receive,
			  chardev_receive receive, void *opaque);
/* Writes everything (blocking), or drops it when no peer is connected. */
void chardev_write(struct chardev *c, const uint8_t *buf, size_t len);
void chardev_close(struct chardev *c);

#endif
