/*
 * e2e - the helpers of the forum's end-to-end tests; see e2e.h.
 */
#include "e2e.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zlib.h>

const char *e2e_forum_program(void)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/lessons/21-forum/forum", TEST_BUILD_DIR);
    return path;
}

const char *e2e_artefacts(const char *name)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/artefacts/forum/%s", TEST_BUILD_DIR, name);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return NULL;
    return dir;
}

char *e2e_tempdir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/eddy-forum-e2e-XXXXXX");
    return mkdtemp(dir);
}

int e2e_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t len = strlen(text);
    int rc = fwrite(text, 1, len, f) == len ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

/* png_chunk - one chunk: length, type, data, CRC of type and data. */
static void png_chunk(FILE *f, const char *type, const unsigned char *data, unsigned len)
{
    unsigned char be[4] = {len >> 24, len >> 16, len >> 8, len};
    fwrite(be, 1, 4, f);
    fwrite(type, 1, 4, f);
    if (len)
        fwrite(data, 1, len, f);
    uLong crc = crc32(0, (const Bytef *)type, 4);
    crc = crc32(crc, data, len);
    unsigned char c[4] = {crc >> 24, crc >> 16, crc >> 8, crc};
    fwrite(c, 1, 4, f);
}

int e2e_write_png(const char *path)
{
    /* 16x16 RGB, a diagonal stripe: enough to see which cover is which */
    enum { W = 16, H = 16 };
    unsigned char raw[H * (1 + W * 3)];
    for (int y = 0; y < H; y++) {
        unsigned char *row = raw + y * (1 + W * 3);
        row[0] = 0; /* filter: none */
        for (int x = 0; x < W; x++) {
            row[1 + x * 3] = (unsigned char)(x == y ? 200 : 30);
            row[2 + x * 3] = 90;
            row[3 + x * 3] = (unsigned char)(x * 16);
        }
    }
    unsigned char packed[1024];
    uLongf packed_len = sizeof packed;
    if (compress(packed, &packed_len, raw, sizeof raw) != Z_OK)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
    unsigned char ihdr[13] = {0, 0, 0, W, 0, 0, 0, H, 8, 2, 0, 0, 0};
    png_chunk(f, "IHDR", ihdr, sizeof ihdr);
    png_chunk(f, "IDAT", packed, (unsigned)packed_len);
    png_chunk(f, "IEND", NULL, 0);
    return fclose(f) == 0 ? 0 : -1;
}

int e2e_start_forum(th_proc *p, ...)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)e2e_forum_program();
    argv[n++] = "--port";
    argv[n++] = "0";
    /* the cheapest password hashing the library takes: the walks sign up several people */
    argv[n++] = "--scrypt-log2-n";
    argv[n++] = "10";
    va_list ap;
    va_start(ap, p);
    for (char *a; n < 63 && (a = va_arg(ap, char *)) != NULL;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return th_start_server(p, argv, 20000);
}

int e2e_drain(th_proc *p, int wait_ms)
{
    /* a needle no program prints: read until the wait is over or EOF */
    th_read_output(p, "\x01\x02", wait_ms);
    return p->out_fd < 0;
}

char *e2e_http(int port, const char *method, const char *target, const char *extra, const char *body)
{
    int fd = th_connect(port, 3000);
    if (fd < 0)
        return NULL;
    size_t body_len = body ? strlen(body) : 0;
    size_t cap = strlen(target) + (extra ? strlen(extra) : 0) + body_len + 256;
    char *req = malloc(cap);
    char *answer = malloc(1 << 20);
    if (!req || !answer) {
        free(req);
        free(answer);
        close(fd);
        return NULL;
    }
    int n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s", method, target,
                     port, extra ? extra : "");
    if (body)
        n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(req + n, cap - (size_t)n, "\r\n%s", body ? body : "");
    ssize_t got = -1;
    if (th_send(fd, req, (size_t)n) == 0)
        got = th_recv_until(fd, answer, 1 << 20, NULL, 10000);
    close(fd);
    free(req);
    if (got <= 0) {
        free(answer);
        return NULL;
    }
    return answer;
}

int e2e_status(const char *answer)
{
    int status = 0;
    if (!answer || sscanf(answer, "HTTP/1.%*d %d", &status) != 1)
        return 0;
    return status;
}

const char *e2e_header(const char *answer, const char *name)
{
    static char value[1024];
    size_t len = strlen(name);
    const char *end = answer ? strstr(answer, "\r\n\r\n") : NULL;
    for (const char *line = answer ? strstr(answer, "\r\n") : NULL; line && line < end;
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, len) == 0 && h[len] == ':') {
            h += len + 1;
            while (*h == ' ')
                h++;
            size_t n = strcspn(h, "\r\n");
            if (n >= sizeof value)
                n = sizeof value - 1;
            memcpy(value, h, n);
            value[n] = '\0';
            return value;
        }
    }
    return NULL;
}

const char *e2e_body(const char *answer)
{
    const char *at = answer ? strstr(answer, "\r\n\r\n") : NULL;
    return at ? at + 4 : "";
}

int e2e_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

char *e2e_replace(const char *text, const char *from, const char *to)
{
    size_t n = 0, flen = strlen(from), tlen = strlen(to);
    for (const char *at = strstr(text, from); at; at = strstr(at + flen, from))
        n++;
    if (n == 0)
        return NULL;
    char *out = malloc(strlen(text) + n * tlen + 1);
    if (!out)
        return NULL;
    char *w = out;
    for (const char *at; (at = strstr(text, from)) != NULL; text = at + flen) {
        memcpy(w, text, (size_t)(at - text));
        w += at - text;
        memcpy(w, to, tlen);
        w += tlen;
    }
    strcpy(w, text);
    return out;
}

char *e2e_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            char *grown = realloc(text, cap = cap * 2 + 8192);
            if (!grown) {
                free(text);
                fclose(f);
                return NULL;
            }
            text = grown;
        }
        size_t got = fread(text + len, 1, 4096, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    text[len] = '\0';
    return text;
}

int e2e_ws_handshake(int port, const char *path, const char *extra, int *keep)
{
    int fd = th_connect(port, 3000);
    if (fd < 0)
        return 0;
    char req[2048], answer[4096];
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
             path, port, extra ? extra : "");
    int status = 0;
    if (th_send_str(fd, req) == 0 && th_recv_until(fd, answer, sizeof answer, "\r\n\r\n", 5000) > 0) {
        status = e2e_status(answer);
        /* RFC 6455's own example key and its accept value */
        const char *accept = e2e_header(answer, "Sec-WebSocket-Accept");
        if (status == 101 && (!accept || strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != 0))
            status = -101;
    }
    if (keep && status == 101)
        *keep = fd;
    else
        close(fd);
    return status;
}

const char *e2e_sms_code(th_proc *forum, const char *mobile)
{
    static char code[16];
    char needle[64];
    snprintf(needle, sizeof needle, "sms to %s: ", mobile);
    if (th_read_output(forum, needle, 5000) < 0)
        return NULL;
    /* the last message to that number: the newest code */
    const char *at = NULL;
    for (const char *p = strstr(forum->output, needle); p; p = strstr(p + 1, needle))
        at = p;
    at += strlen(needle);
    while (*at && *at != '\n' && (*at < '0' || *at > '9'))
        at++;
    size_t n = 0;
    while (at[n] >= '0' && at[n] <= '9' && n < sizeof code - 1)
        n++;
    if (n == 0)
        return NULL;
    memcpy(code, at, n);
    code[n] = '\0';
    return code;
}

/* json_string_of - the string value of "key" in a flat JSON object
 * (malloc'ed), or NULL: enough for {"token": "..."}. */
static char *json_string_of(const char *json, const char *key)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\"", key);
    const char *at = strstr(json, needle);
    if (!at || !(at = strchr(at + strlen(needle), '"')))
        return NULL;
    const char *end = strchr(++at, '"');
    return end ? strndup(at, (size_t)(end - at)) : NULL;
}

char *e2e_sign_up(int port, th_proc *code_from, const char *mobile, const char *password, const char **why)
{
    static char reason[512];
    const char *json = "Content-Type: application/json\r\n";
    char body[256];
    snprintf(body, sizeof body, "{\"mobile\":\"%s\"}", mobile);
    char *answer = e2e_http(port, "POST", "/code/", json, body);
    int status = e2e_status(answer);
    free(answer);
    const char *code = status == 200 ? e2e_sms_code(code_from, mobile) : NULL;
    if (!code) {
        snprintf(reason, sizeof reason, "POST /code/ answered %d and no code was logged", status);
        *why = reason;
        return NULL;
    }
    snprintf(body, sizeof body, "{\"mobile\":\"%s\",\"code\":\"%s\",\"password\":\"%s\"}", mobile, code, password);
    answer = e2e_http(port, "POST", "/register/", json, body);
    status = e2e_status(answer);
    if (status != 200 && status != 201) {
        snprintf(reason, sizeof reason, "POST /register/ answered %d: %.200s", status, e2e_body(answer));
        free(answer);
        *why = reason;
        return NULL;
    }
    free(answer);
    snprintf(body, sizeof body, "{\"mobile\":\"%s\",\"password\":\"%s\"}", mobile, password);
    answer = e2e_http(port, "POST", "/login/", json, body);
    char *token = e2e_status(answer) == 200 ? json_string_of(e2e_body(answer), "token") : NULL;
    if (!token) {
        snprintf(reason, sizeof reason, "POST /login/ answered %d: %.200s", e2e_status(answer), e2e_body(answer));
        *why = reason;
    }
    free(answer);
    return token;
}
