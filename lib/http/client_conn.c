/*
 * client_conn - the client's connections: lookup, connect, TLS, the pool.
 *
 * A new connection starts with evdns_getaddrinfo (numbers and /etc/hosts
 * are answered at once, other names by a DNS query on the loop), then
 * tries each address in turn with a bufferevent, a plain socket one for
 * http and an OpenSSL one for https (SNI and host-name verification set
 * on its SSL object). Once connected (after the TLS handshake) it is
 * handed to the fetch that asked for it.
 *
 * A connection whose response was read to the end, and whose server did
 * not say it would close, goes back to its host's idle list, most recent
 * first, with the idle timeout as its read timeout: if the server closes
 * it, or says anything, or it stays unused too long, it is closed and
 * forgotten. Counting a host's open connections is what max_per_host
 * limits.
 */
#include "client_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ------------------------------------------------------------ hosts */

static client_host *host_find(eddy_http_client *c, const char *key, int create)
{
    for (client_host *h = c->hosts; h; h = h->next)
        if (strcmp(h->key, key) == 0)
            return h;
    if (!create)
        return NULL;
    client_host *h = calloc(1, sizeof *h);
    if (!h || !(h->key = strdup(key))) {
        free(h);
        return NULL;
    }
    h->next = c->hosts;
    c->hosts = h;
    return h;
}

int client_host_can_open(eddy_http_client *c, const char *key)
{
    if (c->cfg.max_per_host <= 0)
        return 1;
    client_host *h = host_find(c, key, 0);
    return !h || h->idle || h->conns < c->cfg.max_per_host;
}

static void idle_unlink(client_conn *conn)
{
    client_host *h = conn->host;
    if (conn->idle_prev)
        conn->idle_prev->idle_next = conn->idle_next;
    else
        h->idle = conn->idle_next;
    if (conn->idle_next)
        conn->idle_next->idle_prev = conn->idle_prev;
    conn->idle_next = conn->idle_prev = NULL;
    conn->is_idle = 0;
    conn->client->idle_total--;
}

/* ------------------------------------------------------------ closing */

/* A name lookup. evdns may answer inside evdns_getaddrinfo (numbers,
 * /etc/hosts) or later from the loop, and a cancelled lookup still calls
 * back (later, with EVUTIL_EAI_CANCEL): so the callback gets this small
 * struct, which outlives a connection closed meanwhile, and frees it. */
struct client_lookup {
    client_conn *conn; /* NULL once the connection no longer wants the answer */
    struct evdns_getaddrinfo_request *req;
    int in_call;       /* inside evdns_getaddrinfo */
    int answered;      /* ... and the answer came there: err and ai wait */
    int err;
    struct evutil_addrinfo *ai;
};

static void cancel_lookup(client_conn *conn)
{
    struct client_lookup *l = conn->lookup;
    conn->lookup = NULL;
    if (!l)
        return;
    l->conn = NULL;
    if (l->req)
        evdns_getaddrinfo_cancel(l->req); /* on_lookup will free l */
}

void client_conn_close(client_conn *conn)
{
    eddy_http_client *c = conn->client;
    cancel_lookup(conn);
    if (conn->is_idle)
        idle_unlink(conn);
    if (conn->bev)
        bufferevent_free(conn->bev); /* closes the socket, and the SSL object with it */
    if (conn->addrs)
        evutil_freeaddrinfo(conn->addrs);
    conn->host->conns--;
    free(conn);
    /* A place under max_per_host may have opened for a queued fetch; the
     * caller (or the loop) runs the queue. */
    (void)c;
}

/* ------------------------------------------------------------ idle connections */

static void on_idle_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    client_conn *conn = arg;
    eddy_http_client *c = conn->client;
    client_conn_close(conn); /* a server says nothing unasked: not to be trusted */
    client_dispatch(c);
}

static void on_idle_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev, (void)what;
    client_conn *conn = arg; /* closed by the server, an error, or unused too long */
    eddy_http_client *c = conn->client;
    client_conn_close(conn);
    client_dispatch(c);
}

void client_conn_release(client_conn *conn, int reusable)
{
    eddy_http_client *c = conn->client;
    conn->call = NULL;
    if (!reusable || !conn->bev || evbuffer_get_length(bufferevent_get_input(conn->bev)) > 0 ||
        c->idle_total >= c->cfg.max_idle) {
        client_conn_close(conn);
        return;
    }
    client_host *h = conn->host;
    conn->idle_prev = NULL;
    conn->idle_next = h->idle;
    if (h->idle)
        h->idle->idle_prev = conn;
    h->idle = conn;
    conn->is_idle = 1;
    c->idle_total++;
    struct timeval tv = {c->cfg.idle_timeout_ms / 1000, (c->cfg.idle_timeout_ms % 1000) * 1000};
    bufferevent_setcb(conn->bev, on_idle_read, NULL, on_idle_event, conn);
    bufferevent_set_timeouts(conn->bev, &tv, NULL);
    bufferevent_enable(conn->bev, EV_READ);
}

void client_pool_free(eddy_http_client *c)
{
    for (client_host *h = c->hosts; h; h = h->next)
        while (h->idle)
            client_conn_close(h->idle);
    while (c->hosts) {
        client_host *next = c->hosts->next;
        free(c->hosts->key);
        free(c->hosts);
        c->hosts = next;
    }
}

/* ------------------------------------------------------------ TLS */

SSL_CTX *client_tls_ctx(eddy_http_client *c)
{
    if (c->ssl)
        return c->ssl;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(c->error, sizeof c->error, "TLS: cannot make a context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    int ok = c->ca_file ? SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL)
                        : SSL_CTX_set_default_verify_paths(ctx);
    if (!ok) {
        snprintf(c->error, sizeof c->error, "TLS: cannot load CA certificates from %s",
                 c->ca_file ? c->ca_file : "the system's store");
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, c->cfg.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    c->ssl = ctx;
    return ctx;
}

/* new_ssl - an SSL object for one connection to host: SNI for names (not
 * addresses, RFC 6066), and the name or address the certificate must hold. */
static SSL *new_ssl(eddy_http_call *call)
{
    SSL_CTX *ctx = client_tls_ctx(call->client);
    if (!ctx)
        return NULL;
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return NULL;
    unsigned char addr[16];
    int is_ip = evutil_inet_pton(AF_INET, call->host, addr) == 1 ||
                evutil_inet_pton(AF_INET6, call->host, addr) == 1;
    if (!is_ip)
        SSL_set_tlsext_host_name(ssl, call->host);
    if (!call->client->cfg.insecure) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, call->host)
                       : X509_VERIFY_PARAM_set1_host(param, call->host, 0);
        if (!ok) {
            SSL_free(ssl);
            return NULL;
        }
    }
    return ssl;
}

/* tls_error - the most useful sentence about a failed handshake. */
static void tls_error(client_conn *conn, char *out, size_t cap)
{
    SSL *ssl = bufferevent_openssl_get_ssl(conn->bev);
    long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    unsigned long e = bufferevent_get_openssl_error(conn->bev);
    if (verify != X509_V_OK)
        snprintf(out, cap, "TLS: certificate verify failed: %s",
                 X509_verify_cert_error_string(verify));
    else if (e)
        snprintf(out, cap, "TLS: %s", ERR_reason_error_string(e) ? ERR_reason_error_string(e)
                                                                 : "handshake failed");
    else
        snprintf(out, cap, "TLS: handshake failed");
    while (bufferevent_get_openssl_error(conn->bev))
        ; /* the rest of the queue is for this connection only */
}

/* ------------------------------------------------------------ connecting */

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);
static void try_next_address(client_conn *conn);

/* connection_failed - no address worked: the call hears why, and the
 * connection is gone. */
static void connection_failed(client_conn *conn, int error, const char *text)
{
    eddy_http_call *call = conn->call;
    conn->call = NULL;
    if (call)
        call->conn = NULL;
    char copy[200];
    snprintf(copy, sizeof copy, "%s", text);
    eddy_http_client *c = conn->client;
    client_conn_close(conn);
    if (call)
        client_call_failed(call, error, copy);
    client_dispatch(c);
}

static void try_next_address(client_conn *conn)
{
    eddy_http_call *call = conn->call;
    while (conn->next_addr) {
        struct evutil_addrinfo *ai = conn->next_addr;
        conn->next_addr = ai->ai_next;
        if (conn->bev) {
            bufferevent_free(conn->bev);
            conn->bev = NULL;
        }
        int opts = BEV_OPT_CLOSE_ON_FREE;
        if (call->https) {
            SSL *ssl = new_ssl(call);
            if (!ssl) {
                connection_failed(conn, EPROTO, call->client->error[0] ? call->client->error
                                                                       : "TLS: cannot set up");
                return;
            }
            conn->bev = bufferevent_openssl_socket_new(conn->client->base, -1, ssl,
                                                       BUFFEREVENT_SSL_CONNECTING, opts);
            if (!conn->bev) {
                SSL_free(ssl);
            } else {
                /* Servers often close without close_notify; the framing
                 * (lengths, chunks) still catches a cut body. */
                bufferevent_openssl_set_allow_dirty_shutdown(conn->bev, 1);
            }
        } else {
            conn->bev = bufferevent_socket_new(conn->client->base, -1, opts);
        }
        if (!conn->bev) {
            connection_failed(conn, ENOMEM, "out of memory for a connection");
            return;
        }
        bufferevent_setcb(conn->bev, on_read, NULL, on_event, conn);
        if (bufferevent_socket_connect(conn->bev, ai->ai_addr, (int)ai->ai_addrlen) == 0) {
            bufferevent_enable(conn->bev, EV_READ);
            return; /* on_event says how it went */
        }
        conn->last_errno = EVUTIL_SOCKET_ERROR();
        snprintf(conn->last_error, sizeof conn->last_error, "connect: %s",
                 evutil_socket_error_to_string(conn->last_errno));
    }
    connection_failed(conn, conn->last_errno ? conn->last_errno : ECONNREFUSED,
                      conn->last_error[0] ? conn->last_error : "no address to connect to");
}

static void lookup_done(client_conn *conn, int err, struct evutil_addrinfo *ai)
{
    if (err) {
        char text[200];
        snprintf(text, sizeof text, "cannot resolve %s: %s", conn->call->host,
                 evutil_gai_strerror(err));
        if (ai)
            evutil_freeaddrinfo(ai);
        connection_failed(conn, EHOSTUNREACH, text);
        return;
    }
    conn->addrs = conn->next_addr = ai;
    try_next_address(conn);
}

static void on_lookup(int err, struct evutil_addrinfo *ai, void *arg)
{
    struct client_lookup *l = arg;
    l->req = NULL;
    if (l->in_call) { /* answered at once: client_conn_get takes it from here */
        l->answered = 1;
        l->err = err;
        l->ai = ai;
        return;
    }
    client_conn *conn = l->conn;
    free(l);
    if (!conn || err == EVUTIL_EAI_CANCEL) {
        if (ai)
            evutil_freeaddrinfo(ai);
        return;
    }
    conn->lookup = NULL;
    lookup_done(conn, err, ai);
}

int client_conn_get(eddy_http_call *call)
{
    eddy_http_client *c = call->client;
    client_host *h = host_find(c, call->host_key, 1);
    if (!h)
        return -1;
    if (h->idle && !call->fresh_only) {
        client_conn *conn = h->idle;
        idle_unlink(conn);
        conn->call = call;
        call->conn = conn;
        bufferevent_setcb(conn->bev, on_read, NULL, on_event, conn);
        bufferevent_set_timeouts(conn->bev, NULL, NULL);
        c->stats.reused++;
        client_call_connected(call);
        return 0;
    }
    client_conn *conn = calloc(1, sizeof *conn);
    if (!conn)
        return -1;
    conn->client = c;
    conn->host = h;
    conn->call = call;
    call->conn = conn;
    h->conns++;
    c->stats.connections++;
    client_call_connecting(call);

    struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC,
                                    .ai_socktype = SOCK_STREAM,
                                    .ai_protocol = IPPROTO_TCP,
                                    .ai_flags = EVUTIL_AI_ADDRCONFIG};
    if (strcmp(call->host, "localhost") == 0 || call->parts.host_is_ipv6)
        hints.ai_flags = 0; /* ::1 and 127.0.0.1 need no configured address to work */
    struct client_lookup *l = calloc(1, sizeof *l);
    if (!l)
        return -1; /* the caller's finish() closes conn */
    l->conn = conn;
    l->in_call = 1;
    struct evdns_getaddrinfo_request *req =
        evdns_getaddrinfo(c->dns, call->host, call->port, &hints, on_lookup, l);
    l->in_call = 0;
    if (l->answered) {
        int err = l->err;
        struct evutil_addrinfo *ai = l->ai;
        free(l);
        lookup_done(conn, err, ai);
    } else {
        l->req = req;
        conn->lookup = l;
    }
    return 0;
}

int client_conn_send(client_conn *conn, const void *data, size_t len)
{
    conn->requests++;
    return bufferevent_write(conn->bev, data, len);
}

/* ------------------------------------------------------------ a connection in use */

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    client_conn *conn = arg;
    if (conn->call)
        client_call_data(conn->call);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    client_conn *conn = arg;
    eddy_http_call *call = conn->call;
    if (what & BEV_EVENT_CONNECTED) {
        conn->connected = 1;
        if (call)
            client_call_connected(call);
        return;
    }
    if (!conn->connected) {
        /* This address failed: say why, and try the next one (::1 refused,
         * 127.0.0.1 may answer). A failed handshake is the server's answer,
         * not an address problem. */
        int https = call && call->https;
        if (https && (what & BEV_EVENT_ERROR) && bufferevent_get_openssl_error(bev)) {
            char text[200];
            tls_error(conn, text, sizeof text);
            connection_failed(conn, EPROTO, text);
            return;
        }
        int err = EVUTIL_SOCKET_ERROR();
        if (https && !err) {
            char text[200];
            tls_error(conn, text, sizeof text);
            if (SSL_get_verify_result(bufferevent_openssl_get_ssl(bev)) != X509_V_OK) {
                connection_failed(conn, EPROTO, text);
                return;
            }
        }
        conn->last_errno = err ? err : ECONNREFUSED;
        snprintf(conn->last_error, sizeof conn->last_error, "connect: %s",
                 err ? evutil_socket_error_to_string(err) : "connection closed during the handshake");
        try_next_address(conn);
        return;
    }
    if (!call)
        return;
    if (what & BEV_EVENT_EOF) {
        /* Bytes may still wait in the input (libevent reports EOF after a
         * read callback that left them): let the reader see them first. */
        if (client_call_data(call))
            client_call_closed(call, 0, NULL);
    } else if (what & BEV_EVENT_ERROR) {
        int err = EVUTIL_SOCKET_ERROR();
        char text[200];
        if (call->https && bufferevent_get_openssl_error(bev))
            tls_error(conn, text, sizeof text);
        else
            snprintf(text, sizeof text, "connection error: %s",
                     err ? evutil_socket_error_to_string(err) : "reset");
        client_call_closed(call, err ? err : ECONNRESET, text);
    }
}
