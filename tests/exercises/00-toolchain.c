/*
 * Exercise 00: line_read() (exercises/00-toolchain/lineio.c), and the
 * write_all() given beside it.
 *
 * The tests push bytes through a socketpair the way a network does: in
 * pieces, slowly, interrupted by signals, many lines at once, and check
 * that the functions hide all of that.
 */
#include "lineio.h"

#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    close(pair[0]);
    close(pair[1]);
}

/* A reader that takes a little at a time, so the writer sees short writes. */
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

static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + i / 256);
}

Test(write_all, delivers_every_byte_through_a_small_buffer, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    int small = 4096;
    setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    size_t n = 2 << 20;
    unsigned char *out = malloc(n);
    struct slow_reader s = {.fd = pair[1], .data = malloc(n + 1), .cap = n + 1};
    fill(out, n);
    pthread_t t;
    pthread_create(&t, NULL, read_slowly, &s);
    int rc = write_all(pair[0], out, n);
    shutdown(pair[0], SHUT_WR);
    pthread_join(t, NULL);
    cr_assert_eq(rc, 0, "write_all returned %d (errno %s)", rc, strerror(errno));
    cr_assert_eq(s.got, n, "the reader got %zu of %zu bytes", s.got, n);
    cr_assert(memcmp(out, s.data, n) == 0, "the bytes arrived changed or out of order");
    free(out);
    free(s.data);
}

static void on_alarm(int sig) { (void)sig; }

Test(write_all, survives_signals_mid_write, .init = make_pair, .fini = close_pair, .timeout = 10)
{
    /* No SA_RESTART: a signal makes a blocked write() return early. */
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every_ms = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &every_ms, NULL);

    /* 4 MiB under a signal every millisecond; a quarter of it under valgrind,
     * which runs the reader and writer tens of times slower. */
    size_t n = th_slack_ms() ? 1 << 20 : 4 << 20;
    unsigned char *out = malloc(n);
    struct slow_reader s = {.fd = pair[1], .data = malloc(n + 1), .cap = n + 1};
    fill(out, n);
    pthread_t t;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &block, &old); /* the reader thread never takes the signal */
    pthread_create(&t, NULL, read_slowly, &s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    int rc = write_all(pair[0], out, n);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    shutdown(pair[0], SHUT_WR);
    pthread_join(t, NULL);
    cr_assert_eq(rc, 0, "write_all returned %d (errno %s)", rc, strerror(errno));
    cr_assert_eq(s.got, n, "the reader got %zu of %zu bytes", s.got, n);
    cr_assert(memcmp(out, s.data, n) == 0);
    free(out);
    free(s.data);
}

Test(write_all, reports_a_closed_peer, .init = make_pair, .fini = close_pair)
{
    signal(SIGPIPE, SIG_IGN);
    close(pair[1]);
    pair[1] = -1;
    errno = 0;
    cr_assert_eq(write_all(pair[0], "x", 1), -1, "writing to a closed peer is an error");
    cr_assert_eq(errno, EPIPE, "errno is %s, expected EPIPE", strerror(errno));
}

/* send_pieces - write each piece separately, pausing so they arrive apart. */
static void send_pieces(const char *const pieces[], size_t count)
{
    for (size_t i = 0; i < count; i++) {
        cr_assert_eq(write(pair[1], pieces[i], strlen(pieces[i])), (ssize_t)strlen(pieces[i]));
        usleep(2000);
    }
    shutdown(pair[1], SHUT_WR);
}

Test(line_read, joins_lines_split_across_reads, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    const char *pieces[] = {"hel", "lo\nwor", "ld\n", "\n", "last"};
    send_pieces(pieces, 5);
    struct line_reader r;
    line_reader_init(&r, pair[0]);
    char line[64];
    const char *want[] = {"hello", "world", "", "last"};
    for (size_t i = 0; i < 4; i++) {
        ssize_t n = line_read(&r, line, sizeof line);
        cr_assert_eq(n, (ssize_t)strlen(want[i]), "line %zu: got length %zd (errno %s)", i + 1,
                     n, strerror(errno));
        cr_assert_str_eq(line, want[i]);
    }
    errno = 12345;
    cr_assert_eq(line_read(&r, line, sizeof line), -1, "after the last line comes the end");
    cr_assert_eq(errno, 0, "end of input is errno 0, got %s", strerror(errno));
}

Test(line_read, hands_out_lines_that_arrived_together, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    const char *pieces[] = {"one\ntwo\nthree\n"};
    send_pieces(pieces, 1);
    struct line_reader r;
    line_reader_init(&r, pair[0]);
    char line[64];
    const char *want[] = {"one", "two", "three"};
    for (size_t i = 0; i < 3; i++) {
        ssize_t n = line_read(&r, line, sizeof line);
        cr_assert_eq(n, (ssize_t)strlen(want[i]), "line %zu: got length %zd (errno %s)", i + 1,
                     n, strerror(errno));
        cr_assert_str_eq(line, want[i]);
    }
    cr_assert_eq(line_read(&r, line, sizeof line), -1, "after the last line comes the end");
}

Test(line_read, refuses_a_line_longer_than_the_caller_allows, .init = make_pair,
     .fini = close_pair, .timeout = 10)
{
    const char *pieces[] = {"short\n", "this line is far too long\n"};
    send_pieces(pieces, 2);
    struct line_reader r;
    line_reader_init(&r, pair[0]);
    char line[8];
    ssize_t n = line_read(&r, line, sizeof line);
    cr_assert_eq(n, 5, "a 5-byte line fits in 8 bytes; got %zd (errno %s)", n, strerror(errno));
    cr_assert_str_eq(line, "short");
    errno = 0;
    cr_assert_eq(line_read(&r, line, sizeof line), -1, "a 25-byte line does not fit in 8 bytes");
    cr_assert_eq(errno, EMSGSIZE, "errno is %s, expected EMSGSIZE", strerror(errno));
}

/* writer - a thread that writes text and closes its end, so the test can
 * read more than a socket buffer holds without a deadlock. */
struct writer {
    int fd;
    const char *text;
    size_t len;
};

static void *write_then_close(void *arg)
{
    struct writer *w = arg;
    write_all(w->fd, w->text, w->len);
    shutdown(w->fd, SHUT_WR);
    return NULL;
}

Test(line_read, keeps_a_line_cut_by_the_end_of_its_buffer, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    /* 600 lines of 20 to 60 bytes, about 24 KiB in one stream: several of
     * them are cut in two by the end of r->buf (4 KiB), and their first
     * part must wait there for the rest. */
    enum { LINES = 600 };
    static char text[LINES * 64];
    size_t len = 0;
    for (int i = 0; i < LINES; i++) {
        int width = 20 + (i * 7) % 41;
        len += (size_t)sprintf(text + len, "%04d %.*s\n", i, width - 5,
                               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    }
    struct writer w = {pair[1], text, len};
    pthread_t t;
    pthread_create(&t, NULL, write_then_close, &w);
    struct line_reader r;
    line_reader_init(&r, pair[0]);
    char line[128];
    const char *want = text;
    for (int i = 0; i < LINES; i++) {
        size_t want_len = strcspn(want, "\n");
        ssize_t n = line_read(&r, line, sizeof line);
        cr_assert_eq(n, (ssize_t)want_len, "line %d: got length %zd (errno %s), expected %zu",
                     i + 1, n, strerror(errno), want_len);
        cr_assert(memcmp(line, want, want_len) == 0 && line[n] == '\0',
                  "line %d: got \"%s\", expected \"%.*s\"", i + 1, line, (int)want_len, want);
        want += want_len + 1;
    }
    errno = 12345;
    cr_assert_eq(line_read(&r, line, sizeof line), -1, "after the last line comes the end");
    cr_assert_eq(errno, 0, "end of input is errno 0, got %s", strerror(errno));
    pthread_join(t, NULL);
}

Test(line_read, a_line_fits_when_its_nul_does, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    const char *pieces[] = {"1234567\n12345678\n"};
    send_pieces(pieces, 1);
    struct line_reader r;
    line_reader_init(&r, pair[0]);
    char line[8];
    ssize_t n = line_read(&r, line, sizeof line);
    cr_assert_eq(n, 7, "7 bytes and a NUL fit in 8; got %zd (errno %s)", n, strerror(errno));
    cr_assert_str_eq(line, "1234567");
    errno = 0;
    cr_assert_eq(line_read(&r, line, sizeof line), -1, "8 bytes and a NUL do not fit in 8");
    cr_assert_eq(errno, EMSGSIZE, "errno is %s, expected EMSGSIZE", strerror(errno));
}
