/* The VM teardown handed to a child (see teardown.h). */
#include "teardown.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_HELD 64

/* the child: only KEEP[0..N) (sorted) stay open until PIDFD says the VMM
 * is gone; then their last close tears the VM down here */
static void hold_until_gone(int pidfd, int *keep, int n)
{
	unsigned from = 0;

	for (int i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
	setsid();
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	for (int i = 0; i < n; i++)
		close(keep[i]);
	_exit(0);
}

static int held[MAX_HELD];
static int nheld;
static bool handed;

void teardown_register(const int *fds, int n)
{
	static bool registered;

	nheld = 0;
	for (int i = 0; i < n && nheld < MAX_HELD; i++)
		if (fds[i] >= 0)
			held[nheld++] = fds[i];
	if (!registered && atexit(teardown_hand_off) == 0)
		registered = true;
}

void teardown_hand_off(void)
{
	int keep[MAX_HELD + 1], k = nheld;

	if (handed || !nheld || getenv("KVMSCOPE_VMM_SYNC_TEARDOWN"))
		return;
	handed = true;
	memcpy(keep, held, sizeof(held[0]) * (size_t)nheld);
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0)
		return;
	keep[k++] = pidfd;
	/* sorted, so the child can close the gaps between them */
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	pid_t pid = fork();
	if (pid == 0)
		hold_until_gone(pidfd, keep, k);
	close(pidfd);
}
