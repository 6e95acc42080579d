/* The temporary files of the unit tests: a fresh one made, a small one the
 * code under test wrote (a -trace log) read as one string (include after
 * cmocka.h). */
#ifndef KVMSCOPE_TEST_FILES_H
#define KVMSCOPE_TEST_FILES_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* temp_stream(PATH, SIZE, NAME): a new file /tmp/test-NAME.XXXXXX open for
 * writing, its name in PATH */
static __attribute__((unused)) FILE *temp_stream(char *path, size_t size, const char *name)
{
	snprintf(path, size, "/tmp/test-%s.XXXXXX", name);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	return f;
}

/* temp_file(PATH, SIZE, NAME): a new empty file /tmp/test-NAME.XXXXXX, its
 * name in PATH; -1 when it cannot be made (for setup functions) */
static __attribute__((unused)) int temp_file(char *path, size_t size, const char *name)
{
	snprintf(path, size, "/tmp/test-%s.XXXXXX", name);
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* read_text(PATH, BUF, LEN): the first LEN - 1 bytes of PATH in BUF, ended
 * by a NUL; the number read */
static __attribute__((unused)) size_t read_text(const char *path, char *buf, size_t len)
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
