/* kvmscope probes BINARY: the USDT probes an ELF file offers, with the
 * numbers a tracer needs (virtual address and file offset of each probe and
 * of its semaphore) and the argument specs, as a table or as JSON. */
#include <gelf.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "usdt-notes.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kvmscope probes [--format table|json] [--provider NAME] BINARY\n"
		"\n"
		"Lists the USDT probes (.note.stapsdt) of an ELF file: provider, name,\n"
		"address and file offset, semaphore address and file offset (uprobe\n"
		"events and perf take file offsets), and the argument specs.\n"
		"\n"
		"  -f, --format FMT    table (default) or json\n"
		"  -p, --provider NAME only the probes of this provider\n"
		"\n"
		"examples:\n"
		"  kvmscope probes build/kvmscope-vmm\n"
		"  kvmscope probes --format json /usr/bin/python3\n");
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	default: return "unknown";
	}
}

static const char *kind_name(enum usdt_arg_kind k)
{
	switch (k) {
	case USDT_ARG_CONST: return "const";
	case USDT_ARG_REG: return "reg";
	case USDT_ARG_MEM: return "mem";
	}
	return "?";
}

static void print_table(const struct usdt_notes *n, const char *provider)
{
	printf("%-10s %-32s %-18s %-10s %-18s %-10s %s\n", "PROVIDER", "NAME", "ADDRESS",
	       "OFFSET", "SEMAPHORE", "SEM-OFF", "ARGUMENTS");
	for (size_t i = 0; i < n->count; i++) {
		const struct usdt_probe *p = &n->probes[i];
		char off[24] = "-", sem[24] = "-", semoff[24] = "-";
		if (provider && strcmp(provider, p->provider))
			continue;
		if (p->pc_offset_ok)
			snprintf(off, sizeof(off), "0x%" PRIx64, p->pc_offset);
		if (p->semaphore) {
			snprintf(sem, sizeof(sem), "0x%" PRIx64, p->semaphore);
			if (p->semaphore_offset_ok)
				snprintf(semoff, sizeof(semoff), "0x%" PRIx64, p->semaphore_offset);
		}
		printf("%-10s %-32s 0x%-16" PRIx64 " %-10s %-18s %-10s %s%s%s\n", p->provider,
		       p->name, p->pc, off, sem, semoff, p->args_text,
		       p->args_error ? "  # " : "", p->args_error ? p->args_error : "");
	}
}

static json_t *arg_json(const struct usdt_arg *a)
{
	char spec[160];
	json_t *o = json_object();

	usdt_arg_format(a, spec, sizeof(spec));
	json_object_set_new(o, "spec", json_string(spec));
	json_object_set_new(o, "size", json_integer(a->size));
	json_object_set_new(o, "signed", json_boolean(a->is_signed));
	json_object_set_new(o, "kind", json_string(kind_name(a->kind)));
	if (a->kind == USDT_ARG_CONST) {
		json_object_set_new(o, "value", json_integer(a->value));
		return o;
	}
	if (a->reg[0])
		json_object_set_new(o, "reg", json_string(a->reg));
	if (a->kind == USDT_ARG_MEM) {
		json_object_set_new(o, "offset", json_integer(a->value));
		if (a->symbol[0])
			json_object_set_new(o, "symbol", json_string(a->symbol));
		if (a->index[0]) {
			json_object_set_new(o, "index", json_string(a->index));
			json_object_set_new(o, "scale", json_integer(a->scale));
		}
	}
	return o;
}

static int print_json(const struct usdt_notes *n, const char *provider)
{
	json_t *root = json_object(), *arr = json_array();

	json_object_set_new(root, "path", json_string(n->path));
	json_object_set_new(root, "machine", json_string(machine_name(n->machine)));
	json_object_set_new(root, "elf_class", json_integer(n->elf64 ? 64 : 32));
	if (n->has_base)
		json_object_set_new(root, "stapsdt_base", json_integer((json_int_t)n->base_addr));
	for (size_t i = 0; i < n->count; i++) {
		const struct usdt_probe *p = &n->probes[i];
		json_t *o = json_object(), *args = json_array();
		if (provider && strcmp(provider, p->provider))
			continue;
		json_object_set_new(o, "provider", json_string(p->provider));
		json_object_set_new(o, "name", json_string(p->name));
		json_object_set_new(o, "address", json_integer((json_int_t)p->pc));
		json_object_set_new(o, "file_offset",
				    p->pc_offset_ok ? json_integer((json_int_t)p->pc_offset) : json_null());
		json_object_set_new(o, "base", json_integer((json_int_t)p->note_base));
		json_object_set_new(o, "semaphore",
				    p->semaphore ? json_integer((json_int_t)p->semaphore) : json_null());
		json_object_set_new(o, "semaphore_offset",
				    p->semaphore && p->semaphore_offset_ok
					    ? json_integer((json_int_t)p->semaphore_offset)
					    : json_null());
		json_object_set_new(o, "arguments", json_string(p->args_text));
		for (unsigned j = 0; j < p->nargs; j++)
			json_array_append_new(args, arg_json(&p->args[j]));
		json_object_set_new(o, "args", args);
		if (p->args_error)
			json_object_set_new(o, "args_error", json_string(p->args_error));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "probes", arr);
	int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
	return rc;
}

int cmd_probes(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "provider", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "table", *provider = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'p':
			provider = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json")) {
		fprintf(stderr, "kvmscope probes: unknown format '%s' (table or json)\n", format);
		return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "kvmscope probes: expected one BINARY\n");
		usage(stderr);
		return 2;
	}

	const char *path = argv[optind];
	struct usdt_notes notes;
	char err[512];
	if (usdt_notes_read(path, &notes, err, sizeof(err))) {
		fprintf(stderr, "kvmscope probes: %s\n", err);
		return 1;
	}
	size_t shown = 0;
	for (size_t i = 0; i < notes.count; i++)
		shown += !provider || !strcmp(provider, notes.probes[i].provider);
	if (!shown) {
		if (provider && notes.count)
			fprintf(stderr, "kvmscope probes: %s: no USDT probes of provider '%s'\n", path,
				provider);
		else
			fprintf(stderr, "kvmscope probes: %s: no USDT probes (no .note.stapsdt notes)\n",
				path);
		usdt_notes_free(&notes);
		return 1;
	}
	int rc = 0;
	if (!strcmp(format, "json"))
		rc = print_json(&notes, provider) ? 1 : 0;
	else
		print_table(&notes, provider);
	usdt_notes_free(&notes);
	return rc;
}
