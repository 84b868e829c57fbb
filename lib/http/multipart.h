/*
 * multipart - a streaming multipart/form-data parser (RFC 7578, with the
 * body syntax of RFC 2046 section 5.1).
 *
 * Feed it the body in pieces of any size, as they arrive; it calls back
 * with each part's headers, then the part's content in slices (pointers
 * into what was fed, never copied, except the few bytes of a possible
 * delimiter held back across a split), then the part's end. It never
 * allocates: its state, with room for one part's header block, is the
 * struct the caller provides. Whatever the split, the same parts and the
 * same bytes come out.
 *
 *     eddy_multipart m;
 *     eddy_str boundary;
 *     if (eddy_multipart_boundary(content_type, &boundary) < 0 ||
 *         eddy_multipart_init(&m, boundary, &limits, &callbacks) < 0)
 *         ... 400
 *     while (more)  if (eddy_multipart_feed(&m, piece, len) < 0) ... m.error_status
 *     if (eddy_multipart_finish(&m) < 0) ... 400: the body ended early
 *
 * The preamble before the first delimiter and the epilogue after the
 * closing one are ignored; transport padding (spaces and tabs) after a
 * delimiter is allowed. A limit that is passed stops the parse with 413;
 * malformed syntax with 400; error_reason says which in words.
 */
#ifndef EDDY_MULTIPART_H
#define EDDY_MULTIPART_H

#include <eddy/base/str.h>

#include <stddef.h>
#include <stdint.h>

enum {
    EDDY_MULTIPART_BOUNDARY_MAX = 70,       /* RFC 2046 */
    EDDY_MULTIPART_HEADER_CAP = 16 * 1024,  /* the most max_header_bytes may be */
};

typedef struct eddy_multipart_limits {
    uint64_t max_parts;        /* parts in the body (413) */
    uint64_t max_part_bytes;   /* one part's content (413) */
    uint64_t max_header_bytes; /* one part's header block, at most EDDY_MULTIPART_HEADER_CAP (413) */
    uint64_t max_total;        /* the whole body as fed, preamble and epilogue too (413) */
} eddy_multipart_limits;

/* A part's headers, as the callback sees them; the strings point into the
 * parser's header buffer and are valid during the callback only. */
typedef struct eddy_multipart_part {
    eddy_str name;          /* Content-Disposition's name parameter (unquoted) */
    eddy_str filename;      /* its filename parameter, as sent (unquoted) */
    int has_filename;       /* a filename parameter was there (even empty) */
    eddy_str content_type;  /* Content-Type, or empty */
    eddy_str headers;       /* the whole header block, without the blank line */
} eddy_multipart_part;

/* Callbacks return 0 to go on, -1 to stop the parse (feed then returns
 * -1; set error_status and error_reason with eddy_multipart_fail first to
 * say why, else it is 400 "stopped"). Any may be NULL. */
typedef struct eddy_multipart_callbacks {
    int (*part_begin)(void *arg, const eddy_multipart_part *part);
    int (*part_data)(void *arg, const char *data, size_t len);
    int (*part_end)(void *arg);
    void *arg;
} eddy_multipart_callbacks;

typedef struct eddy_multipart {
    eddy_multipart_limits limits;
    eddy_multipart_callbacks cb;
    char delimiter[4 + EDDY_MULTIPART_BOUNDARY_MAX]; /* CRLF "--" boundary */
    size_t delimiter_len;
    int state;
    size_t matched;        /* bytes of the delimiter matched and held back */
    uint64_t parts, part_bytes, total;
    size_t header_len;
    char header[2 * EDDY_MULTIPART_HEADER_CAP]; /* the block, then its unquoted parameters */
    int error_status;      /* 400 or 413 once feed returned -1 */
    const char *error_reason;
} eddy_multipart;

/* eddy_multipart_boundary - the boundary parameter of a multipart
 * Content-Type value (quoted or not), checked against RFC 2046's syntax.
 * 0, or -1 when the type is not multipart/form-data or the boundary is
 * missing or invalid. *boundary points into content_type. */
int eddy_multipart_boundary(eddy_str content_type, eddy_str *boundary);

/* eddy_multipart_init - get m ready for a body with this boundary. limits
 * NULL means none but the header buffer's size. -1 for a boundary that
 * is empty or longer than 70 bytes. */
int eddy_multipart_init(eddy_multipart *m, eddy_str boundary, const eddy_multipart_limits *limits,
                        const eddy_multipart_callbacks *cb);

/* eddy_multipart_feed - the next len bytes of the body. 0, or -1 with
 * error_status (400 malformed, 413 a limit) and error_reason; after -1
 * every call fails the same way. */
int eddy_multipart_feed(eddy_multipart *m, const char *data, size_t len);

/* eddy_multipart_finish - the body has ended: 0 if the closing delimiter
 * was seen, else -1 (400, "multipart body ends early"). */
int eddy_multipart_finish(eddy_multipart *m);

/* eddy_multipart_fail - for a callback: the status and reason feed
 * reports when the callback returns -1. */
void eddy_multipart_fail(eddy_multipart *m, int status, const char *reason);

#endif
