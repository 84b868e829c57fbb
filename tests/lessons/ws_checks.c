/*
 * ws_checks.c - the tests' raw WebSocket client (ws_checks.h).
 *
 * Reads take exactly the bytes a frame needs (header, then payload), so
 * nothing is buffered between calls and a socket is all the state.
 */
#include "ws_checks.h"

#include "harness.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

/* read_exact - len bytes before the deadline (th_now_ms), or -1. */
static int read_exact(int fd, void *out, size_t len, long long deadline)
{
    unsigned char *p = out;
    while (len > 0) {
        long long left = deadline - th_now_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            return -1;
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* handshake - send the upgrade for path; read the answer's head into
 * head (up to the blank line, byte by byte: frames may follow it). The
 * status, or -1. The expected accept value is left in accept. */
static int handshake(int fd, const char *path, const char *offer, char *head, size_t cap, char accept[32])
{
    unsigned char raw[16];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)rand();
    char key[32], concat[128];
    EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw);
    snprintf(concat, sizeof concat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)concat, strlen(concat), digest);
    EVP_EncodeBlock((unsigned char *)accept, digest, sizeof digest);
    char req[1024];
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
             path, key, offer ? "Sec-WebSocket-Extensions: " : "", offer ? offer : "", offer ? "\r\n" : "");
    if (th_send_str(fd, req) != 0)
        return -1;
    size_t n = 0;
    long long deadline = th_now_ms() + 5000;
    while (n + 1 < cap) {
        if (read_exact(fd, head + n, 1, deadline) != 0)
            return -1;
        n++;
        head[n] = '\0';
        if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    int status = -1;
    sscanf(head, "HTTP/1.1 %d", &status);
    return status;
}

/* header_value - the value of header name in head, copied into out. */
static int header_value(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, name, nl) == 0 && line[2 + nl] == ':') {
            const char *v = line + 3 + nl, *end = strstr(v, "\r\n");
            while (*v == ' ')
                v++;
            snprintf(out, cap, "%.*s", end ? (int)(end - v) : (int)strlen(v), v);
            return 0;
        }
    }
    return -1;
}

int ws_open(int port, const char *path, const char *offer, char *answer)
{
    int fd = th_connect(port, 2000);
    if (fd < 0)
        return -1;
    char head[4096], accept[32], got[256];
    if (handshake(fd, path, offer, head, sizeof head, accept) != 101 ||
        header_value(head, "Sec-WebSocket-Accept", got, sizeof got) != 0 || strcmp(got, accept) != 0) {
        close(fd);
        return -1;
    }
    if (answer && header_value(head, "Sec-WebSocket-Extensions", answer, 256) != 0)
        answer[0] = '\0';
    return fd;
}

int ws_open_status(int port, const char *path, char *head, size_t cap)
{
    int fd = th_connect(port, 2000);
    if (fd < 0)
        return -1;
    char accept[32];
    int status = handshake(fd, path, NULL, head, cap, accept);
    close(fd);
    return status;
}

int ws_send(int fd, int opcode, const void *data, size_t len)
{
    size_t h = 0;
    unsigned char *frame = malloc(len + 14);
    if (!frame)
        return -1;
    frame[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        frame[h++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        frame[h++] = 0x80 | 126;
        frame[h++] = (unsigned char)(len >> 8);
        frame[h++] = (unsigned char)len;
    } else {
        frame[h++] = 0x80 | 127;
        for (int s = 56; s >= 0; s -= 8)
            frame[h++] = (unsigned char)((uint64_t)len >> s);
    }
    unsigned char mask[4] = {0x12, 0x9a, 0x5c, (unsigned char)rand()};
    memcpy(frame + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++)
        frame[h + i] = ((const unsigned char *)data)[i] ^ mask[i & 3];
    int rc = th_send(fd, frame, h + len);
    free(frame);
    return rc;
}

/* inflate_message - permessage-deflate: the payload plus the empty
 * block's tail 00 00 ff ff, raw deflate. Its length, or -1. */
static int inflate_message(const unsigned char *in, size_t len, char *out, size_t cap)
{
    unsigned char *all = malloc(len + 4);
    if (!all)
        return -1;
    memcpy(all, in, len);
    memcpy(all + len, "\x00\x00\xff\xff", 4);
    z_stream z = {0};
    int n = -1;
    if (inflateInit2(&z, -15) == Z_OK) {
        z.next_in = all;
        z.avail_in = (uInt)(len + 4);
        z.next_out = (unsigned char *)out;
        z.avail_out = (uInt)(cap - 1);
        int rc = inflate(&z, Z_SYNC_FLUSH);
        if (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR)
            n = (int)z.total_out;
        inflateEnd(&z);
    }
    free(all);
    return n;
}

static int recv_frame(int fd, int *op, char *buf, size_t cap, int timeout_ms, int inflate_ok, int *compressed,
                      size_t *wire)
{
    long long deadline = th_now_ms() + timeout_ms;
    for (;;) {
        unsigned char h[8];
        if (read_exact(fd, h, 2, deadline) != 0)
            return -1;
        int opcode = h[0] & 0x0f, rsv1 = (h[0] & 0x40) != 0, masked = (h[1] & 0x80) != 0;
        uint64_t len = h[1] & 0x7f;
        if (len == 126) {
            if (read_exact(fd, h, 2, deadline) != 0)
                return -1;
            len = ((uint64_t)h[0] << 8) | h[1];
        } else if (len == 127) {
            if (read_exact(fd, h, 8, deadline) != 0)
                return -1;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | h[i];
        }
        if (len + 1 > cap || masked) /* too big, or masked: a server never masks */
            return -1;
        unsigned char *payload = malloc(len + 1);
        if (!payload || read_exact(fd, payload, (size_t)len, deadline) != 0) {
            free(payload);
            return -1;
        }
        if (opcode == WS_OP_PING) {
            ws_send(fd, WS_OP_PONG, payload, (size_t)len);
            free(payload);
            continue;
        }
        if (opcode == WS_OP_PONG) {
            free(payload);
            continue;
        }
        if (opcode == WS_OP_CLOSE || (rsv1 && !inflate_ok)) {
            free(payload);
            return -1;
        }
        *op = opcode;
        int n;
        if (rsv1) {
            n = inflate_message(payload, (size_t)len, buf, cap);
        } else {
            memcpy(buf, payload, (size_t)len);
            n = (int)len;
        }
        if (compressed)
            *compressed = rsv1;
        if (wire)
            *wire = (size_t)len;
        free(payload);
        if (n >= 0)
            buf[n] = '\0';
        return n;
    }
}

int ws_recv(int fd, int *op, char *buf, size_t cap, int timeout_ms)
{
    return recv_frame(fd, op, buf, cap, timeout_ms, 0, NULL, NULL);
}

int ws_recv_inflate(int fd, int *op, char *buf, size_t cap, int timeout_ms, int *compressed, size_t *wire)
{
    return recv_frame(fd, op, buf, cap, timeout_ms, 1, compressed, wire);
}

int ws_recv_containing(int fd, const char *needle, char *buf, size_t cap, int timeout_ms)
{
    long long deadline = th_now_ms() + timeout_ms;
    buf[0] = '\0';
    while (th_now_ms() < deadline) {
        int op;
        if (recv_frame(fd, &op, buf, cap, (int)(deadline - th_now_ms()), 0, NULL, NULL) < 0)
            return 0;
        if (strstr(buf, needle))
            return 1;
    }
    return 0;
}

void ws_close(int fd, int code)
{
    unsigned char payload[2] = {(unsigned char)(code >> 8), (unsigned char)code};
    ws_send(fd, WS_OP_CLOSE, payload, sizeof payload);
    char buf[256];
    int op;
    long long deadline = th_now_ms() + 2000;
    while (th_now_ms() < deadline && recv_frame(fd, &op, buf, sizeof buf, 2000, 1, NULL, NULL) >= 0)
        ; /* until the server's close frame (or the socket's end) */
    close(fd);
}
