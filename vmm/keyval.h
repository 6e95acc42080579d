/* QEMU's option lists, "WORD,KEY=VALUE,KEY,...": the one splitter every
 * list-taking option uses (-machine, -cpu, -device, -chardev, -mon, -action,
 * -object, -fault, -trace, the unix: socket spec). Empty fields are skipped
 * (",," and a leading ","), as strtok did. */
#ifndef VMM_KEYVAL_H
#define VMM_KEYVAL_H

#include <stdbool.h>
#include <stddef.h>

#define KEYVAL_MAX 1024 /* longest list accepted, with its NUL */

struct keyval {
	char buf[KEYVAL_MAX];	/* the list, cut into fields */
	char keybuf[KEYVAL_MAX];
	char *next;
	/* the current field: */
	const char *text;	/* as written, "key=value" */
	const char *key;	/* before the first '=' (all of it for a bare word) */
	const char *val;	/* after the first '=', NULL for a bare word */
};

/* Copies arg; "OPT: argument too long" in err when it is max bytes or more
 * (max <= KEYVAL_MAX: each option keeps the limit it always had). */
int keyval_start(struct keyval *kv, const char *opt, const char *arg, size_t max, char *err,
		 size_t errlen);
/* The next non-empty field; false at the end. */
bool keyval_next(struct keyval *kv);
/* A list of KEY=VALUE pairs only (-fault, -object sev-guest): fn for each
 * pair in order, stopping at its first -1. Messages: "OPT: argument too
 * long", "WHAT: 'FIELD' is not KEY=VALUE", or fn's. */
typedef int (*keyval_pair_fn)(void *ctx, const char *key, const char *val, char *err,
			      size_t errlen);
int keyval_each_pair(const char *opt, const char *what, const char *arg, size_t max,
		     keyval_pair_fn fn, void *ctx, char *err, size_t errlen);

#endif
