/* QEMU-shaped diagnostics: "kvmscope-vmm: message", optionally prefixed by an
 * ISO-8601 UTC timestamp (-msg timestamp=on, as libvirt runs QEMU). */
#ifndef VMM_ERROR_H
#define VMM_ERROR_H

#include <stdbool.h>

#define VMM_PROGNAME "kvmscope-vmm"

void error_set_timestamps(bool on);
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
