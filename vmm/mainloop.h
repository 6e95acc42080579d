/* The main loop: poll(2) over an eventfd that requests write to
 * (qemu_notify_event) and the descriptors devices and servers register. */
#ifndef VMM_MAINLOOP_H
#define VMM_MAINLOOP_H

#include <stdbool.h>

/* Called when fd is readable (or hung up). */
typedef void (*fd_handler)(int fd, void *opaque);
/* Whether the handler can take input now (backpressure); NULL = always. */
typedef bool (*fd_can_read)(void *opaque);

int main_loop_init(void);
void main_loop_cleanup(void);
int main_loop_add_fd(int fd, fd_handler handler, fd_can_read can_read, void *opaque);
void main_loop_remove_fd(int fd);
/* Wake the main loop; async-signal-safe. */
void qemu_notify_event(void);
/* One poll + dispatch. */
void main_loop_wait(void);
/* Run until main_loop_should_exit(); returns the exit status. */
int main_loop_run(void);

#endif
