/*
 * url - percent-encoding both ways, and walking a=1&b=2 pairs.
 *
 * The router decodes path captures and builds reverse URLs, the handler
 * reads query strings and form bodies, templates escape values into
 * links, static files build versioned URLs; the client and forms will do
 * the same. They all use these, so a URL is escaped and unescaped one way
 * everywhere.
 */
#ifndef EDDY_URL_H
#define EDDY_URL_H

#include <eddy/base/buf.h>
#include <eddy/base/str.h>

#include <stddef.h>
#include <sys/types.h>

/* eddy_url_decode - percent-decode in[0..len) into out (room for len
 * bytes; decoding never grows). plus_is_space: '+' means ' ' (query
 * strings and form bodies, not paths). Returns the decoded length, or -1
 * for a malformed escape ("%zz", a '%' too near the end) or, when
 * allow_nul is 0, an encoded NUL. */
ssize_t eddy_url_decode(const char *in, size_t len, char *out, int plus_is_space, int allow_nul);

/* eddy_urlencoded_next - walk "a=1&b=2" pairs (query strings and
 * application/x-www-form-urlencoded bodies). *cursor starts at the
 * string; each call yields the raw (still encoded) name and value and
 * returns 1, or 0 at the end. Empty pairs ("a=1&&b") are skipped; a name
 * without '=' has an empty value. */
int eddy_urlencoded_next(eddy_str *cursor, eddy_str *name, eddy_str *value);

/* How eddy_url_escape_to treats the two characters whose encoding depends
 * on where the text goes. Unreserved characters (A-Z a-z 0-9 - _ . ~)
 * always stay; everything else is %XX. */
enum {
    EDDY_URL_PLUS = 1,       /* space becomes '+' (form values; Tornado's plus=True) */
    EDDY_URL_KEEP_SLASH = 2, /* '/' stays (a path of several segments) */
};

/* eddy_url_escape_to - append s[0..len) percent-encoded to out, with
 * flags from the enum above (0: one path segment or query value, space as
 * %20). 0, or -1 when out cannot grow. */
int eddy_url_escape_to(eddy_buf *out, const char *s, size_t len, unsigned flags);

#endif
