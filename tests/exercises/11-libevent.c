/*
 * Exercise 11: answer_requests() (exercises/11-libevent/answer.c).
 *
 * The function sees only evbuffers, so the tests fill one the way a
 * bufferevent would - a byte at a time, in separate chunks, pipelined, cut
 * in the middle of a body - and check the exact bytes of the answers and
 * what is left in the input. The last test runs it for real as the read
 * callback of one end of a bufferevent pair, on an event_base.
 */
#include "answer.h"
#include "http.h"

#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define HELLO "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, world!\n"
#define HELLO_CLOSE                                                                            \
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n"                   \
    "Connection: close\r\n\r\nHello, world!\n"
#define NOT_FOUND "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nNot found\n"
#define HEAD_HELLO "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\n"
#define BAD                                                                                    \
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"          \
    "Connection: close\r\n\r\nBad request\n"

static struct evbuffer *in, *out;

static void setup(void)
{
    in = evbuffer_new();
    out = evbuffer_new();
    cr_assert(in && out);
}

static void teardown(void)
{
    evbuffer_free(in);
    evbuffer_free(out);
}

/* text_of - the whole of b as a NUL-terminated string (free() it). */
static char *text_of(struct evbuffer *b)
{
    size_t len = evbuffer_get_length(b);
    char *s = malloc(len + 1);
    cr_assert(s);
    evbuffer_copyout(b, s, len);
    s[len] = '\0';
    return s;
}

static void assert_buffer(struct evbuffer *b, const char *want, const char *what)
{
    char *got = text_of(b);
    cr_assert_str_eq(got, want, "%s: expected\n%s\ngot\n%s", what, want, got);
    free(got);
}

TestSuite(ex11, .init = setup, .fini = teardown, .timeout = 10);

Test(ex11, one_request_answered_and_consumed)
{
    struct answer_result res = {0};
    evbuffer_add_printf(in, "GET / HTTP/1.1\r\nHost: example\r\n\r\n");
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_WAIT);
    assert_buffer(out, HELLO, "the answer to GET /");
    cr_assert_eq(evbuffer_get_length(in), 0, "the request must be drained from the input");
    cr_assert_eq(res.answered, 1);
}

Test(ex11, pipelined_requests_in_order_at_every_split)
{
    static const char reqs[] = "GET / HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                               "HEAD / HTTP/1.1\r\n\r\n";
    size_t n = sizeof reqs - 1;
    /* Two chunks split at k: the head of a request straddles them. */
    for (size_t k = 1; k < n; k++) {
        struct answer_result res = {0};
        evbuffer_drain(out, evbuffer_get_length(out));
        evbuffer_add_reference(in, reqs, k, NULL, NULL);
        cr_assert_eq(answer_requests(in, out, &res), ANSWER_WAIT, "split at %zu", k);
        evbuffer_add_reference(in, reqs + k, n - k, NULL, NULL);
        cr_assert_eq(answer_requests(in, out, &res), ANSWER_WAIT, "split at %zu", k);
        assert_buffer(out, HELLO NOT_FOUND HEAD_HELLO, "three pipelined answers, in order");
        cr_assert_eq(res.answered, 3, "split at %zu", k);
        cr_assert_eq(evbuffer_get_length(in), 0);
    }
    /* And a byte at a time. */
    struct answer_result res = {0};
    evbuffer_drain(out, evbuffer_get_length(out));
    for (size_t i = 0; i < n; i++) {
        evbuffer_add(in, reqs + i, 1);
        answer_requests(in, out, &res);
    }
    assert_buffer(out, HELLO NOT_FOUND HEAD_HELLO, "a byte at a time");
}

Test(ex11, slow_parks_the_requests_behind_it)
{
    struct answer_result res = {0};
    evbuffer_add_printf(in, "GET /slow HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_SLOW);
    cr_assert_eq(evbuffer_get_length(out), 0, "/slow's answer waits for the timer");
    cr_assert(res.later && res.later_len > 0);
    cr_assert(memmem(res.later, res.later_len, "Hello, slow world!\n", 19),
              "res->later must hold the /slow answer");
    cr_assert_not(res.later_close);
    assert_buffer(in, "GET / HTTP/1.1\r\n\r\n", "the request behind /slow stays in the input");
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_WAIT);
    assert_buffer(out, HELLO, "answered after the timer");
    cr_assert_eq(res.answered, 2);
}

Test(ex11, close_and_http10_stop_answering)
{
    struct answer_result res = {0};
    evbuffer_add_printf(in, "GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_CLOSE);
    assert_buffer(out, HELLO_CLOSE, "one answer, with Connection: close");
    cr_assert_eq(res.answered, 1);

    evbuffer_drain(in, evbuffer_get_length(in));
    evbuffer_drain(out, evbuffer_get_length(out));
    evbuffer_add_printf(in, "GET / HTTP/1.0\r\n\r\n");
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_CLOSE, "HTTP/1.0 closes by default");
    assert_buffer(out, HELLO_CLOSE, "HTTP/1.0 answer");
}

Test(ex11, malformed_and_oversized_get_400)
{
    struct answer_result res = {0};
    evbuffer_add_printf(in, "GET / HTTP/1.1\r\n\r\nBAD\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_CLOSE);
    assert_buffer(out, HELLO BAD, "the good request, then 400");
    cr_assert_eq(evbuffer_get_length(in), 0, "after a 400 nothing more is read");

    evbuffer_drain(out, evbuffer_get_length(out));
    char *big = malloc(HTTP_HEAD_MAX + 100);
    cr_assert(big);
    memset(big, 'a', HTTP_HEAD_MAX + 100);
    memcpy(big, "GET /", 5);
    evbuffer_add(in, big, HTTP_HEAD_MAX + 100); /* no end of head in sight */
    free(big);
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_CLOSE, "a head that never ends");
    assert_buffer(out, BAD, "400 for an oversized head");
}

Test(ex11, waits_for_the_whole_body)
{
    struct answer_result res = {0};
    evbuffer_add_printf(in, "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab");
    size_t before = evbuffer_get_length(in);
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_WAIT);
    cr_assert_eq(evbuffer_get_length(out), 0, "no answer before the body is all here");
    cr_assert_eq(evbuffer_get_length(in), before, "nothing drained yet");
    evbuffer_add_printf(in, "cdeGET / HTTP/1.1\r\n\r\n");
    cr_assert_eq(answer_requests(in, out, &res), ANSWER_WAIT);
    assert_buffer(out, HELLO HELLO, "the body is skipped, the next request answered");
    cr_assert_eq(evbuffer_get_length(in), 0);
}

/* ---------------------------------------------------------------- bufferevent pair */

struct pair_test {
    struct event_base *base;
    struct evbuffer *got; /* what the client end received */
    size_t want;
};

/* server_read - the server end: what the lesson's on_read does. */
static void server_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct answer_result res = {0};
    answer_requests(bufferevent_get_input(bev), bufferevent_get_output(bev), &res);
}

static void client_read(struct bufferevent *bev, void *arg)
{
    struct pair_test *t = arg;
    evbuffer_add_buffer(t->got, bufferevent_get_input(bev));
    if (evbuffer_get_length(t->got) >= t->want)
        event_base_loopexit(t->base, NULL);
}

Test(ex11, answers_through_a_bufferevent_pair)
{
    struct pair_test t = {.base = event_base_new(), .got = evbuffer_new(),
                          .want = 2 * strlen(HELLO) + strlen(NOT_FOUND)};
    cr_assert(t.base && t.got);
    struct bufferevent *ends[2];
    cr_assert_eq(bufferevent_pair_new(t.base, BEV_OPT_CLOSE_ON_FREE, ends), 0);
    bufferevent_setcb(ends[0], client_read, NULL, NULL, &t);
    bufferevent_setcb(ends[1], server_read, NULL, NULL, NULL);
    bufferevent_enable(ends[0], EV_READ | EV_WRITE);
    bufferevent_enable(ends[1], EV_READ | EV_WRITE);
    const char *reqs = "GET / HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n";
    for (size_t i = 0, n = strlen(reqs); i < n; i += 7) /* in pieces, as a network would */
        bufferevent_write(ends[0], reqs + i, n - i < 7 ? n - i : 7);
    struct timeval limit = {2, 0};
    event_base_loopexit(t.base, &limit);
    event_base_dispatch(t.base);
    assert_buffer(t.got, HELLO NOT_FOUND HELLO, "answers through the pair");
    bufferevent_free(ends[0]);
    bufferevent_free(ends[1]);
    evbuffer_free(t.got);
    event_base_free(t.base);
}
