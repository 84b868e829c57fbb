/*
 * client_eddy - libeddy's HTTP client under load, for bench/15-client.sh.
 *
 *   client_eddy CONCURRENCY SECONDS URL
 *
 * CONCURRENCY tasks each fetch URL again and again (awaited, as a handler
 * would) over keep-alive connections until SECONDS have passed. Prints
 * one line: requests, errors, wall and CPU seconds (getrusage: this
 * process only) and the memory each request in flight holds (VmRSS in the
 * middle of the run, less VmRSS before the first fetch, over CONCURRENCY).
 */
#include <eddy/eddy.h>
#include <eddy/http/client.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static eddy_http_client *client;
static const char *url;
static long requests, errors, rss_before, rss_mid;
static int stop, running;

static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void worker(void *arg)
{
    (void)arg;
    while (!stop) {
        eddy_http_response *r;
        int err = eddy_http_fetch(client, &(eddy_http_request){.url = url}, &r);
        if (err || r->status != 200)
            errors++;
        else
            requests++;
        eddy_http_response_free(r);
    }
    if (--running == 0)
        eddy_loop_stop();
}

static void timer(void *arg)
{
    long ms = (long)arg;
    eddy_sleep(ms / 2);
    rss_mid = rss_kib();
    eddy_sleep(ms - ms / 2);
    stop = 1;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s CONCURRENCY SECONDS URL\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    double seconds = atof(argv[2]);
    url = argv[3];
    eddy_http_client_config cfg;
    eddy_http_client_config_defaults(&cfg);
    cfg.max_clients = n;
    cfg.max_idle = n;
    client = eddy_http_client_new(&cfg);
    if (!client)
        return 1;
    rss_before = rss_kib();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double c0 = cpu_s();
    for (int i = 0; i < n; i++)
        running += eddy_task_spawn(worker, NULL) != NULL;
    eddy_task_spawn(timer, (void *)(long)(seconds * 1000));
    eddy_loop_run();
    double cpu = cpu_s() - c0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("requests=%ld errors=%ld wall=%.3f cpu=%.3f bytes_per_request_in_flight=%.0f\n", requests,
           errors, wall, cpu, (double)(rss_mid - rss_before) * 1024 / n);
    eddy_http_client_free(client);
    eddy_loop_free();
    return 0;
}
