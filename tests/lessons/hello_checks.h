/*
 * hello_checks - what every hello server of lessons 03-11 must do, checked
 * once and called from each lesson's tests.
 *
 * The hello servers answer "/" with "Hello, world!\n", "/slow" a second
 * later with "Hello, slow world!\n", anything else with 404 "Not found\n",
 * and garbage with 400 "Bad request\n" and a close. A check takes the port
 * of a server the test has started, talks to it over raw sockets with the
 * harness's timeouts, and fails the test with cr_assert where the server
 * falls short; a lesson's test file is then a list of Test() entries that
 * name which checks its server must pass, beside its own lesson-specific
 * tests.
 */
#ifndef TEST_HELLO_CHECKS_H
#define TEST_HELLO_CHECKS_H

#include "harness.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>

/* hc_start - start prog (relative to the build dir) with "--port 0" and the
 * NULL-terminated extra arguments (extra may be NULL) into *p; fails the
 * test, with what the program said, when it does not start. */
void hc_start(th_proc *p, const char *prog, char *const extra[]);

/* hc_count - occurrences of needle in s. */
int hc_count(const char *s, const char *needle);

/* hc_ask - one request on fd; the response, through `until` (within 3 s),
 * in buf. */
void hc_ask(int fd, const char *request, const char *until, char *buf, size_t cap);

/* hc_ask_hello - GET / on fd (HTTP/1.1, kept alive) is answered with the
 * hello within 3 s. */
void hc_ask_hello(int fd);

/* hc_keep_alive - three requests on one connection, which stays open;
 * "Connection: close" is honoured; HTTP/1.0 closes unless asked. */
void hc_keep_alive(int port);

/* hc_pipelined_in_order - /slow, / and a 404 in one write come back in
 * that order; when timed, not before /slow's second has passed. */
void hc_pipelined_in_order(int port, bool timed);

/* hc_long_pipeline - n requests for / in one write (more than the server's
 * input buffer), then one for a 404: n hellos come back. */
void hc_long_pipeline(int port, int n);

/* hc_slow_blocks_nobody - while one client waits for /slow, another gets
 * / at once. */
void hc_slow_blocks_nobody(int port);

/* hc_half_and_deaf_delay_nobody - a client that sent half a request and
 * one that pipelines requests but never reads the answers do not hold up
 * three normal clients, and the half request is answered once it ends.
 * must_stop_reading: also fail if the server kept reading the deaf client
 * (8 MiB of requests taken without a pause). */
void hc_half_and_deaf_delay_nobody(int port, bool must_stop_reading);

/* hc_malformed_gets_400_and_close - four kinds of bad request each get a
 * 400 and a close; a request head of endless_head bytes that never ends is
 * refused with a 400 too. */
void hc_malformed_gets_400_and_close(int port, size_t endless_head);

/* hc_garbage_gets_400_and_close - "HELLO THERE" gets a 400 and the
 * connection closed, and the server carries on: an HTTP/1.0 request on a
 * new connection is answered. */
void hc_garbage_gets_400_and_close(int port);

/* hc_stop_prints_summary - one request for /, then SIGTERM: the server
 * exits with status 0 and its output has each of the NULL-terminated
 * strings that follow. */
void hc_stop_prints_summary(th_proc *server, ...) __attribute__((sentinel));

/* hc_need_fds_past_fd_setsize - raise the fd limit (the server started
 * afterwards inherits it) far enough to open more than FD_SETSIZE
 * connections, or skip the test when the hard limit does not allow it. */
void hc_need_fds_past_fd_setsize(void);

/* hc_connect_all - n connections to port in fds; fails the test unless
 * every one opens. */
void hc_connect_all(int port, int *fds, int n);

/* HC_HELLO_SERVER_TESTS(suite, init, fini, port) - the six checks above
 * that the single-threaded servers of lessons 04-06 share, as one Test()
 * each so that a failure names the behaviour: keep-alive, in-order and
 * long pipelines (300 requests, about 8 KiB: more than one input buffer),
 * /slow blocking nobody, half requests and deaf clients, malformed input.
 * init/fini start and stop the server; port is where it listens. */
#define HC_HELLO_SERVER_TESTS(suite, init_fn, fini_fn, port)                                       \
    Test(suite, hello_with_keep_alive, .init = init_fn, .fini = fini_fn, .timeout = 20)            \
    {                                                                                              \
        hc_keep_alive(port);                                                                       \
    }                                                                                              \
    Test(suite, pipelined_requests_are_answered_in_order, .init = init_fn, .fini = fini_fn,        \
         .timeout = 20)                                                                            \
    {                                                                                              \
        hc_pipelined_in_order(port, true);                                                         \
    }                                                                                              \
    Test(suite, a_long_pipeline_larger_than_the_buffer_is_answered_whole, .init = init_fn,         \
         .fini = fini_fn, .timeout = 20)                                                           \
    {                                                                                              \
        hc_long_pipeline(port, 300);                                                               \
    }                                                                                              \
    Test(suite, slow_does_not_block_other_clients, .init = init_fn, .fini = fini_fn,               \
         .timeout = 20)                                                                            \
    {                                                                                              \
        hc_slow_blocks_nobody(port);                                                               \
    }                                                                                              \
    Test(suite, a_half_request_and_a_client_that_never_reads_delay_nobody, .init = init_fn,        \
         .fini = fini_fn, .timeout = 30)                                                           \
    {                                                                                              \
        hc_half_and_deaf_delay_nobody(port, false);                                                \
    }                                                                                              \
    Test(suite, malformed_input_gets_400_and_close, .init = init_fn, .fini = fini_fn,              \
         .timeout = 20)                                                                            \
    {                                                                                              \
        hc_malformed_gets_400_and_close(port, 5000);                                               \
    }

#endif
