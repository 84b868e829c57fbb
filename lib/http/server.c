/*
 * server - HTTP/1.1 connections on the loop; see server.h.
 *
 * A connection is one small struct with one libevent event, re-armed for
 * reading or writing and carrying the connection's current timeout. Its
 * input buffer comes from a pool when bytes arrive and goes back when the
 * connection is idle again, so the thousands of idle keep-alive
 * connections a busy server holds cost a few hundred bytes each.
 *
 * Requests are taken from the input in order: parse a head, read its body,
 * run the request function in a task, and only then look at the next
 * pipelined request. Responses go into the connection's output buffer and
 * the buffer is written once per batch of requests, so sixteen pipelined
 * requests cost one write. While a request's task waits, its head stays
 * where it was parsed: the input buffer is never compacted under it.
 */
#include <eddy/http/server.h>

#include <eddy/base/buf.h>
#include <eddy/base/escape.h>
#include <eddy/async/future.h>
#include <eddy/base/log.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

enum conn_state { READ_HEAD, READ_BODY, IN_HANDLER };

/* quote:begin conn */
struct conn {
    struct event ev;
    int fd;
    enum conn_state state;
    short interest;        /* EV_READ or EV_WRITE, as ev is assigned now */
    unsigned closing : 1;  /* close once the output is written */
    unsigned dead : 1;     /* the peer is gone or the server gave up: free asap */
    unsigned in_process : 1;
    unsigned read_paused : 1;
    unsigned lingering : 1; /* our side is shut: draining what the client still sends */
    char *in;              /* pooled input block, NULL while idle */
    size_t in_start, in_end;
    size_t scanned;        /* bytes of the pending head already searched */
    size_t keep;           /* in[0..keep) holds the running request's head: never moved */
    struct timeval head_started;
    eddy_buf *out;         /* pooled output buffer, NULL while idle */
    eddy_request *req;     /* the request being read or handled */
    eddy_server *server;
    struct conn *prev, *next;
    struct sockaddr_in6 peer; /* IPv4 or IPv6 */
};
/* quote:end conn */

struct eddy_request {
    eddy_http_message head;
    struct conn *conn;
    eddy_buf body;
    eddy_chunked chunked;
    uint64_t body_left; /* Content-Length bytes still to read */
    /* the response */
    int status;
    eddy_buf headers; /* "Name: value\r\n" lines the application added */
    eddy_buf out;     /* body written and not yet sent */
    uint64_t sent_body;
    unsigned headers_sent : 1, chunked_out : 1, finished : 1, is_head : 1, close_after : 1;
    eddy_task *task;
    eddy_arena arena;
    void *data;
    struct timespec started; /* for the access log */
    char ip[INET6_ADDRSTRLEN];
    eddy_request *next_free;
};

struct eddy_server {
    eddy_server_config cfg;
    eddy_request_fn fn;
    void *arg;
    struct event_base *base;
    struct evconnlistener *listener;
    int port;
    int connections;
    int listener_paused;
    int stopping;
    int deadline_armed;
    struct conn *conns; /* every open connection */
    char **free_inputs;
    size_t free_input_count;
    eddy_buf **free_outputs;
    size_t free_output_count;
    eddy_request *free_requests;
    size_t in_size;
    eddy_error_writer error_writer;
    void *error_writer_arg;
    struct event stop_deadline;
    struct event *signals[2];
    const struct timeval *idle_tv, *header_tv, *write_tv; /* libevent common timeouts */
    char error[256];
};

enum {
    POOL_KEEP = 256,
    OUT_HIGH_WATER = 256 * 1024,
    SENDFILE_STEP = 4 * 1024 * 1024, /* most bytes one sendfile job may move */
    INLINE_FILE_MAX = 64 * 1024,     /* eddy_send_file copies a cached span this small */
    LINGER_IDLE_MS = 1000,  /* nginx's lingering_timeout, shortened */
    LINGER_TOTAL_MS = 5000, /* nginx's lingering_time, shortened */
};

static void conn_event(evutil_socket_t fd, short what, void *arg);
static void catch_signals(eddy_server *s);
static void process(struct conn *c);
static void flush_out(struct conn *c);
static void close_conn(struct conn *c);

/* ------------------------------------------------------------ config */

void eddy_server_config_defaults(eddy_server_config *c)
{
    *c = (eddy_server_config){
        .address = "127.0.0.1",
        .port = 8888,
        .backlog = 1024,
        .max_line = 8192,
        .max_headers = 100,
        .max_header_bytes = 16384,
        .max_body_bytes = 10 * 1024 * 1024,
        .header_timeout_ms = 10000,
        .body_timeout_ms = 60000,
        .idle_timeout_ms = 60000,
        .write_timeout_ms = 60000,
        .max_connections = 10000,
        .access_log = 1,
        .stop_timeout_ms = 10000,
        .gzip = 1,
        .gzip_min_bytes = 1024,
        .handle_signals = 1,
    };
}

/* ------------------------------------------------------------ pools */

static char *take_input(eddy_server *s)
{
    if (s->free_input_count)
        return s->free_inputs[--s->free_input_count];
    return malloc(s->in_size);
}

static void give_input(eddy_server *s, char *in)
{
    if (s->free_input_count < POOL_KEEP)
        s->free_inputs[s->free_input_count++] = in;
    else
        free(in);
}

static eddy_buf *take_output(eddy_server *s)
{
    if (s->free_output_count)
        return s->free_outputs[--s->free_output_count];
    return calloc(1, sizeof(eddy_buf));
}

static void give_output(eddy_server *s, eddy_buf *b)
{
    eddy_buf_clear(b);
    if (s->free_output_count < POOL_KEEP && b->cap <= 1024 * 1024) {
        s->free_outputs[s->free_output_count++] = b;
    } else {
        eddy_buf_free(b);
        free(b);
    }
}

static eddy_request *take_request(eddy_server *s)
{
    eddy_request *r = s->free_requests;
    if (r) {
        s->free_requests = r->next_free;
        return r;
    }
    return calloc(1, sizeof *r);
}

static void give_request(eddy_server *s, eddy_request *r)
{
    eddy_arena_reset(&r->arena);
    r->data = NULL;
    eddy_buf_clear(&r->body);
    eddy_buf_clear(&r->headers);
    eddy_buf_clear(&r->out);
    r->next_free = s->free_requests;
    s->free_requests = r;
}

/* output - the connection's output buffer, taken from the pool when needed.
 * Appends to a pooled buffer only fail when memory runs out, and then the
 * response is cut short, which the client sees as a short body. */
static eddy_buf *output(struct conn *c)
{
    if (!c->out)
        c->out = take_output(c->server);
    return c->out;
}

/* ------------------------------------------------------------ time */

/* http_date - the Date header's value, formatted once per second. */
static const char *http_date(struct event_base *base)
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

static long ms_since(struct event_base *base, const struct timeval *then)
{
    struct timeval now;
    event_base_gettimeofday_cached(base, &now);
    return (long)((now.tv_sec - then->tv_sec) * 1000 + (now.tv_usec - then->tv_usec) / 1000);
}

/* ------------------------------------------------------------ the event */

/* arm - watch c for what it needs next, with the timeout that applies. */
static void arm(struct conn *c)
{
    eddy_server *s = c->server;
    short want;
    const struct timeval *tv = NULL;
    struct timeval left;

    if (c->lingering) {
        want = EV_READ;
        left = (struct timeval){LINGER_IDLE_MS / 1000, (LINGER_IDLE_MS % 1000) * 1000};
        tv = &left;
    } else if (c->out && c->out->len) {
        want = EV_WRITE;
        tv = s->write_tv;
    } else if (c->read_paused) {
        event_del(&c->ev);
        return;
    } else {
        want = EV_READ;
        if (c->state == IN_HANDLER) {
            /* A handler may take its time; reading only notices a hang-up.
             * (A NULL timeout would keep the previous one, so: a day.) */
            static const struct timeval day = {86400, 0};
            tv = &day;
        } else if (c->state == READ_BODY || (c->in && c->in_end > c->in_start)) {
            long limit = c->state == READ_BODY ? s->cfg.body_timeout_ms : s->cfg.header_timeout_ms;
            long ms = limit - ms_since(s->base, &c->head_started);
            if (ms < 0)
                ms = 0;
            left.tv_sec = ms / 1000;
            left.tv_usec = (ms % 1000) * 1000;
            tv = &left;
        } else {
            tv = s->idle_tv;
        }
    }
    if (want != c->interest) {
        event_del(&c->ev);
        event_assign(&c->ev, s->base, c->fd, want | EV_PERSIST, conn_event, c);
        c->interest = want;
    }
    event_add(&c->ev, tv);
}

/* ------------------------------------------------------------ responses */

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

int eddy_response_status(eddy_request *r, int status)
{
    if (r->headers_sent || status < 100 || status > 999)
        return -1;
    r->status = status;
    return 0;
}

int eddy_response_header(eddy_request *r, const char *name, const char *value)
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
static void remove_header(eddy_request *r, const char *name)
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

int eddy_response_set_header(eddy_request *r, const char *name, const char *value)
{
    if (r->headers_sent || header_text_len(name, 1) <= 0 || header_text_len(value, 0) < 0)
        return -1;
    remove_header(r, name);
    return eddy_response_header(r, name, value);
}

/* header_value - the value of a header the application set (leading
 * spaces skipped, up to its CRLF), or NULL. */
static const char *header_value(const eddy_request *r, const char *name)
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

static int has_header(const eddy_request *r, const char *name)
{
    return header_value(r, name) != NULL;
}

int eddy_write(eddy_request *r, const void *data, size_t len)
{
    if (r->finished)
        return -1;
    return eddy_buf_append(&r->out, data, len);
}

int eddy_write_str(eddy_request *r, const char *s) { return eddy_write(r, s, strlen(s)); }

eddy_buf *eddy_response_body(eddy_request *r) { return r->finished ? NULL : &r->out; }

int eddy_writef(eddy_request *r, const char *fmt, ...)
{
    if (r->finished)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int rc = eddy_buf_vprintf(&r->out, fmt, ap);
    va_end(ap);
    return rc;
}

static int body_allowed(int status) { return status >= 200 && status != 204 && status != 304; }

/* compressible - a type worth gzipping: text, JSON, JavaScript, XML, SVG. */
static int compressible(const eddy_request *r)
{
    const char *type = header_value(r, "content-type");
    if (!type)
        return 1; /* the default, text/html */
    return strncasecmp(type, "text/", 5) == 0 || strncasecmp(type, "application/json", 16) == 0 ||
           strncasecmp(type, "application/javascript", 22) == 0 ||
           strncasecmp(type, "application/xml", 15) == 0 || strncasecmp(type, "image/svg", 9) == 0;
}

/* accepts_gzip - the client's Accept-Encoding lists gzip (without q=0). */
static int accepts_gzip(const eddy_request *r)
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
static int gzip_body(eddy_request *r)
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

/* write_head - status line and headers into the connection's output. */
static void write_head(eddy_request *r, int chunked, uint64_t length)
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
    PUT(http_date(s->base), 29);
    PUT("\r\n", 2);
    if (body_allowed(r->status) && !has_header(r, "content-type"))
        PUT("Content-Type: text/html; charset=UTF-8\r\n", 40);
    if (chunked) {
        PUT("Transfer-Encoding: chunked\r\n", 28);
    } else if (body_allowed(r->status) && !has_header(r, "content-length")) {
        char digits[24];
        int i = sizeof digits;
        do
            digits[--i] = (char)('0' + length % 10);
        while ((length /= 10) != 0);
        PUT("Content-Length: ", 16);
        PUT(digits + i, sizeof digits - (size_t)i);
        PUT("\r\n", 2);
    }
    eddy_buf_append(o, head, n);
    if (r->headers.len)
        eddy_buf_append(o, r->headers.data, r->headers.len);
    n = 0;
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
int eddy_flush(eddy_request *r)
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
    flush_out(c);
    /* A slow reader: wait for the kernel to take the output, in a task. */
    while (c->out && c->out->len > OUT_HIGH_WATER && !c->dead && eddy_task_current()) {
        int rc = eddy_wait_fd(c->fd, EDDY_WAIT_WRITE, c->server->cfg.write_timeout_ms);
        if (rc)
            return rc == ETIMEDOUT ? EPIPE : rc;
        flush_out(c);
    }
    return c->dead ? EPIPE : 0;
}
/* quote:end eddy-flush */

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
        flush_out(c);
    }
    return c->dead ? EPIPE : 0;
}

int eddy_send_file(eddy_request *r, int fd, uint64_t offset, uint64_t length)
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
        flush_out(c);
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

static void access_log(eddy_request *r)
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

void eddy_finish(eddy_request *r)
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
            write_head(r, 0, r->out.len);
            if (!r->is_head && body_allowed(r->status) && output(c))
                eddy_buf_append(c->out, r->out.data, r->out.len);
        } else {
            if (r->out.len)
                eddy_flush(r);
            if (r->chunked_out && output(c))
                eddy_buf_append_str(c->out, "0\r\n\r\n");
        }
        if (r->close_after)
            c->closing = 1;
    }
    eddy_buf_clear(&r->out);
    r->finished = 1;
    access_log(r);
}

int eddy_response_finished(const eddy_request *r) { return r->finished; }

void eddy_default_error_page(eddy_request *r, int status, const char *reason)
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

void eddy_send_error(eddy_request *r, int status, const char *reason)
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
    eddy_buf_clear(&r->headers);
    r->status = status;
    eddy_server *s = r->conn->server;
    if (s->error_writer)
        s->error_writer(r, status, reason, s->error_writer_arg);
    else
        eddy_default_error_page(r, status, reason);
    eddy_finish(r);
}

/* ------------------------------------------------------------ requests */

const eddy_http_message *eddy_request_head(const eddy_request *r) { return &r->head; }
eddy_str eddy_request_method(const eddy_request *r) { return r->head.method; }
eddy_str eddy_request_path(const eddy_request *r) { return r->head.path; }
eddy_str eddy_request_query(const eddy_request *r) { return r->head.query; }
int eddy_request_is_head(const eddy_request *r) { return r->is_head; }

eddy_arena *eddy_request_arena(eddy_request *r) { return &r->arena; }
void eddy_request_set_data(eddy_request *r, void *data) { r->data = data; }
void *eddy_request_data(const eddy_request *r) { return r->data; }

void eddy_server_set_error_writer(eddy_server *s, eddy_error_writer writer, void *arg)
{
    s->error_writer = writer;
    s->error_writer_arg = arg;
}

const eddy_str *eddy_request_header(const eddy_request *r, const char *name)
{
    return eddy_http_header_get(&r->head, name);
}

eddy_str eddy_request_body(const eddy_request *r)
{
    return (eddy_str){r->body.data ? r->body.data : "", r->body.len};
}

/* peer_ip - the client's address as text, into out. */
static void peer_ip(const struct conn *c, char out[INET6_ADDRSTRLEN])
{
    const struct sockaddr_in6 *p = &c->peer;
    if (p->sin6_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)p)->sin_addr, out,
                  INET6_ADDRSTRLEN);
    else
        inet_ntop(AF_INET6, &p->sin6_addr, out, INET6_ADDRSTRLEN);
}

const char *eddy_request_remote_ip(const eddy_request *r)
{
    if (!r->ip[0])
        peer_ip(r->conn, ((eddy_request *)r)->ip); /* formatted on first use */
    return r->ip;
}

/* protocol_error - answer a request we could not even parse, then close. */
static void protocol_error(struct conn *c, int status, const char *reason)
{
    eddy_server *s = c->server;
    if (!output(c)) {
        c->dead = 1;
        return;
    }
    const char *phrase = eddy_status_reason(status);
    eddy_buf_printf(c->out,
                    "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n%d %s: %s\n",
                    status, phrase, http_date(s->base),
                    strlen(phrase) + strlen(reason) + 7, status, phrase, reason);
    char ip[INET6_ADDRSTRLEN] = "?";
    peer_ip(c, ip);
    eddy_warn("%d %s from %s: %s", status, phrase, ip, reason);
    c->closing = 1;
    if (c->req && !c->req->task) {
        give_request(s, c->req);
        c->req = NULL;
    }
}

/* quote:begin task-per-request */
static void request_done(void *arg)
{
    eddy_request *r = arg;
    struct conn *c = r->conn;
    eddy_server *s = c->server;
    if (!r->finished)
        eddy_finish(r);
    r->task = NULL;
    c->req = NULL;
    c->state = READ_HEAD;
    c->keep = 0;
    c->read_paused = 0;
    give_request(s, r);
    if (c->in_process)
        return; /* process() goes on from here */
    if (c->dead) {
        close_conn(c);
        return;
    }
    process(c);
    flush_out(c);
}

static void handler_entry(void *arg)
{
    eddy_request *r = arg;
    r->conn->server->fn(r, r->conn->server->arg);
}

/* start_handler - run the request function; it may finish right here. */
static void start_handler(struct conn *c)
{
    eddy_request *r = c->req;
    c->state = IN_HANDLER;
    int finished;
    r->task = eddy_task_run(handler_entry, r, request_done, r, &finished);
    if (!r->task && !finished) {
        eddy_send_error(r, 503, "out of memory");
        request_done(r);
    }
}
/* quote:end task-per-request */

/* read_body - move body bytes from the input into the request; 1 when the
 * body is complete, 0 for more, -1 after a protocol error was queued. */
static int read_body(struct conn *c)
{
    eddy_request *r = c->req;
    size_t avail = c->in_end - c->in_start;
    const char *p = c->in + c->in_start;
    size_t max = c->server->cfg.max_body_bytes;
    if (r->head.body == EDDY_BODY_LENGTH) {
        size_t take = avail < r->body_left ? avail : (size_t)r->body_left;
        if (eddy_buf_append(&r->body, p, take) < 0) {
            protocol_error(c, 503, "out of memory");
            return -1;
        }
        c->in_start += take;
        r->body_left -= take;
        return r->body_left == 0;
    }
    while (avail) {
        eddy_str data;
        int done;
        ssize_t n = eddy_chunked_parse(&r->chunked, p, avail, &data, &done);
        if (n < 0) {
            protocol_error(c, 400, r->chunked.error_reason);
            return -1;
        }
        if (r->body.len + data.len > max) {
            protocol_error(c, 413, "request body too large");
            return -1;
        }
        if (data.len && eddy_buf_append(&r->body, data.p, data.len) < 0) {
            protocol_error(c, 503, "out of memory");
            return -1;
        }
        p += n;
        avail -= (size_t)n;
        c->in_start += (size_t)n;
        if (done)
            return 1;
    }
    return 0;
}

/* begin_request - a head was parsed: set up the request and its body. */
static int begin_request(struct conn *c, eddy_http_message *head)
{
    eddy_server *s = c->server;
    eddy_request *r = c->req;
    r->conn = c;
    r->status = 200;
    r->sent_body = 0;
    r->headers_sent = r->chunked_out = r->finished = r->close_after = 0;
    r->task = NULL;
    r->ip[0] = '\0';
    r->is_head = eddy_str_case_eq(head->method, "HEAD");
    r->close_after = !head->keep_alive || s->stopping;
    if (s->cfg.access_log)
        clock_gettime(CLOCK_MONOTONIC, &r->started);
    if (head->body == EDDY_BODY_LENGTH && head->content_length > s->cfg.max_body_bytes) {
        protocol_error(c, 413, "request body too large");
        return -1;
    }
    r->body_left = head->body == EDDY_BODY_LENGTH ? head->content_length : 0;
    eddy_chunked_init(&r->chunked);
    r->chunked.max_trailer_bytes = s->cfg.max_header_bytes;
    if (head->expect_continue && head->body != EDDY_BODY_NONE &&
        c->in_end - c->in_start == 0 && output(c)) {
        eddy_buf_append_str(c->out, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    c->state = head->body == EDDY_BODY_NONE ? IN_HANDLER : READ_BODY;
    c->keep = c->in_start; /* the head ends here */
    return 0;
}

/* quote:begin process */
/* process - handle whatever complete requests the input holds, in order. */
static void process(struct conn *c)
{
    eddy_server *s = c->server;
    c->in_process = 1;
    while (!c->closing && !c->dead) {
        if (c->state == IN_HANDLER) {
            if (c->req && c->req->task)
                break; /* its task is waiting; request_done carries on */
            if (!c->req)
                c->state = READ_HEAD;
            else {
                start_handler(c);
                continue;
            }
        }
        size_t avail = c->in ? c->in_end - c->in_start : 0;
        if (c->state == READ_HEAD) {
            if (!avail)
                break;
            if (c->scanned == 0)
                event_base_gettimeofday_cached(s->base, &c->head_started);
            if (!c->req && !(c->req = take_request(s))) {
                protocol_error(c, 503, "out of memory");
                break;
            }
            eddy_http_limits lim = {s->cfg.max_line, s->cfg.max_headers, s->cfg.max_header_bytes};
            ssize_t n = eddy_http_parse_request(c->in + c->in_start, avail, c->scanned,
                                                &c->req->head, &lim);
            if (n == EDDY_HTTP_INCOMPLETE) {
                c->scanned = avail;
                break;
            }
            if (n == EDDY_HTTP_INVALID) {
                protocol_error(c, c->req->head.error_status, c->req->head.error_reason);
                break;
            }
            c->in_start += (size_t)n;
            c->scanned = 0;
            if (begin_request(c, &c->req->head) < 0)
                break;
            continue;
        }
        if (c->state == READ_BODY) {
            int rc = read_body(c);
            if (rc < 0)
                break;
            if (rc == 0)
                break;
            c->state = IN_HANDLER;
        }
    }
    c->in_process = 0;
    /* Give the input block back when nothing in it is still needed. */
    if (c->in && c->in_start == c->in_end && !(c->req && c->state != READ_HEAD)) {
        give_input(s, c->in);
        c->in = NULL;
        c->in_start = c->in_end = 0;
    }
    if (c->req && c->state == READ_HEAD && !(c->in && c->in_end > c->in_start)) {
        give_request(s, c->req); /* kept for a head that never came */
        c->req = NULL;
    }
}
/* quote:end process */

/* ------------------------------------------------------------ IO */

/* quote:begin flush-out */
/* flush_out - write what the output holds; arm for the rest. */
static void flush_out(struct conn *c)
{
    eddy_server *s = c->server;
    if (c->dead)
        return;
    while (c->out && c->out->len) {
        ssize_t n = send(c->fd, c->out->data, c->out->len, MSG_NOSIGNAL);
        if (n > 0) {
            eddy_buf_consume(c->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        c->dead = 1; /* EPIPE, ECONNRESET: the client is gone */
        break;
    }
    if (c->out && c->out->len == 0) {
        give_output(s, c->out);
        c->out = NULL;
    }
    if (c->dead) {
        close_conn(c);
        return;
    }
    if (c->closing && !c->out && !(c->req && c->req->task)) {
        /* Closing with unread input would make the kernel answer it with a
         * reset, which can destroy the response we just sent (a 408 or 413
         * to a client still sending). So: shut our side, drain theirs for
         * a moment, then close — nginx's lingering close. */
        if (c->lingering || shutdown(c->fd, SHUT_WR) < 0) {
            close_conn(c);
            return;
        }
        c->lingering = 1;
        event_base_gettimeofday_cached(s->base, &c->head_started);
        if (c->req && !c->req->task) {
            give_request(s, c->req);
            c->req = NULL;
        }
        arm(c);
        return;
    }
    if (!c->out && s->stopping && !c->req && !(c->in && c->in_end > c->in_start)) {
        close_conn(c); /* stopping: an idle connection goes now */
        return;
    }
    arm(c);
}
/* quote:end flush-out */

/* read_in - read what the socket has; 0, or -1 when the peer is gone. */
static int read_in(struct conn *c)
{
    eddy_server *s = c->server;
    if (!c->in) {
        if (!(c->in = take_input(s)))
            return 0; /* out of memory: try again on the next event */
        c->in_start = c->in_end = 0;
    }
    /* Make room by sliding unprocessed bytes down, but never over the head
     * of the request being read or handled: its strings point there. */
    size_t floor = c->state == READ_HEAD ? 0 : c->keep;
    if (c->in_end == s->in_size && c->in_start > floor) {
        memmove(c->in + floor, c->in + c->in_start, c->in_end - c->in_start);
        c->in_end -= c->in_start - floor;
        c->in_start = floor;
    }
    if (c->in_end == s->in_size) {
        if (c->state == READ_HEAD) { /* a head larger than any allowed */
            protocol_error(c, 431, "request header fields too large");
            return 0;
        }
        c->read_paused = 1; /* pipelined data waits until the handler is done */
        return 0;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_end, s->in_size - c->in_end, 0);
        if (n > 0) {
            c->in_end += (size_t)n;
            return 0;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1; /* 0: the client closed; or ECONNRESET */
    }
}

static void conn_event(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct conn *c = arg;
    eddy_server *s = c->server;
    if (c->lingering) {
        char sink[4096];
        ssize_t n;
        while ((n = recv(c->fd, sink, sizeof sink, 0)) > 0)
            ;
        int drained = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
        if ((what & EV_TIMEOUT) || drained || ms_since(s->base, &c->head_started) > LINGER_TOTAL_MS)
            close_conn(c);
        return;
    }
    if (what & EV_TIMEOUT) {
        if (c->interest == EV_WRITE || c->state == IN_HANDLER) {
            close_conn(c);
        } else if (c->state == READ_BODY || (c->in && c->in_end > c->in_start)) {
            protocol_error(c, 408, c->state == READ_BODY ? "request body not received in time"
                                                         : "request head not received in time");
            flush_out(c);
        } else {
            close_conn(c); /* idle keep-alive connection */
        }
        return;
    }
    if (what & EV_WRITE) {
        flush_out(c);
        if (c->dead || c->closing)
            return;
        if (!c->out && !c->req) { /* caught up: take the pipelined requests waiting */
            process(c);
            flush_out(c);
        }
        return;
    }
    if (read_in(c) < 0) {
        c->dead = 1;
        if (c->req && c->req->task)
            eddy_task_cancel(c->req->task); /* the client left mid-request */
        close_conn(c);
        return;
    }
    if (c->state != IN_HANDLER)
        process(c);
    if (!c->dead && c->req == NULL && c->in == NULL && s->stopping)
        c->closing = 1;
    flush_out(c);
}

static void close_conn(struct conn *c)
{
    eddy_server *s = c->server;
    c->dead = 1;
    if (c->req && c->req->task) {
        /* The task holds the request: it is freed when the task ends. */
        eddy_task_cancel(c->req->task);
        event_del(&c->ev);
        return;
    }
    event_del(&c->ev);
    close(c->fd);
    if (c->req)
        give_request(s, c->req);
    if (c->in)
        give_input(s, c->in);
    if (c->out)
        give_output(s, c->out);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    s->connections--;
    if (s->listener_paused && s->listener && s->connections < s->cfg.max_connections) {
        evconnlistener_enable(s->listener);
        s->listener_paused = 0;
    }
    if (s->stopping && s->connections == 0) {
        if (s->deadline_armed)
            event_del(&s->stop_deadline);
        event_base_loopbreak(s->base);
    }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *addr,
                      int len, void *arg)
{
    (void)l;
    eddy_server *s = arg;
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->server = s;
    if ((size_t)len <= sizeof c->peer)
        memcpy(&c->peer, addr, (size_t)len);
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    if (++s->connections >= s->cfg.max_connections && !s->listener_paused) {
        evconnlistener_disable(s->listener); /* the rest wait in the backlog */
        s->listener_paused = 1;
    }
    event_assign(&c->ev, s->base, fd, EV_READ | EV_PERSIST, conn_event, c);
    c->interest = EV_READ;
    event_add(&c->ev, s->header_tv);
}

/* ------------------------------------------------------------ the server */

eddy_server *eddy_server_new(const eddy_server_config *cfg, eddy_request_fn fn, void *arg)
{
    eddy_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    else
        eddy_server_config_defaults(&s->cfg);
    s->fn = fn;
    s->arg = arg;
    s->base = eddy_loop_base();
    s->in_size = s->cfg.max_header_bytes + 4096;
    s->free_inputs = calloc(POOL_KEEP, sizeof *s->free_inputs);
    s->free_outputs = calloc(POOL_KEEP, sizeof *s->free_outputs);
    if (!s->base || !s->free_inputs || !s->free_outputs) {
        free(s->free_inputs);
        free(s->free_outputs);
        free(s);
        return NULL;
    }
    /* Every connection shares a handful of durations: libevent keeps such
     * "common timeouts" in queues instead of its heap, O(1) to re-arm. */
    struct timeval tv;
    tv = (struct timeval){s->cfg.idle_timeout_ms / 1000, (s->cfg.idle_timeout_ms % 1000) * 1000};
    s->idle_tv = event_base_init_common_timeout(s->base, &tv);
    tv = (struct timeval){s->cfg.header_timeout_ms / 1000,
                          (s->cfg.header_timeout_ms % 1000) * 1000};
    s->header_tv = event_base_init_common_timeout(s->base, &tv);
    tv = (struct timeval){s->cfg.write_timeout_ms / 1000, (s->cfg.write_timeout_ms % 1000) * 1000};
    s->write_tv = event_base_init_common_timeout(s->base, &tv);
    return s;
}

int eddy_server_listen(eddy_server *s)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, s->cfg.address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)s->cfg.port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, s->cfg.address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)s->cfg.port);
        len = sizeof *v6;
    } else {
        snprintf(s->error, sizeof s->error, "not an IP address: %s", s->cfg.address);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(s->error, sizeof s->error, "socket: %s", strerror(errno));
        return -1;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (s->cfg.reuse_port)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
        snprintf(s->error, sizeof s->error, "bind %s:%d: %s", s->cfg.address, s->cfg.port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    s->listener = evconnlistener_new(s->base, on_accept, s, LEV_OPT_CLOSE_ON_FREE,
                                     s->cfg.backlog, fd);
    if (!s->listener) {
        snprintf(s->error, sizeof s->error, "listen %s:%d: %s", s->cfg.address, s->cfg.port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&ss, &len);
    s->port = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
    catch_signals(s);
    return 0;
}

int eddy_server_port(const eddy_server *s) { return s->port; }

const char *eddy_server_error(const eddy_server *s) { return s->error; }

int eddy_server_connections(const eddy_server *s) { return s->connections; }

static void stop_deadline_passed(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_server *s = arg;
    eddy_warn("stop: %d connection(s) still busy after %ld ms, closing them", s->connections,
              s->cfg.stop_timeout_ms);
    for (struct conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        close_conn(c);
    }
    event_base_loopbreak(s->base);
}

/* quote:begin stop */
void eddy_server_stop(eddy_server *s)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    if (s->listener) {
        evconnlistener_free(s->listener);
        s->listener = NULL;
    }
    for (struct conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        int busy = c->req || (c->out && c->out->len) || (c->in && c->in_end > c->in_start);
        if (!busy)
            close_conn(c);
        else
            c->closing = c->req == NULL && !(c->in && c->in_end > c->in_start);
    }
    if (s->connections == 0) {
        event_base_loopbreak(s->base);
        return;
    }
    evtimer_assign(&s->stop_deadline, s->base, stop_deadline_passed, s);
    s->deadline_armed = 1;
    struct timeval tv = {s->cfg.stop_timeout_ms / 1000, (s->cfg.stop_timeout_ms % 1000) * 1000};
    evtimer_add(&s->stop_deadline, &tv);
}
/* quote:end stop */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    eddy_server *s = arg;
    eddy_info("%s: stopping (%d connection(s) open)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
              s->connections);
    eddy_server_stop(s);
}

/* catch_signals - SIGTERM/SIGINT stop the server gracefully. */
static void catch_signals(eddy_server *s)
{
    if (!s->cfg.handle_signals || s->signals[0])
        return;
    signal(SIGPIPE, SIG_IGN);
    int sigs[2] = {SIGTERM, SIGINT};
    for (int i = 0; i < 2; i++) {
        s->signals[i] = evsignal_new(s->base, sigs[i], on_signal, s);
        if (s->signals[i])
            evsignal_add(s->signals[i], NULL);
    }
}

int eddy_server_run(eddy_server *s)
{
    if (!s->listener && !s->stopping && eddy_server_listen(s) < 0)
        return -1;
    signal(SIGPIPE, SIG_IGN); /* send() says MSG_NOSIGNAL; sendfile() cannot */
    catch_signals(s);
    int rc = event_base_dispatch(s->base);
    for (int i = 0; i < 2; i++) {
        if (s->signals[i])
            event_free(s->signals[i]);
        s->signals[i] = NULL;
    }
    if (rc < 0) {
        snprintf(s->error, sizeof s->error, "event loop failed");
        return -1;
    }
    return 0;
}

void eddy_server_free(eddy_server *s)
{
    if (!s)
        return;
    for (int i = 0; i < 2; i++)
        if (s->signals[i])
            event_free(s->signals[i]);
    if (s->listener)
        evconnlistener_free(s->listener);
    for (struct conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        close_conn(c);
    }
    if (s->deadline_armed)
        event_del(&s->stop_deadline);
    while (s->free_input_count)
        free(s->free_inputs[--s->free_input_count]);
    while (s->free_output_count) {
        eddy_buf *b = s->free_outputs[--s->free_output_count];
        eddy_buf_free(b);
        free(b);
    }
    for (eddy_request *r = s->free_requests, *next; r; r = next) {
        next = r->next_free;
        eddy_buf_free(&r->body);
        eddy_buf_free(&r->headers);
        eddy_buf_free(&r->out);
        eddy_arena_free(&r->arena);
        free(r);
    }
    free(s->free_inputs);
    free(s->free_outputs);
    free(s);
}

/* ------------------------------------------------------------ processes */

static volatile sig_atomic_t parent_stop_signal;

static void parent_on_signal(int sig) { parent_stop_signal = sig; }

/* start_worker - fork worker i; in the child, returns 0 and never looks
 * back; in the parent, returns the pid (or -1). */
static pid_t start_worker(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the parent */
        if (getppid() != parent)
            _exit(0);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
    }
    return pid;
}

int eddy_fork_processes(int n)
{
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0)
        n = 1;
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    if (!pids)
        return -1;
    struct sigaction sa = {.sa_handler = parent_on_signal}; /* no SA_RESTART: wait() returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    for (int i = 0; i < n; i++) {
        pid_t pid = start_worker();
        if (pid == 0) {
            free(pids);
            return i;
        }
        if (pid < 0) {
            if (i == 0) {
                free(pids);
                return -1;
            }
            eddy_error("fork: %s; running %d worker(s) instead of %d", strerror(errno), i, n);
            n = i;
            break;
        }
        pids[i] = pid;
    }
    eddy_info("started %d worker process(es)", n);

    int alive = n, restarts = 0;
    while (alive > 0) {
        if (parent_stop_signal) {
            for (int i = 0; i < n; i++)
                if (pids[i] > 0)
                    kill(pids[i], SIGTERM);
            parent_stop_signal = 0;
            restarts = 100; /* from now on, nothing is restarted */
        }
        int status;
        pid_t pid = wait(&status);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: nobody left */
        }
        int i = 0;
        while (i < n && pids[i] != pid)
            i++;
        if (i == n)
            continue;
        pids[i] = 0;
        alive--;
        int crashed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
        if (!crashed || restarts >= 100)
            continue; /* a clean exit is not restarted (as in Tornado) */
        if (WIFSIGNALED(status))
            eddy_warn("worker %d (pid %d) killed by signal %d, restarting", i, (int)pid,
                      WTERMSIG(status));
        else
            eddy_warn("worker %d (pid %d) exited with status %d, restarting", i, (int)pid,
                      WEXITSTATUS(status));
        restarts++;
        pid_t again = start_worker();
        if (again == 0) {
            free(pids);
            return i;
        }
        if (again > 0) {
            pids[i] = again;
            alive++;
        }
    }
    free(pids);
    exit(0);
}
