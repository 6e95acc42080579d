/* Kernel log lines, of the host (kvm, kvm_amd, kvm_intel, ccp/SEV, virt/tdx)
 * or of a guest's console (panic, reboot):
 *   [ 1234.567890] TEXT                                     dmesg
 *   Mon DD HH:MM:SS HOST kernel: [ 1234.567890] TEXT        journald / syslog
 *   Mon DD HH:MM:SS HOST kernel: TEXT
 *   Mon DD HH:MM:SS HOST UNIT[PID]: TEXT                    another unit: TEXT is read as a line
 * journald's time has no year or zone, so it is not used as a time. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemulog.h"
#include "qemulog-internal.h"

/* what a kernel message is about, for the rules */
static const char *kernel_event(const char *t)
{
	if (strstr(t, "Kernel panic - not syncing") || strstr(t, "kernel BUG at") ||
	    (strstr(t, "Oops:") && strstr(t, "#")))
		return "panic";
	if (strstr(t, "reboot: Restarting system") || strstr(t, "reboot: machine restart") ||
	    strstr(t, "Requesting system reboot"))
		return "reboot";
	if (strstr(t, "Triple fault") || strstr(t, "triple fault"))
		return "triple-fault";
	if (strstr(t, "rdmsr") || strstr(t, "wrmsr") || strstr(t, "RDMSR") || strstr(t, "WRMSR"))
		return "msr";
	if (strstr(t, "SEV") || strstr(t, "virt/tdx") || strstr(t, "tdx:") || strstr(t, "TDX"))
		return "confidential";
	if (!strncmp(t, "kvm", 3))
		return "kvm";
	return NULL;
}

/* TEXT after the dmesg time: subsystem ("kvm", "kvm_amd", "ccp 0000:01:00.2")
 * is what comes before the first ": ", when it has no more than two words */
static void kernel_message(const char *t, struct qlog_event *ev)
{
	const char *c = strstr(t, ": ");
	ev->source = QLOG_SRC_KERNEL;
	ev->kind = QLOG_KERNEL;
	if (c && c - t < 48) {
		size_t spaces = 0;
		for (const char *s = t; s < c; s++)
			spaces += *s == ' ';
		if (spaces <= 2)
			qlog_setn(ev, "subsystem", t, (size_t)(c - t));
	}
	qlog_set(ev, "message", t);
	const char *what = kernel_event(t);
	if (what)
		qlog_set(ev, "event", what);
	const char *tech = strstr(t, "SEV-SNP") ? "SNP" : strstr(t, "SEV-ES") ? "SEV-ES" :
			   strstr(t, "SEV") ? "SEV" : (strstr(t, "tdx") || strstr(t, "TDX")) ? "TDX" :
									     NULL;
	if (tech)
		qlog_set(ev, "tech", tech);
}

/* "[ 1234.567890] TEXT" -> TEXT, uptime in *S */
static const char *dmesg_time(const char *p, double *s)
{
	if (*p != '[')
		return NULL;
	const char *q = qlog_skip_spaces(p + 1);
	char *end;
	if (!isdigit((unsigned char)*q))
		return NULL;
	*s = strtod(q, &end);
	if (end == q || *end != ']' || !strchr(q, '.') || strchr(q, '.') > end)
		return NULL;
	return end[1] == ' ' ? end + 2 : end + 1;
}

static bool read_dmesg(const char *p, struct qlog_event *ev)
{
	double up;
	const char *t = dmesg_time(p, &up);
	if (!t)
		return false;
	kernel_message(t, ev);
	qlog_setf(ev, "uptime_s", "%.6f", up);
	return true;
}

/* "Mon DD HH:MM:SS HOST " -> what follows */
static const char *syslog_prefix(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (strlen(p) < 16 || p[3] != ' ')
		return NULL;
	const char *m = strstr(months, (char[4]){ p[0], p[1], p[2], 0 });
	if (!m || (m - months) % 3)
		return NULL;
	const char *q = qlog_skip_spaces(p + 4);
	long day;
	if (!qlog_take_long(&q, &day) || *q != ' ' || qlog_digits(q + 1, 2) < 0 || q[3] != ':' ||
	    qlog_digits(q + 4, 2) < 0 || q[6] != ':' || qlog_digits(q + 7, 2) < 0 || q[9] != ' ')
		return NULL;
	q += 10;
	const char *host_end = strchr(q, ' ');
	return host_end ? host_end + 1 : NULL;
}

static bool read_journal(const char *p, struct qlog_event *ev, int depth)
{
	const char *u = syslog_prefix(p);
	if (!u)
		return false;
	size_t n = strcspn(u, "[: ");
	const char *c = strstr(u, ": ");
	if (!c || !n)
		return false;
	const char *t = c + 2;
	if (n == 6 && !strncmp(u, "kernel", 6)) {
		if (!read_dmesg(t, ev))
			kernel_message(t, ev);
		return true;
	}
	/* another unit: its text may be QEMU's own (qemu-system-x86_64[PID]: ...)
	 * or libvirt's; read it as a line */
	if (depth >= QLOG_MAX_DEPTH)
		return false;
	struct qlog_event in = { .tid = -1 };
	bool qemu = qlog_is_qemu_program(u, n);
	if (qemu) {
		char *line = NULL;
		if (asprintf(&line, "%.*s: %s", (int)n, u, t) < 0)
			return false;
		qlog_parse_text(line, &in, depth + 1);
		free(line);
	} else {
		qlog_parse_text(t, &in, depth + 1);
	}
	if (in.kind == QLOG_TEXT) {
		qlog_event_clear(&in);
		return false;
	}
	qlog_event_adopt(ev, &in);
	qlog_setn(ev, "unit", u, n);
	return true;
}

bool qlog_read_kernel(const char *p, struct qlog_event *ev, int depth)
{
	return read_dmesg(p, ev) || read_journal(p, ev, depth);
}
