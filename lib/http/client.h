/*
 * client - the asynchronous HTTP/1.1 client (Tornado's AsyncHTTPClient).
 *
 * One client per loop keeps a pool of keep-alive connections (per scheme,
 * host and port), runs at most max_clients requests at once and queues the
 * rest in order, looks names up with evdns (never getaddrinfo on the loop)
 * and speaks TLS through libevent's OpenSSL bufferevents, verifying the
 * certificate and the host name unless told not to.
 *
 * A fetch can be used two ways. From a task (a handler, a crawler's
 * worker) eddy_http_fetch suspends the task until the response is in and
 * returns it, while the loop serves everyone else; if the task is
 * cancelled meanwhile (its client went away) the fetch is cancelled with
 * it. From plain loop code (lesson 11's callbacks) eddy_http_fetch_cb
 * starts the fetch and calls done(response, arg) from the loop when it
 * ends. Either way the response says what happened: a status with head
 * and body, or an error (an errno value and a sentence), never a wrong
 * body passed off as success: a malformed, truncated or ambiguous
 * response is an error.
 *
 *     eddy_http_response *resp;
 *     int err = eddy_http_fetch(client, &(eddy_http_request){.url = url}, &resp);
 *     if (err)
 *         eddy_warn("%s: %s", url, resp ? resp->error_text : strerror(err));
 *     else
 *         use(resp->status, resp->body, resp->body_len);
 *     eddy_http_response_free(resp);
 */
#ifndef EDDY_CLIENT_H
#define EDDY_CLIENT_H

#include <eddy/http/http_parser.h>

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eddy_http_client eddy_http_client;

typedef struct eddy_http_client_config {
    int max_clients;       /* requests at once, default 10 (Tornado's); the rest wait in order */
    int max_per_host;      /* connections to one scheme://host:port, default 0: no cap but max_clients */
    long idle_timeout_ms;  /* a pooled connection unused this long is closed, default 30 s */
    int max_idle;          /* idle connections kept in all, default 100 */
    const char *ca_file;   /* PEM file of trusted CAs for https (default: the system's) */
    int insecure;          /* 1: do not verify certificates or host names (tests only!) */
    const char *user_agent; /* default "eddy/VERSION"; NULL header when "" */
} eddy_http_client_config;

/* eddy_http_client_config_defaults - fill c with the defaults above. */
void eddy_http_client_config_defaults(eddy_http_client_config *c);

/* eddy_http_client_new - a client on this thread's loop (cfg NULL: the
 * defaults). NULL with errno and a logged reason (ENOMEM; EINVAL when the
 * CA file cannot be loaded). */
eddy_http_client *eddy_http_client_new(const eddy_http_client_config *cfg);

/* eddy_http_client_free - cancel what is queued or in flight (no
 * callback runs after this) and close every connection. */
void eddy_http_client_free(eddy_http_client *c);

/* One request. Zero means "the default" for every field, so a request is
 * written with designated initializers; the client copies what it needs
 * when the fetch starts, so the struct may go away then. */
typedef struct eddy_http_request {
    const char *url;                /* http:// or https:// */
    const char *method;             /* default GET, or POST when there is a body */
    const char *const *headers;     /* NULL-terminated "Name: value" lines, or NULL */
    /* the body: one of these (or none) */
    const void *body;               /* body_len bytes, sent with content_type */
    size_t body_len;
    const char *const *form;        /* NULL-terminated name, value, name, value...:
                                       application/x-www-form-urlencoded */
    const json_t *json;             /* serialised as application/json */
    const char *content_type;       /* for body (default application/octet-stream) */
    long connect_timeout_ms;        /* name lookup, connect and TLS handshake, default 20 s */
    long request_timeout_ms;        /* the whole fetch, redirects included, default 20 s */
    int no_follow;                  /* 1: hand back a 3xx instead of following it */
    int max_redirects;              /* default 5; < 0: a redirect is an error */
    int no_decompress;              /* 1: no Accept-Encoding: gzip, the body as sent */
    uint64_t max_body_bytes;        /* default 100 MiB, after decoding */
    /* header_cb - the final response's head (1xx skipped), before its body;
     * return non-zero to stop the fetch (error ECANCELED). */
    int (*header_cb)(const eddy_http_message *head, void *arg);
    /* body_cb - the decoded body as it arrives, instead of keeping it in
     * the response (large downloads); return non-zero to stop. */
    int (*body_cb)(const char *data, size_t len, void *arg);
    void *cb_arg;
} eddy_http_request;

/* What a fetch produced. Owned by whoever received it: free it with
 * eddy_http_response_free. */
typedef struct eddy_http_response {
    int error;              /* 0, or why there is no response (below) */
    const char *error_text; /* a sentence naming what went wrong, "" when error is 0 */
    int status;             /* the final status, 0 when there was none */
    eddy_http_message head; /* the final response's head: reason, headers (its own copy) */
    char *body;             /* decoded, NUL-terminated (NUL not counted); "" when empty or streamed */
    size_t body_len;
    char *url;              /* the URL finally fetched, after redirects */
    int redirects;          /* how many were followed */
    int reused;             /* the last connection was a pooled one */
    double time_ms;         /* from the start of the fetch (queueing included) */
    double queue_ms;        /* of which waiting for a free slot (max_clients) */
} eddy_http_response;

/* The errors, errno values as every wait in the library returns:
 *   EINVAL        a URL the client cannot fetch (not http/https, no host)
 *   ETIMEDOUT     connect_timeout_ms passed before connecting ("connect timeout")
 *   ETIME         request_timeout_ms passed ("request timeout")
 *   ECONNREFUSED, ENETUNREACH, ...  the connect failed
 *   EHOSTUNREACH  the name does not resolve
 *   EPROTO        a malformed, truncated or ambiguous response, or a TLS failure
 *   ECONNRESET    the connection closed before a response
 *   EMSGSIZE      the body is larger than max_body_bytes
 *   ELOOP         a redirect loop, or more redirects than allowed
 *   ECANCELED     cancelled (by the task, a callback's answer, or the client's end)
 *   ENOMEM        out of memory */

/* eddy_http_fetch - fetch and wait, from a task. Returns 0 when a response
 * arrived (whatever its status: check resp->status), or the error; *resp
 * is set in both cases (NULL only on ENOMEM) and must be freed. EPERM
 * outside a task. */
int eddy_http_fetch(eddy_http_client *c, const eddy_http_request *req, eddy_http_response **resp);

/* eddy_http_fetch_cb - start a fetch from plain loop code: done(resp, arg)
 * is called once, from the loop (never from inside this call), and owns
 * resp. Returns a handle valid until done runs, for eddy_http_call_cancel;
 * NULL (errno ENOMEM) if the fetch could not even be set up. */
typedef struct eddy_http_call eddy_http_call;
typedef void (*eddy_http_done_fn)(eddy_http_response *resp, void *arg);
eddy_http_call *eddy_http_fetch_cb(eddy_http_client *c, const eddy_http_request *req,
                                   eddy_http_done_fn done, void *arg);

/* eddy_http_call_cancel - stop a fetch started with eddy_http_fetch_cb:
 * done is not called, the connection is closed unless its response was
 * fully read, and the memory is freed. */
void eddy_http_call_cancel(eddy_http_call *call);

/* eddy_http_response_free - NULL is fine. */
void eddy_http_response_free(eddy_http_response *resp);

/* eddy_http_response_header - the first response header called name (any
 * case), NUL-terminated in the response's memory, or NULL. */
const char *eddy_http_response_header(eddy_http_response *resp, const char *name);

/* Counters, for tests, the crawler's summary and the benchmark. */
typedef struct eddy_http_client_stats {
    uint64_t requests;    /* fetches finished (each redirect hop counts) */
    uint64_t connections; /* connections opened */
    uint64_t reused;      /* requests sent on a pooled connection */
    uint64_t retried;     /* stale pooled connections retried on a new one */
    int active;           /* fetches holding a slot now */
    int queued;           /* fetches waiting for a slot */
    int idle;             /* pooled connections now */
} eddy_http_client_stats;

void eddy_http_client_stats_get(const eddy_http_client *c, eddy_http_client_stats *out);

#endif
