/* What ftrace collectors killed before their stop left behind (see
 * ftrace-stale.h). */
#include "ftrace-stale.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs/tracefs.h>

static bool collector_dead(const char *pidtext)
{
	char *end;
	long pid = strtol(pidtext, &end, 10);
	return end != pidtext && (*end == '\0' || *end == '/') && pid > 0 &&
	       kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

void ftrace_remove_stale(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/instances", tracefs_tracing_dir());
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "kvmscope-", 9) || !collector_dead(de->d_name + 9))
			continue;
		struct tracefs_instance *inst = tracefs_instance_create(de->d_name);
		if (inst) {
			tracefs_instance_file_write(inst, "events/enable", "0");
			tracefs_instance_destroy(inst);
			tracefs_instance_free(inst);
		}
	}
	if (d)
		closedir(d);
	char *defs = tracefs_instance_file_read(NULL, "uprobe_events", NULL);
	for (char *line = defs, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *group = strstr(line, ":kvmscope_");
		char *blank = strchr(line, ' ');
		if (!group || !blank || group > blank || !collector_dead(group + 10))
			continue;
		*blank = '\0';
		char del[256];
		snprintf(del, sizeof(del), "-%s", group);
		tracefs_instance_file_append(NULL, "uprobe_events", del);
	}
	free(defs);
}
