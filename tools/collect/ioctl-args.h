/* record's side of the ioctl-argument records (capture format 1.2): which
 * requests the BPF program copies the struct of, and the ring buffer's
 * records written into the capture (tools/collect/ioctl-args.c). */
#ifndef KVMSCOPE_IOCTL_ARGS_H
#define KVMSCOPE_IOCTL_ARGS_H

#include <stddef.h>

#include "capture/capture.h"

struct bpf_collector_bpf;

/* Before the program is loaded: the host arch's request numbers and sizes
 * (lib/kvm-ioctl-args.h) into its read-only data. */
void ioctl_args_configure(struct bpf_collector_bpf *skel);

/* A REC_KIND_IOCTL_ARG ring record (SIZE bytes at DATA) as an IOCTL_ARG
 * capture record; 0, or the writer's error. */
int ioctl_args_write(struct cap_writer *w, const void *data, size_t size);

#endif
