/*
 * Tests for lib/http/client: what a user of the client sees.
 *
 * Against the hostile server (tests/fixtures/hostile.c), every malformed,
 * truncated or ambiguous answer must be an error that says why; against
 * the crawl site (tests/fixtures/crawlsite.c, libeddy's own server) the
 * queue, keep-alive and the two ways of waiting. The fetches run on this
 * process's loop: a task does the fetch and stops the loop.
 */
#include "harness.h"
#include "serve_thread.h"

#include <criterion/criterion.h>
#include <eddy/eddy.h>
#include <eddy/http/client.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static th_proc hostile, site;
static eddy_http_client *client;
static char url_buf[8][256];
static int url_next;

/* url - "http://127.0.0.1:PORT" + path for proc, in one of a few buffers. */
static const char *url(const th_proc *p, const char *path)
{
    char *u = url_buf[url_next++ % 8];
    snprintf(u, sizeof url_buf[0], "http://127.0.0.1:%d%s", p->port, path);
    return u;
}

static void start_hostile(void)
{
    char *argv[] = {(char *)th_path("fixtures/hostile"), NULL};
    cr_assert_eq(th_start_server(&hostile, argv, 5000), 0, "hostile did not start: %s",
                 hostile.output ? hostile.output : "");
    client = eddy_http_client_new(NULL);
    cr_assert_not_null(client);
}

static void stop_all(void)
{
    eddy_http_client_free(client);
    client = NULL;
    eddy_loop_free();
    th_free(&hostile);
    th_free(&site);
}

struct job {
    eddy_http_request req;
    eddy_http_response *resp;
    int err;
    int stop; /* stop the loop when done */
};

static void fetch_task(void *arg)
{
    struct job *j = arg;
    j->err = eddy_http_fetch(client, &j->req, &j->resp);
    if (j->stop)
        eddy_loop_stop();
}

/* fetch - one fetch awaited in a task, the loop run until it is done. */
static eddy_http_response *fetch(eddy_http_request req, int *err)
{
    static struct job j;
    j = (struct job){.req = req, .stop = 1};
    cr_assert_not_null(eddy_task_spawn(fetch_task, &j));
    cr_assert_eq(eddy_loop_run(), 0);
    *err = j.err;
    return j.resp;
}

/* expect_error - fetching path fails with error and a text holding words. */
static void expect_error(const char *path, int error, const char *words)
{
    int err;
    eddy_http_response *r = fetch((eddy_http_request){.url = url(&hostile, path),
                                                      .request_timeout_ms = 2000},
                                  &err);
    cr_assert_not_null(r);
    cr_expect_eq(err, error, "%s: error %d (%s), wanted %d", path, err, r->error_text, error);
    cr_expect_eq(r->error, err);
    cr_expect_not_null(strstr(r->error_text, words), "%s: \"%s\" does not say \"%s\"", path,
                       r->error_text, words);
    cr_expect_eq(r->status, 0);
    cr_expect_eq(r->body_len, 0);
    eddy_http_response_free(r);
}

static eddy_http_response *expect_ok(const char *u, int status, const char *body)
{
    int err;
    eddy_http_response *r = fetch((eddy_http_request){.url = u, .request_timeout_ms = 5000}, &err);
    cr_assert_not_null(r);
    cr_assert_eq(err, 0, "%s: %s", u, r->error_text);
    cr_expect_eq(r->status, status, "%s: status %d", u, r->status);
    if (body)
        cr_expect_str_eq(r->body, body, "%s", u);
    return r;
}

TestSuite(client_hostile, .init = start_hostile, .fini = stop_all, .timeout = 30);

Test(client_hostile, ambiguous_framing_is_an_error_not_a_body)
{
    expect_error("/both-lengths", EPROTO, "both Content-Length and Transfer-Encoding");
    expect_error("/two-lengths", EPROTO, "differing Content-Length");
    expect_error("/bad-chunk", EPROTO, "malformed chunk size");
}

Test(client_hostile, truncated_answers_are_errors)
{
    expect_error("/short-body", EPROTO, "shorter than its Content-Length");
    expect_error("/cut-chunked", EPROTO, "middle of a chunked body");
    expect_error("/cut-head", EPROTO, "middle of the response head");
    expect_error("/nothing", ECONNRESET, "closed before a response");
}

Test(client_hostile, malformed_heads_are_errors)
{
    expect_error("/bad-status", EPROTO, "status code");
    expect_error("/not-http", EPROTO, "");
    expect_error("/upgrade", EPROTO, "101");
    expect_error("/huge-head", EPROTO, "response head too large");
}

Test(client_hostile, bodies_that_do_not_decode_are_errors)
{
    expect_error("/bad-gzip", EPROTO, "malformed compressed body");
    expect_error("/gzip-cut", EPROTO, "compressed body cut short");
    eddy_http_response *r = expect_ok(url(&hostile, "/gzip"), 200, "hello, gzip\n");
    eddy_http_response_free(r);
    /* deflate as RFC 9110 defines it (zlib-wrapped), and the raw stream
     * that some servers send under the same name */
    r = expect_ok(url(&hostile, "/deflate"), 200, "hello, zlib deflate\n");
    eddy_http_response_free(r);
    r = expect_ok(url(&hostile, "/raw-deflate"), 200, "hello, raw deflate\n");
    eddy_http_response_free(r);
    int err;
    r = fetch((eddy_http_request){.url = url(&hostile, "/gzip"), .no_decompress = 1}, &err);
    cr_assert_eq(err, 0);
    cr_expect_eq(r->body_len, 32, "asked not to decode: the 32 gzip bytes as sent");
    eddy_http_response_free(r);
}

Test(client_hostile, a_silent_server_ends_in_the_request_timeout_not_later)
{
    long long t0 = th_now_ms();
    expect_error("/silent", ETIME, "request timeout after 2000 ms");
    long long ms = th_now_ms() - t0;
    cr_expect(ms >= 1900 && ms < 3500 + th_slack_ms(), "took %lld ms", ms);
    /* a malformed answer is reported as soon as it is seen */
    t0 = th_now_ms();
    expect_error("/bad-chunk", EPROTO, "chunk");
    cr_expect_lt(th_now_ms() - t0, 1000 + th_slack_ms());
}

Test(client_hostile, a_head_that_never_ends_times_out)
{
    expect_error("/slow-head", ETIME, "request timeout");
}

Test(client_hostile, interim_responses_are_skipped)
{
    eddy_http_response *r = expect_ok(url(&hostile, "/interim"), 200, "final");
    eddy_http_response_free(r);
}

Test(client_hostile, close_delimited_bodies_and_bodiless_statuses)
{
    eddy_http_response *r = expect_ok(url(&hostile, "/close-delimited"), 200, "until the close\n");
    eddy_http_response_free(r);
    r = expect_ok(url(&hostile, "/no-content-with-body"), 204, "");
    eddy_http_response_free(r);
    int err;
    r = fetch((eddy_http_request){.url = url(&hostile, "/ok"), .method = "HEAD"}, &err);
    cr_assert_eq(err, 0);
    cr_expect_eq(r->body_len, 0, "HEAD has no body, whatever Content-Length says");
    eddy_http_response_free(r);
}

Test(client_hostile, chunk_extensions_and_trailers)
{
    eddy_http_response *r = expect_ok(url(&hostile, "/chunked-trailers"), 200, "hello!");
    eddy_http_response_free(r);
}

Test(client_hostile, redirects_without_a_usable_location)
{
    eddy_http_response *r = expect_ok(url(&hostile, "/redirect-no-location"), 302, "");
    eddy_http_response_free(r);
    expect_error("/redirect-bad-location", EPROTO, "malformed Location");
}

Test(client_hostile, keep_alive_reuses_one_connection)
{
    for (int i = 0; i < 3; i++) {
        eddy_http_response *r = expect_ok(url(&hostile, "/ok"), 200, "ok");
        cr_expect_eq(r->reused, i > 0);
        eddy_http_response_free(r);
    }
    eddy_http_client_stats st;
    eddy_http_client_stats_get(client, &st);
    cr_expect_eq(st.connections, 1);
    cr_expect_eq(st.reused, 2);
    cr_expect_eq(st.idle, 1);
}

Test(client_hostile, a_stale_pooled_connection_is_retried_once_for_idempotent_requests)
{
    eddy_http_response *r = expect_ok(url(&hostile, "/stale"), 200, "fresh");
    eddy_http_response_free(r);
    r = expect_ok(url(&hostile, "/stale"), 200, "fresh"); /* the server closes the pooled one */
    eddy_http_response_free(r);
    eddy_http_client_stats st;
    eddy_http_client_stats_get(client, &st);
    cr_expect_eq(st.retried, 1);
    cr_expect_eq(st.connections, 2);
    /* a POST is not repeated: it may have done its work */
    int err;
    r = fetch((eddy_http_request){.url = url(&hostile, "/stale"), .method = "POST"}, &err);
    cr_expect_eq(err, ECONNRESET, "%s", r->error_text);
    eddy_http_response_free(r);
}

Test(client_hostile, limits_and_callbacks)
{
    int err;
    eddy_http_response *r = fetch(
        (eddy_http_request){.url = url(&hostile, "/close-delimited"), .max_body_bytes = 5}, &err);
    cr_expect_eq(err, EMSGSIZE, "%s", r->error_text);
    eddy_http_response_free(r);
}

static char streamed[64];
static int stream_body(const char *data, size_t len, void *arg)
{
    (void)arg;
    strncat(streamed, data, len < sizeof streamed - strlen(streamed) - 1 ? len : 0);
    return 0;
}

static int refuse_head(const eddy_http_message *head, void *arg)
{
    *(int *)arg = head->status;
    return 1;
}

Test(client_hostile, a_streamed_body_goes_to_the_callback_only)
{
    int err;
    eddy_http_response *r = fetch(
        (eddy_http_request){.url = url(&hostile, "/chunked-trailers"), .body_cb = stream_body}, &err);
    cr_assert_eq(err, 0);
    cr_expect_str_eq(streamed, "hello!");
    cr_expect_eq(r->body_len, 0);
    eddy_http_response_free(r);
    int seen = 0;
    r = fetch((eddy_http_request){.url = url(&hostile, "/ok"), .header_cb = refuse_head, .cb_arg = &seen},
              &err);
    cr_expect_eq(err, ECANCELED);
    cr_expect_eq(seen, 200);
    eddy_http_response_free(r);
}

Test(client_hostile, urls_it_cannot_fetch)
{
    const char *bad[] = {"ftp://127.0.0.1/", "http:///x", "not a url", "/relative", "http://h:99999/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int err;
        eddy_http_response *r = fetch((eddy_http_request){.url = bad[i]}, &err);
        cr_expect_eq(err, EINVAL, "%s: %d %s", bad[i], err, r->error_text);
        eddy_http_response_free(r);
    }
    int err;
    eddy_http_response *r =
        fetch((eddy_http_request){.url = url(&hostile, "/ok"),
                                  .headers = (const char *[]){"X-Evil: a\r\nX-Injected: b", NULL}},
              &err);
    cr_expect_eq(err, EINVAL, "a header with a line break is refused");
    eddy_http_response_free(r);
}

Test(client_hostile, names_from_etc_hosts_and_a_refused_port)
{
    char u[128];
    snprintf(u, sizeof u, "http://localhost:%d/ok", hostile.port);
    eddy_http_response *r = expect_ok(u, 200, "ok"); /* ::1 may be tried first and refused */
    eddy_http_response_free(r);
    int err;
    r = fetch((eddy_http_request){.url = "http://127.0.0.1:1/"}, &err);
    cr_expect_eq(err, ECONNREFUSED, "%s", r->error_text);
    eddy_http_response_free(r);
}

/* ------------------------------------------------------------ callbacks, cancelling */

static int done_calls;
static eddy_http_response *done_resp;
static void on_done(eddy_http_response *resp, void *arg)
{
    (void)arg;
    done_calls++;
    done_resp = resp;
    eddy_loop_stop();
}

Test(client_hostile, the_callback_form_works_from_plain_loop_code)
{
    eddy_http_call *call = eddy_http_fetch_cb(client, &(eddy_http_request){.url = url(&hostile, "/ok")},
                                              on_done, NULL);
    cr_assert_not_null(call);
    cr_expect_eq(done_calls, 0, "done never runs inside the call that started the fetch");
    eddy_loop_run();
    cr_assert_eq(done_calls, 1);
    cr_expect_eq(done_resp->status, 200);
    cr_expect_str_eq(done_resp->body, "ok");
    eddy_http_response_free(done_resp);
    /* an error is delivered the same way, also not from inside the call */
    call = eddy_http_fetch_cb(client, &(eddy_http_request){.url = "gopher://x/"}, on_done, NULL);
    cr_expect_eq(done_calls, 1);
    eddy_loop_run();
    cr_expect_eq(done_calls, 2);
    cr_expect_eq(done_resp->error, EINVAL);
    eddy_http_response_free(done_resp);
}

static void cancel_call(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_http_call_cancel(arg);
}

static void stop_loop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg;
    eddy_loop_stop();
}

Test(client_hostile, a_cancelled_callback_fetch_never_calls_back)
{
    eddy_http_call *call = eddy_http_fetch_cb(
        client, &(eddy_http_request){.url = url(&hostile, "/silent")}, on_done, NULL);
    struct timeval t100 = {0, 100000}, t300 = {0, 300000};
    event_base_once(eddy_loop_base(), -1, EV_TIMEOUT, cancel_call, call, &t100);
    event_base_once(eddy_loop_base(), -1, EV_TIMEOUT, stop_loop, NULL, &t300);
    eddy_loop_run();
    cr_expect_eq(done_calls, 0);
    eddy_http_client_stats st;
    eddy_http_client_stats_get(client, &st);
    cr_expect_eq(st.active, 0);
    cr_expect_eq(st.idle, 0, "a connection whose response was not read is closed, not pooled");
    eddy_http_response *r = expect_ok(url(&hostile, "/ok"), 200, "ok"); /* the client goes on */
    eddy_http_response_free(r);
}

static void cancel_task(void *arg)
{
    eddy_sleep(100);
    eddy_task_cancel(arg);
}

static void stop_after(void *arg)
{
    (void)arg;
    eddy_sleep(300);
    eddy_loop_stop();
}

Test(client_hostile, a_cancelled_task_cancels_its_fetch)
{
    static struct job j;
    j = (struct job){.req = {.url = url(&hostile, "/silent")}};
    eddy_task *t = eddy_task_spawn(fetch_task, &j);
    eddy_task_spawn(cancel_task, t);
    eddy_task_spawn(stop_after, NULL);
    long long t0 = th_now_ms();
    eddy_loop_run();
    cr_expect_eq(j.err, ECANCELED);
    cr_expect_null(j.resp);
    cr_expect_lt(th_now_ms() - t0, 2000);
    eddy_http_client_stats st;
    eddy_http_client_stats_get(client, &st);
    cr_expect_eq(st.active, 0);
    cr_expect_eq(st.idle, 0);
}

Test(client_hostile, fetch_outside_a_task_is_eperm)
{
    eddy_http_response *r = (eddy_http_response *)1;
    cr_expect_eq(eddy_http_fetch(client, &(eddy_http_request){.url = url(&hostile, "/ok")}, &r), EPERM);
    cr_expect_null(r);
}

/* ------------------------------------------------------------ the queue, on the crawl site */

static void start_site(void)
{
    char *argv[] = {(char *)th_path("fixtures/crawlsite"), "--port", "0", "--delay", "100ms",
                    "--pages", "50", NULL};
    cr_assert_eq(th_start_server(&site, argv, 5000), 0, "crawlsite did not start: %s",
                 site.output ? site.output : "");
}

static int finished;
static void fetch_and_note(void *arg)
{
    struct job *j = arg;
    j->err = eddy_http_fetch(client, &j->req, &j->resp);
    if (++finished == 6)
        eddy_loop_stop();
}

TestSuite(client_queue, .init = start_site, .fini = stop_all, .timeout = 30);

Test(client_queue, max_clients_queues_the_rest_in_order)
{
    eddy_http_client_config cfg;
    eddy_http_client_config_defaults(&cfg);
    cfg.max_clients = 2;
    client = eddy_http_client_new(&cfg);
    static struct job jobs[6];
    char urls[6][128];
    for (int i = 0; i < 6; i++) {
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/page/%d", site.port, i);
        jobs[i] = (struct job){.req = {.url = urls[i]}};
        cr_assert_not_null(eddy_task_spawn(fetch_and_note, &jobs[i]));
    }
    long long t0 = th_now_ms();
    eddy_loop_run();
    long long ms = th_now_ms() - t0;
    cr_expect_geq(ms, 290, "6 pages of 100 ms, 2 at a time, take 3 rounds: %lld ms", ms);
    eddy_http_client_stats st;
    eddy_http_client_stats_get(client, &st);
    cr_expect_leq(st.connections, 2);
    cr_expect_eq(st.requests, 6);
    for (int i = 0; i < 6; i++) {
        cr_expect_eq(jobs[i].err, 0);
        cr_expect_eq(jobs[i].resp->status, 200);
        /* queued in order: page i waited about (i / 2) rounds */
        cr_expect_geq(jobs[i].resp->queue_ms, (i / 2) * 100 - 20, "page %d queued %.0f ms", i,
                      jobs[i].resp->queue_ms);
        eddy_http_response_free(jobs[i].resp);
    }
}

Test(client_queue, max_per_host_caps_the_connections_to_one_server)
{
    eddy_http_client_config cfg;
    eddy_http_client_config_defaults(&cfg);
    cfg.max_clients = 10;
    cfg.max_per_host = 2; /* the cap, not max_clients, is what holds them back */
    client = eddy_http_client_new(&cfg);
    static struct job jobs[6];
    char urls[6][128];
    for (int i = 0; i < 6; i++) {
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/page/%d", site.port, 10 + i);
        jobs[i] = (struct job){.req = {.url = urls[i]}};
        cr_assert_not_null(eddy_task_spawn(fetch_and_note, &jobs[i]));
    }
    long long t0 = th_now_ms();
    eddy_loop_run();
    long long ms = th_now_ms() - t0;
    cr_expect_geq(ms, 290, "6 pages of 100 ms, 2 connections, take 3 rounds: %lld ms", ms);
    eddy_http_client_stats st;
    eddy_http_client_stats_get(client, &st);
    cr_expect_leq(st.connections, 2, "opened %ld connections", (long)st.connections);
    cr_expect_eq(st.requests, 6);
    for (int i = 0; i < 6; i++) {
        cr_expect_eq(jobs[i].err, 0);
        cr_expect_eq(jobs[i].resp->status, 200);
        eddy_http_response_free(jobs[i].resp);
    }
}

/* ------------------------------------------------------------ credentials and redirects */

static int secret_port;

/* /to-self and /to-other redirect to /echo on this server, named the same
 * way or by another host name; /echo answers with the credentials it got. */
static void credentials_app(eddy_req *r, void *arg)
{
    (void)arg;
    eddy_str path = eddy_request_path(r);
    char where[128];
    if (eddy_str_eq(path, "/to-self") || eddy_str_eq(path, "/to-other")) {
        snprintf(where, sizeof where, "http://%s:%d/echo",
                 eddy_str_eq(path, "/to-self") ? "127.0.0.1" : "localhost", secret_port);
        eddy_response_status(r, 302);
        eddy_response_set_header(r, "Location", where);
        return;
    }
    const eddy_str *auth = eddy_request_header(r, "Authorization");
    const eddy_str *cookie = eddy_request_header(r, "Cookie");
    eddy_writef(r, "authorization=[%.*s] cookie=[%.*s]\n", auth ? (int)auth->len : 0,
                auth ? auth->p : "", cookie ? (int)cookie->len : 0, cookie ? cookie->p : "");
}

Test(client_credentials, a_redirect_to_another_host_drops_authorization_and_cookies,
     .timeout = 20)
{
    serve_thread t;
    serve_thread_init(&t);
    t.fn = credentials_app;
    cr_assert_eq(serve_thread_start(&t), 0);
    secret_port = t.port;
    client = eddy_http_client_new(NULL);
    static const char *const creds[] = {"Authorization: Bearer s3cret", "Cookie: session=abc",
                                        NULL};
    char u[96];
    int err;
    snprintf(u, sizeof u, "http://127.0.0.1:%d/to-self", t.port);
    eddy_http_response *r = fetch((eddy_http_request){.url = u, .headers = creds}, &err);
    cr_assert_eq(err, 0, "%s", r->error_text);
    cr_expect_str_eq(r->body, "authorization=[Bearer s3cret] cookie=[session=abc]\n",
                     "the same origin keeps them");
    eddy_http_response_free(r);
    snprintf(u, sizeof u, "http://127.0.0.1:%d/to-other", t.port);
    r = fetch((eddy_http_request){.url = u, .headers = creds}, &err);
    cr_assert_eq(err, 0, "%s", r->error_text); /* localhost: ::1 may be refused first */
    cr_expect_str_eq(r->body, "authorization=[] cookie=[]\n",
                     "another host must not see the credentials");
    eddy_http_response_free(r);
    stop_all();
    serve_thread_stop(&t);
}

/* ------------------------------------------------------------ IPv6 */

static void answer_once(eddy_req *r, void *arg)
{
    (void)arg;
    eddy_write_str(r, "over IPv6\n");
}

Test(client_ipv6, fetches_from_the_ipv6_loopback, .timeout = 20)
{
    serve_thread t;
    serve_thread_init(&t);
    t.cfg.address = "::1";
    t.fn = answer_once;
    if (serve_thread_start(&t) < 0)
        cr_skip("IPv6 loopback (::1) is not available on this machine: skipping the IPv6 fetch");
    client = eddy_http_client_new(NULL);
    char u[64];
    snprintf(u, sizeof u, "http://[::1]:%d/", t.port);
    eddy_http_response *r = expect_ok(u, 200, "over IPv6\n");
    eddy_http_response_free(r);
    stop_all();
    serve_thread_stop(&t);
}
