/*
 * conncost - what one idle connection costs a fork or thread server.
 *
 * A process or a thread per connection means a connection that does
 * nothing still holds a process or a thread: its stack, its page tables,
 * its kernel structures. This program measures it. It starts lesson 03's
 * server with the model asked for, reads the server's memory from /proc,
 * opens N connections that each make one request and then stay open and
 * idle (a browser's keep-alive connection between clicks), reads the memory
 * again, and prints the difference per connection.
 *
 *   conncost [--model fork|thread] [--count N]      (default thread, 200)
 *
 * What it reads, all in KiB:
 *   RSS  VmRSS in /proc/PID/status, summed over the server and its children:
 *        pages each process has in RAM. For fork this counts the pages the
 *        children share with the parent (libc, the program) once per child.
 *   PSS  Pss in /proc/PID/smaps_rollup, summed the same way: each shared
 *        page divided among the processes sharing it - the fair share.
 *   KernelStack, PageTables  from /proc/meminfo: memory the kernel spends per
 *        thread or process, invisible in RSS. These are machine-wide, so
 *        anything else running at the same time adds noise.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* field_kib - the number after "name:" in a /proc file of "name: N kB" lines, or 0. */
static long field_kib(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    long value = 0;
    size_t nlen = strlen(name);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
            value = atol(line + nlen + 1);
            break;
        }
    fclose(f);
    return value;
}

struct usage {
    long procs, threads, rss, pss, kstack, ptables;
};

/* add_process - add one process's figures to u. */
static void add_process(struct usage *u, int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    u->procs++;
    u->threads += field_kib(path, "Threads");
    u->rss += field_kib(path, "VmRSS");
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
    u->pss += field_kib(path, "Pss");
}

/* parent_of - the parent pid of pid, from /proc/PID/stat, or -1. */
static int parent_of(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *close_paren = strrchr(buf, ')'); /* the name may hold spaces */
    int ppid = -1;
    if (!close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
        return -1;
    return ppid;
}

/* quote:begin measure */
/* measure - the server's figures: the process and every child it has. */
static struct usage measure(int server)
{
    struct usage u = {0};
    add_process(&u, server);
    DIR *d = opendir("/proc");
    if (!d)
        die("/proc");
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int pid = atoi(e->d_name);
        if (pid > 0 && parent_of(pid) == server)
            add_process(&u, pid);
    }
    closedir(d);
    u.kstack = field_kib("/proc/meminfo", "KernelStack");
    u.ptables = field_kib("/proc/meminfo", "PageTables");
    return u;
}
/* quote:end measure */

/* start_server - run ./server (beside this program) with the model; its
 * output goes to an unlinked temporary file, so it never blocks on a pipe
 * nobody reads. Returns its pid; *port gets the port it printed. */
static int start_server(const char *model, int *port)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 16);
    if (n < 0)
        die("readlink /proc/self/exe");
    exe[n] = '\0';
    strcpy(strrchr(exe, '/') + 1, "server");
    FILE *log = tmpfile();
    if (!log)
        die("tmpfile");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(fileno(log), STDOUT_FILENO);
        dup2(fileno(log), STDERR_FILENO);
        execl(exe, exe, "--model", model, "--port", "0", (char *)NULL);
        perror(exe);
        _exit(127);
    }
    for (int tries = 0; tries < 500; tries++) { /* up to 5 s */
        char buf[4096];
        ssize_t got = pread(fileno(log), buf, sizeof buf - 1, 0);
        buf[got > 0 ? got : 0] = '\0';
        char *at = strstr(buf, "127.0.0.1:");
        if (at && strchr(at, '\n')) {
            *port = atoi(at + strlen("127.0.0.1:"));
            return pid;
        }
        usleep(10 * 1000);
    }
    fprintf(stderr, "conncost: %s did not say where it listens\n", exe);
    kill(pid, SIGKILL);
    exit(1);
}

/* open_idle - connect, make one request, read its answer, keep the socket. */
static int open_idle(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* bounds connect() too */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static const char req[] = "GET / HTTP/1.1\r\nHost: conncost\r\n\r\n";
    char buf[512];
    size_t len = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
        goto fail;
    while (len < sizeof buf - 1) {
        ssize_t got = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            goto fail;
        len += (size_t)got;
        buf[len] = '\0';
        if (strstr(buf, "Hello, world!\n"))
            return fd;
    }
fail:
    close(fd);
    return -1;
}

static void row(const char *what, long before, long after, int count, const char *unit)
{
    printf("  %-22s %10ld %s %10ld %s %10.1f %s\n", what, before, unit, after, unit,
           (double)(after - before) / count, unit);
}

int main(int argc, char **argv)
{
    const char *model = "thread";
    int count = 200;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
            model = argv[++i];
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atoi(argv[++i]);
        else
            goto usage;
    }
    if (count < 1 || (strcmp(model, "fork") != 0 && strcmp(model, "thread") != 0))
        goto usage;
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct rlimit rl; /* one fd per connection, here and in the server */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    int port = 0;
    int server = start_server(model, &port);
    usleep(200 * 1000); /* let it settle */
    struct usage before = measure(server);

    int *fds = malloc(sizeof *fds * (size_t)count);
    if (!fds)
        die("malloc");
    int open = 0;
    while (open < count && (fds[open] = open_idle(port)) >= 0)
        open++;
    if (open < count)
        printf("conncost: only %d of %d connections made it (%s)\n", open, count, strerror(errno));
    usleep(500 * 1000); /* the last children may still be starting */
    struct usage after = measure(server);

    printf("conncost: server --model %s (pid %d), %d idle keep-alive connections, "
           "each after one request\n",
           model, server, open);
    printf("  %-22s %14s %14s %14s\n", "", "before", "after", "per connection");
    printf("  %-22s %10ld    %10ld\n", "processes", before.procs, after.procs);
    printf("  %-22s %10ld    %10ld\n", "threads", before.threads, after.threads);
    if (open > 0) {
        row("RSS, summed", before.rss, after.rss, open, "KiB");
        row("PSS, summed", before.pss, after.pss, open, "KiB");
        row("kernel stacks*", before.kstack, after.kstack, open, "KiB");
        row("page tables*", before.ptables, after.ptables, open, "KiB");
        printf("  * whole machine (/proc/meminfo): anything else running adds noise\n");
    }

    for (int i = 0; i < open; i++)
        close(fds[i]);
    free(fds);
    kill(server, SIGTERM);
    int status;
    waitpid(server, &status, 0);
    return open == count ? 0 : 1;
usage:
    fprintf(stderr, "usage: %s [--model fork|thread] [--count N]\n", argv[0]);
    return 2;
}
