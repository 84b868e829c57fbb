/*
 * fetch - lesson 15: a small curl on libeddy's HTTP client.
 *
 *   fetch [-X METHOD] [-H 'Name: value']... [-d DATA] [--timeout SECONDS]
 *         [--max-redirects N] [--no-follow] [--no-compressed]
 *         [--max-body BYTES] [--cacert FILE] [--insecure] [-v] [-o FILE] URL...
 *
 * The URLs are fetched in order through one client, so a second URL on
 * the same host reuses the first one's connection. Each decoded body goes
 * to stdout (or -o FILE) as it arrives; -v prints the request and the
 * response heads to stderr. The exit status is 0 only when every URL
 * ended in a 2xx answer after redirects; otherwise a one-line reason per
 * failed URL goes to stderr and the status is 1 (2 for a usage error).
 *
 * It is Tornado's `python -m tornado.httpclient URL` in C, and it shows
 * the first of two ways to run a loop: run ONE coroutine to completion and
 * stop (Tornado's IOLoop.run_sync), where a server runs forever.
 */
#include <eddy/eddy.h>
#include <eddy/http/client.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fetch_args {
    const char *method, *data, *out_path, *cacert;
    const char *headers[64];
    int nheaders;
    double timeout_s;
    int max_redirects, no_follow, no_compressed, insecure, verbose;
    unsigned long long max_body;
    char **urls;
    int nurls;
    int failed; /* URLs that did not end in a 2xx */
    FILE *out;
};

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [-X METHOD] [-H 'Name: value']... [-d DATA] [--timeout SECONDS]\n"
            "       [--max-redirects N] [--no-follow] [--no-compressed] [--max-body BYTES]\n"
            "       [--cacert FILE] [--insecure] [-v] [-o FILE] URL...\n",
            argv0);
    return 2;
}

/* print_head - a response head the way curl -v shows it. */
static void print_head(const eddy_http_message *m)
{
    fprintf(stderr, "< HTTP/1.%d %d %.*s\n", m->version_minor, m->status, (int)m->reason.len,
            m->reason.p);
    for (size_t i = 0; i < m->header_count; i++)
        fprintf(stderr, "< %.*s: %.*s\n", (int)m->headers[i].name.len, m->headers[i].name.p,
                (int)m->headers[i].value.len, m->headers[i].value.p);
    fprintf(stderr, "<\n");
}

static int on_head(const eddy_http_message *head, void *arg)
{
    struct fetch_args *a = arg;
    if (a->verbose)
        print_head(head);
    return 0;
}

/* on_body - the body goes out as it arrives: a large download never sits
 * in memory. */
static int on_body(const char *data, size_t len, void *arg)
{
    struct fetch_args *a = arg;
    return fwrite(data, 1, len, a->out) == len ? 0 : -1;
}

/* quote:begin fetch-all */
/* fetch_all - the one task: every URL in turn, each awaited. The loop
 * serves this task alone, and stops when it is done. */
static void fetch_all(void *arg)
{
    struct fetch_args *a = arg;
    eddy_http_client_config cfg;
    eddy_http_client_config_defaults(&cfg);
    cfg.ca_file = a->cacert;
    cfg.insecure = a->insecure;
    eddy_http_client *client = eddy_http_client_new(&cfg);
    if (!client) {
        fprintf(stderr, "fetch: cannot make a client: %s\n", strerror(errno));
        a->failed = a->nurls;
        eddy_loop_stop();
        return;
    }
    a->headers[a->nheaders] = NULL;
    for (int i = 0; i < a->nurls; i++) {
        long ms = (long)(a->timeout_s * 1000);
        eddy_http_request req = {
            .url = a->urls[i],
            .method = a->method,
            .headers = a->headers,
            .body = a->data,
            .body_len = a->data ? strlen(a->data) : 0,
            .content_type = "application/x-www-form-urlencoded", /* curl -d's */
            .connect_timeout_ms = ms,
            .request_timeout_ms = ms,
            .no_follow = a->no_follow,
            .max_redirects = a->max_redirects,
            .no_decompress = a->no_compressed,
            .max_body_bytes = a->max_body,
            .header_cb = on_head,
            .body_cb = on_body,
            .cb_arg = a,
        };
        if (a->verbose)
            fprintf(stderr, "> %s %s\n", a->method ? a->method : a->data ? "POST" : "GET", a->urls[i]);
        eddy_http_response *resp;
        int err = eddy_http_fetch(client, &req, &resp); /* suspends this task only */
        if (err) {
            fprintf(stderr, "fetch: %s: %s\n", a->urls[i], resp ? resp->error_text : strerror(err));
            a->failed++;
        } else if (resp->status < 200 || resp->status > 299) {
            fprintf(stderr, "fetch: %s: HTTP %d %s\n", resp->url, resp->status,
                    resp->head.reason.p ? resp->head.reason.p : "");
            a->failed++;
        }
        if (a->verbose && resp && !err)
            fprintf(stderr, "* %zu headers, %d redirect(s), %s connection, %.1f ms\n",
                    resp->head.header_count, resp->redirects, resp->reused ? "reused" : "new",
                    resp->time_ms);
        eddy_http_response_free(resp);
    }
    eddy_http_client_free(client);
    eddy_loop_stop(); /* run_sync: this coroutine was the whole program */
}
/* quote:end fetch-all */

int main(int argc, char **argv)
{
    struct fetch_args a = {.timeout_s = 20, .out = stdout};
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes_value = 1;
        if (strcmp(s, "-X") == 0 && v)
            a.method = v;
        else if (strcmp(s, "-H") == 0 && v && a.nheaders < 63)
            a.headers[a.nheaders++] = v;
        else if (strcmp(s, "-d") == 0 && v)
            a.data = v;
        else if (strcmp(s, "-o") == 0 && v)
            a.out_path = v;
        else if (strcmp(s, "--timeout") == 0 && v && atof(v) > 0)
            a.timeout_s = atof(v);
        else if (strcmp(s, "--max-redirects") == 0 && v)
            a.max_redirects = atoi(v) > 0 ? atoi(v) : -1; /* 0: a redirect is an error */
        else if (strcmp(s, "--max-body") == 0 && v && strtoull(v, NULL, 10) > 0)
            a.max_body = strtoull(v, NULL, 10);
        else if (strcmp(s, "--cacert") == 0 && v)
            a.cacert = v;
        else if ((takes_value = 0), strcmp(s, "--no-follow") == 0)
            a.no_follow = 1;
        else if (strcmp(s, "--no-compressed") == 0)
            a.no_compressed = 1;
        else if (strcmp(s, "--insecure") == 0 || strcmp(s, "-k") == 0)
            a.insecure = 1;
        else if (strcmp(s, "-v") == 0)
            a.verbose = 1;
        else
            return usage(argv[0]);
        i += takes_value;
    }
    a.urls = argv + i;
    a.nurls = argc - i;
    if (a.nurls <= 0)
        return usage(argv[0]);
    if (a.out_path && !(a.out = fopen(a.out_path, "wb"))) {
        fprintf(stderr, "fetch: %s: %s\n", a.out_path, strerror(errno));
        return 1;
    }
    eddy_log_set_level(EDDY_LOG_WARNING);
    if (!eddy_task_spawn(fetch_all, &a) || eddy_loop_run() < 0) {
        fprintf(stderr, "fetch: cannot start the loop\n");
        return 1;
    }
    eddy_loop_free();
    if (a.out != stdout && fclose(a.out) != 0)
        a.failed++;
    fflush(stdout);
    return a.failed ? 1 : 0;
}
