/* QMP request -> response, as QEMU's qapi/qmp-dispatch.c and
 * monitor/qmp.c decide it: the request's shape, negotiation mode, the
 * command table, argument checks (qobject-input-visitor's texts) and `id`. */
#ifndef VMM_QMP_DISPATCH_H
#define VMM_QMP_DISPATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* QapiErrorClass */
enum qmp_error_class {
	QMP_ERROR_GENERIC,
	QMP_ERROR_COMMAND_NOT_FOUND,
	QMP_ERROR_DEVICE_NOT_ACTIVE,
	QMP_ERROR_DEVICE_NOT_FOUND,
	QMP_ERROR_KVM_MISSING_CAP,
};

struct qmp_error {
	enum qmp_error_class cls;
	char desc[512];
	bool set;
};

void qmp_error_setg(struct qmp_error *err, enum qmp_error_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *qmp_error_class_name(enum qmp_error_class cls);

/* One monitor connection's protocol state. */
struct qmp_session {
	bool negotiated;	/* qmp_capabilities done: command mode, events */
	void *mon;		/* for the probes: which connection */
};

/* Argument kinds, named as QEMU's "expected: ..." texts name them. */
enum qmp_arg_kind { QMP_ARG_STR, QMP_ARG_BOOL, QMP_ARG_INT, QMP_ARG_LIST };

struct qmp_arg {
	const char *name;
	enum qmp_arg_kind kind;
	bool optional;
	const char *const *enum_values; /* a QAPI enum string (or list of them) */
};

/* Returns the "return" value (a new reference; NULL means {}), or sets err. */
typedef json_t *(*qmp_command_fn)(struct qmp_session *s, json_t *args, struct qmp_error *err);

struct qmp_command {
	const char *name;
	qmp_command_fn fn;
	const struct qmp_arg *args; /* terminated by a NULL name; NULL: none */
};

/* vmm/qmp-commands.c */
extern const struct qmp_command qmp_commands[];
extern const size_t qmp_command_count;
const struct qmp_command *qmp_find_command(const char *name);

/* The response to one parsed input value (new reference). */
json_t *qmp_dispatch(struct qmp_session *s, json_t *request);
/* The response to input that did not parse (the streamer's desc). */
json_t *qmp_parse_error_response(const char *desc);

#endif
