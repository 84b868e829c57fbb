/*
 * Exercise 01: send_all(), read_response() and parse_status_line()
 * (exercises/01-blocking-fetch/httpio.c).
 *
 * The tests push bytes through a socketpair the way a network does: in
 * pieces, slowly, interrupted by signals, cut off by the peer; and they
 * put a status line right before an unreadable page, so a parser that
 * looks one byte too far crashes instead of passing by luck.
 */
#include "httpio.h"

#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int pair[2];

static void make_pair(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
}

static void close_pair(void)
{
    if (pair[0] >= 0)
        close(pair[0]);
    if (pair[1] >= 0)
        close(pair[1]);
}

static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + i / 256);
}

/* A reader that takes a little at a time, so the sender sees short sends. */
struct slow_reader {
    int fd;
    size_t got;
    unsigned char *data;
    size_t cap;
};

static void *read_slowly(void *arg)
{
    struct slow_reader *s = arg;
    for (;;) {
        ssize_t n = read(s->fd, s->data + s->got, s->cap - s->got < 777 ? s->cap - s->got : 777);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        s->got += (size_t)n;
        if (s->got % 50 < 7)
            usleep(100);
    }
}

static void on_alarm(int sig) { (void)sig; }

/* alarms_every_ms - SIGALRM every millisecond, without SA_RESTART, so a
 * blocked send() or recv() returns early with EINTR. 0 stops them. */
static void alarms_every_ms(int on)
{
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = {{0, on ? 1000 : 0}, {0, on ? 1000 : 0}};
    setitimer(ITIMER_REAL, &t, NULL);
}

/* start_helper - a thread that never takes SIGALRM (the test thread does). */
static void start_helper(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

Test(send_all, delivers_every_byte_through_a_small_buffer, .init = make_pair,
     .fini = close_pair, .timeout = 10)
{
    int small = 4096;
    setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    size_t n = 2 << 20;
    unsigned char *out = malloc(n);
    struct slow_reader s = {.fd = pair[1], .data = malloc(n + 1), .cap = n + 1};
    fill(out, n);
    pthread_t t;
    pthread_create(&t, NULL, read_slowly, &s);
    int rc = send_all(pair[0], out, n);
    shutdown(pair[0], SHUT_WR);
    pthread_join(t, NULL);
    cr_assert_eq(rc, 0, "send_all returned %d (errno %s)", rc, strerror(errno));
    cr_assert_eq(s.got, n, "the reader got %zu of %zu bytes", s.got, n);
    cr_assert(memcmp(out, s.data, n) == 0, "the bytes arrived changed or out of order");
    free(out);
    free(s.data);
}

Test(send_all, survives_signals_mid_send, .init = make_pair, .fini = close_pair, .timeout = 10)
{
    /* 4 MiB under a signal every millisecond; a quarter of it under valgrind,
     * which runs the reader and writer tens of times slower. */
    size_t n = th_slack_ms() ? 1 << 20 : 4 << 20;
    unsigned char *out = malloc(n);
    struct slow_reader s = {.fd = pair[1], .data = malloc(n + 1), .cap = n + 1};
    fill(out, n);
    pthread_t t;
    start_helper(&t, read_slowly, &s);
    alarms_every_ms(1);
    int rc = send_all(pair[0], out, n);
    alarms_every_ms(0);
    shutdown(pair[0], SHUT_WR);
    pthread_join(t, NULL);
    cr_assert_eq(rc, 0, "send_all returned %d (errno %s)", rc, strerror(errno));
    cr_assert_eq(s.got, n, "the reader got %zu of %zu bytes", s.got, n);
    cr_assert(memcmp(out, s.data, n) == 0);
    free(out);
    free(s.data);
}

Test(send_all, reports_a_closed_peer_as_EPIPE_without_dying, .init = make_pair,
     .fini = close_pair, .timeout = 10)
{
    /* SIGPIPE at its default action: without MSG_NOSIGNAL the test
     * process dies, and Criterion reports a crash. */
    signal(SIGPIPE, SIG_DFL);
    close(pair[1]);
    pair[1] = -1;
    errno = 0;
    cr_assert_eq(send_all(pair[0], "x", 1), -1, "sending to a closed peer is an error");
    cr_assert_eq(errno, EPIPE, "errno is %s, expected EPIPE", strerror(errno));
}

/* A writer thread sending the pieces of an answer apart, then closing. */
struct pieces {
    int fd;
    const char *const *piece;
    size_t count;
    int close_at_end;
};

static void *send_pieces(void *arg)
{
    struct pieces *p = arg;
    for (size_t i = 0; i < p->count; i++) {
        size_t len = strlen(p->piece[i]);
        if (write(p->fd, p->piece[i], len) != (ssize_t)len)
            break;
        usleep(20000); /* long enough that each piece is a recv() of its own */
    }
    if (p->close_at_end)
        shutdown(p->fd, SHUT_WR);
    return NULL;
}

static const char *const answer[] = {"HTT", "P/1.0 404 Not", " Found\r\nContent-Length: 10\r\n",
                                     "\r", "\n01234", "56789"};

Test(read_response, reads_an_answer_split_into_pieces_until_EOF, .init = make_pair,
     .fini = close_pair, .timeout = 10)
{
    struct pieces p = {pair[1], answer, 6, 1};
    pthread_t t;
    pthread_create(&t, NULL, send_pieces, &p);
    struct response r;
    response_init(&r);
    int rc = read_response(pair[0], &r);
    pthread_join(t, NULL);
    cr_assert_eq(rc, 0, "read_response returned %d (errno %s)", rc, strerror(errno));
    cr_assert_eq(r.total, 56, "read %lld bytes, the answer has 56", r.total);
    cr_assert_eq(response_body_bytes(&r), 10, "the body is 10 bytes");
    cr_assert(memcmp(r.head, "HTTP/1.0 404 Not Found\r\n", 24) == 0, "head: %.*s",
              (int)r.head_len, r.head);
}

Test(read_response, survives_signals_while_waiting, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    struct pieces p = {pair[1], answer, 6, 1};
    pthread_t t;
    start_helper(&t, send_pieces, &p);
    alarms_every_ms(1); /* recv() sleeps 20 ms between pieces: many EINTRs */
    struct response r;
    response_init(&r);
    int rc = read_response(pair[0], &r);
    alarms_every_ms(0);
    pthread_join(t, NULL);
    cr_assert_eq(rc, 0, "read_response returned %d (errno %s)", rc, strerror(errno));
    cr_assert_eq(r.total, 56, "read %lld bytes, the answer has 56", r.total);
}

static void *write_big(void *arg)
{
    int fd = *(int *)arg;
    static char block[65536];
    memset(block, 'x', sizeof block);
    memcpy(block, "HTTP/1.1 200 OK\r\n\r\n", 19);
    for (int i = 0; i < 32; i++) /* 2 MiB */
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
            break;
    shutdown(fd, SHUT_WR);
    return NULL;
}

Test(read_response, counts_a_body_much_larger_than_its_buffer, .init = make_pair,
     .fini = close_pair, .timeout = 10)
{
    pthread_t t;
    pthread_create(&t, NULL, write_big, &pair[1]);
    struct response r;
    response_init(&r);
    int rc = read_response(pair[0], &r);
    cr_assert_eq(rc, 0, "read_response returned %d (errno %s)", rc, strerror(errno));
    pthread_join(t, NULL);
    cr_assert_eq(r.total, 32 * 65536LL, "read %lld bytes of %lld", r.total, 32 * 65536LL);
    cr_assert_eq(response_body_bytes(&r), 32 * 65536LL - 19);
}

Test(read_response, reports_a_reset_connection, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    /* Closing a UNIX socket with unread data in it resets the connection:
     * the other end's next recv() fails with ECONNRESET. */
    cr_assert_eq(write(pair[0], "unread", 6), 6);
    close(pair[1]);
    pair[1] = -1;
    struct response r;
    response_init(&r);
    errno = 0;
    cr_assert_eq(read_response(pair[0], &r), -1, "a reset is an error, not an end");
    cr_assert_eq(errno, ECONNRESET, "errno is %s, expected ECONNRESET", strerror(errno));
}

/* at_page_end - a copy of s ending exactly where an unreadable page starts. */
static const char *at_page_end(const char *s)
{
    static char *pages;
    long page = sysconf(_SC_PAGESIZE);
    if (!pages) {
        pages = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        cr_assert_neq(pages, MAP_FAILED);
        mprotect(pages + page, (size_t)page, PROT_NONE);
    }
    size_t len = strlen(s);
    char *at = pages + page - len;
    memcpy(at, s, len);
    return at;
}

static int status_of(const char *line)
{
    return parse_status_line(at_page_end(line), strlen(line));
}

Test(parse_status_line, reads_the_status_code, .timeout = 10)
{
    cr_assert_eq(status_of("HTTP/1.1 200 OK\r\n"), 200);
    cr_assert_eq(status_of("HTTP/1.0 404 Not Found\r\nContent-Length: 3\r\n"), 404);
    cr_assert_eq(status_of("HTTP/1.1 503\r\n"), 503);
    cr_assert_eq(status_of("HTTP/1.1 301 Moved\n"), 301);
    cr_assert_eq(status_of("HTTP/1.1 204"), 204, "a status line may end where the bytes end");
}

Test(parse_status_line, refuses_what_is_not_a_status_line, .timeout = 10)
{
    const char *bad[] = {"",
                         "HTTP/1.1",
                         "HTTP/1.1 ",
                         "HTTP/1.1 20",
                         "HTTP/1.1 2000 OK\r\n",
                         "HTTP/1.1 2x0 OK\r\n",
                         "HTTP/1.1 099 Low\r\n",
                         "HTTP/1.1 600 High\r\n",
                         "HTTP/2 200 OK\r\n",
                         "HTTP/1.1  200 OK\r\n",
                         "http/1.1 200 OK\r\n",
                         "SSH-2.0-OpenSSH_9.2\r\n",
                         "<html>200</html>"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(status_of(bad[i]), -1, "\"%s\" is not a status line", bad[i]);
    /* Only the first len bytes count, whatever follows them. */
    cr_assert_eq(parse_status_line("HTTP/1.1 200 OK", 10), -1, "\"HTTP/1.1 2\" is cut short");
}
