/* QEMU-style command line -> struct vmm_config. Every error names the
 * option it is about. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chardev.h"
#include "config.h"
#include "confidential.h"
#include "kvm.h"
#include "numparse.h"
#include "pmu-filter.h"
#include "pmu-misconfig.h"
#include "virt-gic.h"
#include "trace.h"
#include "version.h"

#define DEFAULT_RAM_MIB 128

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

/* Splits "a=1,b=2" in place; calls fn for each pair; a bare word gets val NULL. */
typedef int (*kv_fn)(struct vmm_config *cfg, const char *opt, char *key, char *val, char *err,
		     size_t errlen);

static int each_kv(struct vmm_config *cfg, const char *opt, const char *arg, kv_fn fn, char *err,
		   size_t errlen)
{
	char buf[1024], *save = NULL;
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "%s: argument too long", opt);
		return -1;
	}
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (eq)
			*eq++ = '\0';
		if (fn(cfg, opt, tok, eq, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int kv_action(struct vmm_config *cfg, const char *opt, char *key, char *val, char *err,
		     size_t errlen)
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

static int kv_cpu(struct vmm_config *cfg, const char *opt, char *key, char *val, char *err,
		  size_t errlen)
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
		snprintf(err, errlen, "%s: %s", opt, why_x);
	if (x)
		return x < 0 ? -1 : 0;
#endif
	if (!strcmp(key, "pmu-filter")) {
		char why[256];
		if (pmu_filter_parse(val, &cfg->pmu_filter, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", opt, why);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "%s: Property '%s' not found", opt, key);
	return -1;
}

static int kv_machine(struct vmm_config *cfg, const char *opt, char *key, char *val, char *err,
		      size_t errlen)
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
	if (!strcmp(key, "accel")) {
		if (strncmp(val, "kvm", 3)) {
			snprintf(err, errlen, "%s: accelerator '%s' not supported (kvm only)", opt,
				 val);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "%s: Property '%s' not found", opt, key);
	return -1;
}

static int kv_debugexit(struct vmm_config *cfg, const char *opt, char *key, char *val, char *err,
			size_t errlen)
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

static int kv_loader(struct vmm_config *cfg, const char *opt, char *key, char *val, char *err,
		     size_t errlen)
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

/* -serial chardev:ID and -device isa-serial,chardev=ID: the next COM port,
 * its backend named by a -chardev resolved once every option is read */
static int add_serial_ref(struct vmm_config *cfg, const char *opt, const char *id, char *err,
			  size_t errlen)
{
	if (cfg->nr_serials == VMM_MAX_SERIALS) {
		snprintf(err, errlen, "%s: at most %d serial ports (COM1, COM2)", opt,
			 VMM_MAX_SERIALS);
		return -1;
	}
	if (!*id || snprintf(cfg->serial_chardev[cfg->nr_serials], 64, "%s", id) >= 64) {
		snprintf(err, errlen, "%s: bad chardev id '%s'", opt, id);
		return -1;
	}
	cfg->nr_serials++;
	return 0;
}

static int opt_isa_serial(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
			  size_t errlen)
{
	char buf[256], *save = NULL, *id = NULL;
	snprintf(buf, sizeof(buf), "%s", arg);
	strtok_r(buf, ",", &save); /* the driver name */
	for (char *kv = strtok_r(NULL, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "chardev=", 8))
			id = kv + 8;
		else if (strncmp(kv, "id=", 3) && strncmp(kv, "index=", 6)) {
			snprintf(err, errlen, "%s: isa-serial: Property '%s' not found", opt, kv);
			return -1;
		}
	}
	if (!id) {
		snprintf(err, errlen, "%s: isa-serial: 'chardev' is required", opt);
		return -1;
	}
	return add_serial_ref(cfg, opt, id, err, errlen);
}

/* -chardev BACKEND,id=ID[,path=P][,server=on|off][,wait=on|off] */
static int opt_chardev(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		       size_t errlen)
{
	char buf[512], *save = NULL, spec[300] = "", id[64] = "", path[200] = "";
	bool server = false, nowait = false;

	if (cfg->nr_chardevs == VMM_MAX_CHARDEVS) {
		snprintf(err, errlen, "%s: at most %d character devices", opt, VMM_MAX_CHARDEVS);
		return -1;
	}
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "%s: argument too long", opt);
		return -1;
	}
	char *backend = strtok_r(buf, ",", &save);
	for (char *kv = strtok_r(NULL, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "id=", 3))
			snprintf(id, sizeof(id), "%s", kv + 3);
		else if (!strncmp(kv, "path=", 5))
			snprintf(path, sizeof(path), "%s", kv + 5);
		else if (!strcmp(kv, "server") || !strcmp(kv, "server=on"))
			server = true;
		else if (!strcmp(kv, "server=off"))
			server = false;
		else if (!strcmp(kv, "nowait") || !strcmp(kv, "wait=off"))
			nowait = true;
		else if (!strcmp(kv, "wait=on"))
			nowait = false;
		else if (strcmp(kv, "signal=off") && strcmp(kv, "signal=on") &&
			 strcmp(kv, "mux=off")) {
			snprintf(err, errlen, "%s: Invalid parameter '%s'", opt, kv);
			return -1;
		}
	}
	if (!backend || !id[0]) {
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
			 nowait ? ",nowait" : "");
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
	char why[256];
	if (chardev_parse(spec, &d->cfg, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", opt, why);
		return -1;
	}
	snprintf(d->id, sizeof(d->id), "%s", id);
	cfg->nr_chardevs++;
	return 0;
}

/* -qmp unix:PATH,server[=on][,nowait|wait=off] */
static int opt_qmp(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		   size_t errlen)
{
	struct chardev_config c;
	char why[256];

	if (cfg->nr_qmp == VMM_MAX_QMP) {
		snprintf(err, errlen, "%s: at most %d QMP monitors", opt, VMM_MAX_QMP);
		return -1;
	}
	if (chardev_parse(arg, &c, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", opt, why);
		return -1;
	}
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
	char buf[256], *save = NULL, id[64] = "";
	bool control = false;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "chardev=", 8))
			snprintf(id, sizeof(id), "%s", kv + 8);
		else if (!strcmp(kv, "mode=control"))
			control = true;
		else if (!strcmp(kv, "mode=readline"))
			control = false;
		else if (strcmp(kv, "pretty=off") && strncmp(kv, "id=", 3)) {
			snprintf(err, errlen, "%s: Invalid parameter '%s'", opt, kv);
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

static int opt_device(struct vmm_config *cfg, const char *opt, const char *arg, char *err,
		      size_t errlen)
{
	if (!strncmp(arg, "isa-serial,", 11))
		return opt_isa_serial(cfg, opt, arg, err, errlen);
	if (!strcmp(arg, "pvpanic") || !strncmp(arg, "pvpanic,", 8)) {
		uint64_t port = 0x505; /* QEMU's default */
		cfg->pvpanic = true;
		if (arg[7] && (strncmp(arg + 8, "ioport=", 7) || parse_u64(arg + 15, &port) < 0 ||
			       port > 0xffff)) {
			snprintf(err, errlen, "%s: pvpanic: bad property '%s'", opt, arg + 8);
			return -1;
		}
		cfg->pvpanic_ioport = (uint16_t)port;
		return 0;
	}
	if (!strncmp(arg, "isa-debug-exit", 14) && (!arg[14] || arg[14] == ',')) {
		cfg->debug_exit = true;
		return each_kv(cfg, opt, arg, kv_debugexit, err, errlen);
	}
	if (!strncmp(arg, "loader,", 7)) {
		if (each_kv(cfg, opt, arg, kv_loader, err, errlen) < 0)
			return -1;
		if (!cfg->loader_file) {
			snprintf(err, errlen, "%s: loader: 'file' is required", opt);
			return -1;
		}
		return 0;
	}
	size_t n = strcspn(arg, ",");
	snprintf(err, errlen, "%s: '%.*s' is not a valid device model name", opt, (int)n, arg);
	return -1;
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

static void print_help(void)
{
	printf("usage: kvmscope-vmm [options]\n"
	       "A small KVM virtual machine monitor with QEMU's run-state, reset and\n"
	       "shutdown semantics, instrumented with USDT probes (provider \"vmm\").\n\n"
	       "Guest:\n"
	       "  -kernel FILE        multiboot v1 ELF, Linux bzImage (64-bit boot protocol),\n"
	       "                      or a flat binary (real mode at 0x10000)\n"
	       "  -initrd FILE        initial ramdisk (Linux)\n"
	       "  -append STRING      kernel command line\n"
	       "  -device loader,file=FILE,addr=ADDR   flat binary at ADDR (real mode)\n"
	       "  -m SIZE             RAM, in MiB or with a K/M/G suffix (default %dM)\n"
	       "  -smp N              vCPUs, 1..%d, one thread each\n"
	       "  -cpu host[,pmu=on|off][,pmu-filter=allow|deny:EVENT[:EVENT...]]\n"
	       "       arm64 build, experimental (misconfigure the PMU on purpose):\n"
	       "       [,x-pmu-feature-off=CPU][,x-pmu-irq-last=INTID]\n"
	       "       [,x-pmu-irq-after-init=on][,x-pmu-has-probe=off]\n"
	       "  -machine [type=]pc[,confidential-guest-support=ID]   (-M too)\n"
	       "  -machine virt|virt-7.2|virt-4.1[,gic-version=2|3|host|max][,dumpdtb=FILE]   (arm64 build)\n"
	       "  -object sev-guest,id=ID,policy=N,cbitpos=N,reduced-phys-bits=N\n"
	       "                      A confidential-guest POLICY ONLY: memory is NOT\n"
	       "                      encrypted and no SEV hardware is used. The policy drives\n"
	       "                      the VMM's decisions as in QEMU: with the ES bit (0x4)\n"
	       "                      cpus are not resettable, so a guest reboot shuts down.\n"
	       "Devices:\n"
	       "  -serial DEV         stdio | null | file:PATH | unix:PATH[,server][,nowait]\n"
	       "                      first is COM1 (0x3f8), second COM2 (0x2f8)\n"
	       "                      chardev:ID (a -chardev)\n"
	       "  -chardev socket,id=ID,path=PATH[,server=on][,wait=off] | file,id=ID,path=PATH\n"
	       "          | stdio,id=ID | null,id=ID\n"
	       "  -device isa-serial,chardev=ID   the next COM port on a -chardev\n"
	       "  -device isa-debug-exit[,iobase=0xf4,iosize=4]\n"
	       "  -device pvpanic[,ioport=0x505]   guest panic notifier (GUEST_PANICKED)\n"
	       "Monitor:\n"
	       "  -qmp unix:PATH,server[,nowait]   QMP socket (mode 0600), repeatable\n"
	       "  -mon chardev=ID,mode=control     QMP on a -chardev socket\n"
	       "Run state:\n"
	       "  -S                  do not start the vCPUs (prelaunch)\n"
	       "  -no-reboot          = -action reboot=shutdown\n"
	       "  -no-shutdown        = -action shutdown=pause\n"
	       "  -action reboot=reset|shutdown,shutdown=poweroff|pause,\n"
	       "          panic=pause|shutdown|exit-failure|none,watchdog=...\n"
	       "Tracing and faults:\n"
	       "  -trace [enable=]PATTERN[,events=FILE][,file=FILE][,format=bracketed|upstream]\n"
	       "  -trace help         list trace events\n"
	       "  -D LOGFILE          trace log destination (default stderr)\n"
	       "  -msg timestamp=on   ISO-8601 timestamps on error messages\n"
	       "  -fault ioctl=NAME,errno=ERRNO[,after=N][,count=N][,fd=KIND][,cpu=N]\n"
	       "                      fail a KVM ioctl (count=0: every time after N)\n"
	       "Other:\n"
	       "  -name NAME, -pidfile FILE, --help, --version\n"
	       "  accepted and ignored: -enable-kvm -accel kvm -nographic -display none\n"
	       "                        -nodefaults -no-user-config -vga none -monitor none\n\n"
	       "Exit status: 0 after a shutdown; 1 for a bad option or a failed start;\n"
	       "(V << 1) | 1 when the guest writes V to isa-debug-exit; 1 after a guest\n"
	       "panic with panic=exit-failure; SIGABRT on an invalid run-state transition.\n",
	       DEFAULT_RAM_MIB, VMM_MAX_VCPUS);
}

enum { ARG_NONE, ARG_ONE };

static const struct option_desc {
	const char *name;
	int arg;
} option_table[] = {
	{ "kernel", ARG_ONE }, { "initrd", ARG_ONE },	  { "append", ARG_ONE },
	{ "m", ARG_ONE },      { "smp", ARG_ONE },	  { "serial", ARG_ONE },
	{ "no-reboot", ARG_NONE }, { "no-shutdown", ARG_NONE }, { "action", ARG_ONE },
	{ "S", ARG_NONE },     { "device", ARG_ONE },	  { "cpu", ARG_ONE },
	{ "object", ARG_ONE }, { "machine", ARG_ONE },	  { "M", ARG_ONE },
	{ "trace", ARG_ONE },  { "D", ARG_ONE },	  { "name", ARG_ONE },
	{ "pidfile", ARG_ONE }, { "help", ARG_NONE },	  { "h", ARG_NONE },
	{ "version", ARG_NONE }, { "msg", ARG_ONE },	  { "fault", ARG_ONE },
	{ "enable-kvm", ARG_NONE }, { "accel", ARG_ONE }, { "nographic", ARG_NONE },
	{ "display", ARG_ONE }, { "nodefaults", ARG_NONE }, { "no-user-config", ARG_NONE },
	{ "vga", ARG_ONE },    { "monitor", ARG_ONE },
	{ "qmp", ARG_ONE },    { "chardev", ARG_ONE },	  { "mon", ARG_ONE },
};

static int apply(struct vmm_config *cfg, const char *name, const char *opt, const char *arg,
		 char *err, size_t errlen)
{
	if (!strcmp(name, "kernel")) {
		cfg->kernel = arg;
	} else if (!strcmp(name, "initrd")) {
		cfg->initrd = arg;
	} else if (!strcmp(name, "append")) {
		cfg->append = arg;
	} else if (!strcmp(name, "m")) {
		const char *size = !strncmp(arg, "size=", 5) ? arg + 5 : arg;
		if (parse_size_mib(size, &cfg->ram_size) < 0) {
			snprintf(err, errlen, "%s: invalid RAM size '%s'", opt, arg);
			return -1;
		}
		if (cfg->ram_size < (4ULL << 20)) {
			snprintf(err, errlen, "%s: RAM size '%s' is too small (at least 4M)", opt, arg);
			return -1;
		}
	} else if (!strcmp(name, "smp")) {
		return opt_smp(cfg, opt, arg, err, errlen);
	} else if (!strcmp(name, "serial")) {
		if (cfg->nr_serials == VMM_MAX_SERIALS) {
			snprintf(err, errlen, "%s: at most %d serial ports (COM1, COM2)", opt,
				 VMM_MAX_SERIALS);
			return -1;
		}
		char why[256];
		if (!strncmp(arg, "chardev:", 8))
			return add_serial_ref(cfg, opt, arg + 8, err, errlen);
		if (chardev_parse(arg, &cfg->serial[cfg->nr_serials], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", opt, why);
			return -1;
		}
		cfg->nr_serials++;
	} else if (!strcmp(name, "no-reboot")) {
		cfg->actions.reboot = REBOOT_ACTION_SHUTDOWN;
	} else if (!strcmp(name, "no-shutdown")) {
		cfg->actions.shutdown = SHUTDOWN_ACTION_PAUSE;
	} else if (!strcmp(name, "action")) {
		return each_kv(cfg, opt, arg, kv_action, err, errlen);
	} else if (!strcmp(name, "S")) {
		cfg->start_paused = true;
	} else if (!strcmp(name, "device")) {
		return opt_device(cfg, opt, arg, err, errlen);
	} else if (!strcmp(name, "cpu")) {
		return each_kv(cfg, opt, arg, kv_cpu, err, errlen);
	} else if (!strcmp(name, "object")) {
		if (strncmp(arg, "sev-guest,", 10) && strncmp(arg, "qom-type=sev-guest,", 19)) {
			snprintf(err, errlen, "%s: only sev-guest objects are supported", opt);
			return -1;
		}
		char why[256];
		if (sev_parse_object(!strncmp(arg, "sev-guest,", 10) ? arg + 10 : arg, &cfg->sev,
				     why, sizeof(why)) < 0) {
			/* sev_parse_object's messages already start with "-object" */
			snprintf(err, errlen, "%s", why);
			return -1;
		}
	} else if (!strcmp(name, "machine") || !strcmp(name, "M")) {
		return each_kv(cfg, opt, arg, kv_machine, err, errlen);
	} else if (!strcmp(name, "trace")) {
		int list = 0;
		if (trace_parse_option(arg, &list, err, errlen) < 0) {
			char why[256];
			snprintf(why, sizeof(why), "%s", err);
			if (strncmp(why, "-trace", 6))
				snprintf(err, errlen, "-trace: %s", why);
			return -1;
		}
		if (list)
			cfg->list_trace_events = true;
	} else if (!strcmp(name, "D")) {
		cfg->logfile = arg;
	} else if (!strcmp(name, "name")) {
		cfg->name = !strncmp(arg, "guest=", 6) ? arg + 6 : arg;
	} else if (!strcmp(name, "pidfile")) {
		cfg->pidfile = arg;
	} else if (!strcmp(name, "msg")) {
		if (!strcmp(arg, "timestamp=on"))
			cfg->msg_timestamp = true;
		else if (!strcmp(arg, "timestamp=off"))
			cfg->msg_timestamp = false;
		else {
			snprintf(err, errlen, "%s: Invalid parameter '%s'", opt, arg);
			return -1;
		}
	} else if (!strcmp(name, "qmp")) {
		return opt_qmp(cfg, opt, arg, err, errlen);
	} else if (!strcmp(name, "chardev")) {
		return opt_chardev(cfg, opt, arg, err, errlen);
	} else if (!strcmp(name, "mon")) {
		return opt_mon(cfg, opt, arg, err, errlen);
	} else if (!strcmp(name, "fault")) {
		return kvm_fault_parse(arg, err, errlen);
	} else if (!strcmp(name, "accel")) {
		if (strncmp(arg, "kvm", 3)) {
			snprintf(err, errlen, "%s: accelerator '%s' not supported (kvm only)", opt, arg);
			return -1;
		}
	}
	/* the remaining options are accepted for drop-in use and change nothing */
	return 0;
}

enum options_result options_parse(int argc, char **argv, struct vmm_config *cfg, char *err,
				  size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		const char *name = opt;
		if (name[0] != '-') {
			snprintf(err, errlen, "%s: unexpected argument (options start with '-')", opt);
			return OPTIONS_ERROR;
		}
		name += name[1] == '-' ? 2 : 1;
		const struct option_desc *d = NULL;
		for (size_t k = 0; k < sizeof(option_table) / sizeof(option_table[0]); k++)
			if (!strcmp(option_table[k].name, name))
				d = &option_table[k];
		if (!d) {
			snprintf(err, errlen, "%s: invalid option", opt);
			return OPTIONS_ERROR;
		}
		if (!strcmp(name, "help") || !strcmp(name, "h")) {
			print_help();
			return OPTIONS_EXIT_OK;
		}
		if (!strcmp(name, "version")) {
			print_version(stdout, "kvmscope-vmm");
			return OPTIONS_EXIT_OK;
		}
		const char *arg = NULL;
		if (d->arg == ARG_ONE) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s: requires an argument", opt);
				return OPTIONS_ERROR;
			}
			arg = argv[++i];
		}
		if (apply(cfg, d->name, opt, arg, err, errlen) < 0)
			return OPTIONS_ERROR;
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
