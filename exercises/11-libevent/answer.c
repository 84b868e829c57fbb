/*
 * answer - lesson 11: find whole requests in an evbuffer and answer them.
 *
 * Exercise 11: fill in answer_requests() (see answer.h for what it must
 * do). `make progress` runs the tests in tests/exercises/11-libevent.c
 * against this file; the lesson's server uses the same function.
 */
#include "answer.h"

#include "http.h"

enum answer_stop answer_requests(struct evbuffer *in, struct evbuffer *out,
                                 struct answer_result *res)
{
    /* TODO: answer every complete request at the front of `in`, in order.
     * Loop:
     * - evbuffer_search(in, "\r\n\r\n", 4, NULL) finds the end of the head
     *   (pos < 0: not here yet). Not found and fewer than HTTP_HEAD_MAX
     *   bytes waiting: return ANSWER_WAIT. A head longer than that: 400.
     * - evbuffer_pullup(in, head_len) gives the head in one piece (head_len
     *   = pos + 4); http_parse_head() returns its body length or -1 (400).
     * - If the body is not all in `in` yet: return ANSWER_WAIT.
     * - http_route() the request *before* evbuffer_drain() removes head and
     *   body (the request's path points into the buffer); count it in
     *   res->answered.
     * - HTTP_SLOW: put http_answer_text() into res->later / later_len,
     *   res->later_close = !keep_alive, return ANSWER_SLOW.
     * - Otherwise evbuffer_add(out, text, len); if the request does not
     *   keep the connection alive, return ANSWER_CLOSE.
     * 400: add http_bad_request() to out, drain all of `in`, ANSWER_CLOSE. */
    (void)in;
    (void)out;
    (void)res;
    return ANSWER_WAIT;
}
