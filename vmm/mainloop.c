#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "error.h"
#include "mainloop.h"
#include "system.h"

#define MAX_FDS 64

static struct {
	int fd;
	fd_handler handler;
	fd_can_read can_read;
	void *opaque;
} watches[MAX_FDS];
static int nwatches;
static int notify_fd = -1;

int main_loop_init(void)
{
	notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (notify_fd < 0) {
		error_report("eventfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void main_loop_cleanup(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
	nwatches = 0;
}

int main_loop_add_fd(int fd, fd_handler handler, fd_can_read can_read, void *opaque)
{
	if (nwatches == MAX_FDS) {
		error_report("main loop: too many descriptors");
		return -1;
	}
	watches[nwatches].fd = fd;
	watches[nwatches].handler = handler;
	watches[nwatches].can_read = can_read;
	watches[nwatches].opaque = opaque;
	nwatches++;
	return 0;
}

void main_loop_remove_fd(int fd)
{
	for (int i = 0; i < nwatches; i++) {
		if (watches[i].fd == fd) {
			watches[i] = watches[--nwatches];
			return;
		}
	}
}

void qemu_notify_event(void)
{
	uint64_t one = 1;
	if (notify_fd >= 0 && write(notify_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the loop will wake */
	}
}

void main_loop_wait(void)
{
	struct pollfd pfds[MAX_FDS + 1];
	int n = 0;

	pfds[n].fd = notify_fd;
	pfds[n].events = POLLIN;
	n++;
	for (int i = 0; i < nwatches; i++) {
		if (watches[i].can_read && !watches[i].can_read(watches[i].opaque))
			continue;
		pfds[n].fd = watches[i].fd;
		pfds[n].events = POLLIN;
		n++;
	}
	if (poll(pfds, (nfds_t)n, -1) < 0) {
		if (errno != EINTR)
			error_report("poll: %s", strerror(errno));
		return;
	}
	if (pfds[0].revents) {
		uint64_t v;
		if (read(notify_fd, &v, sizeof(v)) < 0) {
			/* already drained */
		}
	}
	/* handlers may add or remove watches: dispatch by fd, re-looked up */
	for (int k = 1; k < n; k++) {
		if (!pfds[k].revents)
			continue;
		for (int i = 0; i < nwatches; i++) {
			if (watches[i].fd == pfds[k].fd) {
				watches[i].handler(watches[i].fd, watches[i].opaque);
				break;
			}
		}
	}
}

int main_loop_run(void)
{
	int status = 0;
	while (!main_loop_should_exit(&status))
		main_loop_wait();
	return status;
}
