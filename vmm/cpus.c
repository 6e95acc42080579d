#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpus.h"
#include "error.h"
#include "runstate.h"
#include "system.h"
#include "trace.h"

/* Kicks a vCPU thread out of KVM_RUN (with kvm_run.immediate_exit covering
 * the window before it enters). */
#define SIG_IPI SIGUSR1

static pthread_mutex_t cpus_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cpus_wakeup = PTHREAD_COND_INITIALIZER; /* vCPUs wait here */
static pthread_cond_t cpus_parked = PTHREAD_COND_INITIALIZER; /* main waits here */
static __thread struct vcpu *this_vcpu;
static struct machine *cpus_machine;

struct vcpu *current_vcpu(void)
{
	return this_vcpu;
}

static void ipi_handler(int sig)
{
	(void)sig;
}

static void kick(struct vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
	if (v->thread_started && !pthread_equal(v->thread, pthread_self()))
		pthread_kill(v->thread, SIG_IPI);
}

static void internal_error(struct vcpu *v)
{
	arch_vcpu_dump_state(v);
	qemu_system_vmstop_request(RUN_STATE_INTERNAL_ERROR);
	cpu_stop_current();
}

static void run_once(struct machine *m, struct vcpu *v)
{
	int ret = kvm_ioctl(&v->fd, KVM_RUN, NULL);

	if (ret < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		error_report("error: kvm run failed %s", strerror(errno));
		internal_error(v);
		return;
	}
	trace_kvm_run_exit(v->index, v->run->exit_reason);
	if (kvm_handle_exit(m, v) < 0)
		internal_error(v);
}

static void *vcpu_thread(void *opaque)
{
	struct vcpu *v = opaque;
	struct machine *m = cpus_machine;
	char name[16];
	sigset_t set;

	this_vcpu = v;
	snprintf(name, sizeof(name), "CPU %d/KVM", v->index);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, SIG_IPI);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	pthread_mutex_lock(&cpus_lock);
	/* "created": vcpus_start() waits for this, as QEMU waits for cpu->created */
	__atomic_store_n(&v->tid, gettid(), __ATOMIC_RELEASE);
	pthread_cond_broadcast(&cpus_parked);
	for (;;) {
		while (!v->quit && (v->stop || v->stopped)) {
			if (v->stop) {
				v->stop = false;
				v->stopped = true;
				__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELEASE);
				pthread_cond_broadcast(&cpus_parked);
			}
			pthread_cond_wait(&cpus_wakeup, &cpus_lock);
		}
		if (v->quit)
			break;
		bool reset = v->reset_pending;
		v->reset_pending = false;
		pthread_mutex_unlock(&cpus_lock);

		if (reset && arch_vcpu_reset(m, v) < 0)
			internal_error(v);
		else
			run_once(m, v);

		pthread_mutex_lock(&cpus_lock);
	}
	v->stopped = true;
	pthread_cond_broadcast(&cpus_parked);
	pthread_mutex_unlock(&cpus_lock);
	return NULL;
}

int vcpus_start(struct machine *m)
{
	struct sigaction sa = { .sa_handler = ipi_handler, .sa_flags = SA_RESTART };
	sigset_t all, old;

	cpus_machine = m;
	sigemptyset(&sa.sa_mask);
	sigaction(SIG_IPI, &sa, NULL);
	/* threads start with every signal blocked: SIGTERM & co. go to main */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		v->stopped = true; /* until vm_start() resumes them */
		int err = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (err) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			error_report("could not create vCPU thread: %s", strerror(err));
			return -1;
		}
		v->thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* every vCPU thread exists (and has its thread id, for query-cpus-fast
	 * and the collectors) before the machine is reported started */
	pthread_mutex_lock(&cpus_lock);
	for (int i = 0; i < m->nr_vcpus; i++)
		while (!__atomic_load_n(&m->vcpus[i].tid, __ATOMIC_ACQUIRE))
			pthread_cond_wait(&cpus_parked, &cpus_lock);
	pthread_mutex_unlock(&cpus_lock);
	return 0;
}

void vcpus_stop_threads(struct machine *m)
{
	pthread_mutex_lock(&cpus_lock);
	for (int i = 0; i < m->nr_vcpus; i++) {
		m->vcpus[i].quit = true;
		if (m->vcpus[i].thread_started)
			kick(&m->vcpus[i]);
	}
	pthread_cond_broadcast(&cpus_wakeup);
	pthread_mutex_unlock(&cpus_lock);
	for (int i = 0; i < m->nr_vcpus; i++) {
		if (m->vcpus[i].thread_started) {
			pthread_join(m->vcpus[i].thread, NULL);
			m->vcpus[i].thread_started = false;
		}
	}
}

static bool all_parked(struct machine *m)
{
	for (int i = 0; i < m->nr_vcpus; i++)
		if (!m->vcpus[i].stopped)
			return false;
	return true;
}

void pause_all_vcpus(void)
{
	struct machine *m = cpus_machine;

	if (!m)
		return;
	pthread_mutex_lock(&cpus_lock);
	for (int i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		if (!v->stopped) {
			v->stop = true;
			kick(v);
		}
	}
	/* a vCPU thread pausing the others cannot wait for itself */
	if (!this_vcpu)
		while (!all_parked(m))
			pthread_cond_wait(&cpus_parked, &cpus_lock);
	pthread_mutex_unlock(&cpus_lock);
}

void resume_all_vcpus(void)
{
	struct machine *m = cpus_machine;

	if (!m || !runstate_is_running())
		return;
	pthread_mutex_lock(&cpus_lock);
	for (int i = 0; i < m->nr_vcpus; i++) {
		m->vcpus[i].stop = false;
		m->vcpus[i].stopped = false;
	}
	pthread_cond_broadcast(&cpus_wakeup);
	pthread_mutex_unlock(&cpus_lock);
}

void cpu_stop_current(void)
{
	if (!this_vcpu)
		return;
	pthread_mutex_lock(&cpus_lock);
	this_vcpu->stop = true;
	pthread_mutex_unlock(&cpus_lock);
}

void vcpus_request_reset(void)
{
	struct machine *m = cpus_machine;

	if (!m)
		return;
	pthread_mutex_lock(&cpus_lock);
	for (int i = 0; i < m->nr_vcpus; i++)
		m->vcpus[i].reset_pending = true;
	pthread_mutex_unlock(&cpus_lock);
}
