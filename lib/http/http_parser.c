/*
 * http_parser - incremental, zero-copy HTTP/1.1 parser; see http_parser.h.
 *
 * A head is parsed in one pass once its terminating empty line is in the
 * buffer; before that, only the new bytes are searched for it, and the
 * limits are checked so that an endless line or head is refused early.
 * Lines may end in CRLF or a bare LF (RFC 9112 2.2 allows a recipient to
 * accept LF; nc users send it); a CR anywhere else is an error. The
 * chunked decoder is a byte-at-a-time state machine that hands out data
 * spans, and accepts only CRLF: framing is where smuggling lives.
 */
#include <eddy/http/http_parser.h>

#include <string.h>

const eddy_http_limits eddy_http_default_limits = {
    .max_line = 8192,
    .max_headers = 100,
    .max_header_bytes = 16384,
};

/* ------------------------------------------------------------ characters */

/* is_tchar - RFC 9110 token characters: what methods and names are made of. */
static int is_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && memchr(extra, c, sizeof extra - 1));
}

/* is_field_vchar - allowed in a header value besides SP/HTAB: visible
 * ASCII and obs-text (bytes >= 0x80); never a control byte. */
static int is_field_vchar(unsigned char c) { return (c > 0x20 && c != 0x7f); }

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static eddy_str trim_ows(eddy_str s)
{
    while (s.len && is_ows(s.p[0]))
        s.p++, s.len--;
    while (s.len && is_ows(s.p[s.len - 1]))
        s.len--;
    return s;
}

/* next_list_item - split "a, b ,c" at commas, trimming OWS; empty items
 * (",,") are yielded as empty spans so callers can refuse them. */
static int next_list_item(eddy_str *rest, eddy_str *item)
{
    if (!rest->p)
        return 0;
    const char *comma = memchr(rest->p, ',', rest->len);
    size_t n = comma ? (size_t)(comma - rest->p) : rest->len;
    *item = trim_ows((eddy_str){rest->p, n});
    if (comma) {
        rest->p = comma + 1;
        rest->len -= n + 1;
    } else {
        rest->p = NULL;
        rest->len = 0;
    }
    return 1;
}

/* ------------------------------------------------------------ the head */

/* reset_message - clear everything but the header array, which is large
 * and only read up to header_count. */
static void reset_message(eddy_http_message *m)
{
    memset(m, 0, offsetof(eddy_http_message, headers));
    m->header_count = 0;
    m->body = EDDY_BODY_NONE;
    m->content_length = 0;
    m->keep_alive = m->expect_continue = m->upgrade = 0;
    m->error_status = 0;
    m->error_reason = NULL;
}

static ssize_t reject(eddy_http_message *m, int status, const char *reason)
{
    m->error_status = status;
    m->error_reason = reason;
    return EDDY_HTTP_INVALID;
}

/* find_head_end - index just past the empty line ending the head, or 0.
 * Searches from `from`; a terminator is "\n\n" or "\n\r\n". */
static size_t find_head_end(const char *buf, size_t len, size_t from)
{
    for (size_t i = from; i < len; i++) {
        const char *nl = memchr(buf + i, '\n', len - i);
        if (!nl)
            return 0;
        i = (size_t)(nl - buf);
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* skip_leading_newlines - RFC 9112 2.2: a server SHOULD ignore empty lines
 * received before the request line (some clients send a CRLF after a body). */
static size_t skip_leading_newlines(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && i < 64) {
        if (buf[i] == '\n')
            i++;
        else if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
            i += 2;
        else
            break;
    }
    return i;
}

/* take_line - the line starting at *pos (without its terminator); moves
 * *pos past it. Returns -1 if it holds a CR other than before its LF. */
static int take_line(const char *buf, size_t end, size_t *pos, eddy_str *line)
{
    const char *start = buf + *pos;
    const char *nl = memchr(start, '\n', end - *pos);
    size_t n = nl ? (size_t)(nl - start) : end - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n && start[n - 1] == '\r')
        n--;
    line->p = start;
    line->len = n;
    return memchr(start, '\r', n) ? -1 : 0;
}

/* parse_version - "HTTP/1.x" -> minor version; -1 malformed, -2 not 1.x. */
static int parse_version(eddy_str v)
{
    if (v.len != 8 || memcmp(v.p, "HTTP/", 5) != 0 || v.p[6] != '.' || v.p[5] < '0' ||
        v.p[5] > '9' || v.p[7] < '0' || v.p[7] > '9')
        return -1;
    if (v.p[5] != '1')
        return -2;
    return v.p[7] - '0';
}

/* parse_headers - the field lines from *pos up to the empty line at end. */
static ssize_t parse_headers(const char *buf, size_t end, size_t pos, eddy_http_message *m,
                             const eddy_http_limits *lim)
{
    size_t max = lim->max_headers < EDDY_HTTP_MAX_HEADERS ? lim->max_headers
                                                          : EDDY_HTTP_MAX_HEADERS;
    for (;;) {
        eddy_str line;
        if (take_line(buf, end, &pos, &line) < 0)
            return reject(m, 400, "bare CR in header");
        if (line.len == 0)
            return 0;
        if (is_ows(line.p[0]))
            return reject(m, 400, "obsolete line folding in header");
        size_t i = 0;
        while (i < line.len && is_tchar((unsigned char)line.p[i]))
            i++;
        if (i == line.len)
            return reject(m, 400, "header line without a colon");
        if (line.p[i] != ':')
            return reject(m, 400, is_ows(line.p[i]) ? "whitespace before colon in header"
                                                    : "invalid character in header name");
        if (i == 0)
            return reject(m, 400, "empty header name");
        eddy_str value = trim_ows((eddy_str){line.p + i + 1, line.len - i - 1});
        for (size_t k = 0; k < value.len; k++) {
            unsigned char c = (unsigned char)value.p[k];
            if (!is_field_vchar(c) && !is_ows((char)c))
                return reject(m, 400, "control character in header value");
        }
        if (m->header_count == max)
            return reject(m, 431, "too many header fields");
        m->headers[m->header_count].name = (eddy_str){line.p, i};
        m->headers[m->header_count].value = value;
        m->header_count++;
    }
}

const eddy_str *eddy_http_header_get(const eddy_http_message *m, const char *name)
{
    for (size_t i = 0; i < m->header_count; i++)
        if (eddy_str_case_eq(m->headers[i].name, name))
            return &m->headers[i].value;
    return NULL;
}

/* parse_length - a Content-Length value: digits only, no sign, no "0x". */
static int parse_length(eddy_str s, uint64_t *out)
{
    if (s.len == 0 || s.len > 19) /* 19 digits always fit in 63 bits */
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    *out = v;
    return 0;
}

/* Framing facts gathered from the fields, shared by requests and responses. */
struct framing {
    int has_length, has_te, te_chunked_final, te_other, te_bad;
    uint64_t length;
    int conn_close, conn_keep_alive, conn_upgrade, has_upgrade;
    int hosts;
    const char *length_error;
};

static void gather_framing(const eddy_http_message *m, struct framing *f)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < m->header_count; i++) {
        eddy_str name = m->headers[i].name, rest = m->headers[i].value, item;
        if (eddy_str_case_eq(name, "content-length")) {
            /* "5, 5" is one length said twice; anything else is an attack or a bug. */
            while (next_list_item(&rest, &item)) {
                uint64_t v = 0;
                if (parse_length(item, &v) < 0)
                    f->length_error = "malformed Content-Length";
                else if (f->has_length && v != f->length)
                    f->length_error = "differing Content-Length values";
                f->has_length = 1;
                f->length = v;
            }
        } else if (eddy_str_case_eq(name, "transfer-encoding")) {
            while (next_list_item(&rest, &item)) {
                f->has_te = 1;
                if (item.len == 0 || f->te_chunked_final)
                    f->te_bad = 1; /* nothing may follow chunked, and no empty codings */
                else if (eddy_str_case_eq(item, "chunked"))
                    f->te_chunked_final = 1;
                else
                    f->te_other = 1;
            }
        } else if (eddy_str_case_eq(name, "connection")) {
            while (next_list_item(&rest, &item)) {
                f->conn_close |= eddy_str_case_eq(item, "close");
                f->conn_keep_alive |= eddy_str_case_eq(item, "keep-alive");
                f->conn_upgrade |= eddy_str_case_eq(item, "upgrade");
            }
        } else if (eddy_str_case_eq(name, "host")) {
            f->hosts++;
        } else if (eddy_str_case_eq(name, "upgrade")) {
            f->has_upgrade = 1;
        }
    }
}

static int keep_alive_for(const eddy_http_message *m, const struct framing *f)
{
    if (f->conn_close)
        return 0;
    return m->version_minor >= 1 || f->conn_keep_alive;
}

/* split_target - origin-form, absolute-form or asterisk-form into path,
 * query and authority; 0, or -1 with the reason set. */
static int split_target(eddy_http_message *m)
{
    eddy_str t = m->target;
    if (t.len >= 7 && (eddy_str_case_eq((eddy_str){t.p, 7}, "http://") ||
                       (t.len >= 8 && eddy_str_case_eq((eddy_str){t.p, 8}, "https://")))) {
        size_t skip = (t.p[4] == ':') ? 7 : 8;
        const char *a = t.p + skip, *end = t.p + t.len, *p = a;
        while (p < end && *p != '/' && *p != '?')
            p++;
        if (p == a) {
            reject(m, 400, "absolute URI without a host");
            return -1;
        }
        m->authority = (eddy_str){a, (size_t)(p - a)};
        t = (eddy_str){p, (size_t)(end - p)};
        if (t.len == 0 || t.p[0] == '?') {
            /* "http://host?q": the path is "/" (RFC 9112 3.2.2). */
            m->path = (eddy_str){"/", 1};
            m->query = t.len ? (eddy_str){t.p + 1, t.len - 1} : (eddy_str){t.p, 0};
            return 0;
        }
    } else if (t.len == 1 && t.p[0] == '*') {
        if (!eddy_str_case_eq(m->method, "OPTIONS")) {
            reject(m, 400, "asterisk target outside OPTIONS");
            return -1;
        }
        m->path = t;
        m->query = (eddy_str){t.p + 1, 0};
        return 0;
    } else if (t.p[0] != '/') {
        reject(m, 400, "malformed request target");
        return -1;
    }
    const char *q = memchr(t.p, '?', t.len);
    size_t plen = q ? (size_t)(q - t.p) : t.len;
    m->path = (eddy_str){t.p, plen};
    m->query = q ? (eddy_str){q + 1, t.len - plen - 1} : (eddy_str){t.p + t.len, 0};
    return 0;
}

/* head_bounds - find where the head ends; applies the size limits while
 * it has not all arrived. Returns the end, 0 for "incomplete", or -1. */
static ssize_t head_bounds(const char *buf, size_t len, size_t scanned, eddy_http_message *m,
                           const eddy_http_limits *lim, size_t *skip, int request)
{
    *skip = skip_leading_newlines(buf, len);
    size_t from = scanned > 3 ? scanned - 3 : 0;
    if (from < *skip)
        from = *skip;
    size_t end = find_head_end(buf, len, from);
    /* The first line before the head as a whole: a request line that is
     * longer than max_line, or than the whole head may be, is a target too
     * long to parse (414), not a head with too many fields (431). */
    size_t line_max = lim->max_line < lim->max_header_bytes ? lim->max_line
                                                            : lim->max_header_bytes;
    size_t line_room = len - *skip < line_max + 2 ? len - *skip : line_max + 2;
    const char *nl = memchr(buf + *skip, '\n', line_room);
    if (!nl && len - *skip > line_max + 1)
        return request ? reject(m, 414, "request line too long")
                       : reject(m, 400, "status line too long");

    /* "\n" right at the start of the head (after skipped lines) cannot end it. */
    size_t head_len = end ? end - *skip : len - *skip;
    if (head_len > lim->max_header_bytes + 2)
        return reject(m, 431, "request header fields too large");
    return (ssize_t)end;
}

/* start_head - what request and response parsing share: reset m, find
 * the head's end (applying the limits) and take its first line. Returns
 * the end, EDDY_HTTP_INCOMPLETE or EDDY_HTTP_INVALID; *pos is where the
 * header lines begin. */
static ssize_t start_head(const char *buf, size_t len, size_t scanned, eddy_http_message *m,
                          const eddy_http_limits *lim, int request, size_t *pos, eddy_str *line)
{
    reset_message(m);
    size_t skip;
    ssize_t end = head_bounds(buf, len, scanned, m, lim, &skip, request);
    if (end <= 0)
        return end < 0 ? end : EDDY_HTTP_INCOMPLETE;
    *pos = skip;
    if (take_line(buf, (size_t)end, pos, line) < 0)
        return reject(m, 400, request ? "bare CR in request line" : "bare CR in status line");
    return end;
}

ssize_t eddy_http_parse_request(const char *buf, size_t len, size_t scanned,
                                eddy_http_message *m, const eddy_http_limits *lim)
{
    if (!lim)
        lim = &eddy_http_default_limits;
    size_t pos;
    eddy_str line;
    ssize_t end = start_head(buf, len, scanned, m, lim, 1, &pos, &line);
    if (end < 0)
        return end;

    /* method SP request-target SP HTTP-version, single spaces only */
    size_t i = 0;
    while (i < line.len && is_tchar((unsigned char)line.p[i]))
        i++;
    if (i == 0 || i == line.len || line.p[i] != ' ')
        return reject(m, 400, "malformed request line");
    m->method = (eddy_str){line.p, i};
    size_t t0 = ++i;
    while (i < line.len && line.p[i] != ' ') {
        unsigned char c = (unsigned char)line.p[i];
        if (c < 0x21 || c == 0x7f)
            return reject(m, 400, "control character in request target");
        i++;
    }
    if (i == t0 || i == line.len)
        return reject(m, 400, "malformed request line");
    m->target = (eddy_str){line.p + t0, i - t0};
    int minor = parse_version((eddy_str){line.p + i + 1, line.len - i - 1});
    if (minor == -2)
        return reject(m, 505, "HTTP version not supported");
    if (minor < 0)
        return reject(m, 400, "malformed HTTP version");
    if (line.len > lim->max_line)
        return reject(m, 414, "request line too long");
    m->version_minor = minor > 1 ? 1 : minor;
    m->status = 0;

    if (parse_headers(buf, (size_t)end, pos, m, lim) < 0)
        return EDDY_HTTP_INVALID;
    if (eddy_str_case_eq(m->method, "CONNECT"))
        return reject(m, 501, "CONNECT is not supported");
    if (split_target(m) < 0)
        return EDDY_HTTP_INVALID;

    struct framing f;
    gather_framing(m, &f);
    if (f.hosts > 1)
        return reject(m, 400, "more than one Host header");
    if (f.hosts == 0 && m->version_minor == 1)
        return reject(m, 400, "HTTP/1.1 request without Host");
    if (!m->authority.p) {
        const eddy_str *host = eddy_http_header_get(m, "host");
        if (host)
            m->authority = *host;
    }
    if (f.length_error)
        return reject(m, 400, f.length_error);
    if (f.has_te) {
        if (f.has_length)
            return reject(m, 400, "both Content-Length and Transfer-Encoding");
        if (m->version_minor == 0)
            return reject(m, 400, "Transfer-Encoding in an HTTP/1.0 request");
        if (f.te_bad || !f.te_chunked_final)
            return reject(m, 400, "chunked is not the final transfer coding");
        if (f.te_other)
            return reject(m, 501, "unsupported transfer coding");
        m->body = EDDY_BODY_CHUNKED;
    } else if (f.has_length && f.length > 0) {
        m->body = EDDY_BODY_LENGTH;
        m->content_length = f.length;
    } else {
        m->body = EDDY_BODY_NONE;
    }

    const eddy_str *expect = eddy_http_header_get(m, "expect");
    if (expect && m->version_minor == 1) { /* 1.0 clients cannot expect (RFC 9110 10.1.1) */
        if (!eddy_str_case_eq(*expect, "100-continue"))
            return reject(m, 417, "unsupported expectation");
        m->expect_continue = 1;
    }
    m->keep_alive = keep_alive_for(m, &f);
    m->upgrade = f.conn_upgrade && f.has_upgrade;
    return end;
}

ssize_t eddy_http_parse_response(const char *buf, size_t len, size_t scanned,
                                 eddy_http_message *m, const char *request_method,
                                 const eddy_http_limits *lim)
{
    if (!lim)
        lim = &eddy_http_default_limits;
    size_t pos;
    eddy_str line;
    ssize_t end = start_head(buf, len, scanned, m, lim, 0, &pos, &line);
    if (end < 0)
        return end;
    if (line.len < 12 || line.p[8] != ' ')
        return reject(m, 400, "malformed status line");
    int minor = parse_version((eddy_str){line.p, 8});
    if (minor == -2)
        return reject(m, 505, "HTTP version not supported");
    if (minor < 0)
        return reject(m, 400, "malformed HTTP version");
    m->version_minor = minor > 1 ? 1 : minor;
    int status = 0;
    for (int k = 9; k < 12; k++) {
        if (line.p[k] < '0' || line.p[k] > '9')
            return reject(m, 400, "malformed status code");
        status = status * 10 + (line.p[k] - '0');
    }
    if (status < 100)
        return reject(m, 400, "malformed status code");
    if (line.len > 12 && line.p[12] != ' ')
        return reject(m, 400, "malformed status line");
    m->status = status;
    m->reason = line.len > 13 ? (eddy_str){line.p + 13, line.len - 13} : (eddy_str){line.p + 12, 0};
    for (size_t k = 0; k < m->reason.len; k++) {
        unsigned char c = (unsigned char)m->reason.p[k];
        if (!is_field_vchar(c) && !is_ows((char)c))
            return reject(m, 400, "control character in reason phrase");
    }

    if (parse_headers(buf, (size_t)end, pos, m, lim) < 0)
        return EDDY_HTTP_INVALID;

    struct framing f;
    gather_framing(m, &f);
    int head = request_method && strcmp(request_method, "HEAD") == 0;
    int connect = request_method && strcmp(request_method, "CONNECT") == 0;
    m->keep_alive = keep_alive_for(m, &f);
    m->upgrade = status == 101;
    if (head || status < 200 || status == 204 || status == 304 || (connect && status < 300)) {
        m->body = EDDY_BODY_NONE;
    } else if (f.has_te) {
        /* A sender MUST NOT send both; a response that does is not trusted. */
        if (f.has_length)
            return reject(m, 400, "both Content-Length and Transfer-Encoding");
        if (f.te_bad)
            return reject(m, 400, "chunked is not the final transfer coding");
        if (f.te_chunked_final && !f.te_other) {
            m->body = EDDY_BODY_CHUNKED;
        } else if (f.te_chunked_final) {
            return reject(m, 501, "unsupported transfer coding");
        } else {
            m->body = EDDY_BODY_UNTIL_CLOSE;
            m->keep_alive = 0;
        }
    } else if (f.length_error) {
        return reject(m, 400, f.length_error);
    } else if (f.has_length) {
        m->body = f.length ? EDDY_BODY_LENGTH : EDDY_BODY_NONE;
        m->content_length = f.length;
    } else {
        m->body = EDDY_BODY_UNTIL_CLOSE;
        m->keep_alive = 0;
    }
    return end;
}

/* ------------------------------------------------------------ chunked bodies */

enum {
    CH_SIZE_FIRST, /* the first hex digit of a size */
    CH_SIZE,       /* more hex digits */
    CH_SIZE_WS,    /* whitespace after the size: only ';' may follow */
    CH_EXT,        /* chunk extensions, skipped */
    CH_SIZE_LF,    /* CR seen, LF must follow */
    CH_DATA,
    CH_DATA_CR, /* the CRLF after a chunk's data */
    CH_DATA_LF,
    CH_TRAILER_START, /* after the last chunk: a trailer line or the end */
    CH_TRAILER,
    CH_TRAILER_LF,
    CH_END_LF,
    CH_DONE,
    CH_ERROR,
};

void eddy_chunked_init(eddy_chunked *c)
{
    memset(c, 0, sizeof *c);
    c->state = CH_SIZE_FIRST;
    c->max_line = 4096;
    c->max_trailer_bytes = 16384;
}

static ssize_t chunk_error(eddy_chunked *c, const char *reason)
{
    c->state = CH_ERROR;
    c->error_reason = reason;
    return -1;
}

ssize_t eddy_chunked_parse(eddy_chunked *c, const char *in, size_t len, eddy_str *data,
                           int *done)
{
    size_t i = 0;
    data->p = in;
    data->len = 0;
    *done = c->state == CH_DONE;
    while (i < len) {
        unsigned char ch = (unsigned char)in[i];
        switch (c->state) {
        case CH_DATA: {
            size_t n = len - i;
            if (n > c->remaining)
                n = (size_t)c->remaining;
            data->p = in + i;
            data->len = n;
            c->remaining -= n;
            c->total += n;
            if (c->remaining == 0)
                c->state = CH_DATA_CR;
            return (ssize_t)(i + n); /* one span per call */
        }
        case CH_SIZE_FIRST:
        case CH_SIZE: {
            int h = eddy_hex_digit(ch);
            if (h >= 0) {
                if (c->remaining >> 60)
                    return chunk_error(c, "chunk size too large");
                c->remaining = c->remaining * 16 + (uint64_t)h;
                c->state = CH_SIZE;
            } else if (c->state == CH_SIZE_FIRST) {
                return chunk_error(c, "malformed chunk size");
            } else if (ch == ';') {
                c->state = CH_EXT;
            } else if (is_ows((char)ch)) {
                c->state = CH_SIZE_WS;
            } else if (ch == '\r') {
                c->state = CH_SIZE_LF;
            } else {
                return chunk_error(c, "malformed chunk size");
            }
            break;
        }
        case CH_SIZE_WS:
            if (ch == ';')
                c->state = CH_EXT;
            else if (!is_ows((char)ch))
                return chunk_error(c, "malformed chunk size");
            break;
        case CH_EXT:
            if (ch == '\r')
                c->state = CH_SIZE_LF;
            else if (!is_field_vchar(ch) && !is_ows((char)ch))
                return chunk_error(c, "control character in chunk extension");
            break;
        case CH_SIZE_LF:
            if (ch != '\n')
                return chunk_error(c, "chunk size line not ended by CRLF");
            c->line_bytes = 0;
            c->state = c->remaining ? CH_DATA : CH_TRAILER_START;
            i++;
            continue;
        case CH_DATA_CR:
            if (ch != '\r')
                return chunk_error(c, "chunk data not followed by CRLF");
            c->state = CH_DATA_LF;
            break;
        case CH_DATA_LF:
            if (ch != '\n')
                return chunk_error(c, "chunk data not followed by CRLF");
            c->state = CH_SIZE_FIRST;
            c->line_bytes = 0;
            i++;
            continue;
        case CH_TRAILER_START:
            if (ch == '\r') {
                c->state = CH_END_LF;
                break;
            }
            c->state = CH_TRAILER;
            continue; /* the byte starts a trailer line: look at it there */
        case CH_TRAILER:
            if (ch == '\r')
                c->state = CH_TRAILER_LF;
            else if (!is_field_vchar(ch) && !is_ows((char)ch))
                return chunk_error(c, "control character in trailer");
            if (++c->trailer_bytes > c->max_trailer_bytes)
                return chunk_error(c, "trailers too large");
            break;
        case CH_TRAILER_LF:
            if (ch != '\n')
                return chunk_error(c, "trailer not ended by CRLF");
            c->state = CH_TRAILER_START;
            c->line_bytes = 0;
            i++;
            continue;
        case CH_END_LF:
            if (ch != '\n')
                return chunk_error(c, "chunked body not ended by CRLF");
            c->state = CH_DONE;
            *done = 1;
            return (ssize_t)(i + 1);
        case CH_DONE:
            *done = 1;
            return (ssize_t)i;
        default:
            return -1;
        }
        if (++c->line_bytes > c->max_line)
            return chunk_error(c, "chunk line too long");
        i++;
    }
    return (ssize_t)i;
}
