/*
 * answer - lesson 11: find whole requests in an evbuffer and answer them.
 *
 * Compare with conn_answer() in lesson 06's server.c: there the input was
 * one fixed array we memmove()d after each batch, and the output another
 * whose free room we checked before every answer. Here both are evbuffers:
 * chains of blocks that grow as needed and give back what is drained, so
 * the code only finds, parses, drains and appends.
 */
#include "answer.h"

#include "http.h"

/* quote:begin answer-requests */
enum answer_stop answer_requests(struct evbuffer *in, struct evbuffer *out,
                                 struct answer_result *res)
{
    size_t len;
    const char *text;
    for (;;) {
        /* The head ends at the first blank line. The input may be spread
         * over several chunks; evbuffer_search looks across them. */
        size_t have = evbuffer_get_length(in);
        struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
        if (end.pos < 0) {
            if (have < HTTP_HEAD_MAX)
                return ANSWER_WAIT; /* the rest of the head is still on its way */
            break;                  /* no end in sight: refuse */
        }
        size_t head_len = (size_t)end.pos + 4;
        if (head_len > HTTP_HEAD_MAX)
            break;
        /* The parser wants the head in one piece: pullup makes the first
         * head_len bytes contiguous (copying only if they straddle chunks). */
        struct http_request r;
        const char *head = (const char *)evbuffer_pullup(in, (ev_ssize_t)head_len);
        long body = head ? http_parse_head(head, head_len, &r) : -1;
        if (body < 0)
            break;
        if (have < head_len + (size_t)body)
            return ANSWER_WAIT; /* its body is still on its way */
        enum http_answer a = http_route(&r); /* before the drain: r.path points into in */
        evbuffer_drain(in, head_len + (size_t)body);
        res->answered++;
        text = http_answer_text(a, &r, &len);
        if (a == HTTP_SLOW) { /* park it: the requests behind wait their turn */
            res->later = text;
            res->later_len = len;
            res->later_close = !r.keep_alive;
            return ANSWER_SLOW;
        }
        evbuffer_add(out, text, len); /* copied into out's last chunk: no write() yet */
        if (!r.keep_alive)
            return ANSWER_CLOSE;
    }
    text = http_bad_request(&len);
    evbuffer_add(out, text, len);
    evbuffer_drain(in, evbuffer_get_length(in));
    return ANSWER_CLOSE;
}
/* quote:end answer-requests */
