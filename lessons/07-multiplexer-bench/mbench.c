/*
 * mbench - lesson 07: what one wakeup costs with select, poll and epoll as
 * the number of watched fds grows.
 *
 * N descriptors are watched for reading; every one is an end of a local
 * socketpair, and a byte written into one end makes the other end
 * readable. Two ways to keep them busy:
 *
 *   chains  the method of libevent's test/bench.c: A bytes ("chains") are
 *           dropped in, and reading a byte on end i writes one byte so that
 *           end i+1 becomes readable, W times per run; the time per run
 *           (and per event) is the cost of finding the ready fd among N.
 *   tlpi    the setup of TLPI's Table 63-9: 100,000 monitoring operations,
 *           each with one randomly chosen fd of the N ready.
 *
 * Both ends of each socketpair are watched, so N fds need only N
 * descriptors (N = 10,000 fits a hard RLIMIT_NOFILE of 20,000). Every run's
 * raw figures are printed, with the machine and the exact command, and
 * written to --csv FILE (run 0 of a cell is adding the N fds).
 *
 *   mbench [--mode chains|tlpi|both] [--methods select,poll,epoll]
 *          [--n 10,100,1000,10000] [--active A] [--writes W] [--runs R]
 *          [--ops K] [--max-time SECONDS] [--seed S] [--csv FILE] [--timeout MS]
 */
#include "mux.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MAX_LIST 16
#define MAX_RUNS 1000

static double clock_us(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The watched ends: fd[0..n) are watched; fd[i ^ 1] is the end whose
 * write makes fd[i] readable. index_of[fd] maps a ready fd back to i. */
struct ends {
    int n, count; /* watched, opened (count is n rounded up to even) */
    int *fd, *index_of, maxfd;
};

static int peer(const struct ends *e, int i)
{
    return e->fd[i ^ 1];
}

static void close_ends(struct ends *e)
{
    for (int i = 0; e->fd && i < e->count; i++)
        if (e->fd[i] >= 0)
            close(e->fd[i]);
    free(e->fd);
    free(e->index_of);
}

static int open_ends(struct ends *e, int n)
{
    *e = (struct ends){.n = n, .count = n + (n & 1), .maxfd = -1};
    e->fd = malloc((size_t)e->count * sizeof *e->fd);
    if (!e->fd)
        return -1;
    for (int i = 0; i < e->count; i++)
        e->fd[i] = -1;
    for (int i = 0; i < e->count; i += 2) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, &e->fd[i]) < 0)
            return -1;
        for (int j = i; j < i + 2; j++)
            e->maxfd = e->fd[j] > e->maxfd ? e->fd[j] : e->maxfd;
    }
    e->index_of = calloc((size_t)e->maxfd + 1, sizeof *e->index_of);
    if (!e->index_of)
        return -1;
    for (int i = 0; i < e->n; i++)
        e->index_of[e->fd[i]] = i;
    return 0;
}

/* drain - read whatever a failed run left behind, so the next starts clean. */
static void drain(const struct ends *e)
{
    char buf[64];
    for (int i = 0; i < e->count; i++)
        while (read(e->fd[i], buf, sizeof buf) > 0)
            ;
}

/* One run's raw figures. */
struct run {
    long ops, calls; /* events handled (chains) or monitoring operations (tlpi); wait() calls */
    double wall_us, cpu_us;
};

/* The timeout every wait() gets. Some fd is always ready when we call, so
 * it never expires; but it changes the kernel's work: with 0 (libevent's
 * bench, EVLOOP_NONBLOCK) select and poll only look at each fd, otherwise
 * they also hook the process onto the wait queue of each fd they check
 * until they find a ready one, in case they have to sleep. */
static int wait_ms;

/* wait_some - the backend's wait, retried on EINTR; nothing ready means a
 * byte went missing, which is a bug, not a slow machine. */
static int wait_some(const struct mux_ops *ops, struct mux *m, int *ready, int cap)
{
    for (;;) {
        int k = ops->wait(m, ready, cap, wait_ms);
        if (k > 0)
            return k;
        if (k == 0)
            fprintf(stderr, "mbench: %s: nothing ready after %d ms; a byte was lost\n", ops->name,
                    wait_ms);
        else if (errno == EINTR)
            continue;
        else
            fprintf(stderr, "mbench: %s: wait: %s\n", ops->name, strerror(errno));
        return -1;
    }
}

/* quote:begin chain-step */
/* chain_step - end i is readable: take its byte and, while the run still
 * has writes to make, pass the chain on to end i + 1. Returns bytes read. */
static int chain_step(const struct ends *e, int i, long *writes_left)
{
    char ch;
    ssize_t got = read(e->fd[i], &ch, 1);
    if (got < 0) /* a spurious wakeup has nothing to pass on */
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    if (got == 0) {
        errno = EPIPE; /* the other end is gone: cannot happen while we hold both */
        return -1;
    }
    if (*writes_left > 0) {
        if (write(peer(e, (i + 1) % e->n), "e", 1) != 1)
            return -1;
        --*writes_left;
    }
    return 1;
}
/* quote:end chain-step */

/* quote:begin chain-run */
/* chain_run - one run of libevent's bench: start `active` chains spread
 * over the n ends, then dispatch until every byte written has been read. */
static int chain_run(const struct mux_ops *ops, struct mux *m, const struct ends *e, int *ready,
                     int active, long writes, struct run *r)
{
    long count = 0, writes_left = writes, total = active + writes; /* bytes to be read */
    int space = e->n / active;
    for (int a = 0; a < active; a++)
        if (write(peer(e, a * space), "e", 1) != 1)
            return -1;
    *r = (struct run){0};
    double t0 = clock_us(CLOCK_MONOTONIC), c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
    while (count < total) {
        int k = wait_some(ops, m, ready, e->n);
        if (k < 0)
            return -1;
        r->calls++;
        for (int j = 0; j < k; j++) {
            int got = chain_step(e, e->index_of[ready[j]], &writes_left);
            if (got < 0)
                return -1;
            count += got;
        }
    }
    r->wall_us = clock_us(CLOCK_MONOTONIC) - t0;
    r->cpu_us = clock_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
    r->ops = count;
    return 0;
}
/* quote:end chain-run */

static unsigned long long rng_state = 1;

static unsigned long long rng(void) /* xorshift64*: repeatable with --seed */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* quote:begin tlpi-run */
/* tlpi_run - TLPI's setup: each operation makes one random end of the n
 * ready, asks the multiplexer which one it is, and reads the byte. Stops
 * early when deadline_us (monotonic) passes; r->ops says how far it got. */
static int tlpi_run(const struct mux_ops *ops, struct mux *m, const struct ends *e, int *ready,
                    long nops, double deadline_us, struct run *r)
{
    *r = (struct run){0};
    double t0 = clock_us(CLOCK_MONOTONIC), c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
    for (long op = 0; op < nops; op++) {
        int i = (int)(rng() % (unsigned long long)e->n);
        char ch;
        if (write(peer(e, i), "x", 1) != 1)
            return -1;
        if (wait_some(ops, m, ready, e->n) != 1 || ready[0] != e->fd[i])
            return fprintf(stderr, "mbench: %s: wrong fd came back\n", ops->name), -1;
        if (read(e->fd[i], &ch, 1) != 1)
            return -1;
        r->ops = r->calls = op + 1;
        if (op % 64 == 63 && clock_us(CLOCK_MONOTONIC) > deadline_us)
            break;
    }
    r->wall_us = clock_us(CLOCK_MONOTONIC) - t0;
    r->cpu_us = clock_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
    return 0;
}
/* quote:end tlpi-run */

/* The command line, with its defaults. */
static struct {
    int chains, tlpi;
    const struct mux_ops *methods[3];
    int nmethods, n[MAX_LIST], nn, active, runs, timeout; /* runs, timeout: -1 = per mode */
    long writes, ops;
    double max_time;
    FILE *csv;
} opt = {.chains = 1,
         .tlpi = 1,
         .methods = {&mux_select, &mux_poll, &mux_epoll},
         .nmethods = 3,
         .n = {10, 100, 1000, 10000},
         .nn = 4,
         .active = 1,
         .runs = -1,
         .timeout = -1,
         .writes = 100,
         .ops = 100000,
         .max_time = 2.0};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* measure - one cell (mode, N, method): add the N ends, then the runs.
 * Prints the raw runs on one line; returns the median CPU us per op, or -1. */
static double measure(int tlpi, const struct mux_ops *ops, const struct ends *e)
{
    static struct run runs[MAX_RUNS];
    static double wall[MAX_RUNS], cpu[MAX_RUNS]; /* us per op, sorted for the medians */
    int nruns = opt.runs > 0 ? opt.runs : tlpi ? 3 : 25, done = 0, capped = 0;
    int *ready = malloc((size_t)e->n * sizeof *ready);
    struct mux *m = ready ? ops->create(e->n) : NULL;
    if (!m) {
        printf("%6d  %-6s  create: %s\n", e->n, ops->name, strerror(errno));
        free(ready);
        return -1;
    }
    double t0 = clock_us(CLOCK_MONOTONIC), c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < e->n; i++)
        if (ops->add(m, e->fd[i]) < 0) {
            printf("%6d  %-6s  add fd %d: %s\n", e->n, ops->name, e->fd[i], strerror(errno));
            goto out;
        }
    struct run add = {e->n, e->n, clock_us(CLOCK_MONOTONIC) - t0,
                      clock_us(CLOCK_PROCESS_CPUTIME_ID) - c0};
    printf("%6d  %-6s  cpu: add %5.0f us, %s", e->n, ops->name, add.cpu_us,
           tlpi ? "s per 100,000 ops:" : "us per run:");
    double deadline = t0 + opt.max_time * 1e6;
    for (; done < nruns && (!done || !opt.max_time || clock_us(CLOCK_MONOTONIC) < deadline);
         done++) {
        struct run *r = &runs[done];
        int rc = tlpi ? tlpi_run(ops, m, e, ready, opt.ops, opt.max_time ? deadline : 1e300, r)
                      : chain_run(ops, m, e, ready, opt.active, opt.writes, r);
        if (rc < 0) {
            printf(" failed (%s)\n", strerror(errno));
            goto out;
        }
        wall[done] = r->wall_us / (double)r->ops;
        cpu[done] = r->cpu_us / (double)r->ops;
        capped = tlpi && r->ops < opt.ops;
        if (tlpi)
            printf(" %.3f%s", cpu[done] / 10, capped ? "*" : "");
        else
            printf(" %.0f", r->cpu_us);
    }
    for (int i = -1; opt.csv && i < done; i++) {
        const struct run *r = i < 0 ? &add : &runs[i];
        fprintf(opt.csv, "%s,%s,%d,%d,%ld,%ld,%.1f,%.1f\n", tlpi ? "tlpi" : "chains", ops->name,
                e->n, i + 1, r->ops, r->calls, r->wall_us, r->cpu_us);
    }
    qsort(wall, (size_t)done, sizeof wall[0], cmp_double);
    qsort(cpu, (size_t)done, sizeof cpu[0], cmp_double);
    printf("  -> median us per %s: wall %.2f, cpu %.2f (%d run%s", tlpi ? "op" : "event",
           wall[done / 2], cpu[done / 2], done, done == 1 ? "" : "s");
    if (capped)
        printf("; * stopped by --max-time after %ld ops", runs[done - 1].ops);
    printf(")\n");
    ops->destroy(m);
    free(ready);
    /* TLPI's table is CPU time. libevent's bench uses the wall clock, but on
     * a shared machine that counts time spent running other processes. */
    return cpu[done / 2];
out:
    drain(e);
    ops->destroy(m);
    free(ready);
    return -1;
}

/* raise_nofile - lift the soft RLIMIT_NOFILE towards `need` (at most to the
 * hard limit, which only root may raise); returns the soft limit now. */
static long raise_nofile(long need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 0;
    long before = (long)rl.rlim_cur;
    if (rl.rlim_cur < (rlim_t)need) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    printf("fds:     RLIMIT_NOFILE soft %ld -> %ld (hard %ld)\n", before, (long)rl.rlim_cur,
           rl.rlim_max == RLIM_INFINITY ? -1L : (long)rl.rlim_max);
    return (long)rl.rlim_cur;
}

static void print_machine(int argc, char **argv)
{
    struct utsname u;
    char line[256], cpu[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            snprintf(cpu, sizeof cpu, "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
    uname(&u);
    printf("machine: %s %s %s, %ld cores, %s\ncommand:", u.sysname, u.release, u.machine,
           sysconf(_SC_NPROCESSORS_ONLN), cpu);
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
}

/* run_mode - one table: every N, every method; then the medians side by
 * side. Returns how many cells failed (a refusal is not a failure). */
static int run_mode(int tlpi, long nofile)
{
    static double median[MAX_LIST][3];
    int failed = 0;
    wait_ms = opt.timeout >= 0 ? opt.timeout : tlpi ? 1000 : 0;
    if (tlpi)
        printf("\n== tlpi (TLPI Table 63-9): %ld monitoring ops per run, one random fd ready, "
               "wait timeout %d ms\n",
               opt.ops, wait_ms);
    else
        printf("\n== chains (libevent test/bench.c): %d active, %ld writes per run, "
               "wait timeout %d ms\n",
               opt.active, opt.writes, wait_ms);
    for (int k = 0; k < opt.nn; k++) {
        struct ends e;
        int n = opt.n[k];
        for (int j = 0; j < opt.nmethods; j++)
            median[k][j] = -1;
        if (n + 16 > nofile) {
            printf("%6d  skipped: needs about %d fds, RLIMIT_NOFILE allows %ld\n", n, n + 16,
                   nofile);
            continue;
        }
        if (open_ends(&e, n) < 0) {
            printf("%6d  socketpair: %s\n", n, strerror(errno));
            close_ends(&e);
            failed++;
            continue;
        }
        for (int j = 0; j < opt.nmethods; j++) {
            const struct mux_ops *ops = opt.methods[j];
            if (ops->fd_limit && e.maxfd >= ops->fd_limit)
                printf("%6d  %-6s  refused: %s() takes only fds below FD_SETSIZE (%d), "
                       "and N = %d needs fds up to %d\n",
                       n, ops->name, ops->name, ops->fd_limit, n, e.maxfd);
            else
                failed += (median[k][j] = measure(tlpi, ops, &e)) < 0;
        }
        close_ends(&e);
    }
    printf("%s\n     N",
           tlpi ? "cpu seconds per 100,000 ops (median run):" : "cpu us per event (median run):");
    for (int j = 0; j < opt.nmethods; j++)
        printf("  %8s", opt.methods[j]->name);
    for (int k = 0; k < opt.nn; k++) {
        printf("\n%6d", opt.n[k]);
        for (int j = 0; j < opt.nmethods; j++)
            if (median[k][j] < 0)
                printf("  %8s", "--");
            else
                printf("  %8.3f", median[k][j] * (tlpi ? 0.1 : 1));
    }
    printf("\n");
    return failed;
}

/* parse_list - "10,100,1000" into out[]; the count, or -1. */
static int parse_list(const char *s, int *out)
{
    int count = 0;
    for (char *end; *s && count < MAX_LIST; s = *end ? end + 1 : end) {
        long v = strtol(s, &end, 10);
        if (end == s || (*end && *end != ',') || v < 2 || v > 1000000)
            return -1;
        out[count++] = (int)v;
    }
    return *s ? -1 : count;
}

static int parse_methods(const char *s)
{
    const struct mux_ops *all[] = {&mux_select, &mux_poll, &mux_epoll};
    opt.nmethods = 0;
    for (size_t len; *s && opt.nmethods < 3; s += len + (s[len] == ',')) {
        len = strcspn(s, ",");
        int found = 0;
        for (int j = 0; j < 3; j++)
            if (strlen(all[j]->name) == len && strncmp(s, all[j]->name, len) == 0)
                opt.methods[opt.nmethods++] = all[j], found = 1;
        if (!found)
            return -1;
    }
    return *s || opt.nmethods == 0 ? -1 : 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: mbench [--mode chains|tlpi|both] [--methods select,poll,epoll]\n"
            "              [--n 10,100,1000,10000] [--active A] [--writes W] [--runs R]\n"
            "              [--ops K] [--max-time SECONDS (0: none)] [--seed S] [--csv FILE]\n"
            "              [--timeout MS (default: chains 0, tlpi 1000)]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", 1, 0, 'm'},   {"methods", 1, 0, 'M'},  {"n", 1, 0, 'n'},
        {"active", 1, 0, 'a'}, {"writes", 1, 0, 'w'},   {"runs", 1, 0, 'r'},
        {"ops", 1, 0, 'o'},    {"max-time", 1, 0, 't'}, {"seed", 1, 0, 's'},
        {"csv", 1, 0, 'c'},    {"timeout", 1, 0, 'T'},  {0, 0, 0, 0}};
    const char *csv = NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int c; (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
        if (c == 'm' && strcmp(optarg, "both") && strcmp(optarg, "chains") &&
            strcmp(optarg, "tlpi"))
            return usage();
        if (c == 'm')
            opt.chains = strcmp(optarg, "tlpi") != 0, opt.tlpi = strcmp(optarg, "chains") != 0;
        else if (c == 'M' && parse_methods(optarg) < 0)
            return usage();
        else if (c == 'n' && (opt.nn = parse_list(optarg, opt.n)) < 0)
            return usage();
        else if (c == 'a')
            opt.active = atoi(optarg);
        else if (c == 'w')
            opt.writes = atol(optarg);
        else if (c == 'r' && (opt.runs = atoi(optarg)) < 1)
            return usage();
        else if (c == 'o')
            opt.ops = atol(optarg);
        else if (c == 't')
            opt.max_time = atof(optarg);
        else if (c == 's')
            rng_state = strtoull(optarg, NULL, 10) | 1;
        else if (c == 'c')
            csv = optarg;
        else if (c == 'T' && (opt.timeout = atoi(optarg)) < 0)
            return usage();
        else if (c == '?')
            return usage();
    }
    if (optind < argc || opt.active < 1 || opt.writes < 0 || opt.runs > MAX_RUNS || opt.ops < 1 ||
        opt.max_time < 0)
        return usage();
    for (int k = 0; k < opt.nn; k++)
        if (opt.n[k] < opt.active) {
            fprintf(stderr, "mbench: N = %d is fewer fds than %d active chains\n", opt.n[k],
                    opt.active);
            return 2;
        }

    printf("mbench - select, poll and epoll as the number of watched fds grows\n");
    print_machine(argc, argv);
    int maxn = 0;
    for (int k = 0; k < opt.nn; k++)
        maxn = opt.n[k] > maxn ? opt.n[k] : maxn;
    long nofile = raise_nofile(maxn + 16L);
    if (csv) {
        if (!(opt.csv = fopen(csv, "w"))) {
            fprintf(stderr, "mbench: %s: %s\n", csv, strerror(errno));
            return 1;
        }
        fprintf(opt.csv, "mode,method,n,run,ops,calls,wall_us,cpu_us\n");
    }
    int failed = (opt.chains ? run_mode(0, nofile) : 0) + (opt.tlpi ? run_mode(1, nofile) : 0);
    if (opt.csv && fclose(opt.csv) != 0)
        failed++;
    if (csv)
        printf("\ncsv: %s (run 0 of each cell is adding the N fds)\n", csv);
    return failed ? 1 : 0;
}
