/*
 * httpfetch - lesson 10: an HTTP GET as one function again; see
 * httpfetch.h.
 *
 * Lesson 09 cut the fetch into four callbacks and moved its locals into a
 * heap struct, because the function that started it had to return before
 * anything happened. Here the function does not return: at each point
 * where lesson 01 would have blocked, it calls await_fd() and its task is
 * suspended, stack and all. So the fetch is one function that reads top to
 * bottom, its state is in ordinary local variables, and every error is a
 * return value that reaches the caller the normal way.
 */
#include "httpfetch.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { RESPONSE_MAX = 8 << 20 }; /* refuse responses larger than 8 MB */

/* now_ms - the monotonic clock in ms, finer than the loop's whole ms. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* parse_url - split http://host[:port][/path]; 0, or -1. */
static int parse_url(const char *url, char host[256], char port[8], char path[2048])
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7;
    size_t hlen = strcspn(h, ":/");
    if (hlen == 0 || hlen >= 256)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    const char *rest = h + hlen;
    strcpy(port, "80");
    if (*rest == ':') {
        size_t plen = strspn(rest + 1, "0123456789");
        if (plen == 0 || plen >= 8 || (rest[1 + plen] && rest[1 + plen] != '/'))
            return -1;
        memcpy(port, rest + 1, plen);
        port[plen] = '\0';
        rest += 1 + plen;
    }
    return snprintf(path, 2048, "%s", *rest ? rest : "/") < 2048 ? 0 : -1;
}

/* fail - note what went wrong, and when, in res; always -1, to be
 * returned. A timeout says so rather than "Connection timed out". */
static int fail(struct fetch_result *res, double t0, const char *what, int err)
{
    res->ms = now_ms() - t0;
    if (err == ETIMEDOUT)
        what = "timed out", err = 0;
    snprintf(res->error, sizeof res->error, "%s%s%s", what, err ? ": " : "",
             err ? strerror(err) : "");
    return -1;
}

/* quote:begin connect */
/* connect_to - a connected non-blocking socket to one of addrs, or -1
 * (errno: why the last one failed). */
static int connect_to(struct addrinfo *addrs, long long timeout_ms)
{
    int err = ECONNREFUSED;
    for (struct addrinfo *ai = addrs; ai; ai = ai->ai_next) {
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            return fd;
        if (errno == EINPROGRESS || errno == EINTR) {
            socklen_t len = sizeof err;
            if (await_fd(fd, LOOP_WRITE, timeout_ms) < 0) /* the handshake */
                err = errno;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
            if (err == 0)
                return fd;
        } else {
            err = errno;
        }
        close(fd); /* refused, unreachable, timed out: try the next address */
    }
    errno = err;
    return -1;
}
/* quote:end connect */

/* quote:begin fetch */
int fetch(const char *url, struct fetch_result *res, long long timeout_ms)
{
    *res = (struct fetch_result){.url = url};
    double t0 = now_ms();
    char host[256], port[8], path[2048], req[2560];
    if (parse_url(url, host, port, path) < 0)
        return fail(res, t0, "not an http://host[:port]/path URL", 0);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *addrs;
    int rc = getaddrinfo(host, port, &hints, &addrs); /* blocks on real DNS */
    if (rc != 0) {
        char what[300];
        snprintf(what, sizeof what, "cannot resolve %s: %s", host, gai_strerror(rc));
        return fail(res, t0, what, 0);
    }
    int fd = connect_to(addrs, timeout_ms);
    freeaddrinfo(addrs);
    if (fd < 0)
        return fail(res, t0, "connect", errno);

    const char *what = "send";
    size_t len = (size_t)snprintf(req, sizeof req,
                                  "GET %s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: eddy-fetch\r\n"
                                  "Connection: close\r\n\r\n",
                                  path, host, port);
    for (size_t sent = 0; sent < len;) {
        ssize_t n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
        if (n > 0)
            sent += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && errno == EAGAIN && await_fd(fd, LOOP_WRITE, timeout_ms) >= 0)
            continue; /* the send buffer was full; it has room again */
        else
            goto failed_io;
    }

    what = "recv";
    /* Read until the server closes: HTTP/1.0, Connection: close. got bytes
     * have arrived so far, into cap bytes of res->data. */
    size_t got = 0, cap = 0;
    for (;;) {
        if (got + 4096 > cap) {
            char *more = cap < RESPONSE_MAX ? realloc(res->data, cap ? cap * 2 : 16384) : NULL;
            if (!more) {
                errno = cap < RESPONSE_MAX ? ENOMEM : EFBIG;
                goto failed_io;
            }
            res->data = more;
            cap = cap ? cap * 2 : 16384;
        }
        ssize_t n = recv(fd, res->data + got, cap - got - 1, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0)
            break;
        else if (errno == EINTR)
            continue;
        else if (errno != EAGAIN || await_fd(fd, LOOP_READ, timeout_ms) < 0)
            goto failed_io; /* a real error, or the wait timed out */
    }
    close(fd);
    res->ms = now_ms() - t0;
    res->data[got] = '\0';
    char *head_end = strstr(res->data, "\r\n\r\n");
    if (sscanf(res->data, "HTTP/1.%*d %d", &res->status) != 1 || !head_end) {
        res->status = 0;
        return fail(res, t0, "not an HTTP/1.x response", 0);
    }
    res->body = head_end + 4;
    res->body_len = got - (size_t)(res->body - res->data);
    return 0;

failed_io:
    rc = errno;
    close(fd);
    return fail(res, t0, what, rc);
}
/* quote:end fetch */

void fetch_result_free(struct fetch_result *res)
{
    free(res->data);
    res->data = NULL;
    res->body = NULL;
}
