/*
 * url - percent-encoding, urlencoded pairs, and URLs parsed, resolved and
 * normalised (see url.h).
 *
 * The parser follows RFC 3986's grammar for a URI reference: scheme ":"
 * then "//" authority, a path, "?" query, "#" fragment, each optional. It
 * checks only what decides where a request goes (scheme, host, port) and
 * what must never travel (control bytes, spaces); percent-escapes in the
 * path and query are left for the reader of each part.
 */
#include <eddy/base/url.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

ssize_t eddy_url_decode(const char *in, size_t len, char *out, int plus_is_space, int allow_nul)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi = i + 2 < len ? eddy_hex_digit((unsigned char)in[i + 1]) : -1;
            int lo = i + 2 < len ? eddy_hex_digit((unsigned char)in[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            if (c == '\0' && !allow_nul)
                return -1;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        out[o++] = c;
    }
    return (ssize_t)o;
}

char *eddy_url_decode_dup(const char *in, size_t len)
{
    char *out = malloc(len + 1);
    ssize_t n = out ? eddy_url_decode(in, len, out, 0, 0) : -1;
    if (n < 0) {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    return out;
}

int eddy_urlencoded_next(eddy_str *cursor, eddy_str *name, eddy_str *value)
{
    while (cursor->len) {
        const char *amp = memchr(cursor->p, '&', cursor->len);
        size_t n = amp ? (size_t)(amp - cursor->p) : cursor->len;
        eddy_str pair = {cursor->p, n};
        cursor->p += n + (amp ? 1 : 0);
        cursor->len -= n + (amp ? 1 : 0);
        if (n == 0)
            continue;
        const char *eq = memchr(pair.p, '=', pair.len);
        if (eq) {
            *name = (eddy_str){pair.p, (size_t)(eq - pair.p)};
            *value = (eddy_str){eq + 1, pair.len - name->len - 1};
        } else {
            *name = pair;
            *value = (eddy_str){pair.p + pair.len, 0};
        }
        return 1;
    }
    return 0;
}

/* What stays as it is in a URL component: RFC 3986's unreserved
 * characters (1), and '/' when the caller keeps it (2). */
static const unsigned char url_keeps[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['/'] = 2,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

/* written_as_one - byte c is written as one byte (itself, or '+' for a
 * space with EDDY_URL_PLUS), not as %XX; keep: url_keeps' bits. */
static inline bool written_as_one(unsigned char c, unsigned keep, unsigned flags)
{
    return (url_keeps[c] & keep) || (c == ' ' && (flags & EDDY_URL_PLUS));
}

int eddy_url_escape_to(eddy_buf *out, const char *s, size_t len, unsigned flags)
{
    static const char hex[] = "0123456789ABCDEF";
    if (len == 0)
        return 0;
    /* Room for the worst case (every byte %XX), then written in place;
     * near a buffer's limit, room for exactly what it writes. */
    unsigned keep = flags & EDDY_URL_KEEP_SLASH ? 3 : 1;
    if (len > SIZE_MAX / 3 || eddy_buf_reserve(out, len * 3) < 0) {
        size_t need = 0;
        for (size_t i = 0; i < len; i++)
            need += written_as_one((unsigned char)s[i], keep, flags) ? 1 : 3;
        if (eddy_buf_reserve(out, need) < 0)
            return -1;
    }
    char *w = out->data + out->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (written_as_one(c, keep, flags)) {
            *w++ = c == ' ' ? '+' : (char)c; /* a space is never in url_keeps */
        } else {
            w[0] = '%', w[1] = hex[c >> 4], w[2] = hex[c & 15];
            w += 3;
        }
    }
    *w = '\0';
    out->len = (size_t)(w - out->data);
    return 0;
}

/* ------------------------------------------------------------ URLs */

static int is_scheme_char(unsigned char c, int first)
{
    if (isalpha(c))
        return 1;
    return !first && (isdigit(c) || c == '+' || c == '-' || c == '.');
}

/* parse_authority - userinfo@host:port in a[0..n) into u. */
static int parse_authority(const char *a, size_t n, eddy_url *u)
{
    u->authority = (eddy_str){a, n};
    const char *at = memchr(a, '@', n);
    if (at) {
        u->userinfo = (eddy_str){a, (size_t)(at - a)};
        n -= (size_t)(at - a) + 1;
        a = at + 1;
        if (memchr(a, '@', n))
            return -1;
    }
    const char *end = a + n, *h = a, *colon;
    if (n && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close || close == a + 1)
            return -1;
        for (const char *p = a + 1; p < close; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
                return -1;
        u->host = (eddy_str){a + 1, (size_t)(close - a - 1)};
        u->host_is_ipv6 = 1;
        h = close + 1;
        if (h < end && *h != ':')
            return -1;
        colon = h < end ? h : NULL;
    } else {
        colon = memchr(a, ':', n);
        u->host = (eddy_str){a, colon ? (size_t)(colon - a) : n};
        for (size_t i = 0; i < u->host.len; i++)
            if (u->host.p[i] == '[' || u->host.p[i] == ']')
                return -1;
    }
    if (colon) {
        u->port = (eddy_str){colon + 1, (size_t)(end - colon - 1)};
        if (u->port.len) { /* "host:" is allowed: an empty port means the default */
            long v = 0;
            for (size_t i = 0; i < u->port.len; i++) {
                if (!isdigit((unsigned char)u->port.p[i]) || (v = v * 10 + (u->port.p[i] - '0')) > 65535)
                    return -1;
            }
            u->port_number = (int)v;
        }
    }
    return 0;
}

int eddy_url_parse(const char *s, size_t len, eddy_url *u)
{
    memset(u, 0, sizeof *u);
    u->port_number = -1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return -1;
    const char *p = s, *end = s + len;

    /* scheme: letters up to a ':' that comes before any '/', '?' or '#' */
    size_t i = 0;
    while (i < len && is_scheme_char((unsigned char)s[i], i == 0))
        i++;
    if (i > 0 && i < len && s[i] == ':') {
        u->scheme = (eddy_str){s, i};
        p = s + i + 1;
    } else if (i < len && s[i] == ':' && i == 0) {
        return -1; /* ":x" */
    }

    const char *hash = memchr(p, '#', (size_t)(end - p));
    if (hash) {
        u->fragment = (eddy_str){hash + 1, (size_t)(end - hash - 1)};
        end = hash;
    }
    const char *q = memchr(p, '?', (size_t)(end - p));
    if (q) {
        u->query = (eddy_str){q + 1, (size_t)(end - q - 1)};
        end = q;
    }
    if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
        const char *a = p + 2, *slash = memchr(a, '/', (size_t)(end - a));
        const char *aend = slash ? slash : end;
        if (parse_authority(a, (size_t)(aend - a), u) < 0)
            return -1;
        p = aend;
    }
    u->path = (eddy_str){p, (size_t)(end - p)};
    return 0;
}

int eddy_url_default_port(eddy_str scheme)
{
    if (eddy_str_case_eq(scheme, "http") || eddy_str_case_eq(scheme, "ws"))
        return 80;
    if (eddy_str_case_eq(scheme, "https") || eddy_str_case_eq(scheme, "wss"))
        return 443;
    return -1;
}

/* remove_dots - append in[0..n) to out with its "." and ".." segments
 * removed (RFC 3986 5.2.4); a ".." never climbs above where the path
 * started in out. */
static int remove_dots(eddy_buf *out, const char *in, size_t n)
{
    size_t start = out->len;
    while (n) {
        if (n >= 3 && memcmp(in, "../", 3) == 0) {
            in += 3, n -= 3;
        } else if (n >= 2 && memcmp(in, "./", 2) == 0) {
            in += 2, n -= 2;
        } else if (n >= 3 && memcmp(in, "/./", 3) == 0) {
            in += 2, n -= 2; /* "/./x" -> "/x" */
        } else if (n == 2 && memcmp(in, "/.", 2) == 0) {
            in = "/", n = 1;
        } else if ((n >= 4 && memcmp(in, "/../", 4) == 0) || (n == 3 && memcmp(in, "/..", 3) == 0)) {
            if (n == 3)
                in = "/", n = 1;
            else
                in += 3, n -= 3; /* "/../x" -> "/x", and the output loses a segment */
            size_t o = out->len;
            while (o > start && out->data[o - 1] != '/')
                o--;
            if (o > start)
                o--;
            eddy_buf_truncate(out, o);
        } else if ((n == 1 && in[0] == '.') || (n == 2 && memcmp(in, "..", 2) == 0)) {
            n = 0;
        } else {
            size_t seg = in[0] == '/' ? 1 : 0; /* the first segment, with its '/' */
            while (seg < n && in[seg] != '/')
                seg++;
            if (eddy_buf_append(out, in, seg) < 0)
                return -1;
            in += seg, n -= seg;
        }
    }
    return 0;
}

static int append_span(eddy_buf *out, const char *prefix, eddy_str s)
{
    if (!s.p)
        return 0;
    if (prefix && eddy_buf_append_str(out, prefix) < 0)
        return -1;
    return eddy_buf_append(out, s.p, s.len);
}

/* merge_paths - RFC 3986 5.2.3, then dot removal: the base path up to its
 * last '/', then the reference's path. */
static int merge_paths(eddy_buf *out, const eddy_url *b, eddy_str ref_path)
{
    eddy_buf tmp = EDDY_BUF_INIT;
    int rc = 0;
    if (b->authority.p && b->path.len == 0) {
        rc = eddy_buf_append_char(&tmp, '/');
    } else {
        const char *slash = b->path.len ? memrchr(b->path.p, '/', b->path.len) : NULL;
        if (slash)
            rc = eddy_buf_append(&tmp, b->path.p, (size_t)(slash - b->path.p) + 1);
    }
    if (rc == 0)
        rc = eddy_buf_append(&tmp, ref_path.p, ref_path.len);
    if (rc == 0)
        rc = remove_dots(out, tmp.data ? tmp.data : "", tmp.len);
    eddy_buf_free(&tmp);
    return rc;
}

int eddy_url_resolve(const char *base, size_t base_len, const char *ref, size_t ref_len,
                     eddy_buf *out)
{
    eddy_url b, r;
    if (eddy_url_parse(base, base_len, &b) < 0 || !b.scheme.p || eddy_url_parse(ref, ref_len, &r) < 0)
        return -1;
    size_t undo = out->len;
    int rc = 0;
    const eddy_url *auth_from = &r, *query_from = &r;
    if (r.scheme.p) {
        rc |= append_span(out, NULL, r.scheme);
    } else {
        rc |= append_span(out, NULL, b.scheme);
        if (!r.authority.p)
            auth_from = &b;
    }
    rc |= eddy_buf_append_char(out, ':');
    if (auth_from->authority.p)
        rc |= append_span(out, "//", auth_from->authority);
    size_t path_at = out->len;
    if (rc == 0) {
        if (auth_from == &r) {
            rc = remove_dots(out, r.path.p, r.path.len);
        } else if (r.path.len == 0) {
            rc = eddy_buf_append(out, b.path.p, b.path.len);
            if (!r.query.p)
                query_from = &b;
        } else if (r.path.p[0] == '/') {
            rc = remove_dots(out, r.path.p, r.path.len);
        } else {
            rc = merge_paths(out, &b, r.path);
        }
    }
    /* Without an authority, a path that came out as "//x" would read as
     * one: keep it a path with "/." in front (as browsers do). */
    if (rc == 0 && !auth_from->authority.p && out->len - path_at >= 2 &&
        memcmp(out->data + path_at, "//", 2) == 0 && (rc = eddy_buf_reserve(out, 2)) == 0) {
        memmove(out->data + path_at + 2, out->data + path_at, out->len - path_at + 1);
        memcpy(out->data + path_at, "/.", 2);
        out->len += 2;
    }
    if (rc == 0)
        rc = append_span(out, "?", query_from->query);
    if (rc == 0)
        rc = append_span(out, "#", r.fragment);
    if (rc < 0) {
        eddy_buf_truncate(out, undo);
        return -1;
    }
    return 0;
}

int eddy_url_normalize(const char *s, size_t len, eddy_buf *out)
{
    eddy_url u;
    if (eddy_url_parse(s, len, &u) < 0 || !u.scheme.p || !u.host.p || u.host.len == 0)
        return -1;
    size_t undo = out->len;
    int rc = 0;
    for (size_t i = 0; i < u.scheme.len; i++)
        rc |= eddy_buf_append_char(out, (char)eddy_ascii_lower((unsigned char)u.scheme.p[i]));
    rc |= eddy_buf_append_str(out, "://");
    if (u.userinfo.p)
        rc |= append_span(out, NULL, u.userinfo), rc |= eddy_buf_append_char(out, '@');
    if (u.host_is_ipv6)
        rc |= eddy_buf_append_char(out, '[');
    for (size_t i = 0; i < u.host.len; i++)
        rc |= eddy_buf_append_char(out, (char)eddy_ascii_lower((unsigned char)u.host.p[i]));
    if (u.host_is_ipv6)
        rc |= eddy_buf_append_char(out, ']');
    if (u.port_number >= 0 && u.port_number != eddy_url_default_port(u.scheme))
        rc |= eddy_buf_printf(out, ":%d", u.port_number);
    size_t path_at = out->len;
    if (rc == 0)
        rc = u.path.len ? remove_dots(out, u.path.p, u.path.len) : eddy_buf_append_char(out, '/');
    if (rc == 0 && out->len == path_at)
        rc = eddy_buf_append_char(out, '/');
    if (rc == 0)
        rc = append_span(out, "?", u.query);
    /* %7e and %7E are one byte: upper-case the hex digits of escapes. */
    for (size_t i = path_at; rc == 0 && i + 2 < out->len; i++) {
        if (out->data[i] == '%' && isxdigit((unsigned char)out->data[i + 1]) &&
            isxdigit((unsigned char)out->data[i + 2])) {
            out->data[i + 1] = (char)toupper((unsigned char)out->data[i + 1]);
            out->data[i + 2] = (char)toupper((unsigned char)out->data[i + 2]);
            i += 2;
        }
    }
    if (rc < 0) {
        eddy_buf_truncate(out, undo);
        return -1;
    }
    return 0;
}
