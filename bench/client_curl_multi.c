/*
 * client_curl_multi - libcurl's multi interface under load, the C
 * reference for bench/15-client.sh.
 *
 *   client_curl_multi CONCURRENCY SECONDS URL
 *
 * CONCURRENCY easy handles on one multi handle, each fetching URL again
 * and again until SECONDS have passed: a finished handle is removed and
 * added back, so it reuses its connection from the multi's cache (sized
 * to CONCURRENCY). The body is counted, not kept, as libcurl users do.
 * Prints the same line as client_eddy.
 */
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
    (void)data, (void)arg;
    return size * n;
}

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

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
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
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)n);
    long rss_before = rss_kib(), rss_mid = 0, requests = 0, errors = 0;
    double t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < n; i++) {
        CURL *e = curl_easy_init();
        curl_easy_setopt(e, CURLOPT_URL, argv[3]);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_multi_add_handle(multi, e);
    }
    int stopping = 0, still = n;
    while (still > 0) {
        curl_multi_perform(multi, &still);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            CURL *e = m->easy_handle;
            long code = 0;
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
            if (m->data.result == CURLE_OK && code == 200)
                requests++;
            else
                errors++;
            curl_multi_remove_handle(multi, e);
            if (!stopping) {
                curl_multi_add_handle(multi, e); /* again, on the cached connection */
                still++;
            } else {
                curl_easy_cleanup(e);
            }
        }
        double t = now_s() - t0;
        if (!rss_mid && t >= seconds / 2)
            rss_mid = rss_kib();
        if (t >= seconds)
            stopping = 1;
        if (still > 0)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    double cpu = cpu_s() - c0, wall = now_s() - t0;
    printf("requests=%ld errors=%ld wall=%.3f cpu=%.3f bytes_per_request_in_flight=%.0f\n", requests,
           errors, wall, cpu, (double)(rss_mid - rss_before) * 1024 / n);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return 0;
}
