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

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define FLOOR_IN_CAP (1 << 20)
#define FLOOR_OUT_CAP (1 << 20)
#include "floor_loop.h"

enum { MAX_FRAME = FLOOR_IN_CAP / 2, MAX_REQUEST = 8192 };
enum kind { HTTP, ECHO, BROADCAST };

struct conn {
    struct floor_conn base; /* first: the loop's part (fd, dead, held and queued bytes) */
    enum kind kind;
    int member; /* index in members[] while on /broadcast */
};

static struct conn **members; /* the /broadcast connections */
static int member_count, member_cap;

/* leave - a /broadcast connection leaves members[] before it is freed. */
static void leave(struct floor_conn *fc)
{
    struct conn *c = (struct conn *)fc;
    if (c->kind == BROADCAST) {
        members[c->member] = members[--member_count];
        members[c->member]->member = c->member;
    }
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
        if (!members[i]->base.dead && send_to(&members[i]->base, frame, len) < 0)
            members[i]->base.dead = 1;
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
        if (out_len + 10 + n > FLOOR_OUT_CAP && flush_out(&c->base) < 0)
            return -1;
        unsigned char *dst = out + out_len;
        size_t fn = header(dst, reply, (size_t)n);
        unmask(dst + fn, payload, (size_t)n, key);
        fn += (size_t)n;
        if (c->kind == BROADCAST && opcode < 8) {
            if (out_len && send_to(&c->base, out, out_len) < 0) /* what this read answered before goes first */
                return -1;
            out_len = 0;
            broadcast(dst, fn);
            continue;
        }
        out_len += fn;
        if (opcode == 0x8) { /* the peer's close: answer it and end */
            flush_out(&c->base);
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
        send(c->base.fd, plain, sizeof plain - 1, MSG_NOSIGNAL);
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
    int n = snprintf((char *)out, FLOOR_OUT_CAP,
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

/* readable - one recv, then the frames it completed; -1 to end the
 * connection. */
static int readable(struct floor_conn *fc)
{
    struct conn *c = (struct conn *)fc;
    long got = floor_read(fc);
    if (got <= 0)
        return (int)got;
    size_t len = (size_t)got, used = 0;
    if (c->kind == HTTP) {
        int r = handshake(c, in, len, &used);
        if (r < 0)
            return -1;
        if (r == 0) /* the request is not all here yet */
            return floor_hold(fc, in, len);
    }
    long took = frames(c, in + used, len - used);
    if (took < 0 || flush_out(fc) < 0 || fc->dead)
        return -1;
    return floor_hold(fc, in + used + took, len - used - (size_t)took);
}

int main(int argc, char **argv)
{
    int port = argc == 3 && strcmp(argv[1], "--port") == 0 ? atoi(argv[2]) : 0;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: ws_floor --port PORT\n");
        return 2;
    }
    static const struct floor_ops ops = {sizeof(struct conn), readable, leave};
    return floor_serve("ws_floor", port, &ops) < 0 ? 1 : 0;
}
