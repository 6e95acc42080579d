/* USDT sites attached as plain uprobes (see usdt-attach.h). */
#include "usdt-attach.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "errtext.h"

/* The layout of <bpf/usdt.bpf.h>'s struct __bpf_usdt_arg_spec and
 * __bpf_usdt_spec, which the BPF side reads (usdt_attach_open compares the
 * map's value size with it). */
enum { SPEC_ARG_CONST, SPEC_ARG_REG, SPEC_ARG_REG_DEREF };
struct spec_arg {
	uint64_t val_off;
	uint32_t arg_type;
	int16_t reg_off;
	bool arg_signed;
	int8_t arg_bitshift;
};
#define SPEC_MAX_ARGS 12
struct spec {
	struct spec_arg args[SPEC_MAX_ARGS];
	uint64_t usdt_cookie;
	int16_t arg_cnt;
};

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#else
#define HOST_MACHINE EM_NONE
#endif

int usdt_attach_open(struct usdt_attach *ua, const char *binary, int specs_fd, char *err,
		     size_t errlen)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	memset(ua, 0, sizeof(*ua));
	ua->specs_fd = specs_fd;
	if (bpf_obj_get_info_by_fd(specs_fd, &info, &len)) {
		seterr(err, errlen, "the USDT spec map: %s", strerror(errno));
		return -1;
	}
	if (info.value_size != sizeof(struct spec)) {
		seterr(err, errlen, "the USDT spec map holds %u-byte values, not the %zu of "
		       "<bpf/usdt.bpf.h> as this was built for", info.value_size, sizeof(struct spec));
		return -1;
	}
	ua->max_specs = info.max_entries;
	if (usdt_notes_read(binary, &ua->notes, err, errlen))
		return -1;
	if (ua->notes.machine != HOST_MACHINE) {
		seterr(err, errlen, "%s is built for another machine (ELF machine %u)", binary,
		       ua->notes.machine);
		usdt_notes_free(&ua->notes);
		return -1;
	}
	return 0;
}

/* One site's arguments as usdt.bpf.h reads them; -1 with ERR when one is
 * beyond it (a symbol, an index register, an unknown register). */
static int make_spec(const struct usdt_probe *p, uint64_t cookie, struct spec *s, char *err,
		     size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->usdt_cookie = cookie;
	s->arg_cnt = (int16_t)(p->nargs < SPEC_MAX_ARGS ? p->nargs : SPEC_MAX_ARGS);
	for (int i = 0; i < s->arg_cnt; i++) {
		const struct usdt_arg *a = &p->args[i];
		struct spec_arg *sa = &s->args[i];
		char text[64];

		sa->arg_signed = a->is_signed;
		sa->arg_bitshift = (int8_t)(64 - 8 * (int)a->size);
		if (a->kind == USDT_ARG_CONST) {
			sa->arg_type = SPEC_ARG_CONST;
			sa->val_off = (uint64_t)a->value;
			continue;
		}
		int off = a->symbol[0] || a->index[0] ? -1 : usdt_arg_regs_offset(a, HOST_MACHINE);
		if (off < 0) {
			usdt_arg_format(a, text, sizeof(text));
			seterr(err, errlen, "argument %d (%s) cannot be read by BPF", i + 1, text);
			return -1;
		}
		sa->reg_off = (int16_t)off;
		sa->arg_type = a->kind == USDT_ARG_REG ? SPEC_ARG_REG : SPEC_ARG_REG_DEREF;
		sa->val_off = a->kind == USDT_ARG_MEM ? (uint64_t)a->value : 0;
	}
	return 0;
}

int usdt_attach_probe(struct usdt_attach *ua, struct bpf_program *prog, pid_t pid,
		      const char *binary, const char *provider, const char *name, uint64_t cookie,
		      struct bpf_link **links, unsigned max, char *err, size_t errlen)
{
	unsigned n = 0;

	for (size_t i = 0; i < ua->notes.count; i++) {
		const struct usdt_probe *p = &ua->notes.probes[i];
		struct spec spec;

		if (strcmp(p->provider, provider) || strcmp(p->name, name))
			continue;
		if (p->args_error) {
			seterr(err, errlen, "its arguments '%s' do not parse: %s", p->args_text,
			       p->args_error);
			goto undo;
		}
		if (!p->pc_offset_ok || (p->semaphore && !p->semaphore_offset_ok)) {
			seterr(err, errlen, "its address is in no loadable segment of %s", binary);
			goto undo;
		}
		if (n >= max || ua->next_spec >= ua->max_specs) {
			seterr(err, errlen, "more sites than kvmscope holds (%u)", n);
			goto undo;
		}
		if (make_spec(p, cookie, &spec, err, errlen))
			goto undo;
		uint32_t id = ua->next_spec;
		if (bpf_map_update_elem(ua->specs_fd, &id, &spec, BPF_ANY)) {
			seterr(err, errlen, "the USDT spec map: %s", strerror(errno));
			goto undo;
		}
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = id,
			    .ref_ctr_offset = p->semaphore ? p->semaphore_offset : 0);
		links[n] = bpf_program__attach_uprobe_opts(prog, pid, binary, p->pc_offset, &uo);
		if (!links[n]) {
			seterr(err, errlen, "%s", strerror(errno));
			goto undo;
		}
		ua->next_spec++;
		n++;
	}
	if (!n)
		errno = ENOENT;
	return (int)n;
undo:
	while (n)
		bpf_link__destroy(links[--n]);
	return -1;
}

void usdt_attach_close(struct usdt_attach *ua)
{
	usdt_notes_free(&ua->notes);
}
