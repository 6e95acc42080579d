/* gen-probes: turns probes/vmm.probes into C.
 *
 *   gen-probes header LIST > vmm-probes.h   inline trace_NAME() gates
 *   gen-probes fire   LIST > vmm-probes.c   semaphores + one out-of-line call
 *                                           site per probe (USDT + log)
 *   gen-probes table  LIST > probe-table.c  descriptors for the collector, with
 *                                           the decoder steps of each log line
 *   gen-probes samples LIST > probe-samples.c  fires every probe with known
 *                                           arguments (the round-trip test)
 *
 * Every trace point is declared once in LIST; nothing else names them by hand.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROBES 256
#define MAX_ARGS 12

struct probe_arg {
	char type[64];
	char name[64];
	const char *kind; /* PROBE_ARG_* */
	char conv;	  /* its conversion in the format: d i u x X p s */
	bool last;	  /* printed last on the line */
};

/* one step of decoding a log line: literal text, then an argument */
struct decode_step {
	char lit[256];
	int arg; /* -1: the line ends after LIT */
	char conv;
};

struct probe {
	char name[96];
	char format[512];
	int nargs;
	struct probe_arg args[MAX_ARGS];
	int line;
	struct decode_step steps[MAX_ARGS + 1];
	int nsteps;
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

/* The format as printf sees it: the C string expression's literals joined,
 * each PRIxNN macro replaced by its conversion letter (the length modifier
 * does not matter to the decoder: the argument's type says it). */
static void plain_format(const struct probe *p, char *out, size_t len)
{
	const char *s = p->format;
	size_t n = 0;
	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				char ch = *s;
				if (ch == '\\') {
					s++;
					ch = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
				}
				if (n + 1 >= len)
					die_at(p->line, "format too long");
				out[n++] = ch;
			}
			if (*s != '"')
				die_at(p->line, "unterminated string in the format");
			s++;
		} else if (!strncmp(s, "PRI", 3) && strchr("diouxX", s[3]) && s[3]) {
			if (n + 1 >= len)
				die_at(p->line, "format too long");
			out[n++] = s[3];
			s += 4;
			while (isalnum((unsigned char)*s) || *s == '_')
				s++;
		} else {
			die_at(p->line, "a format is string literals and PRI* macros only");
		}
	}
	out[n] = '\0';
}

static bool conv_fits(char conv, const char *kind)
{
	if (conv == 's')
		return !strcmp(kind, "PROBE_ARG_STR");
	if (conv == 'p')
		return !strcmp(kind, "PROBE_ARG_PTR");
	return strcmp(kind, "PROBE_ARG_STR") && strcmp(kind, "PROBE_ARG_PTR");
}

/* at F (just after a '%'): [N$] flags width .precision length conversion;
 * returns the argument's index (SEQ counts the unnumbered ones) */
static int parse_conversion(const struct probe *p, const char **f, int *seq, char *conv)
{
	const char *s = *f;
	int arg = -1;
	if (isdigit((unsigned char)*s)) {
		char *end;
		long v = strtol(s, &end, 10);
		if (*end == '$') {
			arg = (int)v - 1;
			s = end + 1;
		}
	}
	if (arg < 0)
		arg = (*seq)++;
	s += strspn(s, "-+ #0");
	s += strspn(s, "0123456789");
	if (*s == '.')
		s += 1 + strspn(s + 1, "0123456789");
	s += strspn(s, "hlzjtL");
	if (!*s || !strchr("diuxXps", *s))
		die_at(p->line, "a conversion the decoder does not know (d i u x X p s)");
	*conv = *s;
	*f = s + 1;
	if (arg < 0 || arg >= p->nargs)
		die_at(p->line, "the format names an argument the probe does not have");
	return arg;
}

/* Splits the format into decoder steps; every argument must appear exactly
 * once, with a conversion that fits its type, and a string must be followed
 * by literal text or end the line (or the decoder cannot tell where it ends). */
static void make_steps(struct probe *p)
{
	char fmt[512];
	int seq = 0;
	bool seen[MAX_ARGS] = { false };
	plain_format(p, fmt, sizeof(fmt));
	struct decode_step *st = &p->steps[0];
	size_t n = 0;
	for (const char *f = fmt;;) {
		if (*f == '%' && f[1] != '%') {
			f++;
			st->arg = parse_conversion(p, &f, &seq, &st->conv);
			if (seen[st->arg])
				die_at(p->line, "an argument appears twice in the format");
			if (!conv_fits(st->conv, p->args[st->arg].kind))
				die_at(p->line, "a conversion does not fit its argument's type");
			if (st->conv == 's' && *f == '%' && f[1] != '%')
				die_at(p->line, "a %s directly followed by another conversion");
			seen[st->arg] = true;
			p->args[st->arg].conv = st->conv;
			st->lit[n] = '\0';
			st = &p->steps[++p->nsteps];
			n = 0;
			continue;
		}
		if (!*f)
			break;
		if (n + 1 >= sizeof(st->lit))
			die_at(p->line, "literal text too long");
		st->lit[n++] = *f;
		f += *f == '%' ? 2 : 1;
	}
	st->lit[n] = '\0';
	st->arg = -1;
	if (p->nsteps)
		p->args[p->steps[p->nsteps - 1].arg].last = true;
	p->nsteps++;
	for (int i = 0; i < p->nargs; i++)
		if (!seen[i])
			die_at(p->line, "an argument the format does not print cannot be decoded");
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
	for (int i = 0; i < nprobes; i++)
		make_steps(&probes[i]);
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
		printf("\tif (*(volatile unsigned short *)&vmm_%s_semaphore) {\n", p->name);
		/* a BPF consumer cannot fault a page in: a string the VMM only
		 * passes on (a name in .rodata) is read here first */
		for (int a = 0; a < p->nargs; a++)
			if (!strcmp(p->args[a].kind, "PROBE_ARG_STR"))
				printf("\t\ttrace_fault_in(%s);\n", p->args[a].name);
		if (p->nargs)
			printf("\t\tSTAP_PROBE%d(vmm, %s", p->nargs, p->name);
		else
			printf("\t\tSTAP_PROBE(vmm, %s", p->name);
		print_names(p, ",");
		puts(");\n\t}\n}\n");
	}
}

/* S as a C string literal */
static void print_c_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else
			putchar(*s);
	}
	putchar('"');
}

static void emit_table(void)
{
	puts("/* generated from probes/vmm.probes by probes/gen-probes.c: do not edit */");
	puts("#include <inttypes.h>\n#include <string.h>\n#include \"probe-table.h\"\n");
	puts("/* each probe's log line, as decoder steps: literal text, then an argument */");
	for (int i = 0; i < nprobes; i++) {
		const struct probe *p = &probes[i];
		printf("static const struct probe_step steps_%s[] = {\n", p->name);
		for (int k = 0; k < p->nsteps; k++) {
			fputs("\t{ ", stdout);
			print_c_string(p->steps[k].lit);
			if (p->steps[k].arg < 0)
				puts(", -1, 0 },");
			else
				printf(", %d, '%c' },\n", p->steps[k].arg, p->steps[k].conv);
		}
		puts("};");
	}
	puts("\nconst struct probe_desc vmm_probe_table[] = {");
	for (int i = 0; i < nprobes; i++) {
		const struct probe *p = &probes[i];
		printf("\t{ \"%s\", %s, %d,\n\t  { ", p->name, p->format, p->nargs);
		for (int a = 0; a < p->nargs; a++)
			printf("\"%s\", ", p->args[a].name);
		fputs("},\n\t  { ", stdout);
		for (int a = 0; a < p->nargs; a++)
			printf("%s, ", p->args[a].kind);
		printf("},\n\t  steps_%s },\n", p->name);
	}
	puts("};\n");
	printf("const unsigned vmm_probe_count = %d;\n\n", nprobes);
	puts("int probe_lookup(const char *name)\n{\n"
	     "\tfor (unsigned i = 0; i < vmm_probe_count; i++)\n"
	     "\t\tif (!strcmp(vmm_probe_table[i].name, name))\n"
	     "\t\t\treturn (int)i;\n\treturn -1;\n}");
}

/* A known value for argument A of probe P (K: its index), as C; its
 * conversion decides the sign, so that the printed text says it exactly. */
static void print_sample(const struct probe *p, int k, char *value, size_t len)
{
	const struct probe_arg *a = &p->args[k];
	const char *kind = a->kind;
	int seed = (int)(p->line * 7 + k * 3);
	if (!strcmp(kind, "PROBE_ARG_STR") && a->last)
		snprintf(value, len, "\"%s %d (x)\"", a->name, seed); /* the rest of the line */
	else if (!strcmp(kind, "PROBE_ARG_STR"))
		snprintf(value, len, "\"%s-%d\"", a->name, seed); /* a name: ends at the next text */
	else if (!strcmp(kind, "PROBE_ARG_PTR"))
		snprintf(value, len, k % 2 ? "(void *)0" : "(void *)(uintptr_t)0x%x", 0x1000 + seed);
	else if (!strcmp(kind, "PROBE_ARG_BOOL"))
		snprintf(value, len, "%s", k % 2 ? "false" : "true");
	else if (!strcmp(kind, "PROBE_ARG_U64"))
		snprintf(value, len, "UINT64_C(0x%x00000000) + %d", 0x80000000u + (unsigned)seed, seed);
	else if (!strcmp(kind, "PROBE_ARG_I64"))
		snprintf(value, len, "-INT64_C(%d00000000)", seed);
	else if (a->conv == 'd' || a->conv == 'i')
		snprintf(value, len, "-%d", seed);
	else
		snprintf(value, len, "%d", 0x7fff0000 + seed); /* printed unsigned or hex */
}

static void emit_samples(void)
{
	puts("/* generated from probes/vmm.probes by probes/gen-probes.c: do not edit */");
	puts("#include <stdbool.h>\n#include <stdint.h>\n#include \"probe-samples.h\"\n"
	     "#include \"vmm-probes.h\"\n");
	puts("/* fires probe ID with known arguments, and says which in WANT */");
	puts("void probe_sample_fire(unsigned id, struct probe_sample *want)\n{\n\tswitch (id) {");
	for (int i = 0; i < nprobes; i++) {
		const struct probe *p = &probes[i];
		char v[MAX_ARGS][96];
		for (int k = 0; k < p->nargs; k++)
			print_sample(p, k, v[k], sizeof(v[k]));
		printf("\tcase PROBE_%s:\n", p->name);
		for (int k = 0; k < p->nargs; k++) {
			if (!strcmp(p->args[k].kind, "PROBE_ARG_STR"))
				printf("\t\twant->v[%d].s = %s;\n", k, v[k]);
			else if (!strcmp(p->args[k].kind, "PROBE_ARG_PTR"))
				printf("\t\twant->v[%d].i = (int64_t)(uintptr_t)%s;\n", k, v[k]);
			else
				printf("\t\twant->v[%d].i = (int64_t)(%s)%s;\n", k, p->args[k].type, v[k]);
		}
		printf("\t\ttrace_%s_fire(", p->name);
		for (int k = 0; k < p->nargs; k++)
			printf("%s%s", k ? ", " : "", v[k]);
		puts(");\n\t\tbreak;");
	}
	puts("\t}\n}");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen-probes header|fire|table|samples LIST\n");
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
	else if (!strcmp(argv[1], "samples"))
		emit_samples();
	else {
		fprintf(stderr, "gen-probes: unknown output '%s'\n", argv[1]);
		return 2;
	}
	return ferror(stdout) ? 1 : 0;
}
