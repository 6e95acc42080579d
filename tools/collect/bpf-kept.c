/* The kept BPF collector's pinned sets (see bpf-kept.h). */
#include "bpf-kept.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "errtext.h"
#include "ftrace-kept.h"
#include "kept-lock.h"

#define BPF_FS_MAGIC 0xcafe4a11 /* statfs f_type of bpffs */
#define NOTES_PIN "notes"
#define NOTE_LEN 256
#define NOTES_MAX 32

struct bpf_kept {
	int lock_fd;             /* the root, flocked */
	char root[64];           /* /sys/fs/bpf/kvmscope-kept (the name is short: ftrace-kept.h) */
	char ready_dir[96];      /* the set: ROOT/set-HASH */
	char dir[112];           /* where its pins are: READY_DIR, or READY_DIR-new while made */
	bool ready, committed;
	int notes_fd;            /* the kept problem lines (an array map) */
	uint32_t nnotes;
};

static int bpffs_ready(char *err, size_t errlen)
{
	struct statfs fs;

	if (statfs(BPF_KEPT_ROOT, &fs) == 0 && fs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPF_KEPT_ROOT, "bpf", 0, NULL) == 0)
		return 0;
	seterr(err, errlen, "bpffs is not mounted at " BPF_KEPT_ROOT " and mounting it failed: %s",
	       strerror(errno));
	return -1;
}

/* Removes DIR's pins and DIR itself. The links go when their last pin does
 * (the kernel detaches them in the background). */
static int remove_set(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	return rmdir(dir);
}

/* Removes every set in ROOT but KEEP (a name, or NULL). Returns how many. */
static unsigned remove_sets(const char *root, const char *keep)
{
	DIR *d = opendir(root);
	struct dirent *e;
	char path[PATH_MAX];
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "set-", 4) && (!keep || strcmp(e->d_name, keep))) {
			snprintf(path, sizeof(path), "%s/%s", root, e->d_name);
			n += remove_set(path) == 0;
		}
	closedir(d);
	return n;
}

static int root_path(char root[64], size_t len, char *err, size_t errlen)
{
	const char *name = ftrace_kept_instance(err, errlen); /* one name for both kept collectors */

	if (!name || bpffs_ready(err, errlen))
		return -1;
	snprintf(root, len, BPF_KEPT_ROOT "/%s", name);
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		seterr(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_notes(struct bpf_kept *k, char *err, size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" NOTES_PIN, k->dir);
	if (k->ready) {
		k->notes_fd = bpf_obj_get(path);
		return 0; /* without it there is nothing to say again */
	}
	k->notes_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "kept_notes", sizeof(uint32_t), NOTE_LEN,
				     NOTES_MAX, NULL);
	if (k->notes_fd < 0 || bpf_obj_pin(k->notes_fd, path)) {
		seterr(err, errlen, "cannot keep the problem lines in %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int bpf_kept_open(struct bpf_kept **out, uint64_t identity, char *err, size_t errlen)
{
	struct bpf_kept *k = calloc(1, sizeof(*k));
	struct stat st;
	char name[32];

	*out = NULL;
	if (!k) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	k->notes_fd = -1;
	if (root_path(k->root, sizeof(k->root), err, errlen)) {
		free(k);
		return -1;
	}
	k->lock_fd = kept_lock(k->root, k->root, err, errlen);
	if (k->lock_fd < 0) {
		int busy = k->lock_fd == -2;
		free(k);
		return busy ? 1 : -1;
	}
	snprintf(name, sizeof(name), "set-%016llx", (unsigned long long)identity);
	snprintf(k->ready_dir, sizeof(k->ready_dir), "%s/%s", k->root, name);
	k->ready = stat(k->ready_dir, &st) == 0;
	if (k->ready) {
		snprintf(k->dir, sizeof(k->dir), "%s", k->ready_dir);
	} else {
		/* another kvmscope, VMM or configuration, or a set left half made */
		remove_sets(k->root, NULL);
		snprintf(k->dir, sizeof(k->dir), "%s-new", k->ready_dir); /* bpffs refuses dots */
		if (mkdir(k->dir, 0700) < 0) {
			seterr(err, errlen, "%s: %s", k->dir, strerror(errno));
			bpf_kept_close(k);
			return -1;
		}
	}
	if (open_notes(k, err, errlen)) {
		bpf_kept_close(k);
		return -1;
	}
	*out = k;
	return 0;
}

bool bpf_kept_ready(const struct bpf_kept *k)
{
	return k->ready;
}

const char *bpf_kept_dir(const struct bpf_kept *k)
{
	return k->dir;
}

bool bpf_kept_has(const struct bpf_kept *k, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/link:%s", k->dir, name);
	return stat(path, &st) == 0;
}

int bpf_kept_pin(struct bpf_kept *k, struct bpf_link *l, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/link:%s", k->dir, name);
	/* the pin holds it now: closing our fd does not detach it */
	return bpf_link__pin(l, path);
}

void bpf_kept_note(struct bpf_kept *k, const char *line)
{
	char value[NOTE_LEN] = "";

	/* after the commit a line is this run's own (--functions, the ring) */
	if (k->ready || k->committed || k->notes_fd < 0 || k->nnotes >= NOTES_MAX)
		return;
	snprintf(value, sizeof(value), "%s", line);
	if (bpf_map_update_elem(k->notes_fd, &k->nnotes, value, BPF_ANY) == 0)
		k->nnotes++;
}

void bpf_kept_replay(const struct bpf_kept *k, void (*say)(void *ctx, const char *line), void *ctx)
{
	char value[NOTE_LEN];

	for (uint32_t i = 0; k->notes_fd >= 0 && i < NOTES_MAX; i++) {
		if (bpf_map_lookup_elem(k->notes_fd, &i, value) || !value[0])
			break;
		value[NOTE_LEN - 1] = 0;
		say(ctx, value);
	}
}

int bpf_kept_commit(struct bpf_kept *k, char *err, size_t errlen)
{
	if (k->ready)
		return 0;
	if (rename(k->dir, k->ready_dir) < 0) {
		seterr(err, errlen, "cannot keep the set %s: %s", k->ready_dir, strerror(errno));
		return -1;
	}
	snprintf(k->dir, sizeof(k->dir), "%s", k->ready_dir);
	k->committed = true;
	return 0;
}

void bpf_kept_close(struct bpf_kept *k)
{
	if (!k)
		return;
	if (!k->ready && !k->committed && k->dir[0])
		remove_set(k->dir);
	if (k->notes_fd >= 0)
		close(k->notes_fd);
	close(k->lock_fd); /* the lock goes with it */
	free(k);
}

int bpf_kept_cleanup(FILE *out, char *err, size_t errlen)
{
	char root[64];
	struct stat st;

	const char *name = ftrace_kept_instance(err, errlen);
	if (!name)
		return -1;
	snprintf(root, sizeof(root), BPF_KEPT_ROOT "/%s", name);
	if (stat(root, &st) < 0)
		return 0; /* never made, or bpffs not mounted: nothing is kept */
	int fd = kept_lock(root, root, err, errlen);
	if (fd < 0)
		return -1;
	unsigned n = remove_sets(root, NULL);
	int rc = rmdir(root);
	close(fd);
	if (n)
		fprintf(out, "removed %u kept BPF set%s (%s)\n", n, n == 1 ? "" : "s", root);
	if (rc < 0) {
		seterr(err, errlen, "cannot remove %s: %s", root, strerror(errno));
		return -1;
	}
	return 0;
}
