/*
 * multipart - the streaming multipart/form-data parser; see multipart.h.
 *
 * The body is a state machine fed byte spans. Content is scanned for the
 * delimiter CRLF "--" boundary with memchr for its CR; the delimiter's
 * only CR is its first byte (a boundary holds no CR), so when a partial
 * match fails, the bytes held for it are plain content and no shorter
 * match can hide inside them. Held bytes always equal a prefix of the
 * delimiter, so they are handed on from the delimiter itself when a later
 * byte shows they were content: nothing of the caller's is copied.
 */
#include <eddy/http/multipart.h>

#include <string.h>
#include <strings.h>

enum state {
    PREAMBLE,     /* before the first delimiter: ignored */
    AFTER_DELIM,  /* a delimiter ended: "--", padding or CRLF next */
    PADDING,      /* spaces and tabs after a delimiter */
    DELIM_CR,     /* the CR of the CRLF ending a delimiter line */
    CLOSE_DASH,   /* the second '-' of a closing delimiter */
    HEADERS,      /* a part's header block */
    DATA,         /* a part's content */
    EPILOGUE,     /* after the closing delimiter: ignored */
    FAILED,
};

/* fail - stop with status and reason; -1 for the caller to return. */
static int fail(eddy_multipart *m, int status, const char *reason)
{
    if (m->state != FAILED) {
        m->state = FAILED;
        m->error_status = status;
        m->error_reason = reason;
    }
    return -1;
}

void eddy_multipart_fail(eddy_multipart *m, int status, const char *reason)
{
    fail(m, status, reason);
}

/* stopped - a callback returned -1: keep the reason it gave, if any. */
static int stopped(eddy_multipart *m)
{
    return fail(m, 400, "multipart body refused");
}

/* ------------------------------------------------------------ boundary */

/* bchar - RFC 2046's bcharsnospace, plus space (not allowed last). */
static int bchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           strchr("'()+_,-./:=? ", c) != NULL;
}

static int valid_boundary(eddy_str b)
{
    if (b.len == 0 || b.len > EDDY_MULTIPART_BOUNDARY_MAX || b.p[b.len - 1] == ' ')
        return 0;
    for (size_t i = 0; i < b.len; i++)
        if (!b.p[i] || !bchar((unsigned char)b.p[i]))
            return 0;
    return 1;
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* next_param - the next "; key=value" of a header value after *pos:
 * key and value (the value still quoted if it was). 0 when none is left. */
static int next_param(eddy_str v, size_t *pos, eddy_str *key, eddy_str *value)
{
    size_t i = *pos;
    while (i < v.len && v.p[i] != ';') { /* skip to the next ';', minding quotes */
        if (v.p[i] == '"') {
            for (i++; i < v.len && v.p[i] != '"'; i++)
                if (v.p[i] == '\\' && i + 1 < v.len)
                    i++;
        }
        if (i < v.len)
            i++;
    }
    if (i >= v.len)
        return 0;
    i++; /* the ';' */
    while (i < v.len && is_space(v.p[i]))
        i++;
    size_t k = i;
    while (i < v.len && v.p[i] != '=' && v.p[i] != ';' && !is_space(v.p[i]))
        i++;
    *key = (eddy_str){v.p + k, i - k};
    while (i < v.len && is_space(v.p[i]))
        i++;
    if (i >= v.len || v.p[i] != '=') {
        *value = (eddy_str){v.p + i, 0};
        *pos = i;
        return 1;
    }
    i++;
    while (i < v.len && is_space(v.p[i]))
        i++;
    size_t s = i;
    if (i < v.len && v.p[i] == '"') {
        for (i++; i < v.len && v.p[i] != '"'; i++)
            if (v.p[i] == '\\' && i + 1 < v.len)
                i++;
        if (i < v.len)
            i++;
    } else {
        while (i < v.len && v.p[i] != ';' && !is_space(v.p[i]))
            i++;
    }
    *value = (eddy_str){v.p + s, i - s};
    *pos = i;
    return 1;
}

/* unquote - a parameter value without its quotes and escapes, written to
 * out (room for value.len bytes); a token is returned as it is. */
static eddy_str unquote(eddy_str value, char *out)
{
    if (value.len < 2 || value.p[0] != '"' || value.p[value.len - 1] != '"')
        return value;
    size_t n = 0;
    for (size_t i = 1; i + 1 < value.len; i++) {
        if (value.p[i] == '\\' && i + 2 < value.len)
            i++;
        out[n++] = value.p[i];
    }
    return (eddy_str){out, n};
}

int eddy_multipart_boundary(eddy_str type, eddy_str *boundary)
{
    static const char form[] = "multipart/form-data";
    size_t flen = sizeof form - 1;
    if (type.len < flen || strncasecmp(type.p, form, flen) != 0 ||
        (type.len > flen && type.p[flen] != ';' && !is_space(type.p[flen])))
        return -1;
    size_t pos = flen;
    eddy_str key, value;
    while (next_param(type, &pos, &key, &value)) {
        if (!eddy_str_case_eq(key, "boundary"))
            continue;
        if (value.len >= 2 && value.p[0] == '"') {
            /* bchars hold no '"' or '\\': a quoted boundary is its inside */
            value = (eddy_str){value.p + 1, value.len - 2};
            if (value.p[value.len] != '"')
                return -1;
        }
        if (!valid_boundary(value))
            return -1;
        *boundary = value;
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------------ parser */

int eddy_multipart_init(eddy_multipart *m, eddy_str boundary, const eddy_multipart_limits *limits,
                        const eddy_multipart_callbacks *cb)
{
    if (!valid_boundary(boundary))
        return -1;
    m->limits = limits ? *limits
                       : (eddy_multipart_limits){UINT64_MAX, UINT64_MAX,
                                                 EDDY_MULTIPART_HEADER_CAP, UINT64_MAX};
    if (m->limits.max_header_bytes > EDDY_MULTIPART_HEADER_CAP)
        m->limits.max_header_bytes = EDDY_MULTIPART_HEADER_CAP;
    m->cb = cb ? *cb : (eddy_multipart_callbacks){0};
    memcpy(m->delimiter, "\r\n--", 4);
    memcpy(m->delimiter + 4, boundary.p, boundary.len);
    m->delimiter_len = 4 + boundary.len;
    m->state = PREAMBLE;
    m->matched = 2; /* the first delimiter may open the body, with no CRLF before it */
    m->parts = m->part_bytes = m->total = 0;
    m->header_len = 0;
    m->error_status = 0;
    m->error_reason = NULL;
    return 0;
}

/* emit - content of the current part (nothing in the preamble). */
static int emit(eddy_multipart *m, const char *p, size_t n)
{
    if (m->state != DATA || n == 0)
        return 0;
    if (n > m->limits.max_part_bytes - m->part_bytes)
        return fail(m, 413, "a multipart part is too large");
    m->part_bytes += n;
    if (m->cb.part_data && m->cb.part_data(m->cb.arg, p, n) < 0)
        return stopped(m);
    return 0;
}

/* scan - look for the delimiter in p[*pos..len), passing on what comes
 * before it as content. 1 with *pos just after the delimiter, 0 when the
 * input ran out (a partial match held), -1 on a failure. */
static int scan(eddy_multipart *m, const char *p, size_t len, size_t *pos)
{
    const char *d = m->delimiter;
    size_t dlen = m->delimiter_len;
    size_t i = *pos, run = i;     /* content not yet passed on starts at run */
    size_t held = m->matched;     /* matched bytes from earlier input */
    size_t match_at = 0;          /* where a match in this input began (held == 0) */
    while (i < len) {
        if (m->matched == 0) {
            const char *cr = memchr(p + i, '\r', len - i);
            if (!cr) {
                i = len;
                break;
            }
            i = (size_t)(cr - p);
            match_at = i++;
            m->matched = 1;
            continue;
        }
        if (p[i] == d[m->matched]) {
            i++;
            if (++m->matched < dlen)
                continue;
            /* The delimiter: what came before it is the part's last content. */
            if (!held && emit(m, p + run, match_at - run) < 0)
                return -1;
            m->matched = 0;
            *pos = i;
            return 1;
        }
        /* No delimiter after all: the bytes held are content. */
        if (held) {
            if (emit(m, d, held) < 0)
                return -1;
            held = 0;
            run = *pos;
        }
        m->matched = 0; /* p[i] is looked at again: it may start a match */
    }
    size_t end = m->matched && !held ? match_at : len;
    if (!held && emit(m, p + run, end - run) < 0)
        return -1;
    *pos = len;
    return 0;
}

/* header_value - the value of header name in a block of CRLF lines. */
static int header_value(eddy_str block, const char *name, eddy_str *value)
{
    size_t nlen = strlen(name), i = 0;
    while (i < block.len) {
        const char *line = block.p + i;
        const char *eol = memchr(line, '\r', block.len - i);
        size_t llen = eol ? (size_t)(eol - line) : block.len - i;
        if (llen > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
            size_t s = nlen + 1, e = llen;
            while (s < e && is_space(line[s]))
                s++;
            while (e > s && is_space(line[e - 1]))
                e--;
            *value = (eddy_str){line + s, e - s};
            return 1;
        }
        i += llen + 2;
    }
    return 0;
}

/* begin_part - the header block is complete: read what it says. */
static int begin_part(eddy_multipart *m)
{
    eddy_multipart_part part;
    memset(&part, 0, sizeof part);
    eddy_str block = {m->header, m->header_len >= 2 ? m->header_len - 2 : 0};
    part.headers = (eddy_str){m->header, block.len >= 2 ? block.len - 2 : 0};
    eddy_str disposition;
    if (!header_value(block, "content-disposition", &disposition) || disposition.len < 9 ||
        strncasecmp(disposition.p, "form-data", 9) != 0 ||
        (disposition.len > 9 && disposition.p[9] != ';' && !is_space(disposition.p[9])))
        return fail(m, 400, "a multipart part without Content-Disposition: form-data");
    char *spare = m->header + m->header_len; /* the unquoted values go here */
    size_t pos = 9;
    int has_name = 0;
    eddy_str key, value;
    while (next_param(disposition, &pos, &key, &value)) {
        if (eddy_str_case_eq(key, "name") && !has_name) {
            part.name = unquote(value, spare);
            spare += part.name.len;
            has_name = 1;
        } else if (eddy_str_case_eq(key, "filename") && !part.has_filename) {
            part.filename = unquote(value, spare);
            spare += part.filename.len;
            part.has_filename = 1;
        }
    }
    if (!has_name)
        return fail(m, 400, "a multipart part without a name");
    header_value(block, "content-type", &part.content_type);
    m->part_bytes = 0;
    if (m->cb.part_begin && m->cb.part_begin(m->cb.arg, &part) < 0)
        return stopped(m);
    return 0;
}

/* take_header - bytes of the header block from p[*pos..len); 1 once its
 * blank line is in, 0 for more, -1 on a failure. */
static int take_header(eddy_multipart *m, const char *p, size_t len, size_t *pos)
{
    size_t i = *pos;
    while (i < len) {
        if (m->header_len >= m->limits.max_header_bytes)
            return fail(m, 413, "a multipart part's headers are too large");
        char c = p[i++];
        m->header[m->header_len++] = c;
        size_t n = m->header_len;
        if (c != '\n')
            continue;
        if (n < 2 || m->header[n - 2] != '\r')
            return fail(m, 400, "a bare LF in a multipart part's headers");
        if (n == 2 || (n >= 4 && memcmp(m->header + n - 4, "\r\n\r\n", 4) == 0)) {
            *pos = i;
            return 1;
        }
    }
    *pos = i;
    return 0;
}

int eddy_multipart_feed(eddy_multipart *m, const char *p, size_t len)
{
    if (m->state == FAILED)
        return -1;
    /* Past the total limit only the bytes within it are parsed, so the
     * verdict does not depend on how the body was cut into pieces. */
    int too_long = len > m->limits.max_total - m->total;
    if (too_long)
        len = (size_t)(m->limits.max_total - m->total);
    m->total += len;
    size_t i = 0;
    while (i < len) {
        switch (m->state) {
        case PREAMBLE:
        case DATA: {
            int was_data = m->state == DATA;
            int rc = scan(m, p, len, &i);
            if (rc < 0)
                return -1;
            if (rc == 0)
                break;
            if (was_data && m->cb.part_end && m->cb.part_end(m->cb.arg) < 0)
                return stopped(m);
            m->state = AFTER_DELIM;
            break;
        }
        case AFTER_DELIM:
        case PADDING: {
            char c = p[i++];
            if (c == '-' && m->state == AFTER_DELIM)
                m->state = CLOSE_DASH;
            else if (is_space(c))
                m->state = PADDING;
            else if (c == '\r')
                m->state = DELIM_CR;
            else
                return fail(m, 400, "unexpected bytes after a multipart boundary");
            break;
        }
        case DELIM_CR:
            if (p[i++] != '\n')
                return fail(m, 400, "a multipart boundary line not ended by CRLF");
            if (m->parts >= m->limits.max_parts)
                return fail(m, 413, "too many multipart parts");
            m->parts++;
            m->header_len = 0;
            m->state = HEADERS;
            break;
        case CLOSE_DASH:
            if (p[i++] != '-')
                return fail(m, 400, "unexpected bytes after a multipart boundary");
            m->state = EPILOGUE;
            break;
        case HEADERS: {
            int rc = take_header(m, p, len, &i);
            if (rc < 0)
                return -1;
            if (rc == 1) {
                if (begin_part(m) < 0)
                    return -1;
                m->state = DATA;
                m->matched = 0;
            }
            break;
        }
        case EPILOGUE:
            i = len;
            break;
        default:
            return -1;
        }
    }
    if (too_long)
        return fail(m, 413, "multipart body too large");
    return 0;
}

int eddy_multipart_finish(eddy_multipart *m)
{
    if (m->state == FAILED)
        return -1;
    if (m->state != EPILOGUE)
        return fail(m, 400, "multipart body ends early");
    return 0;
}
