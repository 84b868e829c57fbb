/*
 * client_response - read one HTTP/1.1 response, whatever the split.
 *
 * The reader is fed the bytes a connection receives, in whatever pieces
 * they come, and knows nothing of sockets (the fuzz target feeds it
 * directly). It keeps the head's bytes until the lib's response parser
 * accepts them, skips 1xx interim responses, then follows the framing the
 * parser decided: Content-Length bytes, a chunked body (extensions and
 * trailers handled by eddy_chunked_parse), or everything until the close.
 * A body sent gzip or deflate is inflated as it arrives when the caller
 * asked for decompression. Whatever is malformed, cut short or larger than
 * allowed ends in READ_ERROR with a sentence, never in a body that looks
 * complete.
 */
#include "client_internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_INTERIM = 10 }; /* 1xx responses skipped before giving up */

/* The response and the storage its pointers need, freed together. */
struct response_box {
    eddy_http_response pub;
    char *head_bytes;
    char error_text[200];
};

/* The body of a response that has none: never freed. */
static char empty_body[1];

eddy_http_response *client_response_new(void)
{
    /* The head's header array is large and only read up to header_count:
     * clear the rest, not the array. */
    struct response_box *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    memset(&b->pub, 0, offsetof(eddy_http_response, head));
    memset(&b->pub.head, 0, offsetof(eddy_http_message, headers));
    b->pub.head.header_count = 0;
    memset(&b->pub.body, 0, sizeof *b - offsetof(struct response_box, pub.body));
    b->pub.error_text = "";
    b->pub.body = empty_body;
    b->head_bytes = NULL;
    return &b->pub;
}

void client_response_fail(eddy_http_response *resp, int error, const char *text)
{
    struct response_box *b = (struct response_box *)resp;
    resp->error = error;
    snprintf(b->error_text, sizeof b->error_text, "%s", text ? text : strerror(error));
    resp->error_text = b->error_text;
}

void eddy_http_response_free(eddy_http_response *resp)
{
    if (!resp)
        return;
    struct response_box *b = (struct response_box *)resp;
    if (resp->body != empty_body)
        free(resp->body);
    free(resp->url);
    free(b->head_bytes);
    free(b);
}

const char *eddy_http_response_header(eddy_http_response *resp, const char *name)
{
    /* The head's bytes are our own copy, in which every name and value
     * was NUL-terminated when the head was taken (see take_head). */
    const eddy_str *v = resp ? eddy_http_header_get(&resp->head, name) : NULL;
    return v ? v->p : NULL;
}

/* ------------------------------------------------------------ the reader */

int client_reader_init(client_reader *r, const char *method, int decompress, uint64_t max_body)
{
    memset(r, 0, offsetof(client_reader, head));
    r->head = (eddy_buf)EDDY_BUF_INIT;
    r->body = (eddy_buf)EDDY_BUF_INIT;
    r->scanned = 0;
    r->method = method;
    r->inflating = r->z_started = r->discard = 0;
    r->decompress = decompress;
    r->max_body = max_body;
    r->body_total = r->bytes_in = 0;
    r->on_head = NULL;
    r->body_cb = NULL;
    r->owner = r->cb_arg = NULL;
    r->error = 0;
    r->error_text = NULL;
    r->state = READ_HEAD;
    r->resp = client_response_new();
    return r->resp ? 0 : -1;
}

static enum reader_state fail(client_reader *r, int error, const char *text)
{
    r->state = READ_ERROR;
    r->error = error;
    r->error_text = text;
    return READ_ERROR;
}

/* start_inflate - Content-Encoding gzip or deflate, when asked to decode. */
static int start_inflate(client_reader *r, const eddy_http_message *m)
{
    const eddy_str *enc = eddy_http_header_get(m, "content-encoding");
    if (!r->decompress || !enc || m->body == EDDY_BODY_NONE)
        return 0;
    int bits;
    if (eddy_str_case_eq(*enc, "gzip") || eddy_str_case_eq(*enc, "x-gzip"))
        bits = 15 + 16;
    else if (eddy_str_case_eq(*enc, "deflate"))
        bits = 15 + 32; /* zlib-wrapped, as RFC 9110 says; raw deflate is tried if it is not */
    else
        return 0; /* an encoding we did not ask for: handed over as it came */
    memset(&r->z, 0, sizeof r->z);
    if (inflateInit2(&r->z, bits) != Z_OK)
        return -1;
    r->inflating = 1;
    return 0;
}

/* deliver - decoded body bytes: kept, streamed, or (a redirect's) dropped. */
static enum reader_state deliver(client_reader *r, const char *data, size_t len)
{
    if (len == 0)
        return r->state;
    r->body_total += len;
    if (r->body_total > r->max_body)
        return fail(r, EMSGSIZE, "response body larger than max_body_bytes");
    if (r->discard)
        return r->state;
    if (r->body_cb) {
        if (r->body_cb(data, len, r->cb_arg) != 0)
            return fail(r, ECANCELED, "stopped by the body callback");
        return r->state;
    }
    if (eddy_buf_append(&r->body, data, len) < 0)
        return fail(r, ENOMEM, "out of memory for the response body");
    return r->state;
}

/* body_bytes - raw body bytes (after framing): through zlib if encoded. */
static enum reader_state body_bytes(client_reader *r, const char *data, size_t len)
{
    if (!r->inflating)
        return deliver(r, data, len);
    char out[16384];
    r->z.next_in = (Bytef *)data;
    r->z.avail_in = (uInt)len;
    while (r->z.avail_in > 0 && r->inflating) {
        r->z.next_out = (Bytef *)out;
        r->z.avail_out = sizeof out;
        int rc = inflate(&r->z, Z_NO_FLUSH);
        if (rc == Z_DATA_ERROR && r->inflating == 1 && !r->z_started) {
            /* "deflate" from a server that sends raw deflate, as some do */
            inflateEnd(&r->z);
            memset(&r->z, 0, sizeof r->z);
            if (inflateInit2(&r->z, -15) != Z_OK)
                return fail(r, ENOMEM, "out of memory for inflate");
            r->inflating = 2;
            r->z.next_in = (Bytef *)data;
            r->z.avail_in = (uInt)len;
            continue;
        }
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return fail(r, EPROTO, "malformed compressed body");
        r->z_started = 1;
        if (deliver(r, out, sizeof out - r->z.avail_out) == READ_ERROR)
            return READ_ERROR;
        if (rc == Z_STREAM_END) {
            if (r->z.avail_in > 0)
                return fail(r, EPROTO, "bytes after the end of the compressed body");
            break;
        }
        if (rc == Z_BUF_ERROR && r->z.avail_out != 0)
            break;
    }
    return r->state;
}

/* end_body - the framing says the body is complete. */
static enum reader_state end_body(client_reader *r)
{
    if (r->inflating) {
        /* flush what zlib holds, then insist the stream really ended */
        char out[16384];
        int rc;
        do {
            r->z.next_in = NULL;
            r->z.avail_in = 0;
            r->z.next_out = (Bytef *)out;
            r->z.avail_out = sizeof out;
            rc = inflate(&r->z, Z_FINISH);
            if (deliver(r, out, sizeof out - r->z.avail_out) == READ_ERROR)
                return READ_ERROR;
        } while (rc == Z_BUF_ERROR && r->z.avail_out == 0);
        if (rc != Z_STREAM_END && !(r->body_total == 0 && !r->z_started))
            return fail(r, EPROTO, "compressed body cut short");
    }
    r->state = READ_DONE;
    return READ_DONE;
}

static void rebase(eddy_str *s, const char *from, const char *to)
{
    if (s->p)
        s->p = to + (s->p - from);
}

/* take_head - the head is complete in r->head: move its bytes into the
 * response, point the parsed spans at them, and NUL-terminate names and
 * values in place (each is followed by ':', whitespace, CR or LF, never
 * by another span), so eddy_http_response_header can hand out C strings. */
static int take_head(client_reader *r)
{
    eddy_http_message *m = &r->resp->head;
    const char *old = r->head.data;
    size_t n;
    char *bytes = eddy_buf_detach(&r->head, &n);
    if (!bytes)
        return -1;
    ((struct response_box *)r->resp)->head_bytes = bytes;
    rebase(&m->reason, old, bytes);
    for (size_t i = 0; i < m->header_count; i++) {
        rebase(&m->headers[i].name, old, bytes);
        rebase(&m->headers[i].value, old, bytes);
        bytes[m->headers[i].name.p - bytes + (ptrdiff_t)m->headers[i].name.len] = '\0';
        bytes[m->headers[i].value.p - bytes + (ptrdiff_t)m->headers[i].value.len] = '\0';
    }
    if (m->reason.p)
        bytes[m->reason.p - bytes + (ptrdiff_t)m->reason.len] = '\0';
    return 0;
}

/* head_bytes - head bytes; *used excludes what follows the head. */
static enum reader_state head_bytes(client_reader *r, const char *data, size_t len, size_t *used)
{
    if (eddy_buf_append(&r->head, data, len) < 0)
        return fail(r, ENOMEM, "out of memory for the response head");
    for (int interim = 0;; interim++) {
        eddy_http_message *m = &r->resp->head;
        ssize_t end = eddy_http_parse_response(r->head.data, r->head.len, r->scanned, m, r->method,
                                               NULL);
        if (end == EDDY_HTTP_INCOMPLETE) {
            r->scanned = r->head.len;
            *used = len;
            return READ_HEAD;
        }
        if (end < 0) /* the parser speaks as a server would: say it of a response */
            return fail(r, EPROTO, m->error_status == 431 ? "response head too large"
                                   : m->error_reason    ? m->error_reason
                                                        : "malformed response head");
        if (m->status >= 100 && m->status < 200) {
            if (m->status == 101)
                return fail(r, EPROTO, "unexpected 101 Switching Protocols");
            if (interim >= MAX_INTERIM)
                return fail(r, EPROTO, "too many 1xx responses");
            eddy_buf_consume(&r->head, (size_t)end); /* an interim response: skip it */
            r->scanned = 0;
            continue;
        }
        /* The bytes after the head belong to the body (or the next message). */
        size_t extra = r->head.len - (size_t)end;
        *used = len - extra;
        eddy_buf_truncate(&r->head, (size_t)end);
        if (take_head(r) < 0)
            return fail(r, ENOMEM, "out of memory for the response head");
        r->framing = m->body;
        r->remaining = m->content_length;
        r->resp->status = m->status;
        if (m->body == EDDY_BODY_CHUNKED)
            eddy_chunked_init(&r->chunked);
        if (start_inflate(r, m) < 0)
            return fail(r, ENOMEM, "out of memory for inflate");
        if (r->on_head) {
            int verdict = r->on_head(r->owner, m);
            if (verdict == HEAD_ABORT)
                return fail(r, ECANCELED, "stopped by the header callback");
            r->discard = verdict == HEAD_DISCARD_BODY;
        }
        if (m->body == EDDY_BODY_NONE)
            return end_body(r);
        r->state = READ_BODY;
        return READ_BODY;
    }
}

enum reader_state client_reader_feed(client_reader *r, const char *data, size_t len, size_t *used)
{
    *used = 0;
    size_t pos = 0;
    while (r->state == READ_HEAD || r->state == READ_BODY) {
        if (pos == len)
            break;
        if (r->state == READ_HEAD) {
            size_t n = 0;
            if (head_bytes(r, data + pos, len - pos, &n) == READ_ERROR)
                return READ_ERROR;
            pos += n;
            continue;
        }
        const char *p = data + pos;
        size_t n = len - pos;
        switch (r->framing) {
        case EDDY_BODY_LENGTH: {
            size_t take = n < r->remaining ? n : (size_t)r->remaining;
            r->remaining -= take;
            pos += take;
            if (body_bytes(r, p, take) == READ_ERROR)
                return READ_ERROR;
            if (r->remaining == 0)
                end_body(r);
            break;
        }
        case EDDY_BODY_CHUNKED: {
            eddy_str span;
            int done = 0;
            ssize_t k = eddy_chunked_parse(&r->chunked, p, n, &span, &done);
            if (k < 0)
                return fail(r, EPROTO, r->chunked.error_reason ? r->chunked.error_reason
                                                               : "malformed chunked body");
            pos += (size_t)k;
            if (body_bytes(r, span.p, span.len) == READ_ERROR)
                return READ_ERROR;
            if (done)
                end_body(r);
            else if (k == 0)
                goto out; /* needs more */
            break;
        }
        case EDDY_BODY_UNTIL_CLOSE:
            pos = len;
            if (body_bytes(r, p, n) == READ_ERROR)
                return READ_ERROR;
            break;
        case EDDY_BODY_NONE:
            end_body(r);
            break;
        }
    }
out:
    r->bytes_in += pos;
    *used = pos;
    return r->state;
}

enum reader_state client_reader_eof(client_reader *r)
{
    switch (r->state) {
    case READ_HEAD:
        if (r->head.len == 0)
            return fail(r, ECONNRESET, "connection closed before a response");
        return fail(r, EPROTO, "connection closed in the middle of the response head");
    case READ_BODY:
        if (r->framing == EDDY_BODY_UNTIL_CLOSE)
            return end_body(r);
        if (r->framing == EDDY_BODY_LENGTH)
            return fail(r, EPROTO, "connection closed before the body was complete "
                                   "(shorter than its Content-Length)");
        return fail(r, EPROTO, "connection closed in the middle of a chunked body");
    default:
        return r->state;
    }
}

int client_reader_keep_alive(const client_reader *r)
{
    return r->state == READ_DONE && r->resp && r->resp->head.keep_alive &&
           r->framing != EDDY_BODY_UNTIL_CLOSE;
}

eddy_http_response *client_reader_take(client_reader *r)
{
    eddy_http_response *resp = r->resp;
    struct response_box *b = (struct response_box *)resp;
    r->resp = NULL;
    if (!resp)
        return NULL;
    (void)b;
    if (r->body.len) {
        size_t n;
        resp->body = eddy_buf_detach(&r->body, &n);
        resp->body_len = n;
    }
    return resp;
}

void client_reader_free(client_reader *r)
{
    if (r->inflating)
        inflateEnd(&r->z);
    r->inflating = 0;
    eddy_buf_free(&r->head);
    eddy_buf_free(&r->body);
    eddy_http_response_free(r->resp);
    r->resp = NULL;
}
