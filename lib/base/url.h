/*
 * url - percent-encoding both ways, walking a=1&b=2 pairs, and URLs
 * taken apart and resolved.
 *
 * The router decodes path captures and builds reverse URLs, the handler
 * reads query strings and form bodies, templates escape values into
 * links, static files build versioned URLs; the client and forms will do
 * the same. They all use these, so a URL is escaped and unescaped one way
 * everywhere.
 *
 * The HTTP client takes a URL apart to know where to connect, follows a
 * relative Location, and the crawler resolves and normalises the links it
 * finds; forms and the forum will check URLs users type. eddy_url_parse
 * splits a URL into spans (RFC 3986, without copying), eddy_url_resolve
 * turns a reference into an absolute URL against a base the way a browser
 * does, and eddy_url_normalize gives one spelling per resource.
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

/* eddy_url_decode_dup - a percent-decoded, NUL-terminated copy of
 * in[0..len) to free(), for the parts of a connection URL (user,
 * password, database); NULL for a malformed escape, an encoded NUL or no
 * memory. */
char *eddy_url_decode_dup(const char *in, size_t len);

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


/* ------------------------------------------------------------ URLs */

/* A URL (or a relative reference) in pieces; each span points into the
 * string given to eddy_url_parse and excludes its delimiters. A piece
 * that is absent has p == NULL; one that is present but empty ("http://h/?"
 * has an empty query) has p != NULL and len 0. */
typedef struct eddy_url {
    eddy_str scheme;    /* "http"; absent in a relative reference */
    eddy_str authority; /* "user@host:8080", everything between "//" and the path */
    eddy_str userinfo;  /* "user" */
    eddy_str host;      /* "example.com", "127.0.0.1", "::1" (without the brackets) */
    eddy_str port;      /* "8080": digits only */
    eddy_str path;      /* "/a/b" (may be empty, never absent) */
    eddy_str query;     /* after '?' */
    eddy_str fragment;  /* after '#' */
    int port_number;    /* the port as a number, or -1 when none was written */
    int host_is_ipv6;   /* the host was written in brackets */
} eddy_url;

/* eddy_url_parse - split s[0..len) into *u. Accepts absolute URLs and
 * relative references ("../x?y", "//host/p", "#top"). Returns 0, or -1
 * for what no URL may contain: control bytes or spaces, a scheme that is
 * not ALPHA *(ALPHA / DIGIT / + - .), a port that is not a number up to
 * 65535, an unterminated or malformed [IPv6] literal, '[' or ']' or a
 * second '@' in the authority. */
int eddy_url_parse(const char *s, size_t len, eddy_url *u);

/* eddy_url_default_port - 80 for "http" (and "ws"), 443 for "https"
 * (and "wss"), any case; -1 for another scheme. */
int eddy_url_default_port(eddy_str scheme);

/* eddy_url_resolve - append to out the absolute URL that ref[0..ref_len)
 * names when found in a page at base[0..base_len) (RFC 3986 section 5.2:
 * "../b" from "http://h/a/c/d" is "http://h/a/b"; "//o/p" keeps the
 * scheme; "?q" keeps the path; dot segments removed). base must be an
 * absolute URL. 0, or -1 when either does not parse, base is not
 * absolute, or out cannot grow (out unchanged then). */
int eddy_url_resolve(const char *base, size_t base_len, const char *ref, size_t ref_len,
                     eddy_buf *out);

/* eddy_url_normalize - append one spelling of the absolute URL s[0..len)
 * to out, so that two links to the same page compare equal: scheme and
 * host in lower case, the scheme's default port dropped, an empty path
 * made "/", dot segments removed, percent-escapes in upper case, and the
 * fragment (which never reaches the server) dropped. 0, or -1 when s is
 * not an absolute URL with a host, or out cannot grow (out unchanged). */
int eddy_url_normalize(const char *s, size_t len, eddy_buf *out);

#endif
