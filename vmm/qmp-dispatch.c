/* The QMP dispatcher (see qmp-dispatch.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp-dispatch.h"
#include "qmp-stream.h"
#include "trace.h"

static const char *const class_names[] = {
	[QMP_ERROR_GENERIC] = "GenericError",
	[QMP_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
	[QMP_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
	[QMP_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
	[QMP_ERROR_KVM_MISSING_CAP] = "KVMMissingCap",
};

const char *qmp_error_class_name(enum qmp_error_class cls)
{
	return (unsigned)cls < sizeof(class_names) / sizeof(class_names[0]) ? class_names[cls]
									  : "GenericError";
}

void qmp_error_setg(struct qmp_error *err, enum qmp_error_class cls, const char *fmt, ...)
{
	va_list ap;
	if (err->set)
		return; /* the first error wins, as with QEMU's Error ** */
	err->set = true;
	err->cls = cls;
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
	va_end(ap);
	/* a cut may split a character: keep the valid prefix */
	size_t n = strlen(err->desc), i = 0;
	while (i < n) {
		size_t k = utf8_sequence_length(err->desc + i, n - i);
		if (!k)
			break;
		i += k;
	}
	err->desc[i] = '\0';
}

static json_t *error_response(const struct qmp_error *err)
{
	return json_pack("{s:{s:s,s:s}}", "error", "class", qmp_error_class_name(err->cls), "desc",
			 err->desc);
}

json_t *qmp_parse_error_response(const char *desc)
{
	trace_monitor_qmp_err_in_band(desc);
	return json_pack("{s:{s:s,s:s}}", "error", "class", "GenericError", "desc", desc);
}

const struct qmp_command *qmp_find_command(const char *name)
{
	for (size_t i = 0; i < qmp_command_count; i++)
		if (!strcmp(qmp_commands[i].name, name))
			return &qmp_commands[i];
	return NULL;
}

/* qmp_dispatch_check_obj(): the request's members (no OOB offered) */
static const char *check_request(json_t *req, struct qmp_error *err)
{
	const char *key;
	json_t *val;

	json_object_foreach(req, key, val) {
		if (!strcmp(key, "execute")) {
			if (!json_is_string(val)) {
				qmp_error_setg(err, QMP_ERROR_GENERIC,
					       "QMP input member 'execute' must be a string");
				return NULL;
			}
		} else if (!strcmp(key, "arguments")) {
			if (!json_is_object(val)) {
				qmp_error_setg(err, QMP_ERROR_GENERIC,
					       "QMP input member 'arguments' must be an object");
				return NULL;
			}
		} else if (strcmp(key, "id")) {
			qmp_error_setg(err, QMP_ERROR_GENERIC, "QMP input member '%s' is unexpected",
				       key);
			return NULL;
		}
	}
	json_t *exec = json_object_get(req, "execute");
	if (!exec) {
		qmp_error_setg(err, QMP_ERROR_GENERIC, "QMP input lacks member 'execute'");
		return NULL;
	}
	return json_string_value(exec);
}

static const char *kind_name(enum qmp_arg_kind kind)
{
	switch (kind) {
	case QMP_ARG_STR: return "string";
	case QMP_ARG_BOOL: return "boolean";
	case QMP_ARG_INT: return "integer";
	case QMP_ARG_LIST: return "array";
	}
	return "?";
}

static bool enum_ok(const char *const *values, const char *s)
{
	for (; *values; values++)
		if (!strcmp(*values, s))
			return true;
	return false;
}

/* One value of an argument; `name` as QEMU's visitor spells it in errors. */
static bool check_value(const struct qmp_arg *a, enum qmp_arg_kind kind, json_t *v,
			const char *name, const char *enum_name, struct qmp_error *err)
{
	bool ok = (kind == QMP_ARG_STR && json_is_string(v)) ||
		  (kind == QMP_ARG_BOOL && json_is_boolean(v)) ||
		  (kind == QMP_ARG_INT && json_is_integer(v)) ||
		  (kind == QMP_ARG_LIST && json_is_array(v));
	if (!ok) {
		qmp_error_setg(err, QMP_ERROR_GENERIC, "Invalid parameter type for '%s', expected: %s",
			       name, kind_name(kind));
		return false;
	}
	if (kind == QMP_ARG_STR && a->enum_values && !enum_ok(a->enum_values, json_string_value(v))) {
		qmp_error_setg(err, QMP_ERROR_GENERIC, "Parameter '%s' does not accept value '%s'",
			       enum_name, json_string_value(v));
		return false;
	}
	return true;
}

/* The marshaller's input visitor: declared members in order, then anything
 * left over is unexpected. */
static bool check_arguments(const struct qmp_command *cmd, json_t *args, struct qmp_error *err)
{
	size_t declared = 0;

	for (const struct qmp_arg *a = cmd->args; a && a->name; a++) {
		json_t *v = json_object_get(args, a->name);
		if (!v) {
			if (a->optional)
				continue;
			qmp_error_setg(err, QMP_ERROR_GENERIC, "Parameter '%s' is missing", a->name);
			return false;
		}
		declared++;
		if (!check_value(a, a->kind, v, a->name, a->name, err))
			return false;
		if (a->kind == QMP_ARG_LIST) { /* lists here are lists of strings */
			size_t i;
			json_t *elem;
			json_array_foreach(v, i, elem) {
				char name[96];
				snprintf(name, sizeof(name), "%s[%zu]", a->name, i);
				/* QEMU 7.2 names a list element's enum "null" */
				if (!check_value(a, QMP_ARG_STR, elem, name, "null", err))
					return false;
			}
		}
	}
	if (json_object_size(args) > declared) {
		const char *key;
		json_t *v;
		json_object_foreach(args, key, v) {
			const struct qmp_arg *a = cmd->args;
			while (a && a->name && strcmp(a->name, key))
				a++;
			if (!a || !a->name) {
				qmp_error_setg(err, QMP_ERROR_GENERIC, "Parameter '%s' is unexpected",
					       key);
				return false;
			}
		}
	}
	return true;
}

static void trace_command_in(struct qmp_session *s, const char *name, json_t *id)
{
	if (!trace_qmp_command_in_enabled() && !trace_monitor_qmp_cmd_in_band_enabled())
		return;
	char *id_text = id ? json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	/* QEMU's point first: the id as JSON, "" without one */
	trace_monitor_qmp_cmd_in_band(id_text ? id_text : "");
	trace_qmp_command_in(name, id_text ? id_text : "", s->mon);
	free(id_text);
}

json_t *qmp_dispatch(struct qmp_session *s, json_t *req)
{
	struct qmp_error err = { 0 };
	json_t *ret = NULL, *rsp;
	const char *name = NULL;
	const struct qmp_command *cmd = NULL;

	if (trace_handle_qmp_command_enabled()) {
		char *text = json_dumps(req, JSON_ENCODE_ANY | JSON_COMPACT);
		trace_handle_qmp_command(s->mon, text ? text : "");
		free(text);
	}
	if (!json_is_object(req)) {
		qmp_error_setg(&err, QMP_ERROR_GENERIC, "QMP input must be a JSON object");
		trace_monitor_qmp_err_in_band(err.desc);
		return error_response(&err);
	}
	json_t *id = json_object_get(req, "id");
	name = check_request(req, &err);
	if (name) {
		trace_command_in(s, name, id);
		cmd = qmp_find_command(name);
		/* in negotiation mode only qmp_capabilities exists */
		if (!s->negotiated && (!cmd || strcmp(name, "qmp_capabilities")))
			qmp_error_setg(&err, QMP_ERROR_COMMAND_NOT_FOUND,
				       "Expecting capabilities negotiation with 'qmp_capabilities'");
		else if (!cmd)
			qmp_error_setg(&err, QMP_ERROR_COMMAND_NOT_FOUND,
				       "The command %s has not been found", name);
	}
	if (!err.set) {
		json_t *args = json_object_get(req, "arguments");
		json_t *empty = args ? NULL : json_object();
		if (check_arguments(cmd, args ? args : empty, &err))
			ret = cmd->fn(s, args ? args : empty, &err);
		json_decref(empty);
	}
	/* QEMU's member order: {"id", "error"} but {"return", "id"} */
	if (err.set) {
		json_decref(ret);
		rsp = json_object();
		if (id)
			json_object_set(rsp, "id", id);
		json_t *e = error_response(&err);
		json_object_update(rsp, e);
		json_decref(e);
	} else {
		rsp = json_object();
		json_object_set_new(rsp, "return", ret ? ret : json_object());
		if (id)
			json_object_set(rsp, "id", id);
	}
	if (name)
		trace_qmp_command_out(name, err.set, err.set ? qmp_error_class_name(err.cls) : "",
				      s->mon);
	if (err.set && !name)
		trace_monitor_qmp_err_in_band(err.desc);
	return rsp;
}
