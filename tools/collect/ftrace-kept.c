/* The kept ftrace instance and its uprobe groups (see ftrace-kept.h). */
#include "ftrace-kept.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs/tracefs.h>

#include "errtext.h"

/* the instance's directory, opened and flocked (blocking or not) */
static int lock_instance(struct tracefs_instance *inst, bool wait, char *err, size_t errlen)
{
	char *dir = tracefs_instance_get_dir(inst);
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd < 0) {
		seterr(err, errlen, "tracefs instance %s: %s", FTRACE_KEPT_INSTANCE, strerror(errno));
		tracefs_put_tracing_file(dir);
		return -1;
	}
	if (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;
		seterr(err, errlen, "tracefs instance %s: %s", FTRACE_KEPT_INSTANCE,
		       busy ? "in use by another collector" : strerror(errno));
		close(fd);
		tracefs_put_tracing_file(dir);
		return busy ? -2 : -1;
	}
	/* a cleanup may have removed it while we waited */
	struct stat held, now;
	if (fstat(fd, &held) || stat(dir, &now) || held.st_ino != now.st_ino) {
		seterr(err, errlen, "tracefs instance %s was removed meanwhile", FTRACE_KEPT_INSTANCE);
		close(fd);
		fd = -1;
	}
	tracefs_put_tracing_file(dir);
	return fd;
}

int ftrace_kept_open(struct tracefs_instance **out, int *lock_fd, char *err, size_t errlen)
{
	*out = NULL;
	*lock_fd = -1;
	struct tracefs_instance *inst = tracefs_instance_create(FTRACE_KEPT_INSTANCE);
	if (!inst) {
		seterr(err, errlen, "cannot create tracefs instance %s: %s", FTRACE_KEPT_INSTANCE,
		       strerror(errno));
		return -1;
	}
	int fd = lock_instance(inst, false, err, errlen);
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
	snprintf(group, len, FTRACE_KEPT_GROUP "%016llx", (unsigned long long)h);
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
		char *event = strstr(line, ":" FTRACE_KEPT_GROUP);
		char *blank = strchr(line, ' ');
		if (!event || !blank || event > blank || line[1] != ':')
			continue;
		*blank = '\0';
		event++; /* GROUP/NAME */
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
	struct tracefs_instance *inst = NULL;
	if (tracefs_instance_exists(FTRACE_KEPT_INSTANCE)) {
		inst = tracefs_instance_alloc(NULL, FTRACE_KEPT_INSTANCE);
		/* a collector recording through it now keeps it: waiting could wait
		 * for ever (a cleanup inside the command a ci wraps) */
		int fd = inst ? lock_instance(inst, false, err, errlen) : -1;
		if (fd < 0) {
			tracefs_instance_free(inst);
			return -1;
		}
		tracefs_instance_file_write(inst, "events/enable", "0");
		if (tracefs_instance_destroy(inst) < 0) {
			seterr(err, errlen, "cannot remove tracefs instance %s: %s", FTRACE_KEPT_INSTANCE,
			       strerror(errno));
			close(fd);
			tracefs_instance_free(inst);
			return -1;
		}
		fprintf(out, "removed tracefs instance %s\n", FTRACE_KEPT_INSTANCE);
		close(fd);
		tracefs_instance_free(inst);
		inst = NULL;
	}
	unsigned n = ftrace_kept_remove_groups(NULL);
	if (n)
		fprintf(out, "removed %u kept uprobe event%s (%s*)\n", n, n == 1 ? "" : "s",
			FTRACE_KEPT_GROUP);
	char *defs = read_uprobe_events();
	bool left = defs && strstr(defs, ":" FTRACE_KEPT_GROUP);
	free(defs);
	if (left) {
		seterr(err, errlen, "some %s* uprobe events could not be removed (enabled elsewhere?)",
		       FTRACE_KEPT_GROUP);
		return -1;
	}
	return 0;
}
