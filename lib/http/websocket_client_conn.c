/*
 * websocket_client_conn - the client's bytes on the socket: looking the
 * host up, connecting, TLS, and reading and writing with waits (see
 * websocket_client.c for the protocol on top).
 *
 * Every call runs in the client's task: what cannot proceed now waits on
 * the socket with eddy_wait_fd, so the loop serves others meanwhile. TLS
 * is OpenSSL on the same non-blocking socket, where a WANT_READ or
 * WANT_WRITE is one more wait, with the HTTP client's rules: TLS 1.2 at
 * least, the system's CAs or ca_file, and the host name (or address)
 * checked in the certificate.
 */
#include "websocket_client_internal.h"

#include <eddy/async/future.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ------------------------------------------------------------ bytes on the socket */

static long ms_left(const struct timespec *deadline)
{
    if (!deadline)
        return -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms > 0 ? ms : 0;
}

/* io_write - all of data, waiting as needed; 0 or an errno value. */
int ws_client_write(eddy_ws_client *c, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        int want;
        if (c->ssl) {
            int n = SSL_write(c->ssl, p, (int)(len > 1 << 30 ? 1 << 30 : len));
            if (n > 0) {
                p += n;
                len -= (size_t)n;
                continue;
            }
            int e = SSL_get_error(c->ssl, n);
            if (e == SSL_ERROR_WANT_WRITE)
                want = EDDY_WAIT_WRITE;
            else if (e == SSL_ERROR_WANT_READ)
                want = EDDY_WAIT_READ;
            else
                return EPIPE;
        } else {
            ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
            if (n > 0) {
                p += n;
                len -= (size_t)n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                return EPIPE;
            want = EDDY_WAIT_WRITE;
        }
        int rc = eddy_wait_fd(c->fd, want, 30000);
        if (rc)
            return rc == ETIMEDOUT ? EPIPE : rc;
    }
    return 0;
}

/* io_read - some bytes into the input buffer's free end; 0, EPIPE at
 * the end of the stream, ETIMEDOUT, ECANCELED. */
int ws_client_read(eddy_ws_client *c, const struct timespec *deadline)
{
    if (c->in_start == c->in_end)
        c->in_start = c->in_end = 0;
    else if (c->in_end == IN_SIZE) {
        memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
        c->in_end -= c->in_start;
        c->in_start = 0;
    }
    char *at = c->in + c->in_end;
    size_t room = IN_SIZE - c->in_end;
    for (;;) {
        int want;
        if (c->ssl) {
            int n = SSL_read(c->ssl, at, (int)room);
            if (n > 0) {
                c->in_end += (size_t)n;
                return 0;
            }
            int e = SSL_get_error(c->ssl, n);
            if (e == SSL_ERROR_WANT_READ)
                want = EDDY_WAIT_READ;
            else if (e == SSL_ERROR_WANT_WRITE)
                want = EDDY_WAIT_WRITE;
            else
                return EPIPE;
        } else {
            ssize_t n = recv(c->fd, at, room, 0);
            if (n > 0) {
                c->in_end += (size_t)n;
                return 0;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                return EPIPE;
            want = EDDY_WAIT_READ;
        }
        int rc = eddy_wait_fd(c->fd, want, ms_left(deadline));
        if (rc)
            return rc;
    }
}

/* ------------------------------------------------------------ connecting */

struct lookup {
    const char *host;
    char port[8];
    struct addrinfo *res;
    int rc;
};

static void do_lookup(void *arg)
{
    struct lookup *l = arg;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    l->rc = getaddrinfo(l->host, l->port, &hints, &l->res);
}

int ws_client_tcp_connect(eddy_ws_client *c, const struct timespec *deadline)
{
    struct lookup l = {.host = c->host};
    snprintf(l.port, sizeof l.port, "%d", c->port);
    int rc = eddy_run_blocking(do_lookup, &l);
    if (rc) {
        if (l.res)
            freeaddrinfo(l.res);
        return ws_client_fail(c, rc, "looking up %s: %s", c->host, strerror(rc));
    }
    if (l.rc)
        return ws_client_fail(c, EHOSTUNREACH, "looking up %s: %s", c->host, gai_strerror(l.rc));
    int err = ECONNREFUSED;
    for (struct addrinfo *ai = l.res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
            err = errno;
            close(fd);
            continue;
        }
        rc = eddy_wait_fd(fd, EDDY_WAIT_WRITE, ms_left(deadline));
        socklen_t len = sizeof err;
        if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
            c->fd = fd;
            break;
        }
        if (rc)
            err = rc;
        close(fd);
        if (rc == ECANCELED || rc == ETIMEDOUT)
            break;
    }
    freeaddrinfo(l.res);
    if (c->fd < 0)
        return ws_client_fail(c, err, "connecting to %s:%d: %s", c->host, c->port, strerror(err));
    return 0;
}

int ws_client_tls_connect(eddy_ws_client *c, const struct timespec *deadline)
{
    if (!(c->ctx = SSL_CTX_new(TLS_client_method())))
        return ws_client_fail(c, ENOMEM, "TLS: cannot make a context");
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    int ok = c->ca_file ? SSL_CTX_load_verify_locations(c->ctx, c->ca_file, NULL)
                        : SSL_CTX_set_default_verify_paths(c->ctx);
    if (!ok)
        return ws_client_fail(c, EINVAL, "TLS: cannot load CA certificates from %s",
                              c->ca_file ? c->ca_file : "the system's store");
    SSL_CTX_set_verify(c->ctx, c->o.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    if (!(c->ssl = SSL_new(c->ctx)))
        return ws_client_fail(c, ENOMEM, "TLS: cannot make a connection");
    unsigned char addr[16];
    int is_ip = inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1;
    if (!is_ip)
        SSL_set_tlsext_host_name(c->ssl, c->host);
    if (!c->o.insecure) {
        X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (!(is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, c->host)
                    : X509_VERIFY_PARAM_set1_host(param, c->host, 0)))
            return ws_client_fail(c, EINVAL, "TLS: cannot check the name %s", c->host);
    }
    SSL_set_fd(c->ssl, c->fd);
    for (;;) {
        ERR_clear_error();
        int n = SSL_connect(c->ssl);
        if (n == 1)
            return 0;
        int e = SSL_get_error(c->ssl, n);
        int want = e == SSL_ERROR_WANT_READ    ? EDDY_WAIT_READ
                   : e == SSL_ERROR_WANT_WRITE ? EDDY_WAIT_WRITE
                                               : 0;
        if (!want) {
            long v = SSL_get_verify_result(c->ssl);
            char why[160];
            ERR_error_string_n(ERR_get_error(), why, sizeof why);
            return ws_client_fail(c, EPROTO, "TLS handshake with %s failed: %s", c->host,
                                  v != X509_V_OK ? X509_verify_cert_error_string(v) : why);
        }
        int rc = eddy_wait_fd(c->fd, want, ms_left(deadline));
        if (rc)
            return ws_client_fail(c, rc, "TLS handshake with %s: %s", c->host, strerror(rc));
    }
}
