/* ws_load.c - ws-load, a WebSocket load program: echo rate, broadcast
 * time, idle memory per connection.
 *
 *   ws-load echo URL [-c CONNS] [-s SIZE] [-d SECONDS] [--depth N] [--binary] [--pid PID]
 *   ws-load broadcast URL [-c CONNS] [-r ROUNDS] [-s SIZE] [--pid PID]
 *
 * echo: CONNS connections each send a message of SIZE bytes, wait for it
 * to come back (checked byte for byte) and send the next, for SECONDS.
 * With --depth N each connection keeps N messages in flight (the first N
 * go out in one write, and each read's echoes are answered in one write),
 * as a busy client or wrk's pipelining would; the default is 1.
 * broadcast: CONNS connections open and sit idle; then, ROUNDS times, the
 * first one sends a message that the server must pass to every connection
 * (the sender included), and the time until the last one has it is taken.
 * With the server's PID (--pid, or found: the process listening on the
 * URL's port), the server's CPU time (the process and its children, from
 * /proc) is read before and after, giving messages per server CPU-second
 * and CPU per delivered message, and its RSS before and after the
 * connections open, giving memory per idle WebSocket.
 *
 * Every line of results is "name: key=value ...", for scripts to read.
 * Only 127.0.0.0/8 is accepted: this is a tool for one machine's loopback.
 */
#include "ws_load.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <unistd.h>

#define MAX_CONNECTIONS 60000
#define MAX_IN_FLIGHT 200 /* handshakes under way at once: a listen backlog is finite */

struct options {
    const char *mode, *url;
    int connections, rounds, sources, binary, pid, depth;
    size_t size;
    double seconds, timeout, settle;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: ws-load echo URL [-c CONNS] [-s SIZE] [-d SECONDS] [--depth N] [--binary] [--pid PID]\n"
            "       ws-load broadcast URL [-c CONNS] [-r ROUNDS] [-s SIZE] [--pid PID]\n"
            "  URL          ws://127.0.0.1:PORT/PATH\n"
            "  -c CONNS     connections (default 100; up to %d)\n"
            "  -s SIZE      message size in bytes (default 32)\n"
            "  -d SECONDS   echo: how long to send (default 5)\n"
            "  --depth N    echo: messages in flight per connection (default 1, up to 64)\n"
            "  -r ROUNDS    broadcast: how many broadcasts (default 5)\n"
            "  --binary     echo binary messages (default text)\n"
            "  --pid PID    the server's process, to read its CPU time and RSS from /proc\n"
            "               (default: the process listening on the URL's port, if it can be seen)\n"
            "  --sources N  spread connections over 127.0.0.1 .. 127.0.0.N (default 1)\n"
            "  --settle S   broadcast: idle seconds before measuring RSS (default 1)\n"
            "  --timeout S  give up connecting, or on one broadcast, after S seconds (default 60)\n",
            MAX_CONNECTIONS);
}

static int parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.connections = 100, .rounds = 5, .sources = 1, .size = 32, .depth = 1,
                          .seconds = 5, .timeout = 60, .settle = 1};
    if (argc < 3)
        return -1;
    o->mode = argv[1];
    o->url = argv[2];
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--binary") == 0) {
            o->binary = 1;
            continue;
        }
        if (!v)
            return -1;
        i++;
        if (strcmp(a, "-c") == 0)
            o->connections = atoi(v);
        else if (strcmp(a, "-s") == 0)
            o->size = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "-d") == 0)
            o->seconds = atof(v);
        else if (strcmp(a, "--depth") == 0)
            o->depth = atoi(v);
        else if (strcmp(a, "-r") == 0)
            o->rounds = atoi(v);
        else if (strcmp(a, "--pid") == 0)
            o->pid = atoi(v);
        else if (strcmp(a, "--sources") == 0)
            o->sources = atoi(v);
        else if (strcmp(a, "--settle") == 0)
            o->settle = atof(v);
        else if (strcmp(a, "--timeout") == 0)
            o->timeout = atof(v);
        else
            return -1;
    }
    int mode_ok = strcmp(o->mode, "echo") == 0 || strcmp(o->mode, "broadcast") == 0;
    if (!mode_ok || o->connections < 1 || o->connections > MAX_CONNECTIONS || o->rounds < 1 || o->depth < 1 || o->depth > 64 ||
        o->rounds > 1000 || o->size < 16 || o->size > (16u << 20) || o->seconds <= 0 || o->seconds > 3600 ||
        o->sources < 1 || o->sources > 250 || o->timeout <= 0)
        return -1;
    if (strncmp(o->url, "ws://127.", 9) != 0 && strncmp(o->url, "ws://localhost:", 15) != 0) {
        fprintf(stderr, "ws-load: only servers on this machine's loopback (ws://127.x.x.x:PORT/...)\n");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ the server's /proc */

/* utime + stime of PID, in clock ticks; 0 when it cannot be read. */
static long long process_ticks(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command may hold spaces */
    long long utime = 0, stime = 0;
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &utime, &stime) == 2)
        return utime + stime;
    return 0;
}

static long rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kib = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* The server and its children (worker processes): the sum of FN over them. */
static long long over_server(int pid, long long (*fn)(int))
{
    long long total = fn(pid);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
    FILE *f = fopen(path, "r");
    int child;
    while (f && fscanf(f, "%d", &child) == 1)
        total += fn(child);
    if (f)
        fclose(f);
    return total;
}

static long long rss_of(int pid) { return rss_kib(pid); }

/* listener_pid - the process listening on TCP port (of this machine's
 * processes that this user may look into), or 0: so that the C10K demo
 * finds the server it measures without being told its PID. The
 * listening socket's inode is in /proc/net/tcp; its owner has a
 * /proc/PID/fd link "socket:[INODE]". */
static int listener_pid(int port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[512], want[64];
    unsigned long inode = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned local_port, state;
        unsigned long ino;
        if (sscanf(line, " %*d: %*x:%x %*x:%*x %x %*x:%*x %*x:%*x %*x %*d %*d %lu", &local_port, &state, &ino) == 3 &&
            (int)local_port == port && state == 0x0a) {
            inode = ino;
            break;
        }
    }
    if (f)
        fclose(f);
    if (!inode)
        return 0;
    snprintf(want, sizeof want, "socket:[%lu]", inode);
    DIR *procs = opendir("/proc");
    struct dirent *p;
    int found = 0;
    while (!found && procs && (p = readdir(procs))) {
        if (p->d_name[0] < '1' || p->d_name[0] > '9')
            continue;
        char dir[300], link[PATH_MAX], target[128];
        snprintf(dir, sizeof dir, "/proc/%s/fd", p->d_name);
        DIR *fds = opendir(dir);
        struct dirent *fd;
        while (!found && fds && (fd = readdir(fds))) {
            snprintf(link, sizeof link, "%s/%s", dir, fd->d_name);
            ssize_t n = readlink(link, target, sizeof target - 1);
            if (n > 0) {
                target[n] = '\0';
                found = strcmp(target, want) == 0 ? atoi(p->d_name) : 0;
            }
        }
        if (fds)
            closedir(fds);
    }
    if (procs)
        closedir(procs);
    return found;
}

static double server_cpu_seconds(int pid)
{
    return pid ? (double)over_server(pid, process_ticks) / (double)sysconf(_SC_CLK_TCK) : 0;
}

/* ------------------------------------------------------------ connecting */

static int raise_file_limit(int connections)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    rlim_t want = (rlim_t)connections + 64;
    if (rl.rlim_cur >= want)
        return 0;
    if (rl.rlim_max < want) {
        fprintf(stderr, "ws-load: %d connections need %llu files, the hard limit is %llu\n", connections,
                (unsigned long long)want, (unsigned long long)rl.rlim_max);
        return -1;
    }
    rl.rlim_cur = want;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

/* Opens every connection, MAX_IN_FLIGHT handshakes at a time. */
static int open_all(struct load *load, double timeout)
{
    double deadline = now_seconds() + timeout;
    int next = 0;
    while (load->opened < load->count) {
        while (next < load->count && load->in_flight < MAX_IN_FLIGHT)
            if (load_connect(load, next++) != 0)
                return -1;
        if (load_poll(load, 50) != 0)
            return -1;
        if (now_seconds() > deadline) {
            snprintf(load->error, sizeof load->error, "only %d of %d connections open after %.0f s",
                     load->opened, load->count, timeout);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ echo */

struct echo_run {
    unsigned char *payload;
    size_t size;
    int opcode;
    int sending;
    uint64_t messages;
};

static void on_echo_frame(struct load *load, struct conn *c, int opcode, const unsigned char *data, size_t len,
                          size_t offset, int fin)
{
    struct echo_run *run = load->user;
    if (opcode != run->opcode || offset + len > run->size || memcmp(run->payload + offset, data, len) != 0) {
        snprintf(load->error, sizeof load->error, "connection %d: the echo differs from what was sent",
                 (int)(c - load->conns));
        return;
    }
    if (!fin)
        return;
    if (offset + len != run->size) {
        snprintf(load->error, sizeof load->error, "connection %d: an echo of %zu bytes, %zu sent",
                 (int)(c - load->conns), offset + len, run->size);
        return;
    }
    run->messages++;
    c->messages++;
    if (run->sending)
        load_send(load, c, run->opcode, run->payload, run->size);
}

static int run_echo(struct load *load, const struct options *o)
{
    struct echo_run run = {.size = o->size, .opcode = o->binary ? WS_BINARY : WS_TEXT, .sending = 1};
    run.payload = malloc(o->size);
    if (!run.payload)
        return -1;
    for (size_t i = 0; i < o->size; i++) /* printable ASCII, so valid UTF-8 too */
        run.payload[i] = (unsigned char)('a' + i % 26);
    load->user = &run;
    load->on_frame = on_echo_frame;
    int status = open_all(load, o->timeout);
    if (status == 0) {
        double cpu0 = server_cpu_seconds(o->pid), t0 = now_seconds(), end = t0 + o->seconds;
        for (int i = 0; i < load->count && status == 0; i++) {
            load->holding = 1;
            for (int k = 0; k < o->depth && status == 0; k++)
                status = load_send(load, &load->conns[i], run.opcode, run.payload, run.size);
            load->holding = 0;
            if (status == 0)
                status = load_flush(load, &load->conns[i]);
        }
        while (status == 0 && now_seconds() < end)
            status = load_poll(load, 20);
        double elapsed = now_seconds() - t0, cpu = server_cpu_seconds(o->pid) - cpu0;
        if (status == 0) {
            printf("echo: connections=%d size=%zu type=%s messages=%llu seconds=%.2f msg_per_s=%.0f depth=%d",
                   load->count, o->size, o->binary ? "binary" : "text", (unsigned long long)run.messages,
                   elapsed, (double)run.messages / elapsed, o->depth);
            if (o->pid)
                printf(" server_cpu_s=%.2f msg_per_cpu_s=%.0f", cpu, cpu > 0 ? (double)run.messages / cpu : 0);
            printf("\n");
        }
    }
    free(run.payload);
    return status;
}

/* ------------------------------------------------------------ broadcast */

struct broadcast_run {
    char message[64]; /* the round's prefix: "round N " */
    size_t prefix_len;
    uint64_t round;
    int received;
};

static void on_broadcast_frame(struct load *load, struct conn *c, int opcode, const unsigned char *data,
                               size_t len, size_t offset, int fin)
{
    struct broadcast_run *run = load->user;
    (void)opcode;
    (void)fin;
    if (offset != 0 || len < run->prefix_len || memcmp(data, run->message, run->prefix_len) != 0)
        return; /* not this round's message (a greeting, a late one): not counted */
    if (c->round == run->round)
        return;
    c->round = run->round;
    run->received++;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_broadcast(struct load *load, const struct options *o)
{
    struct broadcast_run run = {0};
    load->user = &run;
    load->on_frame = on_broadcast_frame;
    long rss0 = o->pid ? (long)over_server(o->pid, rss_of) : 0;
    double t_open = now_seconds();
    if (open_all(load, o->timeout) != 0)
        return -1;
    double opened_in = now_seconds() - t_open;
    /* settle: let the server finish whatever an open costs it, answer pings */
    for (double until = now_seconds() + o->settle; now_seconds() < until;)
        if (load_poll(load, 50) != 0)
            return -1;
    printf("idle: connections=%d open_s=%.2f", load->count, opened_in);
    if (o->pid) {
        long rss1 = (long)over_server(o->pid, rss_of);
        printf(" rss_before_kib=%ld rss_after_kib=%ld bytes_per_connection=%.0f", rss0, rss1,
               (double)(rss1 - rss0) * 1024.0 / load->count);
    }
    printf("\n");
    fflush(stdout);

    double *times = calloc((size_t)o->rounds, sizeof *times);
    char *message = malloc(o->size);
    if (!times || !message) {
        free(times);
        free(message);
        return -1;
    }
    double cpu0 = server_cpu_seconds(o->pid);
    int status = 0;
    for (int r = 0; r < o->rounds && status == 0; r++) {
        run.round = (uint64_t)r + 1;
        run.received = 0;
        run.prefix_len = (size_t)snprintf(run.message, sizeof run.message, "round %d ", r + 1);
        memset(message, '.', o->size);
        memcpy(message, run.message, run.prefix_len);
        double t0 = now_seconds(), deadline = t0 + o->timeout;
        status = load_send(load, &load->conns[0], WS_TEXT, message, o->size);
        while (status == 0 && run.received < load->count) {
            status = load_poll(load, 20);
            if (now_seconds() > deadline) {
                snprintf(load->error, sizeof load->error, "round %d: %d of %d clients got the broadcast", r + 1,
                         run.received, load->count);
                status = -1;
            }
        }
        times[r] = (now_seconds() - t0) * 1000;
        /* a pause between rounds, so one round's tail is not the next one's head */
        for (double until = now_seconds() + 0.1; status == 0 && now_seconds() < until;)
            status = load_poll(load, 20);
    }
    double cpu = server_cpu_seconds(o->pid) - cpu0;
    if (status == 0) {
        qsort(times, (size_t)o->rounds, sizeof *times, compare_doubles);
        double deliveries = (double)o->rounds * load->count;
        printf("broadcast: clients=%d rounds=%d size=%zu last_ms_median=%.2f last_ms_min=%.2f last_ms_max=%.2f",
               load->count, o->rounds, o->size, times[o->rounds / 2], times[0], times[o->rounds - 1]);
        if (o->pid)
            /* the pauses between rounds are idle time: the CPU is the sends' */
            printf(" server_cpu_s=%.3f us_per_delivery=%.3f", cpu, cpu * 1e6 / deliveries);
        printf("\n");
    }
    free(times);
    free(message);
    return status;
}

int main(int argc, char **argv)
{
    struct options o;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (parse_options(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    if (raise_file_limit(o.connections) != 0)
        return 1;
    struct load load;
    int status = load_init(&load, o.url, o.connections, o.sources);
    if (status == 0 && o.pid == 0 && (o.pid = listener_pid(ntohs(load.server.sin_port))) != 0)
        printf("server: pid=%d (the process listening on port %d)\n", o.pid, ntohs(load.server.sin_port));
    if (status == 0)
        status = strcmp(o.mode, "echo") == 0 ? run_echo(&load, &o) : run_broadcast(&load, &o);
    if (status != 0)
        fprintf(stderr, "ws-load: %s\n", load.error[0] ? load.error : strerror(errno));
    load_close_all(&load);
    load_free(&load);
    return status == 0 ? 0 : 1;
}
