/* Reading a small file the code under test wrote (a -trace log), as one
 * string (include after cmocka.h). */
#ifndef KVMSCOPE_TEST_READ_TEXT_H
#define KVMSCOPE_TEST_READ_TEXT_H

#include <fcntl.h>
#include <unistd.h>

/* read_text(PATH, BUF, LEN): the first LEN - 1 bytes of PATH in BUF, ended
 * by a NUL; the number read */
static size_t read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return (size_t)n;
}

#endif
