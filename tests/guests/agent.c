/*
 * agent.c - a QEMU guest agent in a test guest: the QGA wire protocol on a
 * UART (COM2 by default), with a tiny operator console on COM1.
 *
 * Commands: guest-sync-delimited, guest-sync, guest-ping, guest-info and
 * guest-shutdown (mode powerdown|halt|reboot, acted on for real: PM1_CNT
 * power-off, cli;hlt, a reset). Replies are QEMU's bytes: compact JSON with
 * ", " and ": ", one "\n", ids echoed, 0xFF before the reply that follows
 * guest-sync-delimited, QEMU's error classes and texts.
 *
 *   agent=com1|com2      the agent's port (default com2; com1 = no console)
 *   hang=1               the agent reads and drops everything: unresponsive
 *   powerbutton=ignore   acknowledge power-button presses and carry on
 *                        (default: "guest: power button pressed", power off)
 *   reset=cf9|i8042|triple  how reboots are done (default cf9)
 *
 * A 0x13 byte (DC3, "stop") on the agent port makes the agent hang from then
 * on. Console lines on COM1: reboot, poweroff, halt, hang.
 */
#include "guest.h"
#include "json.h"

#define AGENT_VERSION	"0.1.0-kvmscope"
#define HANG_BYTE	0x13
#define LOOP_SPINS	100	/* pause between polls: fewer exits */
#define REPLY_MAX	1024

static uint16_t agent_port = COM2_BASE;
static int agent_hung;
static int sentinel_pending;	/* guest-sync-delimited: 0xFF before next reply */
static int ignore_power_button;
static enum reset_method reset_method = RESET_CF9;

static const struct {
	const char *name;
	int success_response;
} commands[] = {
	{ "guest-sync-delimited", 1 },
	{ "guest-sync", 1 },
	{ "guest-ping", 1 },
	{ "guest-info", 1 },
	{ "guest-shutdown", 0 },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* ------------------------------------------------------------ replies */

struct reply {
	char buf[REPLY_MAX];
	size_t len;
};

static void reply_add(struct reply *r, const char *s)
{
	r->len += str_copy(r->buf + r->len, s, sizeof(r->buf) - r->len);
	if (r->len >= sizeof(r->buf))
		r->len = sizeof(r->buf) - 1;
}

static void reply_add_value(struct reply *r, struct json_view v)
{
	r->len += json_normalize(v, r->buf + r->len, sizeof(r->buf) - r->len);
}

static void send_reply(struct reply *r)
{
	size_t i;

	if (sentinel_pending) {
		uart_putc(agent_port, (char)0xff);
		sentinel_pending = 0;
	}
	for (i = 0; i < r->len; i++)
		uart_putc(agent_port, r->buf[i]);
	uart_putc(agent_port, '\n');
}

/* {"id": ID, "error": {...}}: QEMU puts the id first in errors */
static void send_error(const struct json_view *id, const char *class,
		       const char *desc1, const char *desc2, const char *desc3)
{
	struct reply r = { .len = 0 };

	reply_add(&r, "{");
	if (id) {
		reply_add(&r, "\"id\": ");
		reply_add_value(&r, *id);
		reply_add(&r, ", ");
	}
	reply_add(&r, "\"error\": {\"class\": \"");
	reply_add(&r, class);
	reply_add(&r, "\", \"desc\": \"");
	reply_add(&r, desc1);
	reply_add(&r, desc2 ? desc2 : "");
	reply_add(&r, desc3 ? desc3 : "");
	reply_add(&r, "\"}}");
	send_reply(&r);
}

/* {"return": VALUE, "id": ID}: and after it in successes */
static void send_return(const struct json_view *id, const char *value)
{
	struct reply r = { .len = 0 };

	reply_add(&r, "{\"return\": ");
	reply_add(&r, value);
	if (id) {
		reply_add(&r, ", \"id\": ");
		reply_add_value(&r, *id);
	}
	reply_add(&r, "}");
	send_reply(&r);
}

/* ------------------------------------------------------------ requests */

struct request {
	struct json_view execute, arguments, id;
	int has_execute, has_arguments, has_id;
	const char *problem;		/* a member error, QEMU's text */
	char member[40];
};

static int read_member(struct json_view key, struct json_view val, void *ctx)
{
	struct request *rq = ctx;

	if (json_key_is(key, "execute")) {
		if (json_kind(val) != '"') {
			rq->problem = "QMP input member 'execute' must be a string";
			return 1;
		}
		rq->execute = val;
		rq->has_execute = 1;
	} else if (json_key_is(key, "arguments")) {
		if (json_kind(val) != '{') {
			rq->problem = "QMP input member 'arguments' must be an object";
			return 1;
		}
		rq->arguments = val;
		rq->has_arguments = 1;
	} else if (json_key_is(key, "id")) {
		rq->id = val;
		rq->has_id = 1;
	} else {
		json_string(key, rq->member, sizeof(rq->member));
		rq->problem = "unexpected";
		return 1;
	}
	return 0;
}

/* Arguments of one command: which names are allowed, what was given. */
struct args {
	const char *allowed[2];
	struct json_view value[2];
	int present[2];
	char unexpected[40];
};

static int read_argument(struct json_view key, struct json_view val, void *ctx)
{
	struct args *a = ctx;
	int i;

	for (i = 0; i < 2 && a->allowed[i]; i++) {
		if (json_key_is(key, a->allowed[i])) {
			a->value[i] = val;
			a->present[i] = 1;
			return 0;
		}
	}
	json_string(key, a->unexpected, sizeof(a->unexpected));
	return 1;
}

/* 0 if the arguments fit; else an error was sent. */
static int parse_args(const struct request *rq, struct args *a,
		      const struct json_view *id)
{
	if (rq->has_arguments && json_each_member(rq->arguments, read_argument, a)) {
		send_error(id, "GenericError", "Parameter '", a->unexpected,
			   "' is unexpected");
		return -1;
	}
	return 0;
}

static void cmd_sync(const struct request *rq, const struct json_view *id,
		     int delimited)
{
	struct args a = { .allowed = { "id", NULL } };
	char value[24];

	if (parse_args(rq, &a, id) < 0)
		return;
	if (!a.present[0]) {
		send_error(id, "GenericError", "Parameter 'id' is missing", NULL, NULL);
		return;
	}
	if (!json_is_int64(a.value[0])) {
		send_error(id, "GenericError",
			   "Invalid parameter type for 'id', expected: integer",
			   NULL, NULL);
		return;
	}
	json_normalize(a.value[0], value, sizeof(value));
	if (delimited)
		sentinel_pending = 1;
	send_return(id, value);
}

static void cmd_ping(const struct request *rq, const struct json_view *id)
{
	struct args a = { .allowed = { NULL } };

	if (parse_args(rq, &a, id) == 0)
		send_return(id, "{}");
}

static void cmd_info(const struct request *rq, const struct json_view *id)
{
	struct args a = { .allowed = { NULL } };
	static char list[700];
	size_t n = 0, i;

	if (parse_args(rq, &a, id) < 0)
		return;
	n += str_copy(list + n, "{\"version\": \"" AGENT_VERSION
		      "\", \"supported_commands\": [", sizeof(list) - n);
	for (i = 0; i < NCOMMANDS && n < sizeof(list); i++)
		n += (size_t)str_printf(list + n, sizeof(list) - n,
			"%s{\"enabled\": true, \"name\": \"%s\", \"success-response\": %s}",
			i ? ", " : "", commands[i].name,
			commands[i].success_response ? "true" : "false");
	if (n >= sizeof(list))
		n = sizeof(list) - 1;
	str_copy(list + n, "]}", sizeof(list) - n);
	send_return(id, list);
}

static __attribute__((noreturn)) void do_reboot(void)
{
	con_printf("guest: rebooting via %s\n", reset_method_name(reset_method));
	reset_via(reset_method);
	con_puts("guest: reset did not happen\n");
	poweroff();
}

static __attribute__((noreturn)) void do_halt(void)
{
	con_puts("guest: halting\n");
	cpu_halt_forever();
}

static void cmd_shutdown(const struct request *rq, const struct json_view *id)
{
	struct args a = { .allowed = { "mode", NULL } };
	char mode[16] = "powerdown";

	if (parse_args(rq, &a, id) < 0)
		return;
	if (a.present[0]) {
		if (json_kind(a.value[0]) != '"') {
			send_error(id, "GenericError",
				   "Invalid parameter type for 'mode', expected: string",
				   NULL, NULL);
			return;
		}
		json_string(a.value[0], mode, sizeof(mode));
	}
	if (str_len(mode) == 0 ||
	    (memcmp(mode, "powerdown", 10) && memcmp(mode, "halt", 5) &&
	     memcmp(mode, "reboot", 7))) {
		/* sic: QEMU's text has no closing parenthesis */
		send_error(id, "GenericError",
			   "mode is invalid (valid values are: halt|powerdown|reboot",
			   NULL, NULL);
		return;
	}
	/* success-response false: no reply, the host sees the guest go */
	con_printf("guest: guest-shutdown called, mode: %s\n", mode);
	if (mode[0] == 'p')
		poweroff();
	if (mode[0] == 'h')
		do_halt();
	do_reboot();
}

static void dispatch(const char *text, size_t len)
{
	struct json_view whole = { text, len };
	struct request rq = { .problem = NULL };
	const struct json_view *id;
	char name[48];
	const char *err = json_check(text, len);
	size_t i;

	if (err) {
		send_error(NULL, "GenericError", "JSON parse error, ", err, NULL);
		return;
	}
	if (json_kind(whole) != '{') {
		send_error(NULL, "GenericError", "QMP input must be a JSON object",
			   NULL, NULL);
		return;
	}
	json_each_member(whole, read_member, &rq);
	id = rq.has_id ? &rq.id : NULL;
	if (rq.problem && rq.member[0]) {
		send_error(id, "GenericError", "QMP input member '", rq.member,
			   "' is unexpected");
		return;
	}
	if (rq.problem) {
		send_error(id, "GenericError", rq.problem, NULL, NULL);
		return;
	}
	if (!rq.has_execute) {
		send_error(id, "GenericError", "QMP input lacks member 'execute'",
			   NULL, NULL);
		return;
	}
	json_string(rq.execute, name, sizeof(name));
	for (i = 0; i < NCOMMANDS; i++)
		if (!memcmp(name, commands[i].name, str_len(commands[i].name) + 1))
			break;
	switch (i) {
	case 0: cmd_sync(&rq, id, 1); return;
	case 1: cmd_sync(&rq, id, 0); return;
	case 2: cmd_ping(&rq, id); return;
	case 3: cmd_info(&rq, id); return;
	case 4: cmd_shutdown(&rq, id); return;
	}
	send_error(id, "CommandNotFound", "The command ", name, " has not been found");
}

static struct json_stream stream;

static void agent_byte(uint8_t c)
{
	int again;

	if (agent_hung)
		return;
	if (c == HANG_BYTE) {
		agent_hung = 1;
		con_puts("guest: agent hangs (DC3 received)\n");
		return;
	}
	do {
		switch (json_feed(&stream, c, &again)) {
		case JSON_MORE:
			break;
		case JSON_VALUE:
			dispatch(stream.buf, stream.len);
			break;
		case JSON_STRAY:
			send_error(NULL, "GenericError",
				   "JSON parse error, stray '\\uFFFD'", NULL, NULL);
			break;
		case JSON_TOO_LONG:
			send_error(NULL, "GenericError",
				   "JSON token size limit exceeded", NULL, NULL);
			break;
		}
	} while (again);
}

/* ------------------------------------------------------------ console */

static char line[64];
static size_t line_len;

static void console_line(void)
{
	line[line_len] = '\0';
	line_len = 0;
	if (!line[0])
		return;
	con_printf("guest: console '%s'\n", line);
	if (!memcmp(line, "reboot", 7))
		do_reboot();
	else if (!memcmp(line, "poweroff", 9))
		poweroff();
	else if (!memcmp(line, "halt", 5))
		do_halt();
	else if (!memcmp(line, "hang", 5)) {
		agent_hung = 1;
		con_puts("guest: agent hangs (console)\n");
	} else
		con_puts("guest: console commands: reboot poweroff halt hang\n");
}

static void console_byte(int c)
{
	if (c == '\n' || c == '\r')
		console_line();
	else if (line_len < sizeof(line) - 1)
		line[line_len++] = (char)c;
}

/* ------------------------------------------------------------ main */

static void power_button(void)
{
	if (!pm_power_button_pending())
		return;
	pm_ack_power_button();
	if (ignore_power_button) {
		con_puts("guest: ignoring power button\n");
		return;
	}
	con_puts("guest: power button pressed\n");
	poweroff();
}

void guest_main(const char *cmdline)
{
	const char *v;
	size_t len;
	int c;

	con_puts("guest: agent starting\n");
	con_printf("guest: cmdline '%s'\n", cmdline);
	if (cmdline_is(cmdline, "agent", "com1"))
		agent_port = COM1_BASE;
	if (cmdline_get(cmdline, "reset", &v, &len)) {
		int m = reset_method_parse(v, len);

		if (m < 0) {
			con_puts("guest: unknown reset method\n");
			poweroff();
		}
		reset_method = (enum reset_method)m;
	}
	agent_hung = cmdline_is(cmdline, "hang", "1");
	ignore_power_button = cmdline_is(cmdline, "powerbutton", "ignore");
	uart_init(agent_port);
	json_stream_reset(&stream);
	pm_enable_power_button();
	con_printf("guest: agent on %s%s\n", agent_port == COM1_BASE ? "COM1" : "COM2",
		   agent_hung ? ", not answering (hang=1)" : "");

	for (;;) {
		while ((c = uart_trygetc(agent_port)) >= 0)
			agent_byte((uint8_t)c);
		if (agent_port != COM1_BASE)
			while ((c = uart_trygetc(COM1_BASE)) >= 0)
				console_byte(c);
		power_button();
		cpu_delay(LOOP_SPINS);
	}
}
