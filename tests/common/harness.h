/*
 * harness - run a program under test and talk to it over loopback.
 *
 * Tests start a lesson's server (or the forum) in a child process on
 * 127.0.0.1 with port 0, learn the port from the URL the program prints on
 * start, wait until it accepts, and talk to it over raw sockets with
 * timeouts. Children are always reaped: th_stop() in the test, and
 * PR_SET_PDEATHSIG so a test that crashes or times out still takes its
 * child down with it. Nothing here asserts; functions return -1/NULL and
 * the test decides.
 */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#ifndef TEST_BUILD_DIR
#define TEST_BUILD_DIR "build"
#endif

typedef struct th_proc {
    pid_t pid;    /* 0 once reaped */
    int out_fd;   /* read end of the child's stdout+stderr, -1 when closed */
    int port;     /* the port the child printed, 0 if none */
    char *output; /* everything read from the child so far, NUL-terminated */
    size_t output_len;
    int status;   /* wait status once reaped */
} th_proc;

/* th_path - TEST_BUILD_DIR/rel in a static buffer (for argv[0]). */
const char *th_path(const char *rel);

/* th_start - run argv with stdout+stderr captured; 0 or -1. */
int th_start(th_proc *p, char *const argv[]);

/* th_start_server - th_start, then wait (up to timeout_ms) for the child to
 * print "127.0.0.1:<port>" and for that port to accept; 0 or -1 (the child
 * is stopped and its output kept in p->output for the failure message). */
int th_start_server(th_proc *p, char *const argv[], int timeout_ms);

/* th_read_output - collect the child's output until it contains needle (or
 * until EOF when needle is NULL) or timeout_ms passes; 0 if found/EOF. */
int th_read_output(th_proc *p, const char *needle, int timeout_ms);

/* th_drain_output - collect what the child has written so far, without
 * waiting: a test that reads the output only now and then calls it after
 * each exchange, so a long test's log never fills the pipe meanwhile. */
void th_drain_output(th_proc *p);

/* th_stop - SIGTERM, wait up to 2 s, then SIGKILL; reap, collect output.
 * Returns the wait status. Safe to call twice. */
int th_stop(th_proc *p);

/* th_wait - wait up to timeout_ms for the child to exit by itself, collect
 * its output; the wait status, or -1 on timeout (the child is killed). */
int th_wait(th_proc *p, int timeout_ms);

void th_free(th_proc *p);

/* th_run - run argv to completion (killed after timeout_ms); returns the
 * wait status or -1, output (stdout+stderr) in *output (free() it). */
int th_run(char *const argv[], int timeout_ms, char **output);

/* th_connect - a TCP connection to 127.0.0.1:port, or -1. */
int th_connect(int port, int timeout_ms);

/* th_send - write all of len bytes; 0 or -1. */
int th_send(int fd, const void *data, size_t len);
int th_send_str(int fd, const char *s);

/* th_recv_until - read into buf (NUL-terminated, at most cap-1 bytes)
 * until it contains needle, EOF (needle NULL), or timeout_ms; returns the
 * byte count, or -1 on error/timeout. */
ssize_t th_recv_until(int fd, char *buf, size_t cap, const char *needle, int timeout_ms);

/* th_closed_within - 1 if the peer closes fd within timeout_ms (data that
 * arrives first is discarded), 0 if it stays open. */
int th_closed_within(int fd, int timeout_ms);

/* th_now_ms - a monotonic clock in milliseconds. */
long long th_now_ms(void);

/* th_slack_ms - extra time a timing bound allows: 0 normally, the value
 * of TEST_SLACK_MS when set (make valgrind sets it, since programs under
 * valgrind run tens of times slower). Timing claims are checked by the
 * plain and sanitizer runs; under valgrind the same tests check behaviour. */
long long th_slack_ms(void);

#endif
