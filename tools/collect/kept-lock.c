/* A kept directory's lock (see kept-lock.h). */
#include "kept-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errtext.h"

int kept_lock(const char *dir, const char *name, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		seterr(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;
		seterr(err, errlen, "%s: %s", name, busy ? "in use by another collector" : strerror(errno));
		close(fd);
		return busy ? -2 : -1;
	}
	/* a cleanup may have removed it while we waited */
	struct stat held, now;
	if (fstat(fd, &held) || stat(dir, &now) || held.st_ino != now.st_ino) {
		seterr(err, errlen, "%s was removed meanwhile", name);
		close(fd);
		return -1;
	}
	return fd;
}
