/* QEMU-style command line -> struct vmm_config: one table row per option
 * (name, argument, handler, --help text). Every error names the option it is
 * about; list arguments ("k=v,...") go through vmm/keyval.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chardev.h"
#include "config.h"
#include "confidential.h"
#include "keyval.h"
#include "kvm.h"
#include "numparse.h"
#include "pmu-filter.h"
#include "pmu-misconfig.h"
#include "virt-gic.h"
#include "trace.h"
#include "version.h"

#define DEFAULT_RAM_MIB 128

/* a handler: 0 when applied, -1 with the message in err, OPTION_EXIT when
 * the option printed what was asked (--help) and the VMM should exit 0 */
#define OPTION_EXIT 1
typedef int option_fn(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		      size_t errlen);

enum { ARG_NONE, ARG_ONE };

/* where a row shows in --help (print_help) */
enum help_group { HELP_GUEST, HELP_DEVICES, HELP_MONITOR, HELP_RUNSTATE, HELP_TRACING,
		  HELP_OTHER, HELP_IGNORED };

struct option_row {
	const char *name;	/* "-name" or "--name" on the command line */
	const char *alias;	/* another spelling (-M for -machine), or NULL */
	int arg;		/* ARG_ONE: takes the next argument */
	option_fn *apply;	/* NULL: accepted and ignored */
	const char *help;	/* its lines in --help (HELP_OTHER, HELP_IGNORED: its spelling) */
	enum help_group group;
	const struct option_row *drivers; /* -device's drivers, each a row with its help */
};
/* a row; .alias or .drivers may follow the help */
#define ROW(name_, arg_, apply_, group_, help_, ...)                                              \
	{ .name = name_, .arg = arg_, .apply = apply_, .group = group_, .help = help_, __VA_ARGS__ }

void config_defaults(struct vmm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_size = (uint64_t)DEFAULT_RAM_MIB << 20;
	cfg->smp = 1;
	cfg->actions = (struct run_actions){ REBOOT_ACTION_RESET, SHUTDOWN_ACTION_POWEROFF,
					     PANIC_ACTION_SHUTDOWN, WATCHDOG_ACTION_RESET };
	cfg->debug_exit_iobase = 0x501; /* QEMU's isa-debug-exit defaults */
	cfg->debug_exit_iosize = 2;
}

int parse_size_mib(const char *s, uint64_t *bytes)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	uint64_t mult = 1ULL << 20;

	if (errno || end == s || !(v > 0))
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	case 't': case 'T': mult = 1ULL << 40; end++; break;
	case 'b': case 'B': mult = 1; end++; break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end || v * (double)mult > (double)(1ULL << 46))
		return -1;
	*bytes = (uint64_t)(v * (double)mult);
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	return parse_uint_max(s, UINT64_MAX, out);
}

/* a parser's message ("why") behind the option's name */
static int option_error(const char *opt, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", opt, why);
	return -1;
}

static int chardev_parse_for(const char *opt, const char *spec, struct chardev_config *c,
			     char *err, size_t errlen)
{
	char why[256];
	if (chardev_parse(spec, c, why, sizeof(why)) < 0)
		return option_error(opt, why, err, errlen);
	return 0;
}

/* -accel and -machine accel= */
static int check_accel(const char *opt, const char *val, char *err, size_t errlen)
{
	if (strncmp(val, "kvm", 3)) {
		snprintf(err, errlen, "%s: accelerator '%s' not supported (kvm only)", opt, val);
		return -1;
	}
	return 0;
}

/* a list option's fields, one call each: key, and the value (NULL for a bare word) */
typedef int (*kv_fn)(struct vmm_config *cfg, const char *opt, const char *key, const char *val,
		     char *err, size_t errlen);

static int each_kv(struct vmm_config *cfg, const char *opt, const char *arg, kv_fn fn, char *err,
		   size_t errlen)
{
	struct keyval kv;
	if (keyval_start(&kv, opt, arg, KEYVAL_MAX, err, errlen) < 0)
		return -1;
	while (keyval_next(&kv))
		if (fn(cfg, opt, kv.key, kv.val, err, errlen) < 0)
			return -1;
	return 0;
}

static int kv_action(struct vmm_config *cfg, const char *opt, const char *key,
		     const char *val, char *err, size_t errlen)
{
	int v = -1;
	if (!val) {
		snprintf(err, errlen, "%s: '%s' needs a value", opt, key);
		return -1;
	}
	if (!strcmp(key, "reboot") && (v = reboot_action_by_name(val)) >= 0)
		cfg->actions.reboot = (enum reboot_action)v;
	else if (!strcmp(key, "shutdown") && (v = shutdown_action_by_name(val)) >= 0)
		cfg->actions.shutdown = (enum shutdown_action)v;
	else if (!strcmp(key, "panic") && (v = panic_action_by_name(val)) >= 0)
		cfg->actions.panic = (enum panic_action)v;
	else if (!strcmp(key, "watchdog") && (v = watchdog_action_by_name(val)) >= 0)
		cfg->actions.watchdog = (enum watchdog_action)v;
	if (v < 0) {
		if (strcmp(key, "reboot") && strcmp(key, "shutdown") && strcmp(key, "panic") &&
		    strcmp(key, "watchdog"))
			snprintf(err, errlen, "%s: Invalid parameter '%s'", opt, key);
		else
			snprintf(err, errlen, "%s: Parameter '%s' does not accept value '%s'", opt,
				 key, val);
		return -1;
	}
	return 0;
}

static int kv_cpu(struct vmm_config *cfg, const char *opt, const char *key,
		  const char *val, char *err, size_t errlen)
{
	if (!val) { /* the model */
		if (strcmp(key, "host") && strcmp(key, "max")) {
			snprintf(err, errlen, "%s: unable to find CPU model '%s' (use host or max)",
				 opt, key);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "pmu")) {
		if (!strcmp(val, "on"))
			cfg->pmu = PMU_ON;
		else if (!strcmp(val, "off"))
			cfg->pmu = PMU_OFF;
		else {
			snprintf(err, errlen, "%s: Parameter 'pmu' expects 'on' or 'off'", opt);
			return -1;
		}
		return 0;
	}
#ifdef __aarch64__
	char why_x[160];
	int x = pmu_misconfig_parse(key, val, &cfg->x_pmu, why_x, sizeof(why_x));
	if (x < 0)
		return option_error(opt, why_x, err, errlen);
	if (x)
		return 0;
#endif
	if (!strcmp(key, "pmu-filter")) {
		char why[256];
		if (pmu_filter_parse(val, &cfg->pmu_filter, why, sizeof(why)) < 0)
			return option_error(opt, why, err, errlen);
		return 0;
	}
	snprintf(err, errlen, "%s: Property '%s' not found", opt, key);
	return -1;
}

static int kv_machine(struct vmm_config *cfg, const char *opt, const char *key,
		      const char *val, char *err, size_t errlen)
{
	if (!val || !strcmp(key, "type")) {
		const char *type = val ? val : key;
#ifdef __aarch64__
		/* virt-4.1: the seed's QEMU board (vmm/virt-gic.h); virt-7.2 is virt */
		if (strcmp(type, "virt") && strcmp(type, "virt-7.2") && strcmp(type, "virt-4.1")) {
			snprintf(err, errlen,
				 "%s: unsupported machine type '%s' (arm64: virt, virt-7.2, virt-4.1)",
				 opt, type);
			return -1;
		}
		cfg->virt_legacy = !strcmp(type, "virt-4.1");
#else
		if (strcmp(type, "pc") && strcmp(type, "q35") && strcmp(type, "microvm") &&
		    strncmp(type, "pc-", 3)) {
			snprintf(err, errlen, "%s: unsupported machine type '%s' (x86: pc)", opt,
				 type);
			return -1;
		}
#endif
		return 0;
	}
#ifdef __aarch64__
	if (!strcmp(key, "dumpdtb")) {
		if (!*val || snprintf(cfg->dumpdtb, sizeof(cfg->dumpdtb), "%s", val) >=
				     (int)sizeof(cfg->dumpdtb)) {
			snprintf(err, errlen, "%s: dumpdtb: bad file name", opt);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "gic-version")) {
		if (!strcmp(val, "host") || !strcmp(val, "max")) {
			cfg->gic_version = val[0] == 'h' ? VIRT_GIC_ASK_HOST : VIRT_GIC_ASK_MAX;
			return 0;
		}
		if (strcmp(val, "2") && strcmp(val, "3")) {
			snprintf(err, errlen, "%s: gic-version: '%s' is not 2, 3, host or max", opt,
				 val);
			return -1;
		}
		cfg->gic_version = val[0] - '0';
		return 0;
	}
#endif
	if (!strcmp(key, "confidential-guest-support") || !strcmp(key, "memory-encryption")) {
		snprintf(cfg->cgs_id, sizeof(cfg->cgs_id), "%s", val);
		return 0;
	}
	if (!strcmp(key, "accel"))
		return check_accel(opt, val, err, errlen);
	snprintf(err, errlen, "%s: Property '%s' not found", opt, key);
	return -1;
}

static int kv_debugexit(struct vmm_config *cfg, const char *opt, const char *key,
			const char *val, char *err, size_t errlen)
{
	uint64_t v;
	if (!val)
		return 0; /* the driver name */
	if ((strcmp(key, "iobase") && strcmp(key, "iosize")) || parse_u64(val, &v) < 0 ||
	    v > 0xffff || (key[2] == 's' && (v == 0 || v > 4))) {
		snprintf(err, errlen, "%s: isa-debug-exit: bad property '%s=%s'", opt, key, val);
		return -1;
	}
	if (key[2] == 'b')
		cfg->debug_exit_iobase = (uint16_t)v;
	else
		cfg->debug_exit_iosize = (uint16_t)v;
	return 0;
}

static int kv_loader(struct vmm_config *cfg, const char *opt, const char *key,
		     const char *val, char *err, size_t errlen)
{
	static char file[4096];
	if (!val)
		return 0;
	if (!strcmp(key, "file")) {
		snprintf(file, sizeof(file), "%s", val);
		cfg->loader_file = file;
	} else if (!strcmp(key, "addr")) {
		if (parse_u64(val, &cfg->loader_addr) < 0) {
			snprintf(err, errlen, "%s: loader: bad addr '%s'", opt, val);
			return -1;
		}
	} else if (strcmp(key, "cpu-num")) {
		snprintf(err, errlen, "%s: loader: Property '%s' not found", opt, key);
		return -1;
	}
	return 0;
}

/* -1 when both COM ports are taken */
static int serial_port_free(const struct vmm_config *cfg, const char *opt, char *err,
			    size_t errlen)
{
	if (cfg->nr_serials < VMM_MAX_SERIALS)
		return 0;
	snprintf(err, errlen, "%s: at most %d serial ports (COM1, COM2)", opt, VMM_MAX_SERIALS);
	return -1;
}

/* -serial chardev:ID and -device isa-serial,chardev=ID: the next COM port,
 * its backend named by a -chardev resolved once every option is read */
static int add_serial_ref(struct vmm_config *cfg, const char *opt, const char *id, char *err,
			  size_t errlen)
{
	if (serial_port_free(cfg, opt, err, errlen) < 0)
		return -1;
	if (!*id || snprintf(cfg->serial_chardev[cfg->nr_serials], 64, "%s", id) >= 64) {
		snprintf(err, errlen, "%s: bad chardev id '%s'", opt, id);
		return -1;
	}
	cfg->nr_serials++;
	return 0;
}

/* ---- -device DRIVER,...: one row per driver ---- */

static int dev_isa_serial(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
			  size_t errlen)
{
	struct keyval kv;
	char id[KEYVAL_MAX] = "";
	bool have_id = false;

	if (keyval_start(&kv, opt, arg, KEYVAL_MAX, err, errlen) < 0)
		return -1;
	keyval_next(&kv); /* the driver name */
	while (keyval_next(&kv)) {
		if (!strncmp(kv.text, "chardev=", 8)) {
			snprintf(id, sizeof(id), "%s", kv.val);
			have_id = true;
		} else if (strncmp(kv.text, "id=", 3) && strncmp(kv.text, "index=", 6)) {
			snprintf(err, errlen, "%s: isa-serial: Property '%s' not found", opt, kv.text);
			return -1;
		}
	}
	if (!have_id) {
		snprintf(err, errlen, "%s: isa-serial: 'chardev' is required", opt);
		return -1;
	}
	return add_serial_ref(cfg, opt, id, err, errlen);
}

static int dev_pvpanic(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		       size_t errlen)
{
	struct keyval kv;
	uint64_t port = 0x505; /* QEMU's default */

	if (keyval_start(&kv, opt, arg, KEYVAL_MAX, err, errlen) < 0)
		return -1;
	keyval_next(&kv); /* the driver name */
	while (keyval_next(&kv)) {
		if (strcmp(kv.key, "ioport") || !kv.val || parse_u64(kv.val, &port) < 0 ||
		    port > 0xffff) {
			snprintf(err, errlen, "%s: pvpanic: bad property '%s'", opt, kv.text);
			return -1;
		}
	}
	cfg->pvpanic = true;
	cfg->pvpanic_ioport = (uint16_t)port;
	return 0;
}

static int dev_debugexit(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
			 size_t errlen)
{
	cfg->debug_exit = true;
	return each_kv(cfg, opt, arg, kv_debugexit, err, errlen);
}

static int dev_loader(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		      size_t errlen)
{
	if (each_kv(cfg, opt, arg, kv_loader, err, errlen) < 0)
		return -1;
	if (!cfg->loader_file) {
		snprintf(err, errlen, "%s: loader: 'file' is required", opt);
		return -1;
	}
	return 0;
}

static const struct option_row device_drivers[] = {
	ROW("loader", ARG_ONE, dev_loader, HELP_DEVICES,
	    "  -device loader,file=FILE,addr=ADDR   flat binary at ADDR (real mode)\n"),
	ROW("isa-serial", ARG_ONE, dev_isa_serial, HELP_DEVICES,
	    "  -device isa-serial,chardev=ID   the next COM port on a -chardev\n"),
	ROW("isa-debug-exit", ARG_ONE, dev_debugexit, HELP_DEVICES,
	    "  -device isa-debug-exit[,iobase=0xf4,iosize=4]\n"),
	ROW("pvpanic", ARG_ONE, dev_pvpanic, HELP_DEVICES,
	    "  -device pvpanic[,ioport=0x505]   guest panic notifier (GUEST_PANICKED)\n"),
	{ NULL },
};

static int opt_device(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		      size_t errlen)
{
	size_t n = strcspn(arg, ",");
	for (const struct option_row *d = device_drivers; d->name; d++)
		if (strlen(d->name) == n && !strncmp(arg, d->name, n))
			return d->apply(cfg, opt, arg, err, errlen);
	snprintf(err, errlen, "%s: '%.*s' is not a valid device model name", opt, (int)n, arg);
	return -1;
}

/* ---- character devices and monitors ---- */

/* -chardev BACKEND,id=ID[,path=P][,server=on|off][,wait=on|off] */
static int opt_chardev(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		       size_t errlen)
{
	struct keyval kv;
	char spec[300] = "", id[64] = "", path[200] = "", backend[64] = "";
	bool server = false, wait = true;

	if (cfg->nr_chardevs == VMM_MAX_CHARDEVS) {
		snprintf(err, errlen, "%s: at most %d character devices", opt, VMM_MAX_CHARDEVS);
		return -1;
	}
	if (keyval_start(&kv, opt, arg, 512, err, errlen) < 0)
		return -1;
	if (keyval_next(&kv))
		snprintf(backend, sizeof(backend), "%s", kv.text);
	while (keyval_next(&kv)) {
		const char *t = kv.text;
		if (!strncmp(t, "id=", 3))
			snprintf(id, sizeof(id), "%s", kv.val);
		else if (!strncmp(t, "path=", 5))
			snprintf(path, sizeof(path), "%s", kv.val);
		else if (!chardev_socket_flag(t, &server, &wait) && strcmp(t, "signal=off") &&
			 strcmp(t, "signal=on") && strcmp(t, "mux=off")) {
			snprintf(err, errlen, "%s: Invalid parameter '%s'", opt, t);
			return -1;
		}
	}
	if (!backend[0] || !id[0]) {
		snprintf(err, errlen, "%s: Parameter 'id' is missing", opt);
		return -1;
	}
	for (int i = 0; i < cfg->nr_chardevs; i++) {
		if (!strcmp(cfg->chardevs[i].id, id)) {
			snprintf(err, errlen, "%s: attempt to add duplicate property '%s'", opt, id);
			return -1;
		}
	}
	if (!strcmp(backend, "socket")) {
		if (!path[0]) {
			snprintf(err, errlen, "%s: socket: only path=PATH (unix) is supported", opt);
			return -1;
		}
		snprintf(spec, sizeof(spec), "unix:%s%s%s", path, server ? ",server" : "",
			 wait ? "" : ",nowait");
	} else if (!strcmp(backend, "file")) {
		snprintf(spec, sizeof(spec), "file:%s", path);
	} else if (!strcmp(backend, "stdio") || !strcmp(backend, "null")) {
		snprintf(spec, sizeof(spec), "%s", backend);
	} else {
		snprintf(err, errlen, "%s: '%s' is not a valid char driver (socket, file, stdio, null)",
			 opt, backend);
		return -1;
	}
	struct chardev_def *d = &cfg->chardevs[cfg->nr_chardevs];
	if (chardev_parse_for(opt, spec, &d->cfg, err, errlen) < 0)
		return -1;
	snprintf(d->id, sizeof(d->id), "%s", id);
	cfg->nr_chardevs++;
	return 0;
}

/* -qmp unix:PATH,server[=on][,nowait|wait=off] */
static int opt_qmp(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		   size_t errlen)
{
	struct chardev_config c;

	if (cfg->nr_qmp == VMM_MAX_QMP) {
		snprintf(err, errlen, "%s: at most %d QMP monitors", opt, VMM_MAX_QMP);
		return -1;
	}
	if (chardev_parse_for(opt, arg, &c, err, errlen) < 0)
		return -1;
	if (c.kind != CHARDEV_UNIX_SERVER) {
		snprintf(err, errlen, "%s: '%s': only unix:PATH,server sockets are supported", opt,
			 arg);
		return -1;
	}
	struct qmp_socket_config *q = &cfg->qmp[cfg->nr_qmp++];
	snprintf(q->path, sizeof(q->path), "%s", c.path);
	q->wait = c.wait;
	return 0;
}

/* -mon chardev=ID,mode=control[,pretty=off] */
static int opt_mon(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		   size_t errlen)
{
	struct keyval kv;
	char id[64] = "";
	bool control = false;

	if (keyval_start(&kv, opt, arg, KEYVAL_MAX, err, errlen) < 0)
		return -1;
	while (keyval_next(&kv)) {
		const char *t = kv.text;
		if (!strncmp(t, "chardev=", 8))
			snprintf(id, sizeof(id), "%s", kv.val);
		else if (!strcmp(t, "mode=control"))
			control = true;
		else if (!strcmp(t, "mode=readline"))
			control = false;
		else if (strcmp(t, "pretty=off") && strncmp(t, "id=", 3)) {
			snprintf(err, errlen, "%s: Invalid parameter '%s'", opt, t);
			return -1;
		}
	}
	if (!id[0]) {
		snprintf(err, errlen, "%s: Parameter 'chardev' is missing", opt);
		return -1;
	}
	if (!control) {
		snprintf(err, errlen, "%s: only mode=control (QMP) is supported, not the "
			 "human monitor", opt);
		return -1;
	}
	if (cfg->nr_qmp == VMM_MAX_QMP) {
		snprintf(err, errlen, "%s: at most %d QMP monitors", opt, VMM_MAX_QMP);
		return -1;
	}
	snprintf(cfg->qmp[cfg->nr_qmp++].chardev, 64, "%s", id);
	return 0;
}

static struct chardev_def *find_chardev(struct vmm_config *cfg, const char *id, const char *what,
					char *err, size_t errlen)
{
	for (int i = 0; i < cfg->nr_chardevs; i++) {
		struct chardev_def *d = &cfg->chardevs[i];
		if (strcmp(d->id, id))
			continue;
		if (d->used) {
			snprintf(err, errlen, "%s: chardev '%s' is already in use", what, id);
			return NULL;
		}
		d->used = true;
		return d;
	}
	snprintf(err, errlen, "%s: chardev '%s' not found", what, id);
	return NULL;
}

/* chardev references, once all -chardev options are known (as QEMU) */
static int resolve_chardevs(struct vmm_config *cfg, char *err, size_t errlen)
{
	for (int i = 0; i < cfg->nr_serials; i++) {
		if (!cfg->serial_chardev[i][0])
			continue;
		struct chardev_def *d = find_chardev(cfg, cfg->serial_chardev[i], "-serial", err,
						     errlen);
		if (!d)
			return -1;
		cfg->serial[i] = d->cfg;
	}
	for (int i = 0; i < cfg->nr_qmp; i++) {
		if (!cfg->qmp[i].chardev[0])
			continue;
		struct chardev_def *d = find_chardev(cfg, cfg->qmp[i].chardev, "-mon", err, errlen);
		if (!d)
			return -1;
		if (d->cfg.kind != CHARDEV_UNIX_SERVER) {
			snprintf(err, errlen, "-mon: chardev '%s': only socket,path=P,server=on "
				 "is supported for QMP", d->id);
			return -1;
		}
		snprintf(cfg->qmp[i].path, sizeof(cfg->qmp[i].path), "%s", d->cfg.path);
		cfg->qmp[i].wait = d->cfg.wait;
	}
	return 0;
}


/* ---- the other options ---- */

/* options that only record their argument or set a flag */
#define OPTION_SETS(fn, stmt)                                                                      \
	static int fn(struct vmm_config *cfg, const char *opt, const char *arg, char *err,        \
		      size_t errlen)                                                               \
	{                                                                                          \
		(void)opt, (void)arg, (void)err, (void)errlen;                                     \
		stmt;                                                                              \
		return 0;                                                                          \
	}
OPTION_SETS(opt_kernel, cfg->kernel = arg)
OPTION_SETS(opt_initrd, cfg->initrd = arg)
OPTION_SETS(opt_append, cfg->append = arg)
OPTION_SETS(opt_logfile, cfg->logfile = arg)
OPTION_SETS(opt_pidfile, cfg->pidfile = arg)
OPTION_SETS(opt_name, cfg->name = !strncmp(arg, "guest=", 6) ? arg + 6 : arg)
OPTION_SETS(opt_no_reboot, cfg->actions.reboot = REBOOT_ACTION_SHUTDOWN)
OPTION_SETS(opt_no_shutdown, cfg->actions.shutdown = SHUTDOWN_ACTION_PAUSE)
OPTION_SETS(opt_start_paused, cfg->start_paused = true)

static int opt_memory(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		      size_t errlen)
{
	const char *size = !strncmp(arg, "size=", 5) ? arg + 5 : arg;
	if (parse_size_mib(size, &cfg->ram_size) < 0) {
		snprintf(err, errlen, "%s: invalid RAM size '%s'", opt, arg);
		return -1;
	}
	if (cfg->ram_size < (4ULL << 20)) {
		snprintf(err, errlen, "%s: RAM size '%s' is too small (at least 4M)", opt, arg);
		return -1;
	}
	return 0;
}

static int opt_smp(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		   size_t errlen)
{
	const char *num = !strncmp(arg, "cpus=", 5) ? arg + 5 : arg;
	char *end;
	long n = strtol(num, &end, 10);
	if (end == num || (*end && *end != ',')) {
		snprintf(err, errlen, "%s: '%s' is not a CPU count", opt, arg);
		return -1;
	}
	if (n < 1 || n > VMM_MAX_VCPUS) {
		snprintf(err, errlen, "%s: Invalid SMP CPUs %ld. The max CPUs supported by machine "
			 "'pc' is %d", opt, n, VMM_MAX_VCPUS);
		return -1;
	}
	cfg->smp = (int)n;
	return 0;
}

static int opt_serial(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		      size_t errlen)
{
	if (serial_port_free(cfg, opt, err, errlen) < 0)
		return -1;
	if (!strncmp(arg, "chardev:", 8))
		return add_serial_ref(cfg, opt, arg + 8, err, errlen);
	if (chardev_parse_for(opt, arg, &cfg->serial[cfg->nr_serials], err, errlen) < 0)
		return -1;
	cfg->nr_serials++;
	return 0;
}

static int opt_action(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		      size_t errlen)
{
	return each_kv(cfg, opt, arg, kv_action, err, errlen);
}

static int opt_cpu(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		   size_t errlen)
{
	return each_kv(cfg, opt, arg, kv_cpu, err, errlen);
}

static int opt_machine(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		       size_t errlen)
{
	return each_kv(cfg, opt, arg, kv_machine, err, errlen);
}

static int opt_object(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		      size_t errlen)
{
	if (strncmp(arg, "sev-guest,", 10) && strncmp(arg, "qom-type=sev-guest,", 19)) {
		snprintf(err, errlen, "%s: only sev-guest objects are supported", opt);
		return -1;
	}
	/* sev_parse_object's messages already start with "-object" */
	return sev_parse_object(!strncmp(arg, "sev-guest,", 10) ? arg + 10 : arg, &cfg->sev, err,
				errlen);
}

static int opt_trace(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		     size_t errlen)
{
	int list = 0;
	(void)opt;
	if (trace_parse_option(arg, &list, err, errlen) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", err);
		if (strncmp(why, "-trace", 6))
			snprintf(err, errlen, "-trace: %s", why);
		return -1;
	}
	if (list)
		cfg->list_trace_events = true;
	return 0;
}

static int opt_msg(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		   size_t errlen)
{
	if (!strcmp(arg, "timestamp=on"))
		cfg->msg_timestamp = true;
	else if (!strcmp(arg, "timestamp=off"))
		cfg->msg_timestamp = false;
	else {
		snprintf(err, errlen, "%s: Invalid parameter '%s'", opt, arg);
		return -1;
	}
	return 0;
}

static int opt_fault(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		     size_t errlen)
{
	(void)cfg, (void)opt;
	return kvm_fault_parse(arg, err, errlen);
}

static int opt_accel(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		     size_t errlen)
{
	(void)cfg;
	return check_accel(opt, arg, err, errlen);
}

static void print_help(void);

static int opt_help(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		    size_t errlen)
{
	(void)cfg, (void)opt, (void)arg, (void)err, (void)errlen;
	print_help();
	return OPTION_EXIT;
}

static int opt_version(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		       size_t errlen)
{
	(void)cfg, (void)opt, (void)arg, (void)err, (void)errlen;
	print_version(stdout, "kvmscope-vmm");
	return OPTION_EXIT;
}

/* ---- the table: one row per option, in --help order (grouped by help_group) ---- */

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct option_row options[] = {
#define OPTION ROW
#include "options.def"
#undef OPTION
	{ NULL },
};

/* how each group of rows shows in --help: its own lines under a title, or
 * the rows' spellings joined on a line (wrapped before column 80) */
static const struct help_group_style {
	const char *title;
	const char *lead;
	const char *sep;
} help_groups[] = {
	[HELP_GUEST] = { "Guest:", NULL, NULL },
	[HELP_DEVICES] = { "Devices:", NULL, NULL },
	[HELP_MONITOR] = { "Monitor:", NULL, NULL },
	[HELP_RUNSTATE] = { "Run state:", NULL, NULL },
	[HELP_TRACING] = { "Tracing and faults:", NULL, NULL },
	[HELP_OTHER] = { "Other:", "", ", " },
	[HELP_IGNORED] = { NULL, "accepted and ignored: ", " " },
};

static void print_row_help(const struct option_row *o, int *col)
{
	const struct help_group_style *g = &help_groups[o->group];
	if (!g->sep) {
		fputs(o->help ? o->help : "", stdout);
		for (const struct option_row *d = o->drivers; d && d->name; d++)
			fputs(d->help, stdout);
		return;
	}
	int len = (int)strlen(o->help);
	if (!*col)
		*col = printf("  %s%s", g->lead, o->help);
	else if (*col + (int)strlen(g->sep) + len > 80)
		*col = printf("\n%*s%s", 2 + (int)strlen(g->lead), "", o->help) - 1;
	else
		*col += printf("%s%s", g->sep, o->help);
}

static void print_help(void)
{
	int group = -1, col = 0;

	fputs("usage: kvmscope-vmm [options]\n"
	      "A small KVM virtual machine monitor with QEMU's run-state, reset and\n"
	      "shutdown semantics, instrumented with USDT probes (provider \"vmm\").\n\n",
	      stdout);
	for (const struct option_row *o = options; o->name; o++) {
		if ((int)o->group != group) {
			if (col)
				putchar('\n');
			col = 0;
			group = (int)o->group;
			if (help_groups[group].title)
				printf("%s\n", help_groups[group].title);
		}
		print_row_help(o, &col);
	}
	if (col)
		putchar('\n');
	fputs("\nExit status: 0 after a shutdown; 1 for a bad option or a failed start;\n"
	      "(V << 1) | 1 when the guest writes V to isa-debug-exit; 1 after a guest\n"
	      "panic with panic=exit-failure; SIGABRT on an invalid run-state transition.\n",
	      stdout);
}

static const struct option_row *find_option(const char *name)
{
	for (const struct option_row *o = options; o->name; o++)
		if (!strcmp(o->name, name) || (o->alias && !strcmp(o->alias, name)))
			return o;
	return NULL;
}

enum options_result options_parse(int argc, char **argv, struct vmm_config *cfg, char *err,
				  size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		if (opt[0] != '-') {
			snprintf(err, errlen, "%s: unexpected argument (options start with '-')", opt);
			return OPTIONS_ERROR;
		}
		const struct option_row *o = find_option(opt + (opt[1] == '-' ? 2 : 1));
		if (!o) {
			snprintf(err, errlen, "%s: invalid option", opt);
			return OPTIONS_ERROR;
		}
		const char *arg = NULL;
		if (o->arg == ARG_ONE) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s: requires an argument", opt);
				return OPTIONS_ERROR;
			}
			arg = argv[++i];
		}
		int r = o->apply ? o->apply(cfg, opt, arg, err, errlen) : 0;
		if (r < 0)
			return OPTIONS_ERROR;
		if (r == OPTION_EXIT)
			return OPTIONS_EXIT_OK;
	}
	if (cfg->list_trace_events) {
		trace_list_events(stdout);
		return OPTIONS_EXIT_OK;
	}
	if (resolve_chardevs(cfg, err, errlen) < 0)
		return OPTIONS_ERROR;
	if (cfg->nr_serials == 0) {
		cfg->serial[0].kind = CHARDEV_STDIO; /* headless: COM1 on stdio */
		cfg->nr_serials = 1;
	}
	return OPTIONS_RUN;
}
