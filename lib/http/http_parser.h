/*
 * http_parser - incremental, zero-copy HTTP/1.1 request and response parser.
 *
 * The parser never allocates and never copies: it takes the bytes received
 * so far and either answers "need more", or fills a struct whose strings
 * point into the caller's buffer, or rejects the message with the status a
 * server should answer (400, 414, 431, 501, 505, 417) and a reason for the
 * log. It is strict where RFC 9112 says MUST, because a parser that
 * guesses is how request smuggling happens: Content-Length together with
 * Transfer-Encoding, differing or malformed lengths, transfer codings
 * other than a final "chunked", whitespace before a colon, a missing or
 * repeated Host in HTTP/1.1, and control bytes are all refused.
 *
 * Heads are parsed whole once their end has arrived; passing the length
 * already examined (scanned) makes a head that trickles in byte by byte
 * cost O(n) in total. Bodies are decoded with eddy_chunked_parse (chunked)
 * or by counting Content-Length bytes, one span at a time, in place.
 */
#ifndef EDDY_HTTP_PARSER_H
#define EDDY_HTTP_PARSER_H

#include <eddy/base/str.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
    EDDY_HTTP_INVALID = -1,    /* reject: see error_status and error_reason */
    EDDY_HTTP_INCOMPLETE = -2, /* the head has not all arrived yet */
};

enum { EDDY_HTTP_MAX_HEADERS = 128 }; /* hard cap; limits.max_headers is the option */

typedef struct eddy_http_limits {
    size_t max_line;         /* request or status line, bytes (414 / 400) */
    size_t max_headers;      /* header fields (431), at most EDDY_HTTP_MAX_HEADERS */
    size_t max_header_bytes; /* the whole head, bytes (431) */
} eddy_http_limits;

/* The defaults used when limits is NULL: 8 KiB line, 100 fields, 16 KiB head. */
extern const eddy_http_limits eddy_http_default_limits;

typedef struct eddy_http_header {
    eddy_str name; /* as sent; compare with eddy_str_case_eq */
    eddy_str value; /* leading and trailing whitespace removed */
} eddy_http_header;

typedef enum eddy_http_body {
    EDDY_BODY_NONE,    /* no body follows the head */
    EDDY_BODY_LENGTH,  /* content_length bytes follow */
    EDDY_BODY_CHUNKED, /* a chunked body follows: eddy_chunked_parse */
    EDDY_BODY_UNTIL_CLOSE /* (responses only) the body runs until the connection closes */
} eddy_http_body;

typedef struct eddy_http_message {
    /* request line: method SP target SP HTTP/1.x */
    eddy_str method;
    eddy_str target; /* as sent */
    eddy_str path;   /* target without query; for absolute-form, without scheme://authority */
    eddy_str query;  /* after '?', without it; len 0 if none */
    eddy_str authority; /* from an absolute-form target, else the Host header */
    /* status line: HTTP/1.x SP status SP reason */
    int status;
    eddy_str reason;

    int version_minor; /* HTTP/1.<version_minor>: 0 or 1 */
    eddy_http_header headers[EDDY_HTTP_MAX_HEADERS];
    size_t header_count;

    /* what the headers mean for the connection */
    eddy_http_body body;
    uint64_t content_length; /* when body == EDDY_BODY_LENGTH */
    int keep_alive;          /* the connection may carry another message */
    int expect_continue;     /* the client waits for "100 Continue" before its body */
    int upgrade;             /* Connection: upgrade with an Upgrade header */

    /* when the parser returns EDDY_HTTP_INVALID */
    int error_status;         /* 400, 414, 417, 431, 501 or 505 */
    const char *error_reason; /* a static string for the log and the error page */
} eddy_http_message;

/* eddy_http_parse_request - parse a request head from buf[0..len).
 * scanned: how many bytes of buf an earlier call already saw (0 at first),
 * so the search for the end of the head resumes where it stopped.
 * Returns the head's length (the body starts there), EDDY_HTTP_INCOMPLETE,
 * or EDDY_HTTP_INVALID. limits may be NULL for the defaults. */
ssize_t eddy_http_parse_request(const char *buf, size_t len, size_t scanned,
                                eddy_http_message *req, const eddy_http_limits *limits);

/* eddy_http_parse_response - the same for a response head. request_method
 * is the method of the request it answers ("HEAD" and 1xx/204/304 mean no
 * body; a 2xx to CONNECT too). */
ssize_t eddy_http_parse_response(const char *buf, size_t len, size_t scanned,
                                 eddy_http_message *resp, const char *request_method,
                                 const eddy_http_limits *limits);

/* eddy_http_header_get - the first header called name (any case), or NULL. */
const eddy_str *eddy_http_header_get(const eddy_http_message *m, const char *name);

/* Chunked body decoder: feed it bytes as they arrive. */
typedef struct eddy_chunked {
    int state;
    uint64_t remaining;  /* data bytes left in the current chunk */
    size_t line_bytes;   /* bytes of the current size/trailer line, for the limit */
    size_t trailer_bytes;
    size_t max_line;     /* size line and each trailer line (default 4096) */
    size_t max_trailer_bytes; /* all trailers together (default 16384) */
    uint64_t total;      /* data bytes so far */
    const char *error_reason;
} eddy_chunked;

void eddy_chunked_init(eddy_chunked *c);

/* eddy_chunked_parse - consume bytes of a chunked body from in[0..len).
 * Returns how many bytes it consumed (>= 0), and sets *data to the body
 * bytes among them (a span inside in, possibly empty) — call again with the
 * rest. *done becomes 1 once the last chunk and the trailers are consumed;
 * what follows belongs to the next message. Returns -1 on a malformed body
 * (error_reason says why); the connection must then be closed. */
ssize_t eddy_chunked_parse(eddy_chunked *c, const char *in, size_t len, eddy_str *data,
                           int *done);

#endif
