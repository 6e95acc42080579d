/* The process of a thread id. ftrace entries carry the thread id only
 * (common_pid); a collector that follows the processes its target starts
 * needs each thread's process to write records as the BPF side does.
 *
 * A lookup reads /proc/TID/status (Tgid:) while the thread lives, else the
 * tracefs saved_tgids table, which the kernel fills for traced threads when
 * the instance's options/record-tgid is set; answers are cached, and a
 * thread neither knows is asked again at most every 100 ms. Thread ids
 * are recycled only after a pid_max wrap, far longer than a capture.
 *
 *   struct thread_process *tp = thread_process_new("/sys/kernel/tracing/saved_tgids");
 *   uint32_t pid = thread_process_of(tp, tid);   // 0: not known
 *   thread_process_free(tp);
 */
#ifndef KVMSCOPE_THREAD_PROCESS_H
#define KVMSCOPE_THREAD_PROCESS_H

#include <stdint.h>

struct thread_process;

/* SAVED_TGIDS: the tracefs file to fall back on (NULL: /proc only). NULL
 * when out of memory. */
struct thread_process *thread_process_new(const char *saved_tgids);
uint32_t thread_process_of(struct thread_process *tp, uint32_t tid);
void thread_process_free(struct thread_process *tp);

#endif
