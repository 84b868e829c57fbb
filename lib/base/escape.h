/*
 * escape - text made safe for where it goes: HTML, and JSON inside HTML.
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
#include <stdbool.h>
#include <stddef.h>

/* eddy_xhtml_escape_to - append s[0..len) to out with & < > " ' as HTML
 * entities and a NUL byte as U+FFFD (what a browser would read). 0, or -1
 * when out cannot grow. */
int eddy_xhtml_escape_to(eddy_buf *out, const char *s, size_t len);

/* eddy_xhtml_escape_ascii_to - eddy_xhtml_escape_to, and *ascii set to
 * whether every byte was below 0x80 (found in the same pass: a caller
 * that must know the text is UTF-8 checks only the rest). */
int eddy_xhtml_escape_ascii_to(eddy_buf *out, const char *s, size_t len, bool *ascii);

/* eddy_json_encode_to - append v as JSON the way Tornado's json_encode
 * writes it (Python's json.dumps, then "</" as "<\/"): ", " and ": "
 * between items, characters outside printable ASCII as \u escapes (U+2028
 * and U+2029 among them; beyond U+FFFF as a surrogate pair), reals as
 * Python's repr. So a value is safe inside a <script> element: no "</"
 * can close it. One difference, on purpose: "<!--" is written "\u003c!--",
 * since after it a "<script" in the text would keep the element open past
 * its "</script>"; the JSON still decodes to the same value. 0, or -1 (out
 * unchanged) when a string is not UTF-8, v nests more than 200 deep or out
 * cannot grow. */
int eddy_json_encode_to(eddy_buf *out, const json_t *v);

/* eddy_json_compact_to - append v as Jansson's json_dumps(v, JSON_COMPACT |
 * JSON_ENCODE_ANY) writes it (no spaces, only '"', '\\' and control
 * characters escaped, keys in the object's order), at a fraction of the
 * cost on large values. 0, or -1 (out unchanged) when a string is not
 * UTF-8, v nests more than 200 deep or out cannot grow. */
int eddy_json_compact_to(eddy_buf *out, const json_t *v);

/* eddy_json_compact_string_to - append s[0..len) as the JSON string
 * eddy_json_compact_to writes for it: for writers that make JSON text
 * from other values (database rows) without a Jansson tree. 0, or -1
 * (out unchanged) when s is not UTF-8 or out cannot grow. */
int eddy_json_compact_string_to(eddy_buf *out, const char *s, size_t len);

/* eddy_real_text - d as Python's repr writes it (and json.dumps): the
 * fewest digits that read back as d, fixed notation from 1e-4 up to 1e16
 * ("0.1", "2.0", "1e-05", "1e+16"). dst holds 32 bytes or more. */
void eddy_real_text(char *dst, size_t cap, double d);

#endif
