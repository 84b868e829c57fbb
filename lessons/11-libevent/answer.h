/*
 * answer - lesson 11: answer the requests waiting in a bufferevent's input.
 *
 * The heart of the hello server's read callback, on its own so it can be
 * an exercise and be tested without sockets. libevent has already done the
 * reading: the bytes sit in an evbuffer, however the kernel split them.
 * This finds whole requests there, answers them in order into the output
 * evbuffer (libevent does the writing), and says why it stopped.
 */
#ifndef LESSON11_ANSWER_H
#define LESSON11_ANSWER_H

#include <event2/buffer.h>
#include <stdbool.h>
#include <stddef.h>

/* Why answer_requests() stopped. */
enum answer_stop {
    ANSWER_WAIT,  /* no complete request left in `in`: wait for more input */
    ANSWER_SLOW,  /* a /slow request: its answer is in res->later; send it
                     after HTTP_SLOW_MS, and answer the requests behind it
                     (still in `in`) only after that */
    ANSWER_CLOSE, /* the last answer closes the connection (Connection: close,
                     HTTP/1.0, or a malformed request answered with 400):
                     read no more, close once `out` has been sent */
};

/* What answer_requests() did, for the caller. */
struct answer_result {
    int answered;       /* requests taken from `in` (added to, not reset) */
    const char *later;  /* ANSWER_SLOW: the answer to send when the timer fires */
    size_t later_len;
    bool later_close;   /* ANSWER_SLOW: close after sending it */
};

/* answer_requests - answer every complete request at the front of in, in
 * the order they came: remove it (head and any Content-Length body) from
 * in, append its answer to out. Stops at an incomplete request, at /slow,
 * or after an answer that closes; a head that is malformed or longer than
 * HTTP_HEAD_MAX gets the 400 answer, and everything left in `in` is
 * dropped. */
enum answer_stop answer_requests(struct evbuffer *in, struct evbuffer *out,
                                 struct answer_result *res);

#endif
