#include <stdio.h>
#include <string.h>

#include "keyval.h"

int keyval_start(struct keyval *kv, const char *opt, const char *arg, size_t max, char *err,
		 size_t errlen)
{
	kv->next = kv->buf;
	kv->text = kv->key = kv->val = NULL;
	if (max > sizeof(kv->buf))
		max = sizeof(kv->buf);
	if (strlen(arg) >= max) {
		snprintf(err, errlen, "%s: argument too long", opt);
		kv->next = NULL;
		return -1;
	}
	memcpy(kv->buf, arg, strlen(arg) + 1);
	return 0;
}

/* -1 with "WHAT: 'FIELD' is not KEY=VALUE" when the current field is a bare word */
static int keyval_need_value(const struct keyval *kv, const char *what, char *err,
			     size_t errlen)
{
	if (kv->val)
		return 0;
	snprintf(err, errlen, "%s: '%s' is not KEY=VALUE", what, kv->text);
	return -1;
}

int keyval_each_pair(const char *opt, const char *what, const char *arg, size_t max,
		     keyval_pair_fn fn, void *ctx, char *err, size_t errlen)
{
	struct keyval kv;
	if (keyval_start(&kv, opt, arg, max, err, errlen) < 0)
		return -1;
	while (keyval_next(&kv))
		if (keyval_need_value(&kv, what, err, errlen) < 0 ||
		    fn(ctx, kv.key, kv.val, err, errlen) < 0)
			return -1;
	return 0;
}

bool keyval_next(struct keyval *kv)
{
	while (kv->next && *kv->next == ',')
		kv->next++;
	if (!kv->next || !*kv->next) {
		kv->next = NULL;
		return false;
	}
	char *field = kv->next;
	size_t len = strcspn(field, ",");
	kv->next = field[len] ? field + len + 1 : NULL;
	field[len] = '\0';

	/* the key is copied so that text stays whole for error messages */
	size_t klen = strcspn(field, "=");
	memcpy(kv->keybuf, field, klen);
	kv->keybuf[klen] = '\0';
	kv->text = field;
	kv->key = kv->keybuf;
	kv->val = field[klen] ? field + klen + 1 : NULL;
	return true;
}
