/*
 * answer - lesson 11: find whole requests in an evbuffer and answer them.
 *
 * Exercise 11: write answer_requests() (see answer.h for what it must
 * do). `make progress` runs the tests in tests/exercises/11-libevent.c
 * against this file; the lesson's server uses the same function.
 */
#include "answer.h"

#include "http.h"

enum answer_stop answer_requests(struct evbuffer *in, struct evbuffer *out,
                                 struct answer_result *res)
{
    /* TODO: answer.h has the contract: answer the complete requests at the
     * front of `in`, in order, into `out`, and say why you stopped. A head
     * may be split across the evbuffer's chunks anywhere. http.h has the
     * parser, the router and the canned answers (http_bad_request() for a
     * 400); the request it fills in points into the bytes it parsed. */
    (void)in;
    (void)out;
    (void)res;
    return ANSWER_WAIT;
}
