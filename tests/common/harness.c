/*
 * harness - run a program under test and talk to it; see harness.h.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long th_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long th_slack_ms(void)
{
    const char *v = getenv("TEST_SLACK_MS");
    return v ? atoll(v) : 0;
}

const char *th_path(const char *rel)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", TEST_BUILD_DIR, rel);
    return path;
}

int th_start(th_proc *p, char *const argv[])
{
    memset(p, 0, sizeof *p);
    p->out_fd = -1;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        /* Die with the test, even if it crashes before th_stop(). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        setpgid(0, 0); /* so th_stop() reaches the child's own children too */
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        execv(argv[0], argv);
        fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    p->pid = pid;
    p->out_fd = pipefd[0];
    p->output = calloc(1, 1);
    return p->output ? 0 : -1;
}

/* read_some - one read of the child's output (after waiting up to
 * wait_ms for it); 1 data, 0 EOF, -1 nothing yet. */
static int read_some(th_proc *p, int wait_ms)
{
    if (p->out_fd < 0)
        return 0;
    struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
    int r = poll(&pfd, 1, wait_ms);
    if (r <= 0)
        return -1;
    char chunk[4096];
    ssize_t n = read(p->out_fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return -1;
    if (n <= 0) {
        close(p->out_fd);
        p->out_fd = -1;
        return 0;
    }
    char *grown = realloc(p->output, p->output_len + (size_t)n + 1);
    if (!grown)
        return -1;
    memcpy(grown + p->output_len, chunk, (size_t)n);
    p->output = grown;
    p->output_len += (size_t)n;
    p->output[p->output_len] = '\0';
    return 1;
}

void th_drain_output(th_proc *p)
{
    while (read_some(p, 0) > 0)
        ;
}

int th_read_output(th_proc *p, const char *needle, int timeout_ms)
{
    long long deadline = th_now_ms() + timeout_ms;
    for (;;) {
        if (needle && p->output && strstr(p->output, needle))
            return 0;
        long long left = deadline - th_now_ms();
        if (left <= 0)
            return -1;
        int r = read_some(p, (int)left);
        if (r == 0)
            return needle ? (strstr(p->output, needle) ? 0 : -1) : 0;
    }
}

/* printed_port - the port after the first "127.0.0.1:" in the output. */
static int printed_port(const th_proc *p)
{
    const char *at = p->output ? strstr(p->output, "127.0.0.1:") : NULL;
    if (!at)
        return 0;
    at += strlen("127.0.0.1:");
    int port = 0;
    while (*at >= '0' && *at <= '9' && port < 65536)
        port = port * 10 + (*at++ - '0');
    /* A digit may still be on its way in the pipe. */
    if (*at == '\0' || port <= 0 || port > 65535)
        return 0;
    return port;
}

int th_start_server(th_proc *p, char *const argv[], int timeout_ms)
{
    if (th_start(p, argv) < 0)
        return -1;
    long long deadline = th_now_ms() + timeout_ms;
    while (!(p->port = printed_port(p))) {
        long long left = deadline - th_now_ms();
        if (left <= 0 || read_some(p, (int)left) == 0)
            goto fail;
    }
    while (th_now_ms() < deadline) {
        int fd = th_connect(p->port, 200);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        usleep(10000);
    }
fail:
    th_stop(p);
    return -1;
}

/* reap - waitpid with a deadline; 1 reaped, 0 still running. */
static int reap(th_proc *p, int timeout_ms)
{
    long long deadline = th_now_ms() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(p->pid, &p->status, WNOHANG);
        if (r == p->pid || (r < 0 && errno == ECHILD)) {
            p->pid = 0;
            return 1;
        }
        if (th_now_ms() >= deadline)
            return 0;
        /* Drain output meanwhile, so a chatty child never blocks on the pipe. */
        if (read_some(p, 10) != 1 && p->out_fd < 0)
            usleep(5000);
    }
}

int th_wait(th_proc *p, int timeout_ms)
{
    if (p->pid && !reap(p, timeout_ms)) {
        th_stop(p);
        return -1;
    }
    while (read_some(p, 200) == 1)
        ;
    return p->status;
}

int th_stop(th_proc *p)
{
    if (p->pid) {
        kill(-p->pid, SIGTERM);
        kill(p->pid, SIGTERM);
        if (!reap(p, 2000)) {
            kill(-p->pid, SIGKILL);
            kill(p->pid, SIGKILL);
            reap(p, 5000);
        }
    }
    while (read_some(p, 50) == 1)
        ;
    return p->status;
}

void th_free(th_proc *p)
{
    th_stop(p);
    if (p->out_fd >= 0)
        close(p->out_fd);
    p->out_fd = -1;
    free(p->output);
    p->output = NULL;
}

int th_run(char *const argv[], int timeout_ms, char **output)
{
    th_proc p;
    if (th_start(&p, argv) < 0)
        return -1;
    int status = th_wait(&p, timeout_ms);
    if (output) {
        *output = p.output;
        p.output = NULL;
    }
    th_free(&p);
    return status;
}

int th_connect(int port, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (errno != EINPROGRESS)
            goto fail;
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int err = 0;
        socklen_t len = sizeof err;
        if (poll(&pfd, 1, timeout_ms) != 1 ||
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
            goto fail;
    }
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
fail:
    close(fd);
    return -1;
}

int th_send(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int th_send_str(int fd, const char *s) { return th_send(fd, s, strlen(s)); }

ssize_t th_recv_until(int fd, char *buf, size_t cap, const char *needle, int timeout_ms)
{
    size_t len = 0;
    long long deadline = th_now_ms() + timeout_ms;
    if (cap == 0)
        return -1;
    buf[0] = '\0';
    for (;;) {
        if (needle && strstr(buf, needle))
            return (ssize_t)len;
        long long left = deadline - th_now_ms();
        if (left <= 0 || len + 1 >= cap)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return needle ? -1 : (ssize_t)len;
        len += (size_t)n;
        buf[len] = '\0';
    }
}

int th_closed_within(int fd, int timeout_ms)
{
    long long deadline = th_now_ms() + timeout_ms;
    char sink[4096];
    for (;;) {
        long long left = deadline - th_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        ssize_t n = recv(fd, sink, sizeof sink, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return 1;
        if (n < 0 && errno != EINTR)
            return 1;
    }
}
