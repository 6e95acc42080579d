/* The machine configuration the command line describes (vmm/options.c). */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu-misconfig.h"
#include "system.h"

#define VMM_MAX_VCPUS 8
#define VMM_MAX_SERIALS 2
#define VMM_MAX_QMP 8
#define VMM_MAX_CHARDEVS 8

enum chardev_kind {
	CHARDEV_NONE, /* "null"/"none": no backend */
	CHARDEV_STDIO,
	CHARDEV_FILE,
	CHARDEV_UNIX_SERVER,
	CHARDEV_UNIX_CLIENT,
};

struct chardev_config {
	enum chardev_kind kind;
	char path[108]; /* sun_path size */
	bool wait;	/* unix server: wait for a client before starting */
};

/* -qmp unix:PATH,server[,nowait] or -chardev socket + -mon mode=control */
struct qmp_socket_config {
	char path[108];
	bool wait;	/* accept a client before starting */
	char chardev[64]; /* -mon chardev=ID, resolved after parsing */
};

/* -chardev BACKEND,id=ID,...: attached by -serial chardev:ID, -device
 * isa-serial,chardev=ID or -mon chardev=ID */
struct chardev_def {
	char id[64];
	struct chardev_config cfg;
	bool used;
};

enum pmu_setting { PMU_DEFAULT, PMU_ON, PMU_OFF };

/* -cpu host,pmu-filter=allow|deny:EVENT[:EVENT...] (x86 KVM_SET_PMU_EVENT_FILTER) */
#define VMM_MAX_PMU_FILTER_EVENTS 64
struct pmu_filter_config {
	bool set;
	uint32_t action; /* KVM_PMU_EVENT_ALLOW 0 / KVM_PMU_EVENT_DENY 1 */
	uint32_t nevents;
	uint64_t events[VMM_MAX_PMU_FILTER_EVENTS];
};

struct sev_config {
	char id[64];
	bool defined;
	uint32_t policy;
	uint32_t cbitpos;
	uint32_t reduced_phys_bits;
};

struct vmm_config {
	const char *kernel;
	const char *initrd;
	const char *append;
	uint64_t ram_size;
	int smp;
	int nr_serials;
	struct chardev_config serial[VMM_MAX_SERIALS];
	char serial_chardev[VMM_MAX_SERIALS][64]; /* chardev:ID, resolved after parsing */
	int nr_qmp;
	struct qmp_socket_config qmp[VMM_MAX_QMP];
	int nr_chardevs;
	struct chardev_def chardevs[VMM_MAX_CHARDEVS];
	struct run_actions actions;
	bool start_paused;		/* -S */
	bool debug_exit;		/* -device isa-debug-exit */
	uint16_t debug_exit_iobase;
	uint16_t debug_exit_iosize;
	bool pvpanic;			/* -device pvpanic[,ioport=N] */
	uint16_t pvpanic_ioport;
	const char *loader_file;	/* -device loader,file=,addr= (flat image) */
	uint64_t loader_addr;
	enum pmu_setting pmu;
	struct pmu_filter_config pmu_filter;
	struct pmu_misconfig x_pmu;		/* arm64 -cpu x-pmu-*: experimental misconfigurations */
	int gic_version;			/* arm64 -machine virt,gic-version=2|3|host|max (VIRT_GIC_ASK_*); 0: as QEMU picks */
	bool virt_legacy;		/* arm64 -machine virt-4.1: QEMU 4.1's board (GICv2 default, fallback) */
	char dumpdtb[1024];		/* arm64 -machine virt,dumpdtb=FILE; "" = none */
	struct sev_config sev;		/* -object sev-guest */
	char cgs_id[64];		/* -machine confidential-guest-support= */
	const char *name;
	const char *pidfile;
	const char *logfile;		/* -D */
	bool msg_timestamp;		/* -msg timestamp=on */
	bool list_trace_events;		/* -trace help */
};

/* What parsing asked for besides running a machine. */
enum options_result {
	OPTIONS_RUN,
	OPTIONS_EXIT_OK,    /* --help, --version, -trace help: printed, exit 0 */
	OPTIONS_ERROR,      /* message in err, exit 1 */
};

void config_defaults(struct vmm_config *cfg);
enum options_result options_parse(int argc, char **argv, struct vmm_config *cfg, char *err,
				  size_t errlen);
/* A size with an optional K/M/G/T suffix; plain numbers are MiB, as in QEMU. */
int parse_size_mib(const char *s, uint64_t *bytes);

#endif
