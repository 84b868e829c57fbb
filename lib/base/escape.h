/*
 * escape - text made safe for where it goes: HTML and JSON inside HTML.
 *
 * Templates escape every value they print, error pages escape the reason
 * (which often quotes what the client sent), and later forms and the
 * forum's pages do the same: one escape, so the rules are the same
 * everywhere and the fast one is the only one.
 */
#ifndef EDDY_ESCAPE_H
#define EDDY_ESCAPE_H

#include <eddy/base/buf.h>

#include <jansson.h>
#include <stddef.h>

/* eddy_xhtml_escape_to - append s[0..len) to out with & < > " ' as HTML
 * entities and a NUL byte as U+FFFD (what a browser would read). 0, or -1
 * when out cannot grow. */
int eddy_xhtml_escape_to(eddy_buf *out, const char *s, size_t len);

/* eddy_json_encode_to - append v as compact JSON that is safe inside a
 * <script> element: < > & and U+2028/U+2029 are written as \u escapes. 0,
 * or -1 when v cannot be encoded or out cannot grow. */
int eddy_json_encode_to(eddy_buf *out, const json_t *v);

#endif
