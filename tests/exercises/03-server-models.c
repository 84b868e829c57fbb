/*
 * Exercise 03: http_parse() (exercises/03-server-models/request.c).
 *
 * The tests hand the parser requests the way a socket does - cut at every
 * possible byte, two back to back, with a body - and check where it says
 * the first request ends and whether the connection stays open. The input
 * sits right before an unreadable page, so reading past len crashes.
 */
#include "request.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* guarded - a copy of s ending exactly where an unreadable page begins. */
static char *guarded(const char *s, size_t len)
{
    static char *pages;
    long page = sysconf(_SC_PAGESIZE);
    if (!pages) {
        pages = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
        cr_assert_neq(pages, MAP_FAILED);
        cr_assert_eq(mprotect(pages + page, (size_t)page, PROT_NONE), 0);
    }
    cr_assert_leq(len, (size_t)page);
    char *at = pages + page - len;
    memcpy(at, s, len);
    return at;
}

static ssize_t parse(const char *s, size_t len, struct http_request *req)
{
    return http_parse(guarded(s, len), len, req);
}

Test(http_parse, waits_for_the_blank_line_then_returns_the_length, .timeout = 10)
{
    const char *r = "GET /index.html?x=1 HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n";
    size_t full = strlen(r);
    struct http_request req;
    for (size_t cut = 0; cut < full; cut++)
        cr_assert_eq(parse(r, cut, &req), 0, "with only %zu of %zu bytes in, need more", cut, full);
    cr_assert_eq(parse(r, full, &req), (ssize_t)full);
    cr_assert_eq(req.method_len, 3);
    cr_assert(memcmp(req.method, "GET", 3) == 0);
    cr_assert_eq(req.path_len, strlen("/index.html?x=1"));
    cr_assert(memcmp(req.path, "/index.html?x=1", req.path_len) == 0);
    cr_assert_eq(req.minor_version, 1);
}

Test(http_parse, keep_alive_follows_the_version_and_the_connection_header, .timeout = 10)
{
    struct {
        const char *request;
        bool keep;
    } cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", true},
        {"GET / HTTP/1.0\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nconnection:CLOSE\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nX-Connection: close\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_request req;
        size_t len = strlen(cases[i].request);
        cr_assert_eq(parse(cases[i].request, len, &req), (ssize_t)len, "case %zu", i);
        cr_assert_eq(req.keep_alive, cases[i].keep, "%s-> keep_alive should be %d",
                     cases[i].request, cases[i].keep);
    }
}

Test(http_parse, finds_pipelined_requests_one_at_a_time, .timeout = 10)
{
    const char *first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *second = "HEAD /slow HTTP/1.1\r\nConnection: close\r\n\r\n";
    char both[256];
    snprintf(both, sizeof both, "%s%s", first, second);
    struct http_request req;
    ssize_t n = parse(both, strlen(both), &req);
    cr_assert_eq(n, (ssize_t)strlen(first), "the first request ends after its blank line");
    cr_assert(req.path_len == 2 && memcmp(req.path, "/a", 2) == 0);
    cr_assert(req.keep_alive);
    n = parse(both + n, strlen(second), &req);
    cr_assert_eq(n, (ssize_t)strlen(second));
    cr_assert(req.method_len == 4 && memcmp(req.method, "HEAD", 4) == 0);
    cr_assert(!req.keep_alive);
}

Test(http_parse, counts_a_body_announced_by_content_length, .timeout = 10)
{
    const char *r = "POST /form HTTP/1.1\r\nContent-Length:  5 \r\n\r\nhelloGET / HTTP/1.1\r\n\r\n";
    size_t head = strlen("POST /form HTTP/1.1\r\nContent-Length:  5 \r\n\r\n");
    struct http_request req;
    for (size_t cut = head; cut < head + 5; cut++)
        cr_assert_eq(parse(r, cut, &req), 0, "%zu of 5 body bytes in: need more", cut - head);
    cr_assert_eq(parse(r, strlen(r), &req), (ssize_t)(head + 5),
                 "the body belongs to the request, the next one starts after it");
}

Test(http_parse, reads_only_its_own_headers_not_the_next_requests, .timeout = 10)
{
    /* The second request's headers are in the buffer too; they say nothing
     * about the first. */
    const char *first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *both = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                       "POST /b HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";
    struct http_request req;
    ssize_t n = parse(both, strlen(both), &req);
    cr_assert_eq(n, (ssize_t)strlen(first),
                 "the first request has no body: it ends at its blank line (got %zd)", n);
    cr_assert(req.keep_alive, "the Connection: close is the second request's");
    n = parse(both + n, strlen(both) - (size_t)n, &req);
    cr_assert_eq(n, (ssize_t)(strlen(both) - strlen(first)), "the second request with its body");
    cr_assert(!req.keep_alive);
}

Test(http_parse, rejects_what_is_not_a_request_and_only_that, .timeout = 10)
{
    const char *bad[] = {
        "GET\r\n\r\n",
        "GET /\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "GET index.html HTTP/1.1\r\n\r\n",
        " GET / HTTP/1.1\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\n: x\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
    };
    struct http_request req;
    const char *good = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    cr_assert_eq(parse(good, strlen(good), &req), (ssize_t)strlen(good),
                 "a good request is not rejected");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse(bad[i], strlen(bad[i]), &req), -1, "should be rejected: \"%s\"", bad[i]);
}
