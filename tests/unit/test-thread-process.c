/* Unit tests of the thread -> process lookup (tools/collect/thread-process.c): live
 * threads through /proc, ended ones through a saved_tgids table, unknown
 * ones as 0, asked again after a while (they may be known later). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect/thread-process.h"

static pid_t worker_tid;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int phase; /* 1: tid published, 2: may end */

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	worker_tid = gettid();
	phase = 1;
	pthread_cond_broadcast(&cond);
	while (phase != 2)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void test_live_threads(void **state)
{
	(void)state;
	struct thread_process *tp = thread_process_new(NULL);
	assert_non_null(tp);
	assert_int_equal(thread_process_of(tp, (uint32_t)getpid()), getpid());

	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, worker, NULL), 0);
	pthread_mutex_lock(&lock);
	while (phase != 1)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	assert_int_not_equal(worker_tid, getpid());
	assert_int_equal(thread_process_of(tp, (uint32_t)worker_tid), getpid());

	/* a child process is its own */
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(go[1]);
		_exit(read(go[0], &c, 1) < 0);
	}
	close(go[0]);
	assert_int_equal(thread_process_of(tp, (uint32_t)child), child);
	close(go[1]);
	waitpid(child, NULL, 0);

	/* cached: the answer stays after the thread has ended */
	pthread_mutex_lock(&lock);
	phase = 2;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	assert_int_equal(thread_process_of(tp, (uint32_t)worker_tid), getpid());
	assert_int_equal(thread_process_of(tp, 0), 0); /* the idle task has none */
	thread_process_free(tp);
}

/* a tid no process can hold (above PID_MAX_LIMIT, 2^22) */
#define NO_SUCH_TID 5000000u

static void test_saved_tgids(void **state)
{
	(void)state;
	char path[] = "/tmp/test-thread-process-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "17 17\n%u 4242\n%u 0\n", NO_SUCH_TID, NO_SUCH_TID + 1);
	fclose(f);

	struct thread_process *tp = thread_process_new(path);
	assert_non_null(tp);
	assert_int_equal(thread_process_of(tp, NO_SUCH_TID), 4242);
	assert_int_equal(thread_process_of(tp, NO_SUCH_TID + 1), 0); /* 0 is "not saved" */
	assert_int_equal(thread_process_of(tp, NO_SUCH_TID + 2), 0);
	/* an unknown thread is asked again after a while (thread-process.c:
	 * UNKNOWN_RETRY_NS, 100 ms): the table learns it later */
	f = fopen(path, "a");
	fprintf(f, "%u 99\n", NO_SUCH_TID + 2);
	fclose(f);
	usleep(250 * 1000);
	assert_int_equal(thread_process_of(tp, NO_SUCH_TID + 2), 99);
	/* /proc wins over the table for a live thread */
	f = fopen(path, "a");
	fprintf(f, "%d 1\n", (int)getpid());
	fclose(f);
	assert_int_equal(thread_process_of(tp, (uint32_t)getpid()), getpid());
	thread_process_free(tp);
	unlink(path);

	tp = thread_process_new("/nonexistent/saved_tgids");
	assert_int_equal(thread_process_of(tp, NO_SUCH_TID), 0);
	thread_process_free(tp);
}

/* more threads than the first table holds: it grows, answers stay right */
static void test_full_cache(void **state)
{
	(void)state;
	char path[] = "/tmp/test-thread-process-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	for (unsigned i = 0; i < 10000; i++)
		fprintf(f, "%u %u\n", NO_SUCH_TID + i, 1000 + i % 7);
	fclose(f);
	struct thread_process *tp = thread_process_new(path);
	for (unsigned i = 0; i < 10000; i += 7)
		assert_int_equal(thread_process_of(tp, NO_SUCH_TID + i), 1000 + i % 7);
	for (unsigned i = 0; i < 10000; i += 997)
		assert_int_equal(thread_process_of(tp, NO_SUCH_TID + i), 1000 + i % 7);
	thread_process_free(tp);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_threads),
		cmocka_unit_test(test_saved_tgids),
		cmocka_unit_test(test_full_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
