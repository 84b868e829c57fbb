/*
 * server_response - what the request function calls: the request's
 * fields, and writing the response (status line and headers, buffered or
 * chunked bodies, gzip, files by sendfile, error pages, finishing). Part
 * of the server; see server.c for the map.
 *
 * A response is built in the request (status, the application's header
 * lines, the body written so far) and goes into the connection's output
 * buffer only when it is finished or flushed; server_conn.c writes that
 * buffer to the socket. The head is assembled on the stack from fixed
 * pieces, with no printf: it runs once per response.
 */
#include "server_internal.h"

#include <eddy/async/future.h>
#include <eddy/base/buf.h>
#include <eddy/base/escape.h>
#include <eddy/base/http_fields.h>
#include <eddy/base/log.h>
#include <eddy/base/str.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <zlib.h>

static void access_log(eddy_req *r);

/* ------------------------------------------------------------ the request */

const eddy_http_message *eddy_request_head(const eddy_req *r) { return &r->head; }
eddy_str eddy_request_method(const eddy_req *r) { return r->head.method; }
eddy_str eddy_request_path(const eddy_req *r) { return r->head.path; }
eddy_str eddy_request_query(const eddy_req *r) { return r->head.query; }
int eddy_request_is_head(const eddy_req *r) { return r->is_head; }

eddy_arena *eddy_request_arena(eddy_req *r) { return &r->arena; }
void eddy_request_set_data(eddy_req *r, void *data) { r->data = data; }
void *eddy_request_data(const eddy_req *r) { return r->data; }

const eddy_str *eddy_request_header(const eddy_req *r, const char *name)
{
    return eddy_http_header_get(&r->head, name);
}

eddy_str eddy_request_body(const eddy_req *r)
{
    return (eddy_str){r->body.data ? r->body.data : "", r->body.len};
}

const char *eddy_request_remote_ip(const eddy_req *r)
{
    if (!r->ip[0])
        eddy_conn_peer_ip(r->conn, ((eddy_req *)r)->ip); /* formatted on first use */
    return r->ip;
}

/* ------------------------------------------------------------ status and headers */

/* header_text_len - the length of s, or -1 if it holds CR or LF (or, for
 * a name, a colon): header injection is refused, not escaped. */
static ssize_t header_text_len(const char *s, int is_name)
{
    const char *p = s;
    for (; *p; p++)
        if (*p == '\r' || *p == '\n' || (is_name && *p == ':'))
            return -1;
    return p - s;
}

int eddy_response_status(eddy_req *r, int status)
{
    if (r->headers_sent || status < 100 || status > 999)
        return -1;
    r->status = status;
    return 0;
}

int eddy_response_header(eddy_req *r, const char *name, const char *value)
{
    ssize_t n = header_text_len(name, 1), v = header_text_len(value, 0);
    if (r->headers_sent || n <= 0 || v < 0 ||
        eddy_buf_reserve(&r->headers, (size_t)n + (size_t)v + 4) < 0)
        return -1;
    eddy_buf_append(&r->headers, name, (size_t)n);
    eddy_buf_append(&r->headers, ": ", 2);
    eddy_buf_append(&r->headers, value, (size_t)v);
    return eddy_buf_append(&r->headers, "\r\n", 2);
}

/* remove_header - drop every "name:" line from the application's headers. */
static void remove_header(eddy_req *r, const char *name)
{
    size_t n = strlen(name), pos = 0;
    eddy_buf *h = &r->headers;
    while (pos < h->len) {
        char *line = h->data + pos;
        char *end = strstr(line, "\r\n");
        size_t len = (size_t)(end - line) + 2;
        if (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
            memmove(line, line + len, h->len - pos - len + 1);
            h->len -= len;
        } else {
            pos += len;
        }
    }
}

int eddy_response_set_header(eddy_req *r, const char *name, const char *value)
{
    if (r->headers_sent || header_text_len(name, 1) <= 0 || header_text_len(value, 0) < 0)
        return -1;
    remove_header(r, name);
    return eddy_response_header(r, name, value);
}

/* header_value - the value of a header the application set (leading
 * spaces skipped, up to its CRLF), or NULL. */
static const char *header_value(const eddy_req *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = r->headers.data; p && *p;) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ')
                p++;
            return p;
        }
        p = strstr(p, "\r\n");
        p = p ? p + 2 : NULL;
    }
    return NULL;
}

static int has_header(const eddy_req *r, const char *name)
{
    return header_value(r, name) != NULL;
}

/* body_of - the request's body buffer, ready to write to. Its storage is
 * taken from the server's spares at the first write and given back when
 * the response is finished (give_body). Each request in flight holds
 * its eddy_req from its head to its end, and a hundred connections
 * waiting on a database are a hundred of them: storage kept per request
 * was last written a hundred pages ago and is out of the cache by then,
 * where a spare was written by the page just before. */
static eddy_buf *body_of(eddy_req *r)
{
    eddy_server *s = r->conn->server;
    if (!r->out.data && s->spare_body_count)
        r->out = s->spare_bodies[--s->spare_body_count];
    return &r->out;
}

/* give_body - the body is sent or copied out: its storage goes back to
 * the spares (not a big one: that would stay out of use). */
static void give_body(eddy_req *r)
{
    eddy_server *s = r->conn->server;
    eddy_buf_clear(&r->out);
    if (r->out.data && s->spare_body_count < SPARE_BODIES && r->out.cap <= 256 * 1024) {
        s->spare_bodies[s->spare_body_count++] = r->out;
        r->out = (eddy_buf)EDDY_BUF_INIT;
    }
}

int eddy_write(eddy_req *r, const void *data, size_t len)
{
    if (r->finished)
        return -1;
    return eddy_buf_append(body_of(r), data, len);
}

int eddy_write_str(eddy_req *r, const char *s) { return eddy_write(r, s, strlen(s)); }

eddy_buf *eddy_response_body(eddy_req *r) { return r->finished ? NULL : body_of(r); }

int eddy_writef(eddy_req *r, const char *fmt, ...)
{
    if (r->finished)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int rc = eddy_buf_vprintf(body_of(r), fmt, ap);
    va_end(ap);
    return rc;
}

static int body_allowed(int status) { return status >= 200 && status != 204 && status != 304; }

/* ------------------------------------------------------------ the head and flushing */

/* eddy_server_date - formatted once per second, per thread. */
const char *eddy_server_date(struct event_base *base)
{
    static _Thread_local char text[EDDY_HTTP_DATE_SIZE];
    static _Thread_local time_t shown = -1;
    struct timeval now;
    event_base_gettimeofday_cached(base, &now);
    if (now.tv_sec != shown) {
        eddy_http_date_format(now.tv_sec, text);
        shown = now.tv_sec;
    }
    return text;
}

/* write_head - status line and headers into the connection's output. */
static void write_head(eddy_req *r, int chunked, uint64_t length)
{
    struct conn *c = r->conn;
    eddy_server *s = c->server;
    eddy_buf *o = output(c);
    if (!o)
        return;
    /* Built on the stack and appended in three pieces, with no printf:
     * this runs for every response, and formatting was a quarter of the
     * server's time under pipelining. Every piece below has a fixed
     * bound, so 256 bytes always suffice. */
    char head[256];
    size_t n = 0;
#define PUT(text, len) (memcpy(head + n, (text), (len)), n += (len))
    const char *reason = eddy_status_reason(r->status);
    size_t reason_len = *reason ? strlen(reason) : 7;
    char code[4] = {(char)('0' + r->status / 100 % 10), (char)('0' + r->status / 10 % 10),
                    (char)('0' + r->status % 10), ' '};
    PUT("HTTP/1.1 ", 9);
    PUT(code, 4);
    PUT(*reason ? reason : "Unknown", reason_len);
    PUT("\r\nDate: ", 8);
    PUT(eddy_server_date(s->base), 29);
    PUT("\r\n", 2);
    if (body_allowed(r->status) && !has_header(r, "content-type"))
        PUT("Content-Type: text/html; charset=UTF-8\r\n", 40);
    if (chunked) {
        PUT("Transfer-Encoding: chunked\r\n", 28);
    } else if (body_allowed(r->status) && !has_header(r, "content-length")) {
        char digits[24], *first = eddy_u64_text(digits + sizeof digits, length);
        PUT("Content-Length: ", 16);
        PUT(first, (size_t)(digits + sizeof digits - first));
        PUT("\r\n", 2);
    }
    eddy_buf_append(o, head, n);
    if (r->headers.len)
        eddy_buf_append(o, r->headers.data, r->headers.len);
    n = 0;
    if (r->streaming && !r->body_done)
        r->close_after = 1; /* an unread body: the connection cannot carry another request */
    if (r->close_after || c->closing || s->stopping)
        PUT("Connection: close\r\n", 19);
    else if (r->head.version_minor == 0)
        PUT("Connection: keep-alive\r\n", 24);
    PUT("\r\n", 2);
#undef PUT
    eddy_buf_append(o, head, n);
    r->headers_sent = 1;
}

/* quote:begin eddy-flush */
int eddy_flush(eddy_req *r)
{
    struct conn *c = r->conn;
    if (r->finished || c->dead)
        return c->dead ? EPIPE : 0;
    if (!r->headers_sent) {
        /* HTTP/1.0 has no chunks: the body runs until the connection closes. */
        if (r->head.version_minor == 0)
            r->close_after = 1;
        r->chunked_out = r->head.version_minor >= 1 && body_allowed(r->status);
        write_head(r, r->chunked_out, 0);
    }
    eddy_buf *o = output(c);
    if (o && r->out.len && !r->is_head && body_allowed(r->status)) {
        if (r->chunked_out)
            eddy_buf_printf(o, "%zx\r\n", r->out.len);
        eddy_buf_append(o, r->out.data, r->out.len);
        if (r->chunked_out)
            eddy_buf_append_str(o, "\r\n");
    }
    r->sent_body += r->out.len;
    eddy_buf_clear(&r->out);
    eddy_conn_flush(c);
    /* A slow reader: wait for the kernel to take the output, in a task. */
    while (c->out && c->out->len > OUT_HIGH_WATER && !c->dead && eddy_task_current()) {
        int rc = eddy_wait_fd(c->fd, EDDY_WAIT_WRITE, c->server->cfg.write_timeout_ms);
        if (rc)
            return rc == ETIMEDOUT ? EPIPE : rc;
        eddy_conn_flush(c);
    }
    return c->dead ? EPIPE : 0;
}
/* quote:end eddy-flush */

/* ------------------------------------------------------------ files */

/* The sendfile call of eddy_send_file, run on the thread pool: the socket
 * is non-blocking, so only a read from disk can make it wait. */
struct sendfile_job {
    int sock, fd;
    off_t offset;
    size_t count;
    ssize_t sent;
    int error;
};

static void sendfile_job(void *arg)
{
    struct sendfile_job *j = arg;
    do
        j->sent = sendfile(j->sock, j->fd, &j->offset, j->count);
    while (j->sent < 0 && errno == EINTR);
    j->error = j->sent < 0 ? errno : 0;
}

/* wait_output - wait until the connection's buffered output is written. */
static int wait_output(struct conn *c)
{
    while (c->out && c->out->len && !c->dead) {
        int rc = eddy_wait_fd(c->fd, EDDY_WAIT_WRITE, c->server->cfg.write_timeout_ms);
        if (rc)
            return rc == ETIMEDOUT ? EPIPE : rc;
        eddy_conn_flush(c);
    }
    return c->dead ? EPIPE : 0;
}

int eddy_send_file(eddy_req *r, int fd, uint64_t offset, uint64_t length)
{
    struct conn *c = r->conn;
    if (r->finished || r->headers_sent || r->out.len || offset > (uint64_t)INT64_MAX ||
        length > (uint64_t)INT64_MAX - offset)
        return EINVAL;
    if (!eddy_task_current())
        return EPERM;
    if (c->dead)
        return EPIPE;
    write_head(r, 0, length);
    int rc = 0;
    uint64_t left = !r->is_head && body_allowed(r->status) ? length : 0;
    struct sendfile_job job = {.sock = c->fd, .fd = fd, .offset = (off_t)offset};
    /* A small span already in the page cache joins the head in the output
     * right here: cheaper than a trip to the thread pool, and RWF_NOWAIT
     * makes the read fail rather than wait for the disk. Whatever it does
     * not get (EAGAIN, a file system without RWF_NOWAIT) goes by sendfile. */
    eddy_buf *o = output(c);
    if (left && left <= INLINE_FILE_MAX && o && eddy_buf_reserve(o, (size_t)left) == 0) {
        struct iovec v = {o->data + o->len, (size_t)left};
        ssize_t n = preadv2(fd, &v, 1, job.offset, RWF_NOWAIT);
        if (n > 0) {
            o->len += (size_t)n;
            o->data[o->len] = '\0';
            job.offset += n;
            left -= (uint64_t)n;
            r->sent_body += (uint64_t)n;
        }
    }
    if (left)
        eddy_conn_flush(c);
    /* The head goes first; then the file, while the loop leaves the
     * socket alone (it writes nothing for a request still in its task). */
    while (left && !(rc = wait_output(c))) {
        job.count = left < SENDFILE_STEP ? (size_t)left : SENDFILE_STEP;
        if ((rc = eddy_run_blocking(sendfile_job, &job)) != 0)
            break;
        if (job.sent > 0) {
            left -= (uint64_t)job.sent;
            r->sent_body += (uint64_t)job.sent;
        } else if (job.sent == 0) {
            rc = EIO; /* the file ended early: it shrank since it was measured */
        } else if (job.error == EAGAIN || job.error == EWOULDBLOCK) {
            rc = eddy_wait_fd(c->fd, EDDY_WAIT_WRITE, c->server->cfg.write_timeout_ms);
            if (rc == ETIMEDOUT)
                rc = EPIPE;
        } else {
            rc = job.error == ECONNRESET ? EPIPE : job.error;
        }
        if (rc)
            break;
    }
    if (rc) {
        if (rc == EPIPE || rc == ECANCELED)
            c->dead = 1;
        eddy_send_error(r, 500, NULL); /* the head is out: this closes the connection */
        return rc;
    }
    eddy_finish(r);
    return 0;
}

/* ------------------------------------------------------------ finishing */

/* compressible - a type worth gzipping: text, JSON, JavaScript, XML, SVG. */
static int compressible(const eddy_req *r)
{
    const char *type = header_value(r, "content-type");
    if (!type)
        return 1; /* the default, text/html */
    return strncasecmp(type, "text/", 5) == 0 || strncasecmp(type, "application/json", 16) == 0 ||
           strncasecmp(type, "application/javascript", 22) == 0 ||
           strncasecmp(type, "application/xml", 15) == 0 || strncasecmp(type, "image/svg", 9) == 0;
}

/* accepts_gzip - the client's Accept-Encoding lists gzip (without q=0). */
static int accepts_gzip(const eddy_req *r)
{
    const eddy_str *ae = eddy_http_header_get(&r->head, "accept-encoding");
    if (!ae)
        return 0;
    for (size_t i = 0; i + 4 <= ae->len; i++) {
        if (strncasecmp(ae->p + i, "gzip", 4) == 0) {
            const char *rest = ae->p + i + 4, *end = ae->p + ae->len;
            while (rest < end && *rest == ' ')
                rest++;
            if (rest + 4 <= end && strncmp(rest, ";q=0", 4) == 0 &&
                (rest + 4 == end || rest[4] == ',' || rest[4] == ' ' ||
                 (rest[4] == '.' && strspn(rest + 5, "0") >= (size_t)(end - rest - 5))))
                return 0;
            return 1;
        }
    }
    return 0;
}

/* gzip_body - replace r->out with its gzip encoding; 0, or -1 (left as is). */
static int gzip_body(eddy_req *r)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    eddy_buf packed = EDDY_BUF_INIT;
    uLong bound = deflateBound(&z, (uLong)r->out.len);
    if (eddy_buf_reserve(&packed, bound) < 0) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)r->out.data;
    z.avail_in = (uInt)r->out.len;
    z.next_out = (Bytef *)packed.data;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    packed.len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        eddy_buf_free(&packed);
        return -1;
    }
    packed.data[packed.len] = '\0';
    eddy_buf_free(&r->out);
    r->out = packed;
    return 0;
}

/* A body at least this long goes out with its head at once (send_now),
 * not copied into the connection's output first: a page of rows is tens
 * of kilobytes. */
enum { SEND_NOW_MIN = 8 * 1024 };

/* send_now - the head (all c->out holds) and body sent with one sendmsg,
 * now rather than copied into c->out for eddy_conn_flush; what the socket
 * does not take goes into c->out as before, and an error is left for
 * eddy_conn_flush to meet (it sends the same bytes). */
static void send_now(struct conn *c, const eddy_buf *body)
{
    struct iovec iov[2] = {{c->out->data, c->out->len}, {body->data, body->len}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n;
    do
        n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    size_t sent = n > 0 ? (size_t)n : 0, of_head = sent < c->out->len ? sent : c->out->len;
    eddy_buf_consume(c->out, of_head);
    eddy_buf_append(c->out, body->data + (sent - of_head), body->len - (sent - of_head));
}

void eddy_finish(eddy_req *r)
{
    if (r->finished)
        return;
    struct conn *c = r->conn;
    if (!c->dead) {
        if (!r->headers_sent) {
            eddy_server *s = c->server;
            if (s->cfg.gzip && !r->is_head && body_allowed(r->status) &&
                r->out.len >= s->cfg.gzip_min_bytes && !has_header(r, "content-encoding") &&
                accepts_gzip(r) && compressible(r) && gzip_body(r) == 0) {
                eddy_response_header(r, "Content-Encoding", "gzip");
                eddy_response_header(r, "Vary", "Accept-Encoding");
            }
            bool alone = !c->out || !c->out->len; /* no earlier response waits to go */
            write_head(r, 0, r->out.len);
            if (!r->is_head && body_allowed(r->status) && output(c)) {
                if (alone && r->out.len >= SEND_NOW_MIN && c->out->len)
                    send_now(c, &r->out);
                else
                    eddy_buf_append(c->out, r->out.data, r->out.len);
            }
        } else {
            if (r->out.len)
                eddy_flush(r);
            if (r->chunked_out && output(c))
                eddy_buf_append_str(c->out, "0\r\n\r\n");
        }
        if (r->close_after)
            c->closing = 1;
    }
    give_body(r);
    r->finished = 1;
    access_log(r);
}

int eddy_response_finished(const eddy_req *r) { return r->finished; }

static void access_log(eddy_req *r)
{
    struct conn *c = r->conn;
    if (!c->server->cfg.access_log)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - r->started.tv_sec) * 1000.0 +
                (double)(now.tv_nsec - r->started.tv_nsec) / 1e6;
    eddy_log_level level = r->status >= 500 ? EDDY_LOG_ERROR
                           : r->status >= 400 ? EDDY_LOG_WARNING
                                              : EDDY_LOG_INFO;
    eddy_log_at(level, __FILE__, __LINE__, "%d %.*s %.*s (%s) %.2fms", r->status,
                (int)r->head.method.len, r->head.method.p, (int)r->head.target.len,
                r->head.target.p, eddy_request_remote_ip(r), ms);
}

/* ------------------------------------------------------------ error pages */

void eddy_server_set_error_writer(eddy_server *s, eddy_error_writer writer, void *arg)
{
    s->error_writer = writer;
    s->error_writer_arg = arg;
}

/* drop_body_headers - eddy_send_error's rule: the headers that describe
 * the body being replaced go with it; every other header the handler set
 * (Allow, WWW-Authenticate, Retry-After, Location, Set-Cookie, ...) was
 * set on purpose and stays. Content-Range stays on a 416, where it gives
 * the size of what could not be served. */
static void drop_body_headers(eddy_req *r, int status)
{
    static const char *const body_headers[] = {
        "Content-Type", "Content-Length", "Content-Encoding", "Content-Language",
        "Content-Disposition", "Content-Location", "Content-Range", "ETag",
        "Last-Modified", "Transfer-Encoding",
    };
    if (!r->headers.len)
        return;
    for (size_t i = 0; i < sizeof body_headers / sizeof body_headers[0]; i++)
        if (!(status == 416 && strcmp(body_headers[i], "Content-Range") == 0))
            remove_header(r, body_headers[i]);
}

void eddy_send_error(eddy_req *r, int status, const char *reason)
{
    if (r->finished)
        return;
    if (r->headers_sent) {
        r->close_after = 1; /* too late to say so: cut the response short */
        r->conn->closing = 1;
        r->finished = 1;
        access_log(r);
        return;
    }
    eddy_buf_clear(&r->out);
    drop_body_headers(r, status);
    r->status = status;
    eddy_server *s = r->conn->server;
    if (s->error_writer)
        s->error_writer(r, status, reason, s->error_writer_arg);
    else
        eddy_default_error_page(r, status, reason);
    eddy_finish(r);
}

void eddy_default_error_page(eddy_req *r, int status, const char *reason)
{
    const char *phrase = eddy_status_reason(status);
    eddy_response_header(r, "Content-Type", "text/html; charset=UTF-8");
    eddy_writef(r, "<html><title>%d: %s</title><body>%d: ", status, phrase, status);
    const char *text = reason && *reason ? reason : phrase;
    eddy_buf *body = eddy_response_body(r);
    if (body) /* reasons often quote what the client sent (a bad JSON body, say) */
        eddy_xhtml_escape_to(body, text, strlen(text));
    eddy_write_str(r, "</body></html>\n");
}
