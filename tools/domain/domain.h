/* domain.h - the daemon that runs one domain (one kvmscope-vmm) the way
 * libvirt runs a QEMU domain, and the client side of its control socket. */
#ifndef DOMAIN_DOMAIN_H
#define DOMAIN_DOMAIN_H

struct domain_config {
	const char *name;		/* -name, the log file's name */
	const char *dir;		/* control.sock, qmp.sock, NAME.log */
	const char *vmm;		/* the kvmscope-vmm binary */
	const char *agent_socket;	/* host side of the agent's chardev, or NULL */
	int sync_timeout_ms;		/* guest-sync-delimited */
	int agent_timeout_ms;		/* guest-shutdown -> system_powerdown */
	int powerdown_timeout_ms;	/* system_powerdown -> SIGTERM */
	int kill_timeout_ms;		/* SIGTERM -> SIGKILL (libvirt: 10 s) */
	int qmp_timeout_ms;		/* the QMP socket must answer by then */
	int vmm_argc;
	char **vmm_argv;		/* the domain's own arguments */
};

/* Starts the domain and serves DIR/control.sock until the domain is off.
 * Returns the process exit status. */
int domain_run(const struct domain_config *cfg);

/* Sends one control line ("reboot", "console TEXT", ...) to the daemon in
 * dir, prints its reply; exit status 0 if it began with "ok". */
int domain_control(const char *dir, const char *line, int timeout_ms);

#endif
