/* kvmscope ci: run a command (a test suite, a VMM) under the collectors and
 * leave in one directory what a CI system keeps: the capture, the text
 * report, the diagnosis (text and JSON), a JUnit XML file (one test case per
 * diagnosis rule) and a Chrome-trace JSON plus a self-contained HTML
 * timeline.
 *
 * The wrapped command's exit status is the contract: it passes through
 * unchanged (death by signal N -> 128+N), whatever happens to the
 * collectors. The collectors and analysers are this same binary run as
 * subprocesses (`kvmscope record|report|diagnose`), so a collector that cannot
 * attach, or an analyser that crashes, costs an artifact, never the status. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "capture/capture.h"
#include "capture/trim.h"
#include "cli.h"
#include "commands.h"
#include "junit.h"
#include "analyze/report-html.h"
#include "collect/slurp.h"

#define ANALYSIS_TIMEOUT_S 600	/* per analyser run: a hung analyser must not hang CI */

enum keep_policy { KEEP_ALWAYS, KEEP_FAILURE };

struct ci_opts {
	const char *out_dir;
	enum keep_policy keep;
	uint64_t max_bytes;	/* 0: no bound */
	const char *vmm;	/* the VMM binary whose probes to record (NULL: the command) */
	int no_ftrace;		/* the switches are ints: getopt_long sets them */
	int no_record;
	int quiet;
	int cleanup;		/* only `record --cleanup` */
	char **command;
};

/* What happened, for the summary, JUnit and ci.json. */
struct ci_run {
	char tool[PATH_MAX];	/* the kvmscope binary that records and analyses */
	char capture[PATH_MAX];
	int status;		/* the command's, as a shell reports it */
	bool recorded;		/* the command ran under the collectors */
	char collectors[64];	/* "bpf+ftrace", "bpf", "none" */
	char why_not[256];	/* why the collectors did not run */
	double seconds;
	char started[32];	/* ISO 8601 UTC */
	unsigned long long records, notes_n;
	char **notes;		/* NOTE records: what the collector could not do */
	uint64_t trimmed_records, trimmed_bytes;
	uint64_t lost;		/* records the collectors lost (LOST records, trimmed ones too) */
	json_t *artifacts;	/* name -> "ok" or why not */
};

static FILE *msg_out;	/* stderr, or DIR/ci.log with --quiet */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kvmscope ci: ", msg_out);
	vfprintf(msg_out, fmt, ap);
	fputc('\n', msg_out);
	fflush(msg_out);
	va_end(ap);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kvmscope ci [--out DIR] [--keep=always|failure] [--max-size MIB]\n"
		"                   [--vmm PATH] [--no-ftrace] [--no-record] [--quiet] -- COMMAND [ARGS...]\n"
		"       kvmscope ci --cleanup\n"
		"\n"
		"Runs COMMAND under the collectors (eBPF and ftrace, whatever the host allows),\n"
		"exits with its status (killed by signal N: 128+N) and leaves in DIR\n"
		"(default kvmscope-ci):\n"
		"  kvmscope.capture   the capture (kvmscope report/diagnose read it)\n"
		"  report.txt         the merged timeline as text\n"
		"  diagnosis.txt      the diagnosis, and diagnosis.json for machines\n"
		"  junit.xml          JUnit XML: the command, the collectors and one test case\n"
		"                     per diagnosis rule (a finding fails it, with its evidence)\n"
		"  trace.json         Chrome trace events (ui.perfetto.dev, chrome://tracing)\n"
		"  timeline.html      the same timeline as one self-contained page\n"
		"  ci.json            what ran, its status, collectors and artifacts\n"
		"\n"
		"  -o, --out DIR        artifact directory (created)\n"
		"      --keep=WHEN      always (default) or failure: on success keep nothing\n"
		"      --max-size MIB   bound the capture: the newest MIB of records survive\n"
		"                       (definitions and metadata are always kept); bounded while\n"
		"                       recording too, to twice MIB (kvmscope record --max-size)\n"
		"      --vmm PATH       the VMM binary to record when COMMAND is a test suite\n"
		"      --no-ftrace      eBPF collector only\n"
		"      --cleanup        remove the kept ftrace instance and BPF set (see below), exit\n"
		"      --no-record      run without collectors (artifacts from nothing)\n"
		"  -q, --quiet          messages after the command go to DIR/ci.log, so the\n"
		"                       command's own last line stays last\n"
		"\n"
		"When a collector cannot attach, one line says so and COMMAND still runs.\n"
		"Both collectors are kept: BPF through the set pinned in /sys/fs/bpf/kvmscope-kept\n"
		"(kvmscope record --bpf-keep), ftrace through the instance kvmscope-kept\n"
		"(--ftrace-keep). Set up by the first run and reused, so a run does not pay their\n"
		"setup and teardown; meanwhile nothing is recorded, but the VMM binary's probes\n"
		"stay armed.\n"
		"KVMSCOPE_CI_TOOL=PATH runs another kvmscope binary for record/report/diagnose.\n");
}

/* ---- small helpers -------------------------------------------------- */

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(buf, &st) || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int shell_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

/* ---- running things ------------------------------------------------- */

static volatile sig_atomic_t forward_pid;

/* As subreaper we inherit every orphan of the command (a test suite's
 * background VMMs): they are reaped at once, so a test polling one with
 * kill -0 sees it gone, and their statuses are kept for the command's own
 * pid in case its collector dies first. */
#define REAPED_MAX 256
static struct {
	pid_t pid;
	int status;
} reaped[REAPED_MAX];
static unsigned nreaped;

static void remember(pid_t pid, int status)
{
	reaped[nreaped % REAPED_MAX].pid = pid;
	reaped[nreaped % REAPED_MAX].status = status;
	nreaped++;
}

static bool reaped_status(pid_t pid, int *status)
{
	for (unsigned i = 0; i < REAPED_MAX && i < nreaped; i++)
		if (reaped[i].pid == pid) {
			*status = reaped[i].status;
			return true;
		}
	return false;
}

/* Waits for PID, reaping (and remembering) any orphan on the way. */
static int wait_reaping(pid_t pid, int *status)
{
	for (;;) {
		pid_t w = waitpid(-1, status, 0);
		if (w == pid)
			return 0;
		if (w > 0) {
			remember(w, *status);
			continue;
		}
		if (errno == EINTR)
			continue;
		return -1;
	}
}

static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill((pid_t)forward_pid, sig);
}

/* Runs ARGV with stdout to OUT_PATH (NULL: inherited) and stderr to
 * ERR_PATH (NULL: inherited); TIMEOUT_S > 0 kills it after that long.
 * Returns the wait status, or -1 when it could not be started. */
static int run(char *const argv[], const char *out_path, const char *err_path, unsigned timeout_s,
	       pid_t *pid_out)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (out_path) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
		}
		if (err_path) {
			int fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (fd < 0 || dup2(fd, 2) < 0)
				_exit(126);
		}
		if (timeout_s)
			alarm(timeout_s); /* survives exec: SIGALRM ends a hung analyser */
		execvp(argv[0], argv);
		fprintf(stderr, "kvmscope ci: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid_out)
		*pid_out = pid;
	forward_pid = pid;
	int st;
	if (wait_reaping(pid, &st))
		st = -1;
	forward_pid = 0;
	return st;
}

/* The tool's `SUBCOMMAND --help`, which names the options it has (NULL:
 * none could be read); once, as each run costs a process start. */
static char *tool_help(const char *tool, const char *subcommand, const char *tmpdir)
{
	char out[PATH_MAX];
	path_in(out, sizeof(out), tmpdir, ".help.txt");
	char *argv[] = { (char *)tool, (char *)subcommand, "--help", NULL };
	int st = run(argv, out, "/dev/null", 30, NULL);
	char *text = st >= 0 ? slurp(out, NULL) : NULL;
	unlink(out);
	return text;
}

/* whether HELP names OPTION as an option (not as the start of a longer one) */
static bool has_option(const char *help, const char *option)
{
	size_t n = strlen(option);
	for (const char *p = help; p && (p = strstr(p, option)); p += n)
		if (p[n] != '-' && p[n] != '_' && !(p[n] >= 'a' && p[n] <= 'z'))
			return true;
	return false;
}

/* The capture's meta "exit_status" ("exit N" / "signal N"), header target
 * pid, and whether the ftrace collector wrote into it (its "ftrace_instance":
 * record --ftrace goes on with BPF alone when tracefs refuses). Returns true
 * when the status was there. */
static bool capture_exit_status(const char *path, int *status, uint32_t *target_pid,
				bool *has_ftrace)
{
	char err[256];
	struct cap_reader *r = cap_open(path, err, sizeof(err));
	bool found = false;
	*target_pid = 0;
	*has_ftrace = false;
	if (!r)
		return false;
	*target_pid = cap_header(r)->target_pid;
	const struct cap_record *rec;
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		const char *k, *v;
		if (rec->type != CAP_REC_META || cap_decode_meta(rec, &k, &v))
			continue;
		if (!strcmp(k, "ftrace_instance"))
			*has_ftrace = true;
		if (strcmp(k, "exit_status"))
			continue;
		int n;
		if (sscanf(v, "exit %d", &n) == 1) {
			*status = n & 0xff;
			found = true;
		} else if (sscanf(v, "signal %d", &n) == 1) {
			*status = 128 + n;
			found = true;
		}
	}
	cap_close(r);
	return found;
}

/* One attempt at recording: returns true when the command ran (its status in
 * ci->status), false when the collector gave up before starting it. */
static bool record_attempt(struct ci_run *ci, const struct ci_opts *o, const char *ftrace,
			   bool follow, bool binary_opt, bool max_size_opt, bool bpf_keep)
{
	char mib[32];
	size_t n = 0;
	for (char **a = o->command; *a; a++)
		n++;
	char **argv = calloc(n + 16, sizeof(*argv));
	size_t i = 0;
	argv[i++] = ci->tool;
	argv[i++] = "record";
	argv[i++] = "-o";
	argv[i++] = ci->capture;
	argv[i++] = "-q";
	if (ftrace) /* --ftrace or --ftrace-keep */
		argv[i++] = (char *)ftrace;
	if (follow)
		argv[i++] = "--follow";
	if (bpf_keep)
		argv[i++] = "--bpf-keep";
	if (binary_opt && o->vmm) {
		argv[i++] = "--binary";
		argv[i++] = (char *)o->vmm;
	}
	if (max_size_opt && o->max_bytes) {
		/* bounded while it runs, so a long suite cannot fill the disk. record's
		 * ring keeps between half and all of its bound, so it gets twice ours:
		 * the newest MIB always survive, and the trim afterwards cuts to MIB */
		snprintf(mib, sizeof(mib), "%llu", (unsigned long long)(o->max_bytes >> 20) * 2);
		argv[i++] = "--max-size";
		argv[i++] = mib;
	}
	argv[i++] = "--";
	for (char **a = o->command; *a; a++)
		argv[i++] = *a;
	argv[i] = NULL;

	unlink(ci->capture);
	double t0 = now_s();
	int st = run(argv, NULL, NULL, 0, NULL);
	ci->seconds = now_s() - t0;
	free(argv);

	uint32_t target = 0;
	bool with_ftrace;
	if (capture_exit_status(ci->capture, &ci->status, &target, &with_ftrace)) {
		snprintf(ci->collectors, sizeof(ci->collectors), "%s", with_ftrace ? "bpf+ftrace" : "bpf");
		return true;
	}
	if (st >= 0 && WIFSIGNALED(st) && target) {
		/* the collector died while the command ran: as subreaper we
		 * inherited the command and reap it ourselves */
		int cst;
		if (reaped_status((pid_t)target, &cst) || wait_reaping((pid_t)target, &cst) == 0) {
			ci->status = shell_status(cst);
			ci->seconds = now_s() - t0;
			say("the collector died (signal %d) while the command ran; its capture is partial",
			    WTERMSIG(st));
			return true;
		}
	}
	snprintf(ci->why_not, sizeof(ci->why_not), "kvmscope record%s%s %s %d", ftrace ? " " : "",
		 ftrace ? ftrace : "",
		 st >= 0 && WIFSIGNALED(st) ? "died of signal" : "exited with status",
		 st < 0 ? -1 : WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return false;
}

static void run_command(struct ci_run *ci, const struct ci_opts *o)
{
	snprintf(ci->collectors, sizeof(ci->collectors), "none");
	if (!o->no_record && access(ci->tool, X_OK) == 0) {
		char *help = tool_help(ci->tool, "record", o->out_dir);
		/* the kept instance: its setup and teardown are paid once, not per run */
		const char *ftrace = o->no_ftrace ? NULL : has_option(help, "--ftrace-keep") ?
				     "--ftrace-keep" : has_option(help, "--ftrace") ? "--ftrace" : NULL;
		bool has_follow = has_option(help, "--follow");
		bool has_binary = has_option(help, "--binary");
		bool has_max = o->max_bytes && has_option(help, "--max-size");
		/* the kept BPF set, for the same reason (tools/collect/bpf-kept.h) */
		bool keep = has_option(help, "--bpf-keep");
		free(help);
		/* record_attempt names the collectors from what the capture holds */
		if ((ftrace && record_attempt(ci, o, ftrace, has_follow, has_binary, has_max, keep)) ||
		    record_attempt(ci, o, NULL, has_follow, has_binary, has_max, keep)) {
			ci->recorded = true;
			return;
		}
	} else if (o->no_record) {
		snprintf(ci->why_not, sizeof(ci->why_not), "--no-record");
	} else {
		if (snprintf(ci->why_not, sizeof(ci->why_not), "%s: %s", ci->tool, strerror(errno)) < 0)
			ci->why_not[0] = 0;
	}
	if (!o->no_record)
		fprintf(stderr, "kvmscope ci: the collectors could not attach (%s): running the command "
			"without them\n", ci->why_not);
	double t0 = now_s();
	int st = run(o->command, NULL, NULL, 0, NULL);
	ci->seconds = now_s() - t0;
	ci->status = st < 0 ? 127 : shell_status(st);
}

/* ---- reading the capture for the summary ----------------------------- */

static void read_capture_facts(struct ci_run *ci)
{
	char err[256];
	struct cap_reader *r = cap_open(ci->capture, err, sizeof(err));
	if (!r)
		return;
	const struct cap_record *rec;
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		const char *text;
		const struct cap_lost *l;
		ci->records++;
		if (rec->type == CAP_REC_LOST && cap_decode_lost(rec, &l) == 0)
			ci->lost += l->count;
		if (rec->type != CAP_REC_NOTE || cap_decode_text(rec, &text))
			continue;
		/* what record --max-size dropped while it ran, and what we trimmed;
		 * the LOST records among them are counted in the NOTE */
		struct cap_drop d;
		if (cap_parse_drop_note(text, &d)) {
			ci->trimmed_records += d.records;
			ci->trimmed_bytes += d.bytes;
			ci->lost += d.lost;
		}
		char **nn = realloc(ci->notes, (ci->notes_n + 1) * sizeof(*nn));
		if (!nn)
			break;
		ci->notes = nn;
		ci->notes[ci->notes_n++] = strdup(text);
	}
	cap_close(r);
}

/* ---- analysis artifacts --------------------------------------------- */

/* Runs `tool ARGS...` with stdout into DIR/NAME; records the outcome. */
static bool analyse(struct ci_run *ci, const struct ci_opts *o, const char *name,
		    const char *const *args)
{
	char out[PATH_MAX], log[PATH_MAX];
	path_in(out, sizeof(out), o->out_dir, name);
	path_in(log, sizeof(log), o->out_dir, "ci.log");
	char *argv[16];
	size_t i = 0;
	argv[i++] = ci->tool;
	for (; *args && i < 15; args++)
		argv[i++] = (char *)*args;
	argv[i] = NULL;
	int st = run(argv, out, log, ANALYSIS_TIMEOUT_S, NULL);
	struct stat sb;
	/* diagnose exits non-zero when it finds something: its output is what counts */
	bool ok = st >= 0 && !WIFSIGNALED(st) && stat(out, &sb) == 0 && sb.st_size > 0 &&
		  (WEXITSTATUS(st) == 0 || !strcmp(argv[1], "diagnose"));
	char why[128];
	if (ok)
		snprintf(why, sizeof(why), "ok");
	else if (st >= 0 && WIFSIGNALED(st))
		snprintf(why, sizeof(why), "%s died of signal %d", argv[1], WTERMSIG(st));
	else
		snprintf(why, sizeof(why), "%s exited with status %d (see ci.log)", argv[1],
			 st < 0 ? -1 : WEXITSTATUS(st));
	json_object_set_new(ci->artifacts, name, json_string(why));
	if (!ok) {
		say("%s: %s", name, why);
		unlink(out);
	}
	return ok;
}

/* One line of evidence from a diagnosis JSON evidence item. */
static void evidence_line(struct junit_case *c, json_t *ev)
{
	if (json_is_string(ev)) {
		junit_case_append(c, "%s\n", json_string_value(ev));
		return;
	}
	if (!json_is_object(ev))
		return;
	const char *file = json_string_value(json_object_get(ev, "file"));
	json_t *line = json_object_get(ev, "line");
	const char *time = json_string_value(json_object_get(ev, "time"));
	const char *text = json_string_value(json_object_get(ev, "text"));
	if (file)
		junit_case_append(c, "%s", file);
	if (json_is_integer(line) && json_integer_value(line) > 0)
		junit_case_append(c, ":%lld", (long long)json_integer_value(line));
	if (file || json_is_integer(line))
		junit_case_append(c, ": ");
	if (time && strcmp(time, "-"))
		junit_case_append(c, "[%s] ", time);
	if (text) {
		junit_case_append(c, "%s\n", text);
	} else {
		char *dump = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
		junit_case_append(c, "%s\n", dump ? dump : "?");
		free(dump);
	}
}

static const char *jstr(json_t *o, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(o, a));
	return s ? s : b ? json_string_value(json_object_get(o, b)) : NULL;
}

/* Test cases from `diagnose --format json`: one per rule, failing with its
 * findings' titles, explanations and evidence. */
static size_t junit_from_diagnosis(struct junit_suite *s, const char *path, char *why, size_t wlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (!root) {
		snprintf(why, wlen, "diagnosis.json: %s (line %d)", jerr.text, jerr.line);
		return 0;
	}
	json_t *rules = json_object_get(root, "rules");
	json_t *findings = json_object_get(root, "findings");
	size_t added = 0, idx;
	json_t *rule, *f;
	json_array_foreach(rules, idx, rule) {
		const char *name = json_is_string(rule) ? json_string_value(rule) : jstr(rule, "name", "id");
		if (!name)
			continue;
		const char *summary = json_is_object(rule) ? jstr(rule, "summary", "title") : NULL;
		struct junit_case *c = junit_add(s, "kvmscope.diagnose", name, JUNIT_PASS, NULL, NULL);
		if (summary)
			c->out = strdup(summary);
		size_t nf = 0, k;
		json_array_foreach(findings, k, f) {
			const char *fr = jstr(f, "rule", "id");
			if (!fr || strcmp(fr, name))
				continue;
			const char *title = jstr(f, "title", "summary");
			if (!nf++) {
				c->status = JUNIT_FAIL;
				c->message = strdup(title ? title : name);
				c->type = strdup(name);
			} else {
				junit_case_append(c, "\n");
			}
			if (title)
				junit_case_append(c, "%s\n", title);
			const char *expl = jstr(f, "explanation", NULL);
			json_t *chain = json_object_get(f, "chain"), *step;
			size_t si;
			if (json_array_size(chain)) {
				junit_case_append(c, "decision chain:\n");
				json_array_foreach(chain, si, step)
					if (json_is_string(step))
						junit_case_append(c, "  %s\n", json_string_value(step));
			}
			json_t *evs = json_object_get(f, "evidence"), *ev;
			if (json_array_size(evs)) {
				junit_case_append(c, "evidence:\n");
				json_array_foreach(evs, si, ev)
					evidence_line(c, ev);
			}
			if (expl)
				junit_case_append(c, "%s\n", expl);
		}
		if (nf > 1) {
			char msg[64];
			snprintf(msg, sizeof(msg), " (%zu findings)", nf);
			size_t ml = strlen(c->message);
			char *m = realloc(c->message, ml + strlen(msg) + 1);
			if (m) {
				memcpy(m + ml, msg, strlen(msg) + 1);
				c->message = m;
			}
		}
		added++;
	}
	if (!added)
		snprintf(why, wlen, "diagnosis.json lists no rules");
	json_decref(root);
	return added;
}

static void write_junit(struct ci_run *ci, const struct ci_opts *o, bool have_diagnosis)
{
	struct junit_suite s;
	junit_suite_init(&s, "kvmscope ci");
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	junit_suite_set(&s, ci->started, host, ci->seconds);

	/* the wrapped command: the one case that mirrors the exit status */
	char cmdline[1024] = "";
	for (char **a = o->command; *a; a++)
		snprintf(cmdline + strlen(cmdline), sizeof(cmdline) - strlen(cmdline), "%s%s",
			 a == o->command ? "" : " ", *a);
	struct junit_case *c = junit_add(&s, "kvmscope.ci", "command", JUNIT_PASS, NULL, NULL);
	c->time_s = ci->seconds;
	c->out = strdup(cmdline);
	if (ci->status) {
		char msg[160];
		if (ci->status > 128)
			snprintf(msg, sizeof(msg), "killed by signal %d (%s)", ci->status - 128,
				 strsignal(ci->status - 128));
		else
			snprintf(msg, sizeof(msg), "exited with status %d", ci->status);
		c->status = JUNIT_FAIL;
		c->message = strdup(msg);
		c->type = strdup("exit-status");
		junit_case_append(c, "%s: %s\n", cmdline, msg);
	}

	/* the collectors: skipped (not failed) when the host did not allow them */
	if (ci->recorded) {
		c = junit_add(&s, "kvmscope.ci", "collectors", JUNIT_PASS, NULL, NULL);
		junit_case_append(c, "collectors: %s, %llu records, %llu lost", ci->collectors,
				  ci->records, (unsigned long long)ci->lost);
		if (ci->trimmed_records)
			junit_case_append(c, ", %llu oldest event records dropped (--max-size)",
					  (unsigned long long)ci->trimmed_records);
		junit_case_append(c, "\n");
		for (size_t i = 0; i < ci->notes_n; i++)
			junit_case_append(c, "note: %s\n", ci->notes[i]);
	} else {
		c = junit_add(&s, "kvmscope.ci", "collectors", JUNIT_SKIP, ci->why_not, NULL);
	}

	char why[256] = "no diagnosis";
	size_t rules = 0;
	if (have_diagnosis) {
		char dj[PATH_MAX];
		path_in(dj, sizeof(dj), o->out_dir, "diagnosis.json");
		rules = junit_from_diagnosis(&s, dj, why, sizeof(why));
	}
	if (!rules && ci->recorded) {
		c = junit_add(&s, "kvmscope.diagnose", "diagnosis", JUNIT_ERROR, why, NULL);
		c->type = strdup("analysis");
	}

	char path[PATH_MAX];
	path_in(path, sizeof(path), o->out_dir, "junit.xml");
	FILE *f = fopen(path, "we");
	if (!f || junit_write(f, &s, 1) || fclose(f)) {
		say("junit.xml: %s", strerror(errno));
		json_object_set_new(ci->artifacts, "junit.xml", json_string(strerror(errno)));
	} else {
		json_object_set_new(ci->artifacts, "junit.xml", json_string("ok"));
	}
	junit_suite_free(&s);
}

static void write_html(struct ci_run *ci, const struct ci_opts *o)
{
	char trace[PATH_MAX], diag[PATH_MAX], out[PATH_MAX];
	path_in(trace, sizeof(trace), o->out_dir, "trace.json");
	path_in(diag, sizeof(diag), o->out_dir, "diagnosis.json");
	path_in(out, sizeof(out), o->out_dir, "timeline.html");
	size_t tl = 0, dl = 0;
	char *t = slurp(trace, &tl), *d = slurp(diag, &dl);
	FILE *f = fopen(out, "we");
	int rc = -1;
	if (f) {
		rc = report_html_write(f, ci->capture, t, tl, d, dl);
		if (fclose(f))
			rc = -1;
	}
	json_object_set_new(ci->artifacts, "timeline.html",
			    json_string(rc ? "cannot write" : t ? "ok" : "ok (no trace.json: empty timeline)"));
	if (rc)
		say("timeline.html: cannot write %s", out);
	free(t);
	free(d);
}

static void write_summary(struct ci_run *ci, const struct ci_opts *o)
{
	json_t *cmd = json_array();
	for (char **a = o->command; *a; a++)
		json_array_append_new(cmd, json_string(*a));
	json_t *notes = json_array();
	for (size_t i = 0; i < ci->notes_n; i++)
		json_array_append_new(notes, json_string(ci->notes[i]));
	json_t *root = json_pack("{s:i, s:o, s:i, s:s, s:f, s:b, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:O}",
				 "version", 1, "command", cmd, "status", ci->status,
				 "started", ci->started, "seconds", ci->seconds,
				 "recorded", ci->recorded, "collectors", ci->collectors,
				 "collectors_missing", ci->why_not,
				 "records", (json_int_t)ci->records,
				 "trimmed_records", (json_int_t)ci->trimmed_records,
				 "lost", (json_int_t)ci->lost,
				 "trimmed_bytes", (json_int_t)ci->trimmed_bytes,
				 "notes", notes, "artifacts", ci->artifacts);
	char path[PATH_MAX];
	path_in(path, sizeof(path), o->out_dir, "ci.json");
	if (!root || json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS))
		say("ci.json: cannot write %s", path);
	json_decref(root);
}

static void remove_artifacts(const struct ci_opts *o)
{
	static const char *const names[] = {
		"kvmscope.capture", "report.txt", "diagnosis.txt", "diagnosis.json", "junit.xml",
		"trace.json", "timeline.html", "ci.json", "ci.log",
	};
	char p[PATH_MAX];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in(p, sizeof(p), o->out_dir, names[i]);
		unlink(p);
	}
	rmdir(o->out_dir); /* only if it is now empty */
}

/* ---- options -------------------------------------------------------- */

/* cli_parse's callback: one option as getopt_long hands it over; -1 to go
 * on, 2 after saying what is wrong with its value. */
static int ci_option(int c, const char *val, void *arg)
{
	struct ci_opts *o = arg;
	switch (c) {
	case 0:
		break;
	case 'o':
		if (!*val) {
			fprintf(stderr, "kvmscope ci: --out: empty directory name\n");
			return 2;
		}
		o->out_dir = val;
		break;
	case 'k':
		if (!strcmp(val, "always")) {
			o->keep = KEEP_ALWAYS;
		} else if (!strcmp(val, "failure")) {
			o->keep = KEEP_FAILURE;
		} else {
			fprintf(stderr, "kvmscope ci: --keep: '%s' is neither 'always' nor 'failure'\n",
				val);
			return 2;
		}
		break;
	case 'm':
		if (cap_parse_max_size(val, &o->max_bytes)) {
			fprintf(stderr, "kvmscope ci: --max-size: '%s' is not a size in MiB (1 or more)\n",
				val);
			return 2;
		}
		break;
	case 'v':
		o->vmm = val;
		break;
	case 'q':
		o->quiet = 1;
		break;
	}
	return -1;
}

/* -1 to go on, else the exit status: 0 after --help, 2 after bad usage */
static int parse_args(int argc, char **argv, struct ci_opts *o)
{
	/* a switch sets its field itself (getopt_long then returns 0) */
	const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "keep", required_argument, NULL, 'k' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "vmm", required_argument, NULL, 'v' },
		{ "no-ftrace", no_argument, &o->no_ftrace, 1 },
		{ "no-record", no_argument, &o->no_record, 1 },
		{ "cleanup", no_argument, &o->cleanup, 1 },
		{ "quiet", no_argument, &o->quiet, 1 },
		{ 0 },
	};
	struct cli cli = { .cmd = "kvmscope ci", .usage = usage, .shortopts = "+o:q",
			   .longopts = longopts, .no_version = true };
	o->out_dir = "kvmscope-ci";
	o->keep = KEEP_ALWAYS;
	int status = cli_parse(&cli, argc, argv, ci_option, o);
	if (status >= 0)
		return status;
	if (o->cleanup && optind < argc) {
		fprintf(stderr, "kvmscope ci: --cleanup takes no command\n");
		return 2;
	}
	if (o->cleanup)
		return -1;
	if (optind >= argc) {
		fprintf(stderr, "kvmscope ci: no command given (kvmscope ci [OPTIONS] -- COMMAND...)\n");
		return 2;
	}
	o->command = argv + optind;
	return -1;
}

static void find_tool(char *buf, size_t len)
{
	const char *env = getenv("KVMSCOPE_CI_TOOL");
	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		snprintf(buf, len, "kvmscope");
	else
		buf[n] = 0;
}

/* The artifacts of a run that had a directory: the capture (trimmed to
 * --max-size), the analysers' outputs, the HTML timeline, JUnit, ci.json. */
static void make_artifacts(struct ci_run *ci, const struct ci_opts *o)
{
	if (ci->recorded && o->max_bytes) {
		char err[256];
		if (cap_trim(ci->capture, o->max_bytes, "kvmscope ci", err, sizeof(err)))
			say("--max-size: %s", err);
	}
	bool have_diag = false;
	if (ci->recorded) {
		/* the analysers read formats our record took from this host's tracefs:
		 * no need to compare them with it again (tools/analyze/timeline.c) */
		setenv("KVMSCOPE_CAPTURE_FORMATS_LOCAL", "1", 1);
		read_capture_facts(ci);
		json_object_set_new(ci->artifacts, "kvmscope.capture", json_string("ok"));
		const char *report_text[] = { "report", ci->capture, "--format", "text", NULL };
		const char *report_chrome[] = { "report", ci->capture, "--format", "chrome", NULL };
		const char *diag_text[] = { "diagnose", ci->capture, NULL };
		const char *diag_json[] = { "diagnose", "--format", "json", ci->capture, NULL };
		analyse(ci, o, "report.txt", report_text);
		analyse(ci, o, "trace.json", report_chrome);
		analyse(ci, o, "diagnosis.txt", diag_text);
		have_diag = analyse(ci, o, "diagnosis.json", diag_json);
		write_html(ci, o);
	} else {
		unlink(ci->capture); /* a collector's false start, not a capture of the command */
		json_object_set_new(ci->artifacts, "kvmscope.capture", json_string(ci->why_not));
	}
	write_junit(ci, o, have_diag);
	write_summary(ci, o);
}

int cmd_ci(int argc, char **argv)
{
	struct ci_opts o = { 0 };
	struct ci_run ci = { 0 };
	int status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	msg_out = stderr;
	if (o.cleanup) {
		find_tool(ci.tool, sizeof(ci.tool));
		char *cleanup[] = { ci.tool, "record", "--cleanup", NULL };
		int st = run(cleanup, NULL, NULL, 0, NULL);
		return st < 0 ? 1 : shell_status(st);
	}

	/* from here on, nothing may cost the command its run or its status */
	struct sigaction sa = { .sa_handler = forward_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGINT, SIG_IGN);	/* the terminal sends it to the whole group */
	signal(SIGQUIT, SIG_IGN);
	/* if the collector dies, the command becomes our child and we reap it */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	find_tool(ci.tool, sizeof(ci.tool));
	ci.artifacts = json_object();
	time_t wall = time(NULL);
	strftime(ci.started, sizeof(ci.started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&wall));

	bool have_dir = mkdir_p(o.out_dir) == 0;
	if (!have_dir) {
		fprintf(stderr, "kvmscope ci: --out %s: %s: running the command without collectors\n",
			o.out_dir, strerror(errno));
		o.no_record = true;
		snprintf(ci.why_not, sizeof(ci.why_not), "no artifact directory");
	}
	path_in(ci.capture, sizeof(ci.capture), o.out_dir, "kvmscope.capture");
	if (have_dir) {
		char log[PATH_MAX];
		path_in(log, sizeof(log), o.out_dir, "ci.log");
		unlink(log);
	}

	run_command(&ci, &o);
	if (!have_dir)
		return ci.status;

	if (o.quiet) {
		char log[PATH_MAX];
		path_in(log, sizeof(log), o.out_dir, "ci.log");
		msg_out = fopen(log, "ae");
		if (!msg_out)
			msg_out = stderr;
	}
	if (o.keep == KEEP_FAILURE && ci.status == 0) {
		remove_artifacts(&o);
		say("the command succeeded: no artifacts kept (--keep=failure)");
		goto out;
	}

	make_artifacts(&ci, &o);
	say("%s: exit status %d, collectors %s%s%s, %llu records lost, artifacts in %s/", o.command[0],
	    ci.status, ci.collectors, ci.trimmed_records ? ", capture trimmed to --max-size" : "",
	    ci.recorded ? "" : " (not recorded)", (unsigned long long)ci.lost, o.out_dir);
out:
	if (msg_out != stderr)
		fclose(msg_out);
	for (size_t i = 0; i < ci.notes_n; i++)
		free(ci.notes[i]);
	free(ci.notes);
	json_decref(ci.artifacts);
	return ci.status;
}
