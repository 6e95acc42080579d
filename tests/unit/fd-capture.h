/* What the code under test prints to stdout or stderr, caught in a
 * temporary file (include after cmocka.h). One capture at a time. */
#ifndef KVMSCOPE_TEST_FD_CAPTURE_H
#define KVMSCOPE_TEST_FD_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

static struct {
	FILE *stream;	/* stdout or stderr */
	int saved;	/* the descriptor it had before */
	FILE *file;
} fd_capture = { NULL, -1, NULL };

/* fd_capture_start(STREAM): from now on STREAM's descriptor writes to a
 * temporary file */
static void fd_capture_start(FILE *stream)
{
	int fd = fileno(stream);
	fflush(stream);
	fd_capture.stream = stream;
	fd_capture.file = tmpfile();
	assert_non_null(fd_capture.file);
	fd_capture.saved = dup(fd);
	assert_true(fd_capture.saved >= 0);
	assert_int_equal(dup2(fileno(fd_capture.file), fd), fd);
}

/* fd_capture_end(BUF, LEN): the descriptor back as it was; what was written
 * meanwhile in BUF (at most LEN - 1 bytes, then a NUL) */
static void fd_capture_end(char *buf, size_t len)
{
	fflush(fd_capture.stream);
	dup2(fd_capture.saved, fileno(fd_capture.stream));
	close(fd_capture.saved);
	fd_capture.saved = -1;
	rewind(fd_capture.file);
	size_t n = fread(buf, 1, len - 1, fd_capture.file);
	buf[n] = '\0';
	fclose(fd_capture.file);
	fd_capture.file = NULL;
}

#endif
