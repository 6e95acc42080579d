/* The kept ftrace instance and its uprobe groups (see ftrace-kept.h). */
#include "ftrace-kept.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs/tracefs.h>

#include "errtext.h"
#include "kept-lock.h"

static char kept_name[64] = FTRACE_KEPT_INSTANCE, kept_prefix[64] = FTRACE_KEPT_GROUP;

const char *ftrace_kept_instance(char *err, size_t errlen)
{
	static const char stem[] = FTRACE_KEPT_INSTANCE "-";
	const char *env = getenv(FTRACE_KEPT_ENV);

	if (!env || !*env)
		return kept_name;
	const char *suffix = strncmp(env, stem, strlen(stem)) ? NULL : env + strlen(stem);
	size_t n = suffix ? strspn(suffix, "abcdefghijklmnopqrstuvwxyz0123456789") : 0;
	if (!n || n > 16 || suffix[n]) {
		seterr(err, errlen, "%s=%s: not kvmscope-kept-SUFFIX (SUFFIX: 1 to 16 of a-z, 0-9)",
		       FTRACE_KEPT_ENV, env);
		return NULL;
	}
	snprintf(kept_name, sizeof(kept_name), "%s", env);
	snprintf(kept_prefix, sizeof(kept_prefix), FTRACE_KEPT_GROUP "%s_", suffix);
	return kept_name;
}

const char *ftrace_kept_group_prefix(void)
{
	return kept_prefix;
}

/* the instance's directory, opened and flocked (kept-lock.h) */
static int lock_instance(struct tracefs_instance *inst, char *err, size_t errlen)
{
	char *dir = tracefs_instance_get_dir(inst);
	char name[96];

	snprintf(name, sizeof(name), "tracefs instance %s", kept_name);
	int fd = dir ? kept_lock(dir, name, err, errlen) : -1;
	if (!dir)
		seterr(err, errlen, "%s: %s", name, strerror(errno));
	tracefs_put_tracing_file(dir);
	return fd;
}

int ftrace_kept_open(struct tracefs_instance **out, int *lock_fd, char *err, size_t errlen)
{
	*out = NULL;
	*lock_fd = -1;
	const char *name = ftrace_kept_instance(err, errlen);
	if (!name)
		return -1;
	struct tracefs_instance *inst = tracefs_instance_create(name);
	if (!inst) {
		seterr(err, errlen, "cannot create tracefs instance %s: %s", name, strerror(errno));
		return -1;
	}
	int fd = lock_instance(inst, err, errlen);
	if (fd < 0) {
		tracefs_instance_free(inst);
		return fd == -2 ? 1 : -1;
	}
	*out = inst;
	*lock_fd = fd;
	return 0;
}

uint64_t ftrace_kept_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int ftrace_kept_group_name(const char *binary, uint64_t h, char *group, size_t len)
{
	struct stat st;

	if (stat(binary, &st) < 0)
		return -1;
	/* the uprobes hold the inode they were defined on: a rebuilt file is another */
	uint64_t id[5] = { (uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
			   (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec };
	h = ftrace_kept_hash(h, id, sizeof(id));
	snprintf(group, len, "%s%016llx", kept_prefix, (unsigned long long)h);
	return 0;
}

/* uprobe_events with a newline in front, so "\np:G/N " finds whole lines */
static char *read_uprobe_events(void)
{
	char *text = tracefs_instance_file_read(NULL, "uprobe_events", NULL);
	char *out = NULL;

	if (asprintf(&out, "\n%s", text ? text : "") < 0)
		out = NULL;
	free(text);
	return out;
}

bool ftrace_kept_group_ready(const char *group, char *const *names, unsigned n)
{
	char *defs = read_uprobe_events();
	bool ready = defs != NULL;

	for (unsigned i = 0; ready && i < n; i++) {
		char key[256];
		snprintf(key, sizeof(key), "\np:%s/%s ", group, names[i]);
		ready = strstr(defs, key) != NULL;
	}
	free(defs);
	return ready;
}

unsigned ftrace_kept_remove_groups(struct tracefs_instance *inst)
{
	char *defs = read_uprobe_events();
	char last_group[128] = "";
	unsigned removed = 0;

	for (char *line = defs, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *event = strstr(line, kept_prefix);
		char *blank = strchr(line, ' ');
		if (!event || !blank || event > blank || line[1] != ':' || event != line + 2)
			continue;
		*blank = '\0'; /* event: GROUP/NAME */
		char *slash = strchr(event, '/');
		if (!slash)
			continue;
		/* an enabled event cannot be deleted: the group off first, in one write */
		if (inst && ((size_t)(slash - event) != strlen(last_group) ||
			     strncmp(event, last_group, (size_t)(slash - event)))) {
			snprintf(last_group, sizeof(last_group), "%.*s", (int)(slash - event), event);
			char path[192];
			snprintf(path, sizeof(path), "events/%s/enable", last_group);
			tracefs_instance_file_write(inst, path, "0");
		}
		char del[256];
		snprintf(del, sizeof(del), "-:%s", event);
		if (tracefs_instance_file_append(NULL, "uprobe_events", del) >= 0)
			removed++;
	}
	free(defs);
	return removed;
}

int ftrace_kept_setting(struct tracefs_instance *inst, const char *file, const char *value)
{
	char *now = tracefs_instance_file_read(inst, file, NULL);
	bool same = false;

	if (now) {
		char bracketed[128];
		snprintf(bracketed, sizeof(bracketed), "[%s]", value);
		now[strcspn(now, "\n")] = '\0';
		same = !strcmp(now, value) || strstr(now, bracketed);
		free(now);
	}
	if (same)
		return 0;
	return tracefs_instance_file_write(inst, file, value) < 0 ? -1 : 0;
}

int ftrace_kept_cleanup(FILE *out, char *err, size_t errlen)
{
	if (tracefs_tracing_dir_is_mounted(true, NULL) < 0 || !tracefs_tracing_dir()) {
		seterr(err, errlen, "tracefs is not mounted and cannot be mounted (%s)", strerror(errno));
		return -1;
	}
	const char *name = ftrace_kept_instance(err, errlen);
	if (!name)
		return -1;
	struct tracefs_instance *inst = NULL;
	if (tracefs_instance_exists(name)) {
		inst = tracefs_instance_alloc(NULL, name);
		/* a collector recording through it now keeps it: waiting could wait
		 * for ever (a cleanup inside the command a ci wraps) */
		int fd = inst ? lock_instance(inst, err, errlen) : -1;
		if (fd < 0) {
			tracefs_instance_free(inst);
			return -1;
		}
		tracefs_instance_file_write(inst, "events/enable", "0");
		if (tracefs_instance_destroy(inst) < 0) {
			seterr(err, errlen, "cannot remove tracefs instance %s: %s", name, strerror(errno));
			close(fd);
			tracefs_instance_free(inst);
			return -1;
		}
		fprintf(out, "removed tracefs instance %s\n", name);
		close(fd);
		tracefs_instance_free(inst);
		inst = NULL;
	}
	unsigned n = ftrace_kept_remove_groups(NULL);
	if (n)
		fprintf(out, "removed %u kept uprobe event%s (%s*)\n", n, n == 1 ? "" : "s",
			kept_prefix);
	char *defs = read_uprobe_events();
	bool left = false;
	for (const char *p = defs; p && (p = strstr(p, kept_prefix)); p++)
		left |= p[-1] == ':'; /* "p:PREFIX..." */
	free(defs);
	if (left) {
		seterr(err, errlen, "some %s* uprobe events could not be removed (enabled elsewhere?)",
		       kept_prefix);
		return -1;
	}
	return 0;
}
