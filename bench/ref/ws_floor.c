/* ws_floor.c - the floor under bench/19-websocket.sh: the least work any
 * WebSocket server has to do per message on this machine's loopback.
 *
 * NOT A SERVER TO USE. It is written for that benchmark only, to measure
 * in the same run what the kernel alone costs, so the other servers'
 * figures can be read against it. It does the opening handshake, then per
 * readable socket one recv and, for everything that read completed, one
 * send of correctly framed replies: /echo sends each frame back unmasked
 * with the same opcode; /broadcast builds each message's frame once and
 * sends it to every connection open on /broadcast, the sender included.
 * One process, plain epoll (level-triggered), no allocation per message.
 *
 * What it leaves out is what makes a server usable and makes the floor a
 * floor: no UTF-8 check of text messages, no bound on what waits for a
 * slow reader, no pings or timeouts, no close handshake beyond answering
 * the peer's close, no extensions, minimal HTTP (any request that is not
 * a WebSocket upgrade gets an empty 200 and the connection closes).
 *
 *   ws_floor --port 8000
 */
#include <arpa/inet.h>
#include <errno.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { IN_CAP = 1 << 20, OUT_CAP = 1 << 20, MAX_FRAME = IN_CAP / 2, MAX_REQUEST = 8192 };
enum kind { HTTP, ECHO, BROADCAST };

struct conn {
    int fd;
    enum kind kind;
    int member;            /* index in members[] while on /broadcast */
    int dead;              /* a send failed: ends at its next event */
    unsigned char *held;   /* the start of a frame (or request) a read left incomplete */
    size_t held_len, held_cap;
    unsigned char *queued; /* replies the socket did not take */
    size_t queued_len, queued_off, queued_cap;
};

static unsigned char in[IN_CAP];   /* one read buffer for every connection */
static unsigned char out[OUT_CAP]; /* the replies one read causes */
static size_t out_len;
static int epfd;
static struct conn **members; /* the /broadcast connections */
static int member_count, member_cap;

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    unsigned char *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

static void drop(struct conn *c)
{
    if (c->kind == BROADCAST) {
        members[c->member] = members[--member_count];
        members[c->member]->member = c->member;
    }
    close(c->fd); /* also leaves the epoll set */
    free(c->held);
    free(c->queued);
    free(c);
}

/* send_to - write data to c, or queue what the socket does not take and
 * watch for writability; -1 when the peer is gone. */
static int send_to(struct conn *c, const unsigned char *data, size_t len)
{
    size_t sent = 0;
    if (c->queued_len == c->queued_off) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        sent = n > 0 ? (size_t)n : 0;
        if (sent == len)
            return 0;
        c->queued_len = c->queued_off = 0;
        struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c}; /* stop reading until drained */
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    }
    if (grow(&c->queued, &c->queued_cap, c->queued_len + len - sent) < 0)
        return -1;
    memcpy(c->queued + c->queued_len, data + sent, len - sent);
    c->queued_len += len - sent;
    return 0;
}

static int drain(struct conn *c)
{
    while (c->queued_off < c->queued_len) {
        ssize_t n = send(c->fd, c->queued + c->queued_off, c->queued_len - c->queued_off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        if (n <= 0)
            return -1;
        c->queued_off += (size_t)n;
    }
    c->queued_len = c->queued_off = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
}

static int flush_out(struct conn *c)
{
    int rc = out_len ? send_to(c, out, out_len) : 0;
    out_len = 0;
    return rc;
}

/* header - an unmasked frame header for len bytes; its size. */
static size_t header(unsigned char *h, int first_byte, size_t len)
{
    h[0] = (unsigned char)first_byte;
    if (len < 126) {
        h[1] = (unsigned char)len;
        return 2;
    }
    if (len <= 0xffff) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

/* unmask - copy len masked bytes to dst, unmasked: 16 bytes a step with
 * SSE2 (every x86-64 has it), 8 otherwise, as a careful server would. */
static void unmask(unsigned char *dst, const unsigned char *src, size_t len, const unsigned char key[4])
{
    unsigned char kk[16];
    for (int j = 0; j < 16; j++)
        kk[j] = key[j & 3];
    size_t i = 0;
#if defined(__SSE2__)
    __m128i k = _mm_loadu_si128((const __m128i *)(const void *)kk);
    for (; i + 16 <= len; i += 16)
        _mm_storeu_si128((__m128i *)(void *)(dst + i),
                         _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(src + i)), k));
#endif
    uint64_t k8;
    memcpy(&k8, kk, 8);
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        w ^= k8;
        memcpy(dst + i, &w, 8);
    }
    for (; i < len; i++)
        dst[i] = src[i] ^ key[i & 3];
}

/* broadcast - one frame to every member. A member whose socket failed is
 * only marked: its own event (the hang-up) ends it, so no connection is
 * freed while the loop or a caller still holds it. */
static void broadcast(const unsigned char *frame, size_t len)
{
    for (int i = 0; i < member_count; i++)
        if (!members[i]->dead && send_to(members[i], frame, len) < 0)
            members[i]->dead = 1;
}

/* frames - handle the complete frames in p[0..len); how many bytes they
 * took, or -1 to end the connection. */
static long frames(struct conn *c, unsigned char *p, size_t len)
{
    size_t pos = 0;
    while (len - pos >= 2) {
        unsigned char *f = p + pos;
        size_t avail = len - pos, h = 2;
        uint64_t n = f[1] & 0x7f;
        int opcode = f[0] & 0x0f;
        if (!(f[1] & 0x80) || (f[0] & 0x70))
            return -1; /* a client's frames are masked; no extension was agreed */
        if (n == 126) {
            if (avail < 4)
                break;
            n = (uint64_t)f[2] << 8 | f[3];
            h = 4;
        } else if (n == 127) {
            if (avail < 10)
                break;
            n = 0;
            for (int i = 0; i < 8; i++)
                n = n << 8 | f[2 + i];
            h = 10;
        }
        if (n > MAX_FRAME)
            return -1;
        if (avail < h + 4 + n)
            break;
        const unsigned char *key = f + h, *payload = f + h + 4;
        pos += h + 4 + (size_t)n;
        if (opcode == 0xA) /* a pong: nothing to do */
            continue;
        int reply = opcode == 0x9 ? 0x8A : opcode == 0x8 ? 0x88 : (f[0] & 0x8f);
        if (out_len + 10 + n > OUT_CAP && flush_out(c) < 0)
            return -1;
        unsigned char *dst = out + out_len;
        size_t fn = header(dst, reply, (size_t)n);
        unmask(dst + fn, payload, (size_t)n, key);
        fn += (size_t)n;
        if (c->kind == BROADCAST && opcode < 8) {
            if (out_len && send_to(c, out, out_len) < 0) /* what this read answered before goes first */
                return -1;
            out_len = 0;
            broadcast(dst, fn);
            continue;
        }
        out_len += fn;
        if (opcode == 0x8) { /* the peer's close: answer it and end */
            flush_out(c);
            return -1;
        }
    }
    return (long)pos;
}

/* handshake - the request is in p[0..len); 1 when the connection is now
 * a WebSocket (the header's length in *used), 0 when more is needed, -1
 * when it ends. */
static int handshake(struct conn *c, const unsigned char *p, size_t len, size_t *used)
{
    const unsigned char *end = memmem(p, len, "\r\n\r\n", 4);
    if (!end)
        return len > MAX_REQUEST ? -1 : 0;
    *used = (size_t)(end - p) + 4;
    char req[MAX_REQUEST + 1];
    size_t rn = *used < MAX_REQUEST ? *used : MAX_REQUEST;
    memcpy(req, p, rn);
    req[rn] = '\0';
    const char *key = NULL;
    for (char *line = strstr(req, "\r\n"); line && line[2] != '\r'; line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, "sec-websocket-key:", 18) == 0)
            key = line + 20;
    int echo = strncmp(req, "GET /echo ", 10) == 0, bcast = strncmp(req, "GET /broadcast ", 15) == 0;
    if (!key || !(echo || bcast)) {
        static const char plain[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send(c->fd, plain, sizeof plain - 1, MSG_NOSIGNAL);
        return -1;
    }
    while (*key == ' ')
        key++;
    size_t kn = strcspn(key, " \r");
    char concat[128];
    if (kn > 64)
        return -1;
    memcpy(concat, key, kn);
    memcpy(concat + kn, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)concat, kn + 36, digest);
    char accept[32];
    EVP_EncodeBlock((unsigned char *)accept, digest, sizeof digest);
    int n = snprintf((char *)out, OUT_CAP,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n\r\n",
                     accept);
    out_len = (size_t)n; /* goes out with the replies to any frames right behind the request */
    c->kind = echo ? ECHO : BROADCAST;
    if (bcast) {
        if (member_count == member_cap) {
            int cap = member_cap ? 2 * member_cap : 1024;
            struct conn **m = realloc(members, (size_t)cap * sizeof *m);
            if (!m)
                return -1;
            members = m;
            member_cap = cap;
        }
        c->member = member_count;
        members[member_count++] = c;
    }
    return 1;
}

/* readable - one recv, then the frames it completed; -1 to end c. */
static int readable(struct conn *c)
{
    size_t have = c->held_len;
    if (have)
        memcpy(in, c->held, have); /* a frame split over reads: its start first */
    ssize_t n = recv(c->fd, in + have, IN_CAP - have, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return -1;
    size_t len = have + (size_t)n, used = 0;
    if (c->kind == HTTP) {
        int r = handshake(c, in, len, &used);
        if (r < 0)
            return -1;
        if (r == 0) { /* the request is not all here yet */
            if (grow(&c->held, &c->held_cap, len) < 0)
                return -1;
            memcpy(c->held, in, len);
            c->held_len = len;
            return 0;
        }
    }
    long took = frames(c, in + used, len - used);
    if (took < 0 || flush_out(c) < 0 || c->dead)
        return -1;
    size_t rest = len - used - (size_t)took;
    if (rest && grow(&c->held, &c->held_cap, rest) < 0)
        return -1;
    memmove(c->held ? c->held : in, in + used + took, rest);
    c->held_len = rest;
    return 0;
}

int main(int argc, char **argv)
{
    int port = argc == 3 && strcmp(argv[1], "--port") == 0 ? atoi(argv[2]) : 0;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: ws_floor --port PORT\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 4096) != 0) {
        perror("ws_floor: listen");
        return 1;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    printf("listening on http://127.0.0.1:%d/ (a benchmark floor, not a server)\n", port);
    fflush(stdout);
    for (;;) {
        struct epoll_event events[256];
        int ready = epoll_wait(epfd, events, 256, -1);
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) { /* the listener */
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    if (!nc || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
                        free(nc);
                        close(fd);
                        continue;
                    }
                    nc->fd = fd;
                }
                continue;
            }
            if (c->dead) {
                drop(c);
                continue;
            }
            if (events[i].events & EPOLLOUT) {
                if (drain(c) < 0)
                    drop(c);
                continue;
            }
            if (readable(c) < 0)
                drop(c);
        }
    }
}
