/*
 * response - collect an HTTP response that arrives in pieces, one callback
 * at a time.
 *
 * In a blocking fetch, "read the response" is one loop in one function: its
 * local variables hold what has arrived so far. On the event loop there is
 * no such function. The loop calls us each time a little more has arrived,
 * and everything that must survive until the next call (the bytes so far,
 * how many) lives in this struct instead of on a stack.
 *
 * response_read() is the exercise of lesson 09.
 */
#ifndef LESSON09_RESPONSE_H
#define LESSON09_RESPONSE_H

#include <stddef.h>

enum { RESPONSE_MAX = 8 << 20 }; /* refuse responses larger than 8 MB */

struct response {
    char *data;      /* every byte received so far (malloc'd, grows) */
    size_t len, cap; /* bytes used / allocated in data */
    int status;      /* once complete: the HTTP status code */
    size_t body_off; /* once complete: where the body starts in data */
};

/* response_read - one step: the loop says fd is readable, so read whatever
 * has arrived (never wait) and append it to r->data, growing it as needed.
 *   0   more to come: call again when fd is readable (EAGAIN was reached)
 *   1   complete: the server closed the connection (EOF); r->status and
 *       r->body_off are set from the bytes received
 *  -1   failed, errno set: recv()'s error, EFBIG past RESPONSE_MAX bytes,
 *       or EPROTO if what arrived is not an HTTP/1.x response
 * Retries EINTR. */
int response_read(int fd, struct response *r);

/* response_parse - set r->status and r->body_off from r->data; 0, or -1
 * (errno EPROTO) if there is no "HTTP/1.x NNN" line or no blank line. */
int response_parse(struct response *r);

/* response_free - release r->data; r can be used again afterwards. */
void response_free(struct response *r);

#endif
