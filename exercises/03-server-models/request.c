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
    /* TODO: is one whole request at the start of buf[0..len)? Its length
     * (head, blank line and any Content-Length body) with *req filled,
     * pointing into buf; 0 while more bytes are needed; -1 for bytes that
     * can never become a request this server accepts (request.h lists
     * them). keep_alive follows the version and the Connection header
     * (course chapter 03, "One connection, many requests"). buf is not
     * NUL-terminated and ends where len says: never look at buf[len]. */
    (void)buf;
    (void)len;
    (void)req;
    (void)all_tchars; /* the helpers above, for you to use */
    (void)has_token;
    (void)name_is;
    return -1;
}
