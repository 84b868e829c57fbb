/* ws_load_conn.c - the load program's client side of RFC 6455 on epoll.
 *
 * Each connection goes CONNECTING (non-blocking connect) -> HANDSHAKE (the
 * GET with Upgrade sent, waiting for 101 and the right
 * Sec-WebSocket-Accept) -> OPEN (frames both ways). Frames a client sends
 * are masked with a fresh key, as the RFC requires; frames from the server
 * must not be. A ping is answered with a pong, a close ends the run: a
 * load test that loses connections has measured something else.
 */
#include "ws_load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define READ_CHUNK 65536

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(struct load *load, const char *fmt, ...)
{
    if (load->error[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(load->error, sizeof load->error, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* xorshift64: masking keys and handshake keys need to vary, not to be secret. */
static uint64_t next_random(struct load *load)
{
    uint64_t x = load->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return load->rng = x;
}

int load_init(struct load *load, const char *url, int count, int sources)
{
    memset(load, 0, sizeof *load);
    load->epfd = -1;
    load->rng = (uint64_t)time(NULL) * 2654435761u + (uint64_t)getpid() + 1;
    load->sources = sources < 1 ? 1 : sources;
    if (strncmp(url, "ws://", 5) != 0)
        return fail(load, "only ws:// URLs: %s", url);
    const char *host = url + 5;
    const char *colon = strchr(host, ':');
    const char *slash = strchr(host, '/');
    if (!colon || (slash && slash < colon))
        return fail(load, "the URL needs a port: %s", url);
    char addr[64];
    size_t host_len = (size_t)(colon - host);
    if (host_len >= sizeof addr)
        return fail(load, "host too long in %s", url);
    memcpy(addr, host, host_len);
    addr[host_len] = '\0';
    if (strcmp(addr, "localhost") == 0)
        strcpy(addr, "127.0.0.1");
    int port = atoi(colon + 1);
    load->server.sin_family = AF_INET;
    load->server.sin_port = htons((uint16_t)port);
    if (port <= 0 || port > 65535 || inet_pton(AF_INET, addr, &load->server.sin_addr) != 1)
        return fail(load, "want ws://IPV4:PORT/PATH, not %s", url);
    snprintf(load->host_header, sizeof load->host_header, "%s:%d", addr, port);
    load->path = slash ? slash : "/";
    load->count = count;
    load->conns = calloc((size_t)count, sizeof *load->conns);
    if (!load->conns)
        return fail(load, "out of memory for %d connections", count);
    for (int i = 0; i < count; i++)
        load->conns[i].fd = -1;
    load->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (load->epfd < 0)
        return fail(load, "epoll_create1: %s", strerror(errno));
    return 0;
}

void load_close_all(struct load *load)
{
    /* the close handshake's first half (1000, normal closure), so servers
     * see a goodbye rather than a dropped connection; the answer is not
     * awaited, the measurements are over */
    const unsigned char normal[2] = {1000 >> 8, 1000 & 0xff};
    for (int i = 0; load->conns && i < load->count; i++)
        if (load->conns[i].state == CONN_OPEN) {
            load_send(load, &load->conns[i], WS_CLOSE, normal, sizeof normal);
            load->conns[i].state = CONN_CLOSED;
            shutdown(load->conns[i].fd, SHUT_WR);
        }
}

void load_free(struct load *load)
{
    for (int i = 0; load->conns && i < load->count; i++) {
        if (load->conns[i].fd >= 0)
            close(load->conns[i].fd);
        free(load->conns[i].in);
        free(load->conns[i].out);
    }
    free(load->conns);
    if (load->epfd >= 0)
        close(load->epfd);
}

static int reserve(unsigned char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    unsigned char *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

static void set_events(struct load *load, struct conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(load->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what the socket takes; asks for EPOLLOUT only while bytes wait. */
static int flush_out(struct load *load, struct conn *c)
{
    int was_blocked = c->out_off < c->out_len;
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(load, c, EPOLLIN | EPOLLOUT);
            return 0;
        }
        if (n < 0)
            return fail(load, "connection %d: send: %s", (int)(c - load->conns), strerror(errno));
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    if (was_blocked || c->state == CONN_HANDSHAKE)
        set_events(load, c, EPOLLIN);
    return 0;
}

int load_flush(struct load *load, struct conn *c)
{
    return flush_out(load, c);
}

static int queue(struct conn *c, const void *data, size_t len)
{
    if (reserve(&c->out, &c->out_cap, c->out_len + len) != 0)
        return -1;
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    return 0;
}

int load_send(struct load *load, struct conn *c, int opcode, const void *data, size_t len)
{
    unsigned char header[14];
    size_t h = 0;
    header[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        header[h++] = (unsigned char)(0x80 | len);
    } else if (len <= 0xffff) {
        header[h++] = 0x80 | 126;
        header[h++] = (unsigned char)(len >> 8);
        header[h++] = (unsigned char)len;
    } else {
        header[h++] = 0x80 | 127;
        for (int shift = 56; shift >= 0; shift -= 8)
            header[h++] = (unsigned char)((uint64_t)len >> shift);
    }
    uint32_t key = (uint32_t)next_random(load);
    unsigned char mask[4] = {(unsigned char)key, (unsigned char)(key >> 8), (unsigned char)(key >> 16),
                             (unsigned char)(key >> 24)};
    memcpy(header + h, mask, 4);
    h += 4;
    if (queue(c, header, h) != 0 || reserve(&c->out, &c->out_cap, c->out_len + len) != 0)
        return fail(load, "out of memory");
    unsigned char *dst = c->out + c->out_len;
    const unsigned char *src = data;
    for (size_t i = 0; i < len; i++)
        dst[i] = src[i] ^ mask[i & 3];
    c->out_len += len;
    return load->holding ? 0 : flush_out(load, c);
}

static void base64(const unsigned char *in, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static int send_handshake(struct load *load, struct conn *c)
{
    unsigned char raw[16];
    for (int i = 0; i < 16; i += 8) {
        uint64_t r = next_random(load);
        memcpy(raw + i, &r, 8);
    }
    char key[32];
    base64(raw, sizeof raw, key);
    char concat[96];
    unsigned char digest[SHA_DIGEST_LENGTH];
    snprintf(concat, sizeof concat, "%s%s", key, WS_GUID);
    SHA1((const unsigned char *)concat, strlen(concat), digest);
    base64(digest, sizeof digest, c->expected_accept);
    char request[512];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                     "Origin: http://%s\r\n\r\n",
                     load->path, load->host_header, key, load->host_header);
    if (n <= 0 || (size_t)n >= sizeof request)
        return fail(load, "the path is too long");
    c->state = CONN_HANDSHAKE;
    if (queue(c, request, (size_t)n) != 0)
        return fail(load, "out of memory");
    return flush_out(load, c);
}

int load_connect(struct load *load, int i)
{
    struct conn *c = &load->conns[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return fail(load, "connection %d: socket: %s (raise the file limit?)", i, strerror(errno));
    if (load->sources > 1) {
        /* 127.0.0.x is all this machine: each source address has its own
         * ephemeral ports, and NO_PORT lets connect() pick the port. */
        int one = 1;
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(i % load->sources));
        if (bind(c->fd, (struct sockaddr *)&src, sizeof src) != 0)
            return fail(load, "connection %d: bind: %s", i, strerror(errno));
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(load->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        return fail(load, "connection %d: epoll_ctl: %s", i, strerror(errno));
    c->state = CONN_CONNECTING;
    load->in_flight++;
    if (connect(c->fd, (struct sockaddr *)&load->server, sizeof load->server) != 0 && errno != EINPROGRESS)
        return fail(load, "connection %d: connect: %s", i, strerror(errno));
    return 0;
}

/* The 101 answer: status line, then the accept value compared exactly. */
static int check_handshake(struct load *load, struct conn *c)
{
    unsigned char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end)
        return c->in_len > 8192 ? fail(load, "handshake answer too long") : 0;
    size_t head_len = (size_t)(end - c->in) + 4;
    char *head = strndup((char *)c->in, head_len);
    if (!head)
        return fail(load, "out of memory");
    int ok = strncmp(head, "HTTP/1.1 101", 12) == 0;
    const char *accept = NULL;
    for (char *line = strstr(head, "\r\n"); ok && line; line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, "sec-websocket-accept:", 21) == 0)
            accept = line + 23;
    while (accept && *accept == ' ')
        accept++;
    int matches = accept && strncmp(accept, c->expected_accept, strlen(c->expected_accept)) == 0;
    if (!ok || !matches) {
        char *eol = strstr(head, "\r\n");
        if (eol)
            *eol = '\0';
        fail(load, "connection %d: %s", (int)(c - load->conns),
             !ok ? head : "Sec-WebSocket-Accept is missing or wrong");
        free(head);
        return -1;
    }
    free(head);
    memmove(c->in, c->in + head_len, c->in_len - head_len);
    c->in_len -= head_len;
    c->state = CONN_OPEN;
    load->opened++;
    load->in_flight--;
    return 1;
}

/* Parses every complete frame in c->in. */
static int parse_frames(struct load *load, struct conn *c)
{
    size_t pos = 0;
    while (c->in_len - pos >= 2) {
        const unsigned char *p = c->in + pos;
        size_t avail = c->in_len - pos;
        int fin = p[0] & 0x80, opcode = p[0] & 0x0f;
        if (p[0] & 0x70)
            return fail(load, "a frame with reserved bits set (no extension was negotiated)");
        if (p[1] & 0x80)
            return fail(load, "the server sent a masked frame");
        uint64_t len = p[1] & 0x7f;
        size_t h = 2;
        if (len == 126) {
            if (avail < 4)
                break;
            len = ((uint64_t)p[2] << 8) | p[3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | p[2 + i];
            h = 10;
        }
        if (len > (64u << 20))
            return fail(load, "a frame of %llu bytes", (unsigned long long)len);
        if (avail < h + len) {
            if (reserve(&c->in, &c->in_cap, pos + h + len) != 0)
                return fail(load, "out of memory");
            break;
        }
        const unsigned char *data = p + h;
        pos += h + (size_t)len;
        if (opcode == WS_PING) {
            if (load_send(load, c, WS_PONG, data, (size_t)len) != 0)
                return -1;
        } else if (opcode == WS_CLOSE) {
            int code = len >= 2 ? (data[0] << 8) | data[1] : 0;
            return fail(load, "connection %d: the server closed it (code %d)", (int)(c - load->conns), code);
        } else if (opcode == WS_TEXT || opcode == WS_BINARY || opcode == WS_CONTINUATION) {
            if (opcode != WS_CONTINUATION) {
                c->message_opcode = opcode;
                c->message_offset = 0;
            }
            load->on_frame(load, c, c->message_opcode, data, (size_t)len, c->message_offset, fin);
            c->message_offset += (size_t)len;
        }
        if (c->state != CONN_OPEN)
            return 0;
    }
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
    return 0;
}

static int on_readable(struct load *load, struct conn *c)
{
    /* one read buffer for all: a connection keeps only the bytes of a
     * frame still incomplete, so 10,000 idle ones cost the load program
     * little and leave the machine to the server being measured */
    static unsigned char chunk[READ_CHUNK];
    for (;;) {
        ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return fail(load, "connection %d: %s", (int)(c - load->conns),
                        n == 0 ? "the server closed the socket" : strerror(errno));
        if (reserve(&c->in, &c->in_cap, c->in_len + (size_t)n) != 0)
            return fail(load, "out of memory");
        memcpy(c->in + c->in_len, chunk, (size_t)n);
        c->in_len += (size_t)n;
        if ((size_t)n < sizeof chunk)
            break;
    }
    if (c->state == CONN_HANDSHAKE) {
        int r = check_handshake(load, c);
        if (r <= 0)
            return r;
    }
    /* what the frames just read ask to send goes out in one write after them */
    load->holding = 1;
    int r = parse_frames(load, c);
    load->holding = 0;
    if (r == 0 && c->out_off < c->out_len)
        r = flush_out(load, c);
    if (r == 0 && c->in_len == 0 && c->in_cap > 4096) {
        free(c->in);
        c->in = NULL;
        c->in_cap = 0;
    }
    return r;
}

int load_poll(struct load *load, int timeout_ms)
{
    struct epoll_event events[256];
    int n = epoll_wait(load->epfd, events, 256, timeout_ms);
    if (n < 0 && errno != EINTR)
        return fail(load, "epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
        struct conn *c = events[i].data.ptr;
        if (c->state == CONN_CONNECTING) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err)
                return fail(load, "connection %d: connect: %s", (int)(c - load->conns), strerror(err));
            if (send_handshake(load, c) != 0)
                return -1;
            continue;
        }
        if ((events[i].events & EPOLLOUT) && flush_out(load, c) != 0)
            return -1;
        if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && on_readable(load, c) != 0)
            return -1;
    }
    return load->error[0] ? -1 : 0;
}
