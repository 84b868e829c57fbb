/*
 * websocket_conn - a WebSocket connection's life on the loop, from the
 * moment the server hands its socket over (see websocket.h, and
 * websocket.c for the handshake).
 *
 * A connection is one struct with one libevent event: always reading,
 * writing too while output waits, and a timeout that means what the state
 * needs (the ping interval, the pong's deadline, the close handshake's).
 * Bytes are read into one buffer per thread and fed to the message reader
 * at once, so an idle connection owns no input buffer; output goes
 * straight to the socket and only what the socket does not take is kept,
 * in a queue that exists only while it is not empty. A read stops asking
 * once the socket gave less than the buffer holds (epoll is level
 * triggered: more input wakes the loop again), and the replies a read
 * causes on its own connection (echoes, pongs, the close) gather in one
 * per-thread cork and leave in one send when the read is done: each
 * message costs one recv and one send at most, fewer when several came
 * together. A whole binary message is handed to the program where it was
 * read, unmasked in place, with no copy.
 *
 * Ending a connection from a callback (a slow reader found while
 * broadcasting, a peer gone) only marks it: the end happens at its own
 * next event, so a program iterating over its connections never sees one
 * freed under it.
 */
#include "websocket_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The read buffer and the cork are the thread's, not a connection's,
 * and exist while the thread has a WebSocket open. One read takes up to
 * READ_CHUNK bytes (sixteen 16 KiB messages in one recv); the cork holds
 * the replies to one read as pieces for one sendmsg: headers and small
 * payloads copied into its bytes, a payload that lies in the read buffer
 * (an echo: see websocket_message.h) pointed at where it is, so a big
 * echo is never copied. Pointing into the read buffer means the cork is
 * sent before the buffer is read into again. */
enum { READ_CHUNK = 256 * 1024, READS_PER_EVENT = 4 };
enum { CORK_BYTES = 65536, CORK_PIECES = 64, BORROW_MIN = 512 };

struct cork_piece {
    const uint8_t *at; /* borrowed bytes, or NULL: cork.data + off */
    size_t off, len;
};

static _Thread_local uint8_t *scratch; /* READ_CHUNK bytes */
static _Thread_local int reading;      /* scratch is being fed: it stays, whatever closes */
static _Thread_local eddy_ws *corked;  /* the connection whose input is being read */
static _Thread_local eddy_buf cork;    /* the bytes of its replies' copied pieces */
static _Thread_local struct cork_piece pieces[CORK_PIECES];
static _Thread_local int piece_count;
static _Thread_local eddy_ws *open_list;
static _Thread_local int open_count;
static _Thread_local int task_count; /* run tasks not yet returned */

static void ws_event(evutil_socket_t fd, short what, void *arg);
static void release_thread_buffers(void);
static void feed(eddy_ws *ws, uint8_t *data, size_t len);
static void settle(eddy_ws *ws);
static void arm(eddy_ws *ws);
static void run_entry(void *arg);
static void run_done(void *arg);

eddy_ws *ws_first(void)
{
    return open_list;
}
int ws_count(void)
{
    return open_count;
}

int ws_task_count(void)
{
    return task_count;
}

static void cork_clear(void)
{
    eddy_buf_clear(&cork);
    piece_count = 0;
}

/* release_thread_buffers - the thread's last WebSocket is gone: its read
 * buffer and cork go too (not while a read is using them). */
static void release_thread_buffers(void)
{
    if (open_count || reading)
        return;
    free(scratch);
    scratch = NULL;
    eddy_buf_free(&cork);
    piece_count = 0;
}

/* ------------------------------------------------------------ taking over */

void ws_taken_over(int fd, const char *in, size_t in_len, const char *out, size_t out_len,
                   void *arg)
{
    eddy_ws *ws = arg;
    if (fd >= 0 && !scratch && !(scratch = malloc(READ_CHUNK))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) { /* the client left before the switch, or no memory */
        ws->close_code = EDDY_WS_ABNORMAL;
        ws_finish(ws);
        return;
    }
    ws->fd = fd;
    ws->next = open_list;
    if (open_list)
        open_list->prev = ws;
    open_list = ws;
    open_count++;
    event_assign(&ws->ev, eddy_loop_base(), fd, EV_READ | EV_PERSIST, ws_event, ws);
    ws->interest = EV_READ;
    ws->armed_ms = -1; /* not added yet */
    if (out_len) { /* the rest of the 101 goes before any frame on_open queued */
        eddy_buf *q = calloc(1, sizeof *q);
        if (!q || eddy_buf_append(q, out, out_len) < 0 ||
            (ws->out && eddy_buf_append(q, ws->out->data, ws->out->len) < 0)) {
            if (q)
                eddy_buf_free(q);
            free(q);
            ws->close_code = EDDY_WS_ABNORMAL;
            ws_finish(ws);
            return;
        }
        if (ws->out) {
            eddy_buf_free(ws->out);
            free(ws->out);
        }
        ws->out = q;
    }
    if (ws->route->h.run) {
        ws->task = eddy_task_spawn(run_entry, ws);
        if (ws->task) {
            task_count++;
            eddy_task_on_done(ws->task, run_done, ws);
        }
        else
            ws_send_close(ws, EDDY_WS_INTERNAL_ERROR, "out of memory", WS_FAILING);
    }
    /* Frames the client sent right behind its request. */
    reading++;
    for (size_t off = 0; off < in_len && !ws->doomed;) {
        size_t n = in_len - off < READ_CHUNK ? in_len - off : READ_CHUNK;
        memcpy(scratch, in + off, n);
        off += n;
        feed(ws, scratch, n);
    }
    reading--;
    release_thread_buffers();
    settle(ws);
}

/* ------------------------------------------------------------ writing */

/* flush - write the queue; 0, or -1 when the peer is gone. */
static int flush(eddy_ws *ws)
{
    while (ws->out && ws->out->len) {
        ssize_t n = send(ws->fd, ws->out->data, ws->out->len, MSG_NOSIGNAL);
        if (n > 0) {
            eddy_buf_consume(ws->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
    if (ws->out) {
        eddy_buf_free(ws->out);
        free(ws->out);
        ws->out = NULL;
    }
    return 0;
}

/* write_out - the cork's bytes (when ws is the connection being read),
 * then a frame's header and payload: straight to the socket in one call
 * when nothing waits, and what the socket does not take is queued. */
static int write_out(eddy_ws *ws, const uint8_t *hdr, size_t hn, const void *payload, size_t len,
                     int control)
{
    const eddy_ws_options *o = &ws->route->h.options;
    struct iovec iov[CORK_PIECES + 2];
    int parts = 0;
    if (ws == corked)
        for (int i = 0; i < piece_count; i++)
            iov[parts++] = (struct iovec){
                pieces[i].at ? (void *)(uintptr_t)pieces[i].at : cork.data + pieces[i].off,
                pieces[i].len};
    if (hn)
        iov[parts++] = (struct iovec){(void *)(uintptr_t)hdr, hn};
    if (len)
        iov[parts++] = (struct iovec){(void *)(uintptr_t)payload, len};
    size_t sent = 0, total = 0;
    for (int i = 0; i < parts; i++)
        total += iov[i].iov_len;
    if (ws->fd >= 0 && !ws->out) {
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)parts};
        ssize_t n = 0;
        if (parts) {
            do
                n = parts == 1 /* send takes a little less work than sendmsg */
                        ? send(ws->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL)
                        : sendmsg(ws->fd, &msg, MSG_NOSIGNAL);
            while (n < 0 && errno == EINTR);
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            ws->close_code = EDDY_WS_ABNORMAL;
            ws_doom(ws);
            goto fail;
        }
        sent = n > 0 ? (size_t)n : 0;
        if (sent == total)
            goto done;
    } else if (!control && ws->out && ws->out->len + total > o->max_queued_bytes) {
        /* A reader this slow: the policy decides, memory stays bounded. */
        if (o->slow_reader == EDDY_WS_DROP_NEW)
            return EAGAIN;
        eddy_warn("websocket: closing a client too slow to read (%zu bytes waiting)", ws->out->len);
        ws->close_code = EDDY_WS_ABNORMAL;
        ws_doom(ws);
        goto fail;
    }
    if (!ws->out && !(ws->out = calloc(1, sizeof *ws->out)))
        goto nomem;
    for (int i = 0; i < parts; i++) { /* what was sent came first: skip it, queue the rest */
        size_t skip = sent < iov[i].iov_len ? sent : iov[i].iov_len;
        sent -= skip;
        if (eddy_buf_append(ws->out, (const char *)iov[i].iov_base + skip, iov[i].iov_len - skip) < 0)
            goto nomem;
    }
    if (ws->fd >= 0 && !(ws->interest & EV_WRITE))
        arm(ws);
done:
    if (ws == corked)
        cork_clear();
    return 0;
nomem:
    ws->close_code = EDDY_WS_ABNORMAL;
    ws_doom(ws);
fail:
    if (ws == corked)
        cork_clear();
    return EPIPE;
}

/* cork_add - one piece more for the cork: borrowed when it lies in the
 * read buffer and is worth pointing at, else copied. 0, or -1 (no memory). */
static int cork_add(const void *data, size_t len)
{
    if (!len)
        return 0;
    uintptr_t p = (uintptr_t)data, s = (uintptr_t)scratch;
    if (len >= BORROW_MIN && scratch && p >= s && p + len <= s + READ_CHUNK) {
        pieces[piece_count++] = (struct cork_piece){data, 0, len};
        return 0;
    }
    struct cork_piece *last = piece_count ? &pieces[piece_count - 1] : NULL;
    size_t off = cork.len;
    if (eddy_buf_append(&cork, data, len) < 0)
        return -1;
    if (last && !last->at && last->off + last->len == off)
        last->len += len; /* next to the copied piece before it: one piece */
    else
        pieces[piece_count++] = (struct cork_piece){NULL, off, len};
    return 0;
}

int ws_write_frame(eddy_ws *ws, const uint8_t *hdr, size_t hn, const void *payload, size_t len,
                   int control)
{
    if (ws->finished || ws->doomed)
        return EPIPE;
    /* Replies to the input being read wait in the cork: a read that
     * brought several messages is answered with one send. A frame the
     * cork cannot take goes at once, after what the cork holds. */
    if (ws == corked && !ws->out && piece_count + 2 <= CORK_PIECES &&
        cork.len + hn + (len < BORROW_MIN ? len : 0) <= CORK_BYTES) {
        if (cork_add(hdr, hn) < 0 || cork_add(payload, len) < 0) {
            cork_clear();
            ws->close_code = EDDY_WS_ABNORMAL;
            ws_doom(ws);
            return EPIPE;
        }
        return 0;
    }
    return write_out(ws, hdr, hn, payload, len, control);
}

/* uncork - the read is over, or the read buffer is about to be read
 * into again: send what its replies left in the cork. */
static void uncork(eddy_ws *ws)
{
    if (piece_count && !ws->finished && !ws->doomed)
        write_out(ws, NULL, 0, NULL, 0, 1);
    cork_clear();
}

void ws_send_close(eddy_ws *ws, int code, const char *reason, enum ws_state state)
{
    uint8_t payload[EDDY_WS_MAX_CONTROL], hdr[EDDY_WS_MAX_HEADER];
    size_t len = eddy_ws_close_payload(payload, code, reason);
    size_t hn = eddy_ws_write_header(hdr, 1, 0, EDDY_WS_CLOSE, len, NULL);
    ws->state = (uint8_t)state;
    ws_write_frame(ws, hdr, hn, payload, len, 1);
}

/* ------------------------------------------------------------ ending */

void ws_doom(eddy_ws *ws)
{
    if (ws->doomed || ws->finished)
        return;
    ws->doomed = 1;
    if (ws->fd >= 0)
        event_active(&ws->ev, EV_TIMEOUT, 0);
}

/* wake - the run task's eddy_ws_read has something to see. */
static void wake(eddy_ws *ws)
{
    if (ws->waiter) {
        eddy_future *f = ws->waiter;
        ws->waiter = NULL;
        eddy_future_resolve(f, 0, NULL);
    }
}

static void free_ws(eddy_ws *ws)
{
    while (ws->inbox) {
        struct ws_inbox *next = ws->inbox->next;
        free(ws->inbox);
        ws->inbox = next;
    }
    free(ws->current);
    free(ws->close_reason);
    free(ws->subprotocol);
    free(ws);
}

void ws_finish(eddy_ws *ws)
{
    if (ws->finished)
        return;
    ws->finished = 1;
    if (ws->fd >= 0) {
        event_del(&ws->ev);
        close(ws->fd);
        ws->fd = -1;
        if (ws->prev)
            ws->prev->next = ws->next;
        else
            open_list = ws->next;
        if (ws->next)
            ws->next->prev = ws->prev;
        if (--open_count == 0)
            release_thread_buffers();
    }
    if (ws->out) {
        eddy_buf_free(ws->out);
        free(ws->out);
        ws->out = NULL;
    }
    eddy_ws_reader_free(&ws->reader);
    eddy_ws_deflate_free(ws->deflate);
    ws->deflate = NULL;
    if (!ws->close_code)
        ws->close_code = EDDY_WS_ABNORMAL;
    wake(ws);
    if (ws->route->h.on_close && !ws->close_told) {
        ws->close_told = 1;
        ws->route->h.on_close(ws, ws->close_code, ws->close_reason ? ws->close_reason : "");
    }
    if (!ws->task)
        free_ws(ws);
}

static void run_entry(void *arg)
{
    eddy_ws *ws = arg;
    ws->route->h.run(ws);
}

/* run_done - the run task has returned (from the loop): close what it
 * left open, or end what was only waiting for it. */
static void run_done(void *arg)
{
    eddy_ws *ws = arg;
    ws->task = NULL;
    task_count--;
    if (ws->finished) {
        free_ws(ws);
        return;
    }
    if (ws->state == WS_OPEN)
        ws_send_close(ws, EDDY_WS_NORMAL, "", WS_CLOSING);
    settle(ws);
}

/* ------------------------------------------------------------ reading */

static void send_control(eddy_ws *ws, int opcode, const void *data, size_t len)
{
    uint8_t hdr[EDDY_WS_MAX_HEADER];
    size_t hn = eddy_ws_write_header(hdr, 1, 0, opcode, len, NULL);
    ws_write_frame(ws, hdr, hn, data, len, 1);
}

static void deliver(eddy_ws *ws, const eddy_ws_message *m)
{
    const eddy_ws_handler *h = &ws->route->h;
    if (h->run) {
        struct ws_inbox *in = malloc(sizeof *in + m->len + 1);
        if (!in) {
            ws_send_close(ws, EDDY_WS_INTERNAL_ERROR, "out of memory", WS_FAILING);
            return;
        }
        in->next = NULL;
        in->opcode = m->opcode;
        in->len = m->len;
        memcpy(in->data, m->data, m->len);
        in->data[m->len] = '\0';
        if (ws->inbox_last)
            ws->inbox_last->next = in;
        else
            ws->inbox = in;
        ws->inbox_last = in;
        ws->read_paused = 1; /* until the task has read what it has */
        wake(ws);
    } else if (h->on_message) {
        h->on_message(ws, m->data, m->len, m->opcode == EDDY_WS_BINARY);
    }
}

static void handle(eddy_ws *ws, const eddy_ws_message *m)
{
    const eddy_ws_handler *h = &ws->route->h;
    switch (m->opcode) {
    case EDDY_WS_TEXT:
    case EDDY_WS_BINARY:
        if (ws->state == WS_OPEN)
            deliver(ws, m);
        break;
    case EDDY_WS_PING:
        if (ws->state == WS_OPEN)
            send_control(ws, EDDY_WS_PONG, m->data, m->len);
        break;
    case EDDY_WS_PONG:
        ws->ping_out = 0;
        if (h->on_pong)
            h->on_pong(ws, m->data, m->len);
        break;
    case EDDY_WS_CLOSE:
        ws->close_code = m->close_code;
        free(ws->close_reason);
        ws->close_reason = strdup(m->reason ? m->reason : "");
        if (ws->state == WS_OPEN) /* answer with the same code (none for none) */
            ws_send_close(ws, m->close_code == EDDY_WS_NO_STATUS ? 0 : m->close_code, m->reason,
                          WS_CLOSED);
        else
            ws->state = WS_CLOSED;
        wake(ws);
        break;
    }
}

/* feed - bytes from the peer, through the reader, to whoever wants them. */
static void feed(eddy_ws *ws, uint8_t *data, size_t len)
{
    while (len && !ws->doomed && (ws->state == WS_OPEN || ws->state == WS_CLOSING)) {
        eddy_ws_message m;
        int got;
        ssize_t n = eddy_ws_reader_feed(&ws->reader, data, len, &m, &got);
        if (n < 0) {
            ws_send_close(ws, ws->reader.close_code, ws->reader.error, WS_FAILING);
            return;
        }
        data += n;
        len -= (size_t)n;
        if (got)
            handle(ws, &m);
    }
}

/* read_some - read and feed what the socket has; -1 when the peer is gone. */
static int read_some(eddy_ws *ws)
{
    int gone = 0;
    corked = ws;
    reading++;
    for (int i = 0; i < READS_PER_EVENT && !ws->read_paused && !ws->doomed; i++) {
        if (i)
            uncork(ws); /* the cork may point into scratch */
        ssize_t n = recv(ws->fd, scratch, READ_CHUNK, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            gone = 1;
            break;
        }
        if (ws->state == WS_OPEN || ws->state == WS_CLOSING)
            feed(ws, scratch, (size_t)n);
        /* else: closed or failing, what still comes is drained unread */
        if ((size_t)n < READ_CHUNK)
            break; /* the socket had no more: asking again would only say EAGAIN */
    }
    uncork(ws); /* a peer that only shut its side still reads its replies */
    corked = NULL;
    reading--;
    release_thread_buffers();
    if (gone)
        return -1;
    eddy_ws_reader_idle(&ws->reader);
    return 0;
}

/* on_timeout - the event's timeout passed: what it meant depends on the state. */
static void on_timeout(eddy_ws *ws)
{
    const eddy_ws_options *o = &ws->route->h.options;
    if (ws->state != WS_OPEN) {
        ws_doom(ws); /* the close handshake took too long */
        return;
    }
    if (ws->ping_out) {
        ws->close_code = EDDY_WS_ABNORMAL; /* no pong: the peer is gone */
        ws_doom(ws);
        return;
    }
    if (o->ping_interval_ms > 0) {
        ws->ping_out = 1;
        send_control(ws, EDDY_WS_PING, NULL, 0);
    }
}

static void ws_event(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    eddy_ws *ws = arg;
    if (ws->doomed) {
        ws_finish(ws);
        return;
    }
    if ((what & EV_WRITE) && flush(ws) < 0) {
        ws->close_code = ws->close_code ? ws->close_code : EDDY_WS_ABNORMAL;
        ws_finish(ws);
        return;
    }
    if (what & EV_READ) {
        if (read_some(ws) < 0) {
            if (ws->state == WS_OPEN && !ws->close_code)
                ws->close_code = EDDY_WS_ABNORMAL;
            ws_finish(ws);
            return;
        }
    }
    if (what & EV_TIMEOUT)
        on_timeout(ws);
    settle(ws);
}

/* settle - after anything happened: end ws, or arm its event for what
 * it waits for now. */
static void settle(eddy_ws *ws)
{
    if (ws->finished || ws->fd < 0)
        return;
    if (ws->doomed) {
        ws_finish(ws);
        return;
    }
    if (ws->out && flush(ws) < 0) {
        if (!ws->close_code)
            ws->close_code = EDDY_WS_ABNORMAL;
        ws_finish(ws);
        return;
    }
    if (!ws->out && ws->state == WS_CLOSED && !ws->task) {
        ws_finish(ws); /* the server closes the TCP connection first (RFC 6455 7.1.1) */
        return;
    }
    if (!ws->out && ws->state == WS_FAILING && !ws->shut) {
        /* Closing with the peer's bytes unread would reset the connection
         * and could destroy our close frame: shut our side and drain. */
        shutdown(ws->fd, SHUT_WR);
        ws->shut = 1;
    }
    arm(ws);
}

/* arm - watch ws for what it waits for now, with the timeout its state
 * gives: reading (unless a run task has messages unread), writing while
 * output waits. Never ends ws: safe to call from a program's call. */
static void arm(eddy_ws *ws)
{
    const eddy_ws_options *o = &ws->route->h.options;
    if (ws->finished || ws->fd < 0)
        return;
    long ms;
    if (ws->state != WS_OPEN)
        ms = o->close_timeout_ms;
    else if (ws->ping_out)
        ms = o->ping_timeout_ms;
    else
        ms = o->ping_interval_ms;
    short want = (short)((ws->read_paused ? 0 : EV_READ) | (ws->out ? EV_WRITE : 0));
    if (want != ws->interest) {
        event_del(&ws->ev);
        event_assign(&ws->ev, event_get_base(&ws->ev), ws->fd, want | EV_PERSIST, ws_event, ws);
        ws->interest = want;
        ws->armed_ms = -1;
    }
    if (!want && ms <= 0) {
        event_del(&ws->ev); /* nothing to watch until the run task reads */
        ws->armed_ms = -1;
        return;
    }
    if (ms < 0)
        ms = 0;
    /* Already added with this timeout: a persistent event's timeout starts
     * again by itself each time it fires, so adding it again would only
     * redo the timer's bookkeeping on every message. */
    if (ms == ws->armed_ms)
        return;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_add(&ws->ev, ms > 0 ? &tv : NULL);
    ws->armed_ms = ms;
}

/* ws_resume - the run task has read everything queued: read again. */
void ws_resume(eddy_ws *ws)
{
    if (ws->read_paused) {
        ws->read_paused = 0;
        arm(ws);
    }
}
