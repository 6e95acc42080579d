/* gen-probes: turns probes/vmm.probes into C.
 *
 *   gen-probes header LIST > vmm-probes.h   inline trace_NAME() gates
 *   gen-probes fire   LIST > vmm-probes.c   semaphores + one out-of-line call
 *                                           site per probe (USDT + log)
 *   gen-probes table  LIST > probe-table.c  descriptors for the collector
 *
 * Every trace point is declared once in LIST; nothing else names them by hand.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROBES 256
#define MAX_ARGS 12

struct probe_arg {
	char type[64];
	char name[64];
	const char *kind; /* PROBE_ARG_* */
};

struct probe {
	char name[96];
	char format[512];
	int nargs;
	struct probe_arg args[MAX_ARGS];
	int line;
};

static struct probe probes[MAX_PROBES];
static int nprobes;
static const char *list_path;

static void die_at(int line, const char *msg)
{
	fprintf(stderr, "%s:%d: %s\n", list_path, line, msg);
	exit(1);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static const char *arg_kind(const char *type)
{
	static const struct {
		const char *type, *kind;
	} kinds[] = {
		{ "int", "PROBE_ARG_INT" },	    { "unsigned", "PROBE_ARG_UNSIGNED" },
		{ "bool", "PROBE_ARG_BOOL" },	    { "uint32_t", "PROBE_ARG_U32" },
		{ "uint64_t", "PROBE_ARG_U64" },    { "int64_t", "PROBE_ARG_I64" },
		{ "const char *", "PROBE_ARG_STR" }, { "void *", "PROBE_ARG_PTR" },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(type, kinds[i].type))
			return kinds[i].kind;
	return NULL;
}

/* "const char *name" -> type "const char *", name "name" */
static void parse_arg(struct probe *p, char *text, int line)
{
	if (p->nargs == MAX_ARGS)
		die_at(line, "more than 12 arguments (the <sys/sdt.h> limit)");
	text = trim(text);
	char *end = text + strlen(text);
	char *name = end;
	while (name > text && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
		name--;
	if (name == end || name == text)
		die_at(line, "argument needs a type and a name");
	struct probe_arg *a = &p->args[p->nargs++];
	snprintf(a->name, sizeof(a->name), "%s", name);
	*name = '\0';
	char *type = trim(text);
	/* normalise "char*" / "char *" spacing */
	char norm[64];
	size_t n = 0;
	for (const char *c = type; *c && n + 3 < sizeof(norm); c++) {
		if (*c == '*' && n && norm[n - 1] != ' ')
			norm[n++] = ' ';
		norm[n++] = *c;
	}
	norm[n] = '\0';
	snprintf(a->type, sizeof(a->type), "%s", norm);
	a->kind = arg_kind(a->type);
	if (!a->kind)
		die_at(line, "unsupported argument type");
}

static void parse_line(char *s, int line)
{
	s = trim(s);
	if (!*s || *s == '#')
		return;
	if (nprobes == MAX_PROBES)
		die_at(line, "too many probes");
	struct probe *p = &probes[nprobes];
	memset(p, 0, sizeof(*p));
	p->line = line;

	char *open = strchr(s, '(');
	char *close = open ? strchr(open, ')') : NULL;
	if (!open || !close)
		die_at(line, "expected name(args) \"format\"");
	*open = '\0';
	snprintf(p->name, sizeof(p->name), "%s", trim(s));
	for (const char *c = p->name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			die_at(line, "probe names are C identifiers");
	for (int i = 0; i < nprobes; i++)
		if (!strcmp(probes[i].name, p->name))
			die_at(line, "duplicate probe name");

	*close = '\0';
	char *args = trim(open + 1);
	if (strcmp(args, "void") != 0) {
		char *save = NULL;
		for (char *tok = strtok_r(args, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			parse_arg(p, tok, line);
	}
	char *fmt = trim(close + 1);
	if (*fmt != '"')
		die_at(line, "expected a quoted format after the arguments");
	snprintf(p->format, sizeof(p->format), "%s", fmt);
	nprobes++;
}

static void read_list(void)
{
	FILE *f = fopen(list_path, "r");
	if (!f) {
		fprintf(stderr, "gen-probes: %s: %s\n", list_path, strerror(errno));
		exit(1);
	}
	char buf[2048];
	int line = 0;
	while (fgets(buf, sizeof(buf), f))
		parse_line(buf, ++line);
	fclose(f);
}

static void print_params(const struct probe *p)
{
	if (!p->nargs)
		fputs("void", stdout);
	for (int i = 0; i < p->nargs; i++)
		printf("%s%s%s%s", i ? ", " : "", p->args[i].type,
		       p->args[i].type[strlen(p->args[i].type) - 1] == '*' ? "" : " ",
		       p->args[i].name);
}

static void print_names(const struct probe *p, const char *lead)
{
	for (int i = 0; i < p->nargs; i++)
		printf("%s%s", i || lead[0] ? ", " : "", p->args[i].name);
}

static void emit_header(void)
{
	puts("/* generated from probes/vmm.probes by probes/gen-probes.c: do not edit */");
	puts("#ifndef KVMSCOPE_VMM_PROBES_H\n#define KVMSCOPE_VMM_PROBES_H\n");
	puts("#include <inttypes.h>\n#include <stdbool.h>\n#include <stdint.h>\n");
	puts("enum vmm_probe_id {");
	for (int i = 0; i < nprobes; i++)
		printf("\tPROBE_%s,\n", probes[i].name);
	puts("\tPROBE__COUNT\n};\n");
	puts("/* -trace: which probes the log backend prints (vmm/trace.c) */");
	puts("extern bool trace_log_enabled[PROBE__COUNT];\n");
	for (int i = 0; i < nprobes; i++) {
		const struct probe *p = &probes[i];
		printf("extern unsigned short vmm_%s_semaphore;\n", p->name);
		printf("void trace_%s_fire(", p->name);
		print_params(p);
		puts(");");
		printf("static inline bool trace_%s_enabled(void)\n{\n", p->name);
		printf("\treturn __builtin_expect(trace_log_enabled[PROBE_%s] |\n"
		       "\t\t\t\t*(volatile unsigned short *)&vmm_%s_semaphore, 0);\n}\n",
		       p->name, p->name);
		printf("static inline void trace_%s(", p->name);
		print_params(p);
		printf(")\n{\n\tif (trace_%s_enabled())\n\t\ttrace_%s_fire(", p->name, p->name);
		print_names(p, "");
		puts(");\n}\n");
	}
	puts("#endif");
}

static void emit_fire(void)
{
	puts("/* generated from probes/vmm.probes by probes/gen-probes.c: do not edit */");
	puts("#define _SDT_HAS_SEMAPHORES 1");
	puts("#include <sys/sdt.h>\n");
	puts("#include \"vmm-probes.h\"\n#include \"trace.h\"\n");
	puts("bool trace_log_enabled[PROBE__COUNT];\n");
	for (int i = 0; i < nprobes; i++) {
		const struct probe *p = &probes[i];
		/* the semaphore the kernel's uprobe ref_ctr increments while a
		 * consumer is attached; <sys/sdt.h> records its address */
		printf("__extension__ unsigned short vmm_%s_semaphore\n"
		       "\t__attribute__((unused, section(\".probes\")));\n",
		       p->name);
		/* noinline + noclone: exactly one USDT site per probe */
		printf("__attribute__((noinline, noclone)) void trace_%s_fire(", p->name);
		print_params(p);
		printf(")\n{\n\tif (trace_log_enabled[PROBE_%s])\n", p->name);
		printf("\t\ttrace_log_line(PROBE_%s, %s", p->name, p->format);
		print_names(p, ",");
		puts(");");
		printf("\tif (*(volatile unsigned short *)&vmm_%s_semaphore)\n", p->name);
		if (p->nargs)
			printf("\t\tSTAP_PROBE%d(vmm, %s", p->nargs, p->name);
		else
			printf("\t\tSTAP_PROBE(vmm, %s", p->name);
		print_names(p, ",");
		puts(");\n}\n");
	}
}

static void emit_table(void)
{
	puts("/* generated from probes/vmm.probes by probes/gen-probes.c: do not edit */");
	puts("#include <inttypes.h>\n#include <string.h>\n#include \"probe-table.h\"\n");
	puts("const struct probe_desc vmm_probe_table[] = {");
	for (int i = 0; i < nprobes; i++) {
		const struct probe *p = &probes[i];
		printf("\t{ \"%s\", %s, %d,\n\t  { ", p->name, p->format, p->nargs);
		for (int a = 0; a < p->nargs; a++)
			printf("\"%s\", ", p->args[a].name);
		fputs("},\n\t  { ", stdout);
		for (int a = 0; a < p->nargs; a++)
			printf("%s, ", p->args[a].kind);
		puts("} },");
	}
	puts("};\n");
	printf("const unsigned vmm_probe_count = %d;\n\n", nprobes);
	puts("int probe_lookup(const char *name)\n{\n"
	     "\tfor (unsigned i = 0; i < vmm_probe_count; i++)\n"
	     "\t\tif (!strcmp(vmm_probe_table[i].name, name))\n"
	     "\t\t\treturn (int)i;\n\treturn -1;\n}");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen-probes header|fire|table LIST\n");
		return 2;
	}
	list_path = argv[2];
	read_list();
	if (!strcmp(argv[1], "header"))
		emit_header();
	else if (!strcmp(argv[1], "fire"))
		emit_fire();
	else if (!strcmp(argv[1], "table"))
		emit_table();
	else {
		fprintf(stderr, "gen-probes: unknown output '%s'\n", argv[1]);
		return 2;
	}
	return ferror(stdout) ? 1 : 0;
}
