/* USDT probes attached as plain uprobes, one BPF link per site, for programs
 * that read their arguments through libbpf's <bpf/usdt.bpf.h>
 * (bpf_usdt_arg, bpf_usdt_cookie).
 *
 * Why not bpf_program__attach_usdt: it returns one composite link over all
 * of a probe's sites, which has no fd and so cannot be pinned, and the kept
 * BPF collector (bpf-kept.h) pins its links. This does what it does with
 * facts we already read (usdt-notes.h): each site's argument specs become a
 * struct __bpf_usdt_spec in the object's __bpf_usdt_specs map, and the
 * site's uprobe (file offset, semaphore as ref_ctr_offset) carries the
 * spec's index as its BPF cookie, which is where usdt.bpf.h looks. */
#ifndef KVMSCOPE_USDT_ATTACH_H
#define KVMSCOPE_USDT_ATTACH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "usdt-notes.h"

struct bpf_link;
struct bpf_program;

struct usdt_attach {
	struct usdt_notes notes;
	int specs_fd;       /* the object's __bpf_usdt_specs */
	uint32_t next_spec; /* its next free index */
	uint32_t max_specs;
};

/* Reads BINARY's notes for attaching with SPECS_FD (__bpf_usdt_specs, whose
 * value size is checked against the layout written here). 0, or -1 with
 * ERR. */
int usdt_attach_open(struct usdt_attach *ua, const char *binary, int specs_fd, char *err,
		     size_t errlen);

/* Attaches PROG to every site of PROVIDER:NAME in the binary, for process
 * PID (-1: every process that maps it), COOKIE being what bpf_usdt_cookie
 * returns there. The links go to LINKS (at most MAX). Returns how many
 * sites were attached; 0 with errno ENOENT when the binary has no such
 * probe; -1 with ERR (and nothing left attached) otherwise. */
int usdt_attach_probe(struct usdt_attach *ua, struct bpf_program *prog, pid_t pid,
		      const char *binary, const char *provider, const char *name, uint64_t cookie,
		      struct bpf_link **links, unsigned max, char *err, size_t errlen);

void usdt_attach_close(struct usdt_attach *ua);

#endif
