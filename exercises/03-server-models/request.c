/*
 * request - find one whole HTTP/1.x request at the front of a buffer; see
 * request.h.
 *
 * Exercise 03: write http_parse(). The helpers in this file are done: use them.
 * `make progress` runs the tests (tests/exercises/03-server-models.c);
 * lessons/03-server-models/server.c shows how the server calls it.
 */
#include "request.h"

#include <string.h>
#include <strings.h>

/* is_tchar - may c appear in a method or a header name (RFC 9110 "tchar")? */
static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool all_tchars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_tchar(s[i]))
            return false;
    return n > 0;
}

/* has_token - does the comma-separated list v[0..n) hold token, in any case? */
static bool has_token(const char *v, size_t n, const char *token)
{
    size_t tlen = strlen(token);
    while (n > 0) {
        const char *comma = memchr(v, ',', n);
        size_t item = comma ? (size_t)(comma - v) : n;
        size_t a = 0, b = item;
        while (a < b && (v[a] == ' ' || v[a] == '\t'))
            a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
            b--;
        if (b - a == tlen && strncasecmp(v + a, token, tlen) == 0)
            return true;
        if (!comma)
            break;
        v += item + 1;
        n -= item + 1;
    }
    return false;
}

/* name_is - is the header name h[0..n) equal to name, ignoring case? */
static bool name_is(const char *h, size_t n, const char *name)
{
    return n == strlen(name) && strncasecmp(h, name, n) == 0;
}

ssize_t http_parse(const char *buf, size_t len, struct http_request *req)
{
    /* TODO: find one whole request at the start of buf[0..len).
     *
     * Hint: until "\r\n\r\n" is in the buffer, return 0 (need more).
     * Then check the request line "METHOD SP /target SP HTTP/1.x\r\n"
     * (all_tchars() checks the method) and fill *req, pointing into buf.
     * HTTP/1.1 keeps the connection by default, HTTP/1.0 closes it; a
     * "Connection: close" or "Connection: keep-alive" header (has_token())
     * overrides that. Each header line needs a name and a colon; reject a
     * bad Content-Length and any Transfer-Encoding. The request is the
     * header plus Content-Length bytes of body: return 0 until all of it is
     * in, then its length. Return -1 for anything malformed. Never look at
     * buf[len] or beyond: memmem() and memchr() take a length. */
    (void)buf;
    (void)len;
    (void)req;
    (void)all_tchars; /* the helpers above, for you to use */
    (void)has_token;
    (void)name_is;
    return -1;
}
