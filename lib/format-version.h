/* The capture file format's version (docs/capture-format.md): written into
 * every capture's header and reported by every binary's --version. */
#ifndef KVMSCOPE_FORMAT_VERSION_H
#define KVMSCOPE_FORMAT_VERSION_H

#define CAPTURE_FORMAT_MAJOR 1	/* a reader refuses another major */
#define CAPTURE_FORMAT_MINOR 2	/* additions a v1 reader may skip (1: KFUNC, 2: IOCTL_ARG) */

#endif
