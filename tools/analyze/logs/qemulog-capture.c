/* A kvmscope capture as normalized events (see qemulog-capture.h). Times are
 * put on the wall clock (UTC) with the header's pair of monotonic/realtime
 * readings, so a capture and the VMM's logs of the same run line up. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "kvm-caps.h"
#include "kvm-names.h"
#include "qemulog-capture.h"
#include "analyze/timeline.h"

bool qlog_is_capture(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == (ssize_t)sizeof(magic) && !memcmp(magic, CAP_MAGIC, sizeof(magic));
}

static void add_text(struct qlog_stream *s, const char *file, unsigned line, const char *fmt,
		     const char *a, const char *b)
{
	struct qlog_event ev = { .tid = -1, .source = QLOG_SRC_CAPTURE, .line = line };
	if (asprintf(&ev.text, fmt, a, b) < 0)
		return;
	qlog_stream_add(s, &ev, file);
}

static void add_meta(struct qlog_stream *s, const char *file, const struct timeline *tl)
{
	struct qlog_event ev = { .tid = -1, .source = QLOG_SRC_CAPTURE };

	if (tl->command) {
		if (asprintf(&ev.text, "meta command: %s", tl->command) >= 0 &&
		    qlog_interpret_command_line(tl->command, &ev)) {
			ev.source = QLOG_SRC_CAPTURE;
			qlog_stream_add(s, &ev, file);
		} else {
			qlog_event_clear(&ev);
		}
	}
	ev = (struct qlog_event){ .tid = -1, .source = QLOG_SRC_CAPTURE, .kind = QLOG_HOST };
	if (tl->kernel_release)
		qlog_set(&ev, "kernel", tl->kernel_release);
	if (tl->hostname)
		qlog_set(&ev, "hostname", tl->hostname);
	/* the kernel functions record --functions attached ("f,g"): a rule can
	 * tell "never called" from "not recorded" */
	char *kfuncs = NULL;
	for (uint32_t i = 0; i < tl->nkfuncs; i++) {
		char *more = NULL;
		if (tl->kfuncs[i].name &&
		    asprintf(&more, "%s%s%s", kfuncs ? kfuncs : "", kfuncs ? "," : "", tl->kfuncs[i].name) >= 0) {
			free(kfuncs);
			kfuncs = more;
		}
	}
	if (kfuncs)
		qlog_set(&ev, "kernel_functions", kfuncs);
	free(kfuncs);
	if (asprintf(&ev.text, "meta host: kernel %s, hostname %s",
		     tl->kernel_release ? tl->kernel_release : "?",
		     tl->hostname ? tl->hostname : "?") >= 0)
		qlog_stream_add(s, &ev, file);
	else
		qlog_event_clear(&ev);
}

static void add_ioctl(struct qlog_stream *s, const char *file, const struct timeline *tl,
		      const struct tl_event *e, unsigned line, int64_t to_real_us)
{
	struct qlog_event ev = { .tid = e->tid, .pid = e->pid, .source = QLOG_SRC_CAPTURE, .line = line,
				 .kind = QLOG_SYSCALL, .clock = QLOG_CLOCK_UTC,
				 .ts_us = (int64_t)(e->ts / 1000) + to_real_us };
	char text[256];
	const char *name = timeline_ioctl_name(tl, e->cmd);

	timeline_format_ioctl(tl, e, text, sizeof(text));
	qlog_set(&ev, "syscall", "ioctl");
	qlog_setf(&ev, "fd", "%" PRIu64, e->fd);
	qlog_setf(&ev, "request", "0x%" PRIx32, (uint32_t)e->cmd);
	if (name)
		qlog_set(&ev, "ioctl", name);
	if (name && !strcmp(name, "KVM_CHECK_EXTENSION") && kvm_cap_name(e->arg))
		qlog_set(&ev, "capability", kvm_cap_name(e->arg));
	if (e->has_exit) {
		qlog_setf(&ev, "ret", "%" PRId64, e->ret < 0 && e->ret >= -4095 ? (int64_t)-1 : e->ret);
		if (e->ret < 0 && e->ret >= -4095) {
			qlog_setf(&ev, "errno", "%" PRId64, -e->ret);
			qlog_set(&ev, "errname", errno_name((int)-e->ret));
		}
		qlog_setf(&ev, "duration_ns", "%" PRIu64, e->end_ts - e->ts);
		ev.text = NULL;
		if (asprintf(&ev.text, "%s in %.3f us", text, (double)(e->end_ts - e->ts) / 1e3) < 0)
			ev.text = NULL;
	} else {
		ev.text = strdup(text);
	}
	qlog_stream_add(s, &ev, file);
}

/* a kernel function call (record --functions): its return value and errno */
static void add_kfunc(struct qlog_stream *s, const char *file, const struct timeline *tl,
		      const struct tl_event *e, unsigned line, int64_t to_real_us)
{
	struct qlog_event ev = { .tid = e->tid, .pid = e->pid, .source = QLOG_SRC_CAPTURE, .line = line,
				 .kind = QLOG_KERNEL_FUNCTION, .clock = QLOG_CLOCK_UTC,
				 .ts_us = (int64_t)(e->ts / 1000) + to_real_us };
	const struct cap_kfunc_def_view *d = timeline_kfunc_def(tl, e->id);
	int err = timeline_kfunc_errno(tl, e);
	char text[256];

	if (!d)
		return;
	qlog_set(&ev, "function", d->name);
	qlog_set(&ev, "module", d->module);
	qlog_setf(&ev, "ret", "%" PRId64, e->ret);
	if (err) {
		qlog_setf(&ev, "errno", "%d", err);
		qlog_set(&ev, "errname", errno_name(err));
	}
	if (e->has_exit)
		qlog_setf(&ev, "duration_ns", "%" PRIu64, e->end_ts - e->ts);
	qlog_setf(&ev, "depth", "%u", e->depth);
	timeline_format_kfunc(tl, e, text, sizeof(text));
	if (asprintf(&ev.text, "kfunc %s in %.3f us", text, (double)(e->end_ts - e->ts) / 1e3) < 0)
		ev.text = NULL;
	qlog_stream_add(s, &ev, file);
}

int qlog_read_capture(struct qlog_stream *s, const char *path, char *err, size_t errlen)
{
	struct timeline tl;

	if (timeline_load(&tl, path, err, errlen) < 0)
		return -1;
	const struct cap_file_header *h = cap_header(tl.reader);
	int64_t to_real_us = (int64_t)(h->start_real_ns / 1000) - (int64_t)(h->start_mono_ns / 1000);

	add_meta(s, path, &tl);
	for (size_t i = 0; i < tl.nnotes; i++)
		add_text(s, path, 0, "collector note: %s%s", tl.notes[i], "");
	for (size_t i = 0; i < tl.n; i++) {
		const struct tl_event *e = &tl.ev[i];
		unsigned line = (unsigned)(e->seq + 1);
		if (e->kind == TL_IOCTL) {
			add_ioctl(s, path, &tl, e, line, to_real_us);
			continue;
		}
		if (e->kind == TL_KFUNC) {
			add_kfunc(s, path, &tl, e, line, to_real_us);
			continue;
		}
		if (e->kind != TL_PROBE)
			continue;
		const char *name = timeline_probe_name(&tl, e->id);
		char args[1024];
		if (!name)
			continue;
		timeline_format_probe(&tl, e, args, sizeof(args));
		struct qlog_event ev = { .tid = e->tid, .pid = e->pid, .source = QLOG_SRC_CAPTURE, .line = line,
					 .clock = QLOG_CLOCK_UTC,
					 .ts_us = (int64_t)(e->ts / 1000) + to_real_us };
		qlog_interpret_trace(name, args, &ev);
		ev.source = QLOG_SRC_CAPTURE;
		if (asprintf(&ev.text, "%s %s", name, args) < 0)
			ev.text = NULL;
		qlog_stream_add(s, &ev, path);
	}
	if (tl.corrupt[0])
		add_text(s, path, 0, "capture damaged: %s%s", tl.corrupt, "");
	else if (tl.truncated)
		add_text(s, path, 0, "capture cut short: a partial last record was ignored%s%s", "", "");
	else if (!tl.clean_end)
		add_text(s, path, 0, "the collector did not finish cleanly (no end record): the "
				     "capture may stop before the incident%s%s", "", "");
	timeline_free(&tl);
	return 0;
}
