/* XML 1.0 escaping, shared by the HTML timeline (analyze) and the JUnit
 * writer (ci). Bytes XML cannot carry (control bytes, invalid UTF-8) become
 * \xNN text, so any evidence line makes a valid document. */
#ifndef KVMSCOPE_XML_ESCAPE_H
#define KVMSCOPE_XML_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Escapes LEN bytes of S onto OUT; ATTR for an attribute value (quotes and
 * whitespace kept as references), else for element text. */
void xml_escape(FILE *out, const char *s, size_t len, bool attr);

#endif
