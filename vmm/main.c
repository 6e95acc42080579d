/* kvmscope-vmm: options -> machine -> main loop. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confidential.h"
#include "config.h"
#include "cpus.h"
#include "error.h"
#include "fdt-virt.h"
#include "machine.h"
#include "mainloop.h"
#include "qmp.h"
#include "system.h"
#include "trace.h"

static void termsig_handler(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	qemu_system_killed(sig, info->si_pid);
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_sigaction = termsig_handler, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		error_report("cannot create PID file: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void announce_confidential(const struct vmm_config *cfg)
{
	char bits[128];
	if (!sev_enabled())
		return;
	sev_policy_describe(cfg->sev.policy, bits, sizeof(bits));
	warn_report("sev-guest '%s': policy 0x%x (%s) drives run-state decisions only; guest "
		    "memory is NOT encrypted%s",
		    cfg->sev.id, cfg->sev.policy, bits,
		    sev_es_enabled() ? "; SEV-ES: cpus are not resettable" : "");
}

int main(int argc, char **argv)
{
	static struct vmm_config cfg;
	static struct machine machine;
	char err[512];
	int status = 1;

	config_defaults(&cfg);
	switch (options_parse(argc, argv, &cfg, err, sizeof(err))) {
	case OPTIONS_EXIT_OK:
		return 0;
	case OPTIONS_ERROR:
		error_report("%s", err);
		return 1;
	case OPTIONS_RUN:
		break;
	}
	error_set_timestamps(cfg.msg_timestamp);
	if (cfg.logfile && trace_open_log(cfg.logfile, err, sizeof(err)) < 0) {
		error_report("-D: %s", err);
		return 1;
	}
	run_actions = cfg.actions;
	if (confidential_init(&cfg, err, sizeof(err)) < 0) {
		error_report("%s", err);
		return 1;
	}
	announce_confidential(&cfg);
	/* QEMU's dumpdtb: the board's device tree from the configuration alone,
	 * written before KVM is opened, so it works on any host */
	if (cfg.dumpdtb[0])
		return virt_dump_dtb(&cfg) < 0 ? 1 : 0;
	if (main_loop_init() < 0)
		return 1;
	install_signal_handlers();
	if (qmp_init(&cfg, err, sizeof(err)) < 0) {
		error_report("-qmp: %s", err);
		goto out;
	}

	if (machine_create(&machine, &cfg) < 0)
		goto out;
	if (cfg.pidfile && write_pidfile(cfg.pidfile) < 0)
		goto out;
	if (vcpus_start(&machine) < 0)
		goto out;
	qemu_system_reset(SHUTDOWN_CAUSE_NONE);
	if (!cfg.start_paused)
		vm_start();
	status = main_loop_run();
	vm_shutdown();
out:
	qmp_cleanup(); /* after SHUTDOWN: the reply to quit goes out before exit */
	machine_destroy(&machine);
	main_loop_cleanup();
	if (cfg.pidfile)
		unlink(cfg.pidfile);
	return status;
}
