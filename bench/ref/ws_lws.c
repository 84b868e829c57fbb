/* ws_lws.c - libwebsockets as bench/19-websocket.sh's reference server.
 *
 * libwebsockets is the C library a user would pick for WebSockets, so it
 * is the per-CPU bar the lesson's server is held to. Same behaviour as
 * every server in that benchmark: /echo sends each message back as it
 * came (text or binary); /broadcast sends each message to every
 * connection open on /broadcast, the sender included. One process, one
 * service thread, 127.0.0.1, no compression offered:
 *
 *   ws_lws --port 8000
 *
 * libwebsockets writes only from the "writeable" callback, so a message is
 * kept until then: echoes in a queue in their session (a client may have
 * several messages in flight: ws-load --depth), a broadcast in one shared
 * buffer with a sequence number, each member sending it once when it is
 * next writeable (a broadcast that comes before every member had the last
 * one replaces it: the benchmark waits for each to arrive everywhere).
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct message {
    unsigned char *buf; /* LWS_PRE bytes of room, then the payload */
    size_t len, cap;
    int binary;
};

/* An echo received whole and waiting for the socket to be writeable. */
struct echo {
    struct echo *next;
    struct message m;
};

struct session {
    int broadcast;
    struct message echo;             /* the echo being received */
    struct echo *queue, *queue_last; /* received whole, to send in order */
    struct echo *spare;              /* sent ones, buffers kept: no malloc per message */
    uint64_t sent_seq;               /* the last broadcast this member sent */
};

static struct message incoming_broadcast; /* assembled from one sender's frames */
static struct message shared_broadcast;
static uint64_t broadcast_seq;

static int append(struct message *m, const void *data, size_t len)
{
    if (LWS_PRE + m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 1024;
        while (cap < LWS_PRE + m->len + len)
            cap *= 2;
        unsigned char *p = realloc(m->buf, cap);
        if (!p)
            return -1;
        m->buf = p;
        m->cap = cap;
    }
    memcpy(m->buf + LWS_PRE + m->len, data, len);
    m->len += len;
    return 0;
}

static int send_message(struct lws *wsi, struct message *m)
{
    int n = lws_write(wsi, m->buf + LWS_PRE, m->len, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    return n < (int)m->len ? -1 : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct session *s = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: {
        char uri[64] = "";
        lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
        memset(s, 0, sizeof *s);
        s->broadcast = strcmp(uri, "/broadcast") == 0;
        s->sent_seq = broadcast_seq;
        if (!s->broadcast && strcmp(uri, "/echo") != 0)
            return -1;
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
        struct message *m = s->broadcast ? &incoming_broadcast : &s->echo;
        if (lws_is_first_fragment(wsi)) {
            m->len = 0;
            m->binary = lws_frame_is_binary(wsi);
        }
        if (append(m, in, len) != 0)
            return -1;
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
            return 0;
        if (!s->broadcast) { /* the whole message moves to the queue; the next is read afresh */
            struct echo *e = s->spare;
            if (e)
                s->spare = e->next;
            else if (!(e = calloc(1, sizeof *e)))
                return -1;
            struct message used = e->m; /* its buffer receives the next message */
            e->m = s->echo;
            e->next = NULL;
            s->echo = used;
            s->echo.len = 0;
            if (s->queue_last)
                s->queue_last->next = e;
            else
                s->queue = e;
            s->queue_last = e;
            lws_callback_on_writable(wsi);
            return 0;
        }
        shared_broadcast.len = 0;
        shared_broadcast.binary = m->binary;
        if (append(&shared_broadcast, m->buf + LWS_PRE, m->len) != 0)
            return -1;
        broadcast_seq++;
        lws_callback_on_writable_all_protocol(lws_get_context(wsi), lws_get_protocol(wsi));
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (s->queue) {
            struct echo *e = s->queue;
            s->queue = e->next;
            if (!s->queue)
                s->queue_last = NULL;
            int rc = send_message(wsi, &e->m);
            e->next = s->spare;
            s->spare = e;
            if (s->queue)
                lws_callback_on_writable(wsi); /* one write per writeable callback */
            return rc;
        }
        if (s->broadcast && s->sent_seq != broadcast_seq) {
            s->sent_seq = broadcast_seq;
            return send_message(wsi, &shared_broadcast);
        }
        return 0;
    case LWS_CALLBACK_CLOSED:
        free(s->echo.buf);
        s->echo.buf = NULL;
        for (struct echo **list = &s->queue; list; list = list == &s->queue ? &s->spare : NULL)
            while (*list) {
                struct echo *e = *list;
                *list = e->next;
                free(e->m.buf);
                free(e);
            }
        s->queue_last = NULL;
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"bench", callback, sizeof(struct session), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int main(int argc, char **argv)
{
    int port = argc == 3 && strcmp(argv[1], "--port") == 0 ? atoi(argv[2]) : 0;
    if (port <= 0) {
        fprintf(stderr, "usage: ws_lws --port PORT\n");
        return 2;
    }
    /* 10,000 connections: libwebsockets sizes its tables from this limit */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    struct lws_context *context = lws_create_context(&info);
    if (!context) {
        fprintf(stderr, "ws_lws: lws_create_context failed\n");
        return 1;
    }
    printf("listening on http://127.0.0.1:%d/\n", port);
    fflush(stdout);
    while (lws_service(context, 0) >= 0)
        ;
    lws_context_destroy(context);
    return 0;
}
