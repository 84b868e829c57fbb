/*
 * Fuzz target: lib/http_parser on arbitrary bytes.
 *
 * The input is parsed as a request head, as a response head, and (what
 * follows a head, or everything) as a chunked body fed in uneven pieces;
 * paths and queries are percent-decoded. Besides what ASan and UBSan
 * catch, every span the parser returns must lie inside the input, and a
 * parse resumed with `scanned` must agree with a fresh one.
 */
#include <eddy/base/url.h>
#include <eddy/http/http_parser.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void inside(const uint8_t *data, size_t size, eddy_str s)
{
    /* The one span allowed outside the input: the path "/" the parser
     * supplies for an absolute URI without one. */
    if (s.len == 1 && s.p[0] == '/')
        return;
    if (s.len && (s.p < (const char *)data || s.p + s.len > (const char *)data + size))
        abort();
}

static void check_message(const uint8_t *data, size_t size, const eddy_http_message *m)
{
    inside(data, size, m->method);
    inside(data, size, m->target);
    inside(data, size, m->query);
    inside(data, size, m->authority);
    inside(data, size, m->reason);
    if (m->header_count > EDDY_HTTP_MAX_HEADERS)
        abort();
    for (size_t i = 0; i < m->header_count; i++) {
        inside(data, size, m->headers[i].name);
        inside(data, size, m->headers[i].value);
    }
}

static void feed_chunked(const uint8_t *data, size_t size)
{
    eddy_chunked c;
    eddy_chunked_init(&c);
    size_t pos = 0, step = size ? (size_t)data[0] % 7 + 1 : 1;
    int done = 0;
    while (pos < size && !done) {
        size_t piece = size - pos < step ? size - pos : step;
        eddy_str span;
        ssize_t n = eddy_chunked_parse(&c, (const char *)data + pos, piece, &span, &done);
        if (n < 0)
            return;
        if ((size_t)n > piece || (n == 0 && !done))
            abort();
        if (span.len && (span.p < (const char *)data + pos ||
                         span.p + span.len > (const char *)data + pos + (size_t)n))
            abort();
        pos += (size_t)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static eddy_http_message m, again;
    const char *buf = (const char *)data;
    eddy_http_limits lim = {.max_line = 200, .max_headers = 20, .max_header_bytes = 1024};

    ssize_t n = eddy_http_parse_request(buf, size, 0, &m, &lim);
    if (n > (ssize_t)size || n < EDDY_HTTP_INCOMPLETE)
        abort();
    if (n == EDDY_HTTP_INVALID && (!m.error_reason || m.error_status < 400))
        abort();
    if (n >= 0) {
        check_message(data, size, &m);
        char *decoded = malloc(m.path.len + m.query.len + 1);
        eddy_url_decode(m.path.p, m.path.len, decoded, 0, 0);
        eddy_url_decode(m.query.p, m.query.len, decoded, 1, 1);
        free(decoded);
        eddy_str cur = m.query, name, value;
        while (eddy_urlencoded_next(&cur, &name, &value)) {
            inside(data, size, name);
            inside(data, size, value);
        }
    }
    /* `scanned` promises the first bytes were seen and were incomplete. */
    if (eddy_http_parse_request(buf, size / 2, 0, &again, &lim) == EDDY_HTTP_INCOMPLETE) {
        ssize_t resumed = eddy_http_parse_request(buf, size, size / 2, &again, &lim);
        if (resumed != n)
            abort();
    }

    n = eddy_http_parse_response(buf, size, 0, &m, "GET", &lim);
    if (n > (ssize_t)size || n < EDDY_HTTP_INCOMPLETE)
        abort();
    if (n >= 0)
        check_message(data, size, &m);

    size_t body = n > 0 ? (size_t)n : 0;
    feed_chunked(data + body, size - body);
    return 0;
}
