/*
 * server - lesson 03: one hello server, four ways to serve many clients.
 *
 * Every model runs the same code for a connection, serve_connection(): read,
 * answer each whole request in order (keep-alive, pipelining), sleep 1 s on
 * /slow, all with blocking calls. What changes is who runs it:
 *
 *   iterative  the main loop itself, one connection after another;
 *   fork       a new process per connection (the classic inetd/CGI shape);
 *   thread     a new thread per connection;
 *   prefork    N processes started up front, each accepting and serving one
 *              connection at a time (the shape of a WSGI server's sync workers).
 *
 *   server [--model iterative|fork|thread|prefork] [--workers N] [--port N] [--address A]
 *
 * Blocking is on purpose here: the lesson is what each model does when a
 * client is slow or stalls. Setup errors stop the program with die(), as in
 * lessons 00-02; from lesson 04 on errors are returned and handled.
 */
#include "request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { REQ_BUF = 8192, MAX_CHILDREN = 4096 };

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--model iterative|fork|thread|prefork] [--workers N] [--port N] "
            "[--address A]\n",
            prog);
    exit(2);
}

static int listen_on(const char *address, int port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", address);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("bind");
    /* A long queue: connections the server is not yet serving wait here. */
    if (listen(fd, 4096) < 0)
        die("listen");
    return fd;
}

/* ------------------------------------------------------------ one connection */

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* respond - answer one request: "/" and "/slow" say hello, the rest is 404. */
static int respond(int fd, const struct http_request *req)
{
    const char *q = memchr(req->path, '?', req->path_len);
    size_t plen = q ? (size_t)(q - req->path) : req->path_len;
    bool hello = plen == 1 || (plen == 5 && memcmp(req->path, "/slow", 5) == 0);
    if (plen == 5 && hello)
        sleep(1); /* blocks this connection's process or thread: on purpose */
    const char *body = hello ? "Hello, world!\n" : "Not found\n";
    bool head = req->method_len == 4 && memcmp(req->method, "HEAD", 4) == 0;
    char out[512];
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: %s\r\n\r\n%s",
                     hello ? "200 OK" : "404 Not Found", strlen(body),
                     req->keep_alive ? "keep-alive" : "close", head ? "" : body);
    return write_all(fd, out, (size_t)n);
}

static const char BAD_REQUEST[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                                  "Content-Length: 12\r\nConnection: close\r\n\r\nBad request\n";

/* quote:begin serve-connection */
/* serve_connection - answer requests on fd until the client is done.
 * Returns how many requests were answered. */
static long serve_connection(int fd)
{
    char buf[REQ_BUF];
    size_t len = 0;
    long answered = 0;
    for (;;) {
        struct http_request req;
        ssize_t n = http_parse(buf, len, &req);
        if (n < 0 || (n == 0 && len == sizeof buf)) { /* garbage, or too big */
            write_all(fd, BAD_REQUEST, sizeof BAD_REQUEST - 1);
            return answered;
        }
        if (n > 0) { /* a whole request: answer it, then look for the next */
            if (respond(fd, &req) < 0)
                return answered;
            answered++;
            if (!req.keep_alive)
                return answered;
            memmove(buf, buf + n, len - (size_t)n);
            len -= (size_t)n;
            continue; /* a pipelined request may be in buf already */
        }
        /* Half a request: wait for more. A client that never sends it
         * keeps whoever runs this loop here for as long as it likes. */
        ssize_t got = read(fd, buf + len, sizeof buf - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return answered; /* the client hung up (or the connection broke) */
        len += (size_t)got;
    }
}
/* quote:end serve-connection */

/* serve_and_close - serve one accepted connection and say so. */
static void serve_and_close(int fd)
{
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    getpeername(fd, (struct sockaddr *)&peer, &plen);
    char ip[INET_ADDRSTRLEN] = "?"; /* our own buffer: threads run this at the same time */
    inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
    int who = (int)gettid(); /* the process (fork, prefork) or thread serving it */
    printf("[%d] %s:%d connected\n", who, ip, ntohs(peer.sin_port));
    long n = serve_connection(fd);
    close(fd);
    printf("[%d] %s:%d closed after %ld request%s\n", who, ip, ntohs(peer.sin_port), n,
           n == 1 ? "" : "s");
}

/* accept_one - the next connection; waits out EINTR and a full fd table. */
static int accept_one(int lfd)
{
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0)
            return fd;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE) { /* out of fds: let some close */
            perror("accept");
            usleep(100 * 1000);
            continue;
        }
        die("accept");
    }
}

/* ------------------------------------------------------------ iterative */

/* quote:begin iterative */
static void run_iterative(int lfd)
{
    for (;;) {
        int fd = accept_one(lfd);
        serve_and_close(fd); /* nobody else is served until this one is done */
    }
}
/* quote:end iterative */

/* ------------------------------------------------------------ thread */

static void *connection_thread(void *arg)
{
    serve_and_close((int)(intptr_t)arg);
    return NULL;
}

/* quote:begin thread */
static void run_thread(int lfd)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED); /* nobody joins them */
    for (;;) {
        int fd = accept_one(lfd);
        pthread_t t;
        int err = pthread_create(&t, &attr, connection_thread, (void *)(intptr_t)fd);
        if (err) { /* out of threads or memory: refuse this one, keep going */
            fprintf(stderr, "pthread_create: %s\n", strerror(err));
            close(fd);
        }
    }
}
/* quote:end thread */

/* ------------------------------------------------------------ processes */

/* The children alive, so SIGTERM can stop them all. Both signal handlers
 * touch this table, so the main loop changes it only with them blocked. */
static pid_t children[MAX_CHILDREN];
static volatile sig_atomic_t nchildren;
static const char *stop_message = "stopped\n";

/* quote:begin reap */
/* on_sigchld - reap every child that has exited, so none stays a zombie. */
static void on_sigchld(int sig)
{
    (void)sig;
    int saved = errno; /* a handler must not change errno under the main code */
    pid_t pid;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
        for (int i = 0; i < nchildren; i++) {
            if (children[i] == pid) {
                children[i] = children[--nchildren];
                break;
            }
        }
    }
    errno = saved;
}
/* quote:end reap */

/* on_sigterm - stop every child, wait for them all, and exit. */
static void on_sigterm(int sig)
{
    (void)sig;
    for (int i = 0; i < nchildren; i++)
        kill(children[i], SIGTERM);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        continue;
    (void)!write(STDOUT_FILENO, stop_message, strlen(stop_message));
    _exit(0);
}

static void install_handlers(void)
{
    struct sigaction sa = {.sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGCHLD); /* the two handlers never interrupt each other */
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_handler = on_sigchld;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = on_sigterm;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* quote:begin start-child */
/* start_child - fork a child that serves fd and exits (fork model), or,
 * with fd -1, accepts and serves connections one at a time forever
 * (prefork). Called with SIGCHLD and SIGTERM blocked; returns the child's
 * pid, or -1. */
static pid_t start_child(int lfd, int fd, const sigset_t *unblocked)
{
    if (nchildren == MAX_CHILDREN) {
        errno = EAGAIN;
        return -1;
    }
    pid_t pid = fork();
    if (pid != 0) {
        if (pid > 0)
            children[nchildren++] = pid;
        return pid;
    }
    /* The child: the parent's handlers and table are not its business. */
    signal(SIGCHLD, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigprocmask(SIG_SETMASK, unblocked, NULL);
    if (fd >= 0) { /* fork model: this one connection, then exit */
        close(lfd);
        serve_and_close(fd);
    } else { /* prefork worker: one connection at a time, forever */
        for (;;)
            serve_and_close(accept_one(lfd));
    }
    _exit(0);
}
/* quote:end start-child */

/* quote:begin fork */
static void run_fork(int lfd)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    for (;;) {
        int fd = accept_one(lfd);
        sigprocmask(SIG_BLOCK, &block, &old); /* the table is ours for a moment */
        if (start_child(lfd, fd, &old) < 0)
            perror("fork"); /* the connection is dropped; the server goes on */
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(fd); /* the child has its copy; ours must go or the client never sees EOF */
    }
}
/* quote:end fork */

/* quote:begin prefork */
static void run_prefork(int lfd, int workers)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    for (int started = 0;; started = 1) {
        while (nchildren < workers) { /* at start, and whenever a worker died */
            pid_t pid = start_child(lfd, -1, &old);
            if (pid < 0)
                die("fork");
            printf("prefork: worker %d %s\n", (int)pid,
                   started ? "replaces one that died" : "started");
        }
        sigsuspend(&old); /* sleep until a signal: a worker died, or SIGTERM */
    }
}
/* quote:end prefork */

int main(int argc, char **argv)
{
    const char *address = "127.0.0.1", *model = "iterative";
    int port = 8000, workers = 4;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
            address = argv[++i];
        else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
            model = argv[++i];
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = atoi(argv[++i]);
        else
            usage(argv[0]);
    }
    if (workers < 1 || workers > MAX_CHILDREN)
        usage(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN); /* a vanished client is an error on write, not our death */
    /* One fd per connection: take as many as the hard limit allows. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    int lfd = listen_on(address, port);
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(lfd, (struct sockaddr *)&bound, &blen);
    if (strcmp(model, "fork") == 0 || strcmp(model, "prefork") == 0)
        stop_message = "stopped: every child told to stop and reaped\n";
    install_handlers();
    if (strcmp(model, "prefork") == 0)
        printf("model prefork: %d workers, each serving one connection at a time (pid %d)\n",
               workers, (int)getpid());
    else if (strcmp(model, "iterative") == 0 || strcmp(model, "fork") == 0 ||
             strcmp(model, "thread") == 0)
        printf("model %s (pid %d)\n", model, (int)getpid());
    else
        usage(argv[0]);
    printf("listening on http://%s:%d/\n", address, ntohs(bound.sin_port));

    if (strcmp(model, "iterative") == 0)
        run_iterative(lfd);
    else if (strcmp(model, "fork") == 0)
        run_fork(lfd);
    else if (strcmp(model, "thread") == 0)
        run_thread(lfd);
    else
        run_prefork(lfd, workers);
    return 0;
}
