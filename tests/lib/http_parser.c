/*
 * Tests of lib/http_parser: what a server or client would act on.
 *
 * Every message is parsed from a copy placed right before an unreadable
 * page (a read past the end crashes the test), and at every split point:
 * each prefix must say "incomplete" (or reject with the same error), and
 * resuming with `scanned` must give the same answer as one whole parse.
 */
#include <eddy/base/url.h>
#include <eddy/http/http_parser.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* guarded - a copy of data ending exactly where an unreadable page begins. */
static const char *guarded(const char *data, size_t len)
{
    static char *region;
    static size_t page;
    if (!region) {
        page = (size_t)sysconf(_SC_PAGESIZE);
        region = mmap(NULL, 64 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                      0);
        cr_assert_neq(region, MAP_FAILED);
        cr_assert_eq(mprotect(region + 63 * page, page, PROT_NONE), 0);
    }
    cr_assert_leq(len, 63 * page);
    char *at = region + 63 * page - len;
    memcpy(at, data, len);
    return at;
}

static eddy_http_message msg;

/* parse_everywhere - parse raw whole, then at every split; returns the
 * whole parse's result (msg describes it) after checking the splits agree. */
static ssize_t parse_everywhere(const char *raw, const eddy_http_limits *lim)
{
    size_t len = strlen(raw);
    ssize_t whole = eddy_http_parse_request(guarded(raw, len), len, 0, &msg, lim);
    int status = msg.error_status;
    for (size_t k = 0; k < len; k++) {
        ssize_t part = eddy_http_parse_request(guarded(raw, k), k, 0, &msg, lim);
        if (part == EDDY_HTTP_INVALID) {
            cr_assert_eq(whole, EDDY_HTTP_INVALID, "prefix of %zu bytes rejected (%s) but the whole is fine", k,
                         msg.error_reason);
            continue;
        }
        if (whole >= 0 && (size_t)whole <= k) /* the head was complete already */
            cr_assert_eq(part, whole);
        else
            cr_assert_eq(part, EDDY_HTTP_INCOMPLETE, "prefix of %zu bytes gave %zd", k, part);
        ssize_t resumed = eddy_http_parse_request(guarded(raw, len), len, k, &msg, lim);
        cr_assert_eq(resumed, whole, "resuming after %zu bytes gave %zd, not %zd", k, resumed,
                     whole);
    }
    ssize_t again = eddy_http_parse_request(guarded(raw, len), len, 0, &msg, lim);
    cr_assert_eq(again, whole);
    cr_assert_eq(msg.error_status, status);
    return whole;
}

static int str_is(eddy_str s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

#define assert_str(s, lit) \
    cr_assert(str_is(s, lit), "%s is \"%.*s\", expected \"%s\"", #s, (int)(s).len, (s).p, lit)

Test(http_request, simple_get)
{
    const char *raw = "GET /hello/world?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\n"
                      "User-Agent: t\r\nAccept:  */*  \r\n\r\n";
    cr_assert_eq(parse_everywhere(raw, NULL), (ssize_t)strlen(raw));
    assert_str(msg.method, "GET");
    assert_str(msg.target, "/hello/world?x=1&y=2");
    assert_str(msg.path, "/hello/world");
    assert_str(msg.query, "x=1&y=2");
    assert_str(msg.authority, "example.com");
    cr_assert_eq(msg.version_minor, 1);
    cr_assert_eq(msg.header_count, 3);
    assert_str(msg.headers[2].name, "Accept");
    assert_str(msg.headers[2].value, "*/*");
    cr_assert_eq(msg.keep_alive, 1);
    cr_assert_eq(msg.body, EDDY_BODY_NONE);
    const eddy_str *ua = eddy_http_header_get(&msg, "user-agent");
    cr_assert_not_null(ua);
    assert_str(*ua, "t");
}

Test(http_request, head_length_excludes_the_body_and_pipelined_requests)
{
    const char *raw = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n";
    size_t len = strlen(raw);
    ssize_t n = eddy_http_parse_request(guarded(raw, len), len, 0, &msg, NULL);
    cr_assert_eq(n, (ssize_t)(strstr(raw, "hello") - raw));
    cr_assert_eq(msg.body, EDDY_BODY_LENGTH);
    cr_assert_eq(msg.content_length, 5);
}

Test(http_request, chunked_body_and_expect_continue)
{
    const char *raw = "PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                      "Expect: 100-continue\r\n\r\n";
    cr_assert_gt(parse_everywhere(raw, NULL), 0);
    cr_assert_eq(msg.body, EDDY_BODY_CHUNKED);
    cr_assert_eq(msg.expect_continue, 1);
}

Test(http_request, keep_alive_rules_of_1_0_and_1_1)
{
    cr_assert_gt(parse_everywhere("GET / HTTP/1.0\r\n\r\n", NULL), 0);
    cr_assert_eq(msg.keep_alive, 0, "HTTP/1.0 closes by default");
    cr_assert_gt(parse_everywhere("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", NULL), 0);
    cr_assert_eq(msg.keep_alive, 1);
    cr_assert_gt(parse_everywhere("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", NULL), 0);
    cr_assert_eq(msg.keep_alive, 0);
    cr_assert_gt(parse_everywhere("GET / HTTP/1.1\r\nHost: h\r\nConnection: x, Upgrade\r\n"
                                  "Upgrade: websocket\r\n\r\n", NULL), 0);
    cr_assert_eq(msg.keep_alive, 1);
    cr_assert_eq(msg.upgrade, 1);
}

Test(http_request, absolute_form_target)
{
    cr_assert_gt(parse_everywhere("GET http://example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: other\r\n\r\n",
                                  NULL), 0);
    assert_str(msg.authority, "example.com:8080");
    assert_str(msg.path, "/a/b");
    assert_str(msg.query, "q=1");
    cr_assert_gt(parse_everywhere("GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
                                  NULL), 0);
    assert_str(msg.path, "/");
    cr_assert_gt(parse_everywhere("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", NULL), 0);
    assert_str(msg.path, "*");
}

Test(http_request, bare_lf_lines_and_leading_empty_lines)
{
    const char *raw = "\r\n\nGET /x HTTP/1.1\nHost: h\n\n";
    cr_assert_eq(parse_everywhere(raw, NULL), (ssize_t)strlen(raw));
    assert_str(msg.path, "/x");
    assert_str(msg.authority, "h");
}

Test(http_request, expectation_other_than_continue_is_417)
{
    cr_assert_eq(parse_everywhere("POST / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\n\r\n", NULL),
                 EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 417);
}

/* Inline arrays, not pointers: Criterion copies parameters into the
 * process that runs the test. */
struct bad_request {
    char raw[160];
    int status;
    char why[48];
};

static struct bad_request bad_requests[] = {
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "CL and TE"},
    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400, "TE and CL"},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400, "CL +5"},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, "CL -1"},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\n", 400, "CL 0x5"},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5 5\r\n\r\n", 400, "CL with a space"},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400, "empty CL"},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n", 400, "CL list differing"},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, "two CLs differing"},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "CL overflow"},
    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "TE without chunked"},
    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, "chunked not final"},
    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "chunked not final over two fields"},
    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, "chunked twice"},
    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", 400, "xchunked"},
    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400, "chunked with a parameter"},
    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "unsupported coding"},
    {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "TE in HTTP/1.0"},
    {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "space before colon"},
    {"GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400, "tab before colon"},
    {"GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400, "no Host in 1.1"},
    {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts"},
    {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01z\r\n\r\n", 400, "control byte in value"},
    {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rz\r\n\r\n", 400, "bare CR in value"},
    {"GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400, "DEL in target"},
    {"GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n", 400, "obs-fold"},
    {"GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400, "first header indented"},
    {"GET / HTTP/1.1\r\nHo(st: h\r\n\r\n", 400, "bad name char"},
    {"GET / HTTP/1.1\r\n: h\r\n\r\n", 400, "empty name"},
    {"GET / HTTP/1.1\r\nHost h\r\n\r\n", 400, "no colon"},
    {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "HTTP/2.0"},
    {"GET / HTTP/0.9\r\n\r\n", 505, "HTTP/0.9"},
    {"GET / http/1.1\r\nHost: h\r\n\r\n", 400, "lowercase version"},
    {"GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400, "long version"},
    {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "double space"},
    {"GET /\r\n\r\n", 400, "no version"},
    {"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400, "trailing space"},
    {"G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad method char"},
    {"GET x HTTP/1.1\r\nHost: h\r\n\r\n", 400, "relative target"},
    {"GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "asterisk outside OPTIONS"},
    {"GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", 400, "absolute without host"},
    {"CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 501, "CONNECT"},
    {"GET / HTTP/1.1\rHost: h\r\n\r\n", 400, "bare CR ending a line"},
};

ParameterizedTestParameters(http_request, refuses_smuggling_and_malformed_input)
{
    return cr_make_param_array(struct bad_request, bad_requests,
                               sizeof bad_requests / sizeof bad_requests[0]);
}

ParameterizedTest(struct bad_request *bad, http_request, refuses_smuggling_and_malformed_input)
{
    ssize_t n = parse_everywhere(bad->raw, NULL);
    cr_assert_eq(n, EDDY_HTTP_INVALID, "%s: accepted", bad->why);
    cr_assert_eq(msg.error_status, bad->status, "%s: status %d (%s), expected %d", bad->why,
                 msg.error_status, msg.error_reason, bad->status);
    cr_assert_not_null(msg.error_reason);
}

Test(http_request, same_content_length_twice_is_accepted)
{
    cr_assert_gt(parse_everywhere("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", NULL), 0);
    cr_assert_eq(msg.content_length, 5);
}

Test(http_request, limits_give_414_and_431)
{
    eddy_http_limits lim = {.max_line = 64, .max_headers = 3, .max_header_bytes = 256};
    char raw[2048];

    /* A long line is refused before it ends: a server need not wait for it. */
    snprintf(raw, sizeof raw, "GET /%0100d", 0);
    cr_assert_eq(eddy_http_parse_request(guarded(raw, strlen(raw)), strlen(raw), 0, &msg, &lim),
                 EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 414);
    snprintf(raw, sizeof raw, "GET /%0100d HTTP/1.1\r\nHost: h\r\n\r\n", 0);
    cr_assert_eq(parse_everywhere(raw, &lim), EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 414);

    cr_assert_eq(parse_everywhere("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &lim),
                 EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 431);
    cr_assert_gt(parse_everywhere("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", &lim), 0);

    /* Header bytes: an endless stream of short fields is cut off too. */
    size_t n = (size_t)snprintf(raw, sizeof raw, "GET / HTTP/1.1\r\nHost: h\r\n");
    while (n < 400)
        n += (size_t)snprintf(raw + n, sizeof raw - n, "X-Pad: 0123456789\r\n");
    cr_assert_eq(eddy_http_parse_request(guarded(raw, n), n, 0, &msg, &lim), EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 431);
}

Test(http_request, a_request_line_longer_than_the_whole_head_is_414_not_431)
{
    /* The defaults: an 8 KiB line in a 16 KiB head. A 20 KB target that
     * arrives at once is over both limits; it is the line that is too long. */
    static char raw[24000];
    size_t n = (size_t)snprintf(raw, sizeof raw, "GET /");
    memset(raw + n, 'a', 20000);
    n += 20000;
    cr_assert_eq(eddy_http_parse_request(guarded(raw, n), n, 0, &msg, NULL), EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 414, "got %d (%s)", msg.error_status, msg.error_reason);
    n += (size_t)snprintf(raw + n, sizeof raw - n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    cr_assert_eq(parse_everywhere(raw, NULL), EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 414);

    /* A head limit below the line limit bounds the line too. */
    eddy_http_limits lim = {.max_line = 8192, .max_headers = 10, .max_header_bytes = 256};
    snprintf(raw, sizeof raw, "GET /%0300d HTTP/1.1\r\nHost: h\r\n\r\n", 0);
    cr_assert_eq(parse_everywhere(raw, &lim), EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 414);
    /* while a short line with too many header bytes is still 431 */
    n = (size_t)snprintf(raw, sizeof raw, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: %0300d\r\n\r\n", 0);
    cr_assert_eq(eddy_http_parse_request(guarded(raw, n), n, 0, &msg, &lim), EDDY_HTTP_INVALID);
    cr_assert_eq(msg.error_status, 431);
}

Test(http_request, trickling_head_costs_linear_time)
{
    /* Byte by byte with `scanned`: each call searches only the new bytes. */
    char raw[16000];
    size_t n = (size_t)snprintf(raw, sizeof raw, "GET / HTTP/1.1\r\nHost: h\r\n");
    while (n < 15000)
        n += (size_t)snprintf(raw + n, sizeof raw - n, "X-Pad-%05zu: v\r\n", n);
    n += (size_t)snprintf(raw + n, sizeof raw - n, "\r\n");
    eddy_http_limits lim = {.max_line = 8192, .max_headers = EDDY_HTTP_MAX_HEADERS, .max_header_bytes = 16384};
    ssize_t r = EDDY_HTTP_INCOMPLETE;
    for (size_t k = 1; k <= n && r == EDDY_HTTP_INCOMPLETE; k++)
        r = eddy_http_parse_request(raw, k, k - 1, &msg, &lim);
    cr_assert_eq(r, EDDY_HTTP_INVALID, "1000 fields exceed the 128 cap");
    cr_assert_eq(msg.error_status, 431);
}

/* ------------------------------------------------------------ responses */

static ssize_t parse_response(const char *raw, const char *method)
{
    size_t len = strlen(raw);
    ssize_t whole = eddy_http_parse_response(guarded(raw, len), len, 0, &msg, method, NULL);
    for (size_t k = 0; k < len && whole >= 0; k++) {
        ssize_t part = eddy_http_parse_response(guarded(raw, k), k, 0, &msg, method, NULL);
        if ((size_t)whole > k)
            cr_assert_eq(part, EDDY_HTTP_INCOMPLETE, "response prefix %zu gave %zd", k, part);
    }
    return eddy_http_parse_response(guarded(raw, len), len, 0, &msg, method, NULL);
}

Test(http_response, length_chunked_and_until_close)
{
    cr_assert_gt(parse_response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", "GET"), 0);
    cr_assert_eq(msg.status, 200);
    assert_str(msg.reason, "OK");
    cr_assert_eq(msg.body, EDDY_BODY_LENGTH);
    cr_assert_eq(msg.content_length, 12);
    cr_assert_eq(msg.keep_alive, 1);

    cr_assert_gt(parse_response("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n", "GET"), 0);
    cr_assert_eq(msg.body, EDDY_BODY_CHUNKED);

    cr_assert_gt(parse_response("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n", "GET"), 0);
    cr_assert_eq(msg.body, EDDY_BODY_UNTIL_CLOSE);
    cr_assert_eq(msg.keep_alive, 0);
}

Test(http_response, no_body_for_head_204_304_and_1xx)
{
    cr_assert_gt(parse_response("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", "HEAD"), 0);
    cr_assert_eq(msg.body, EDDY_BODY_NONE);
    cr_assert_gt(parse_response("HTTP/1.1 204 No Content\r\n\r\n", "DELETE"), 0);
    cr_assert_eq(msg.body, EDDY_BODY_NONE);
    cr_assert_gt(parse_response("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", "GET"), 0);
    cr_assert_eq(msg.body, EDDY_BODY_NONE);
    cr_assert_gt(parse_response("HTTP/1.1 100 Continue\r\n\r\n", "POST"), 0);
    cr_assert_eq(msg.status, 100);
    cr_assert_eq(msg.body, EDDY_BODY_NONE);
    cr_assert_gt(parse_response("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "GET"), 0);
    cr_assert_eq(msg.reason.len, 0);
}

Test(http_response, refuses_malformed_status_lines_and_framing)
{
    const char *bad[] = {
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
        "HTTP/1.1 200 O\x01K\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse_response(bad[i], "GET"), EDDY_HTTP_INVALID, "accepted: %s", bad[i]);
}

/* ------------------------------------------------------------ chunked bodies */

/* dechunk - decode raw fed in pieces of `step` bytes; the body into out.
 * Returns bytes consumed at the end, or -1; *done as the decoder says. */
static ssize_t dechunk(const char *raw, size_t len, size_t step, char *out, size_t *out_len,
                       int *done, const char **why)
{
    eddy_chunked c;
    eddy_chunked_init(&c);
    size_t pos = 0;
    *out_len = 0;
    *done = 0;
    while (pos < len && !*done) {
        size_t piece = len - pos < step ? len - pos : step;
        const char *p = guarded(raw + pos, piece);
        size_t off = 0;
        while (off < piece && !*done) {
            eddy_str data;
            ssize_t n = eddy_chunked_parse(&c, p + off, piece - off, &data, done);
            if (n < 0) {
                *why = c.error_reason;
                return -1;
            }
            memcpy(out + *out_len, data.p, data.len);
            *out_len += data.len;
            off += (size_t)n;
            if (n == 0 && !*done)
                cr_assert_fail("decoder made no progress");
        }
        pos += off;
    }
    return (ssize_t)pos;
}

Test(chunked, decodes_at_every_split_with_extensions_and_trailers)
{
    const char *raw = "5\r\nhello\r\n7;name=value;flag\r\n, world\r\nA  ;x=\"q\"\r\n0123456789\r\n"
                      "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\nGET /next";
    size_t len = strlen(raw), body_end = (size_t)(strstr(raw, "GET /next") - raw);
    for (size_t step = 1; step <= len; step++) {
        char out[64];
        size_t out_len;
        int done;
        const char *why = NULL;
        ssize_t n = dechunk(raw, len, step, out, &out_len, &done, &why);
        cr_assert_eq(n, (ssize_t)body_end, "step %zu: consumed %zd (%s)", step, n, why);
        cr_assert(done);
        cr_assert_eq(out_len, 22);
        cr_assert(memcmp(out, "hello, world0123456789", 22) == 0, "step %zu: body %.*s", step,
                  (int)out_len, out);
    }
}

Test(chunked, refuses_malformed_sizes_and_framing)
{
    const char *bad[] = {
        "0x5\r\nhello\r\n0\r\n\r\n",
        "-1\r\n",
        "+5\r\nhello\r\n0\r\n\r\n",
        " 5\r\nhello\r\n0\r\n\r\n",
        "5 \r\nhello\r\n0\r\n\r\n",
        "g\r\n",
        "\r\n",
        "5\nhello\r\n0\r\n\r\n",
        "5\r\nhelloXX0\r\n\r\n",
        "5\r\nhello\n0\r\n\r\n",
        "10000000000000000\r\n",
        "5;a\x01\r\nhello\r\n0\r\n\r\n",
        "0\r\nX-T: 1\n\r\n",
        "0\r\n\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[64];
        size_t out_len;
        int done;
        const char *why = NULL;
        ssize_t n = dechunk(bad[i], strlen(bad[i]), strlen(bad[i]), out, &out_len, &done, &why);
        cr_assert_eq(n, -1, "accepted chunked body #%zu: %s", i, bad[i]);
        cr_assert_not_null(why);
    }
}

Test(chunked, limits_size_lines_and_trailers)
{
    char raw[20000];
    size_t n = (size_t)snprintf(raw, sizeof raw, "5;");
    memset(raw + n, 'e', 5000);
    n += 5000;
    n += (size_t)snprintf(raw + n, sizeof raw - n, "\r\n");
    char out[64];
    size_t out_len;
    int done;
    const char *why = NULL;
    cr_assert_eq(dechunk(raw, n, n, out, &out_len, &done, &why), -1);
    cr_assert_str_eq(why, "chunk line too long");

    n = (size_t)snprintf(raw, sizeof raw, "0\r\n");
    while (n < 19000)
        n += (size_t)snprintf(raw + n, sizeof raw - n, "X-Trailer: 0123456789\r\n");
    cr_assert_eq(dechunk(raw, n, n, out, &out_len, &done, &why), -1);
    cr_assert_str_eq(why, "trailers too large");
}

/* ------------------------------------------------------------ URL encoding */

Test(urlencoding, decodes_escapes_and_plus)
{
    char out[64];
    const char *in = "a%20b+c%2Bd%e2%9c%93";
    ssize_t n = eddy_url_decode(in, strlen(in), out, 1, 0);
    cr_assert_eq(n, 10);
    cr_assert(memcmp(out, "a b c+d\xe2\x9c\x93", 10) == 0);
    n = eddy_url_decode("a+b", 3, out, 0, 0);
    cr_assert_eq(n, 3);
    cr_assert(memcmp(out, "a+b", 3) == 0, "in a path '+' stays '+'");
}

Test(urlencoding, refuses_broken_escapes_and_nul)
{
    char out[16];
    cr_assert_eq(eddy_url_decode("%zz", 3, out, 0, 0), -1);
    cr_assert_eq(eddy_url_decode("ab%4", 4, out, 0, 0), -1);
    cr_assert_eq(eddy_url_decode("ab%", 3, out, 0, 0), -1);
    cr_assert_eq(eddy_url_decode("a%00b", 5, out, 0, 0), -1);
    cr_assert_eq(eddy_url_decode("a%00b", 5, out, 0, 1), 3);
}

Test(urlencoding, walks_pairs)
{
    const char *q = "a=1&&b=&c&d=x%3Dy=z&";
    eddy_str cur = {q, strlen(q)}, name, value;
    const char *want[][2] = {{"a", "1"}, {"b", ""}, {"c", ""}, {"d", "x%3Dy=z"}};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(eddy_urlencoded_next(&cur, &name, &value), 1);
        assert_str(name, want[i][0]);
        assert_str(value, want[i][1]);
    }
    cr_assert_eq(eddy_urlencoded_next(&cur, &name, &value), 0);
}
