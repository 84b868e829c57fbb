/*
 * http - lesson 11: the hello server's HTTP, apart from any event loop.
 *
 * The request head parser and the canned answers of lesson 06's server,
 * moved into their own file so that answer.c (the exercise) and the
 * tests can use them without the server. Nothing here knows about
 * libevent: it takes a contiguous head and says what was asked.
 */
#ifndef LESSON11_HTTP_H
#define LESSON11_HTTP_H

#include <stdbool.h>
#include <stddef.h>

enum {
    HTTP_HEAD_MAX = 8192, /* a request head (and body) must fit; larger is refused with 400 */
    HTTP_SLOW_MS = 1000   /* how long /slow waits */
};

/* What a request asked for. */
struct http_request {
    const char *path; /* points into the head given to http_parse_head() */
    size_t path_len;
    bool keep_alive; /* HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive */
    bool http10;
    bool head_only; /* HEAD: the answer without its body */
    bool bad_method;
};

/* http_parse_head - parse a complete request head (head_len bytes, ending
 * in the blank line "\r\n\r\n"); the length of the body that follows it
 * (Content-Length, 0 without), or -1 if the head is malformed. */
long http_parse_head(const char *head, size_t head_len, struct http_request *r);

/* The answers the server knows. */
enum http_answer { HTTP_HELLO, HTTP_SLOW, HTTP_NOT_FOUND, HTTP_BAD_METHOD, HTTP_BAD_REQUEST };

/* http_route - which answer a parsed request gets. */
enum http_answer http_route(const struct http_request *r);

/* http_answer_text - the full response (status line, headers, body) for
 * answer a, with the Connection header the request needs ("close" when
 * keep_alive is false, "keep-alive" for an HTTP/1.0 client that asked,
 * none for HTTP/1.1), without the body for HEAD. Static storage, built on
 * first use; the length goes to *len. */
const char *http_answer_text(enum http_answer a, const struct http_request *r, size_t *len);

/* http_bad_request - the 400 answer, with Connection: close. */
const char *http_bad_request(size_t *len);

#endif
