/*
 * request - find one whole HTTP/1.x request at the front of a buffer; see
 * request.h.
 *
 * This is the exercise of lesson 03: exercises/03-server-models/request.c
 * is this file with the body of http_parse() removed. The server calls it
 * after every read, as often as it returns a request, so pipelined requests
 * are answered one after the other, in order.
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

/* quote:begin http-parse */
ssize_t http_parse(const char *buf, size_t len, struct http_request *req)
{
    /* Nothing to decide until the blank line that ends the header is in. */
    const char *blank = memmem(buf, len, "\r\n\r\n", 4);
    if (!blank)
        return 0;
    const char *end = blank + 2; /* lines are [buf, end), each ending in CRLF */
    size_t head = (size_t)(blank + 4 - buf);

    /* The request line: METHOD SP TARGET SP HTTP/1.x */
    const char *eol = memmem(buf, (size_t)(end - buf), "\r\n", 2);
    const char *sp1 = memchr(buf, ' ', (size_t)(eol - buf));
    if (!sp1 || !all_tchars(buf, (size_t)(sp1 - buf)))
        return -1;
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', (size_t)(eol - target));
    if (!sp2 || sp2 == target || *target != '/')
        return -1;
    const char *version = sp2 + 1;
    if (eol - version != 8 || memcmp(version, "HTTP/1.", 7) != 0 ||
        (version[7] != '0' && version[7] != '1'))
        return -1;
    req->method = buf;
    req->method_len = (size_t)(sp1 - buf);
    req->path = target;
    req->path_len = (size_t)(sp2 - target);
    req->minor_version = version[7] - '0';
    req->keep_alive = req->minor_version == 1; /* 1.1 keeps by default, 1.0 closes */

    /* Header lines: only two matter here, Connection and Content-Length. */
    size_t body = 0;
    bool has_length = false;
    for (const char *line = eol + 2; line < end; line = eol + 2) {
        eol = memmem(line, (size_t)(end - line), "\r\n", 2);
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon || !all_tchars(line, (size_t)(colon - line)))
            return -1; /* no name, or a space before the colon */
        const char *v = colon + 1;
        for (const char *c = v; c < eol; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t')
                return -1; /* a stray CR or LF inside a line */
        size_t name_len = (size_t)(colon - line), vlen = (size_t)(eol - v);
        if (name_is(line, name_len, "Connection")) {
            if (has_token(v, vlen, "close"))
                req->keep_alive = false;
            else if (has_token(v, vlen, "keep-alive"))
                req->keep_alive = true;
        } else if (name_is(line, name_len, "Content-Length")) {
            while (vlen > 0 && (*v == ' ' || *v == '\t'))
                v++, vlen--;
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (has_length || vlen == 0 || vlen > 9)
                return -1; /* two lengths, none, or more than we would ever read */
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return -1;
                body = body * 10 + (size_t)(v[i] - '0');
            }
            has_length = true;
        } else if (name_is(line, name_len, "Transfer-Encoding")) {
            return -1; /* chunked bodies are lesson 12's business */
        }
    }
    /* A body the client announced is part of this request: wait for all of it. */
    if (len - head < body)
        return 0;
    return (ssize_t)(head + body);
}
/* quote:end http-parse */
