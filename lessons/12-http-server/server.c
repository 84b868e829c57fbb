/*
 * server - lesson 12: HTTP/1.1 on the library's server, no framework.
 *
 * Lessons 03-11 wrote the HTTP part by hand and answered only GET /. Here
 * lib/server does it properly - keep-alive, pipelining, request bodies in
 * Content-Length or chunked, chunked responses, limits with the right
 * status, timeouts, graceful stop - and the program is left with what an
 * application should have to write: one function that answers a request
 * (app.c), and main() turning options into the server's configuration.
 *
 *   server [--port N] [--address A] [--processes N] [--access-log=false]
 *          [--max-body BYTES] [--idle-timeout 60s] [--logging debug] ...
 *
 * --processes N forks N workers (0: one per core) that listen on the same
 * port with SO_REUSEPORT; the kernel spreads connections between them.
 * SIGTERM or Ctrl-C stops gracefully: requests in flight finish first.
 */
#include "app.h"

#include <eddy/eddy.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Every option is bound to one of these; the defaults are the library's. */
static struct {
    int64_t port, processes, max_body, max_header_bytes, max_connections;
    int64_t idle_ms, header_ms, body_ms, stop_ms;
    const char *address;
    bool access_log, gzip;
} opt;

/* quote:begin options */
static eddy_options *define_options(const eddy_server_config *d)
{
    eddy_options *o = eddy_options_new();
    if (!o)
        return NULL;
    eddy_option_int(o, "port", &opt.port, 8888, "port to listen on (0: any free port)");
    eddy_option_range(o, "port", 0, 65535);
    eddy_option_string(o, "address", &opt.address, "127.0.0.1", "address to bind");
    eddy_option_int(o, "processes", &opt.processes, 1,
                    "worker processes on one port (0: one per core)");
    eddy_option_range(o, "processes", 0, 256);
    eddy_option_bool(o, "access-log", &opt.access_log, true, "log one line per request");
    eddy_option_bool(o, "gzip", &opt.gzip, d->gzip, "compress text responses when asked");
    eddy_options_group(o, "limits");
    eddy_option_int(o, "max-body", &opt.max_body, (int64_t)d->max_body_bytes,
                    "largest request body in bytes (else 413)");
    eddy_option_range(o, "max-body", 0, INT64_MAX);
    eddy_option_int(o, "max-header-bytes", &opt.max_header_bytes,
                    (int64_t)d->max_header_bytes, "largest request head (else 431)");
    eddy_option_range(o, "max-header-bytes", 256, 1 << 20);
    eddy_option_int(o, "max-connections", &opt.max_connections, d->max_connections,
                    "open connections; more wait in the backlog");
    eddy_option_range(o, "max-connections", 1, 1000000);
    eddy_option_duration(o, "idle-timeout", &opt.idle_ms, d->idle_timeout_ms,
                         "close a keep-alive connection idle this long");
    eddy_option_duration(o, "header-timeout", &opt.header_ms, d->header_timeout_ms,
                         "time to send a request head (else 408)");
    eddy_option_duration(o, "body-timeout", &opt.body_ms, d->body_timeout_ms,
                         "time to send a request body (else 408)");
    eddy_option_duration(o, "stop-timeout", &opt.stop_ms, d->stop_timeout_ms,
                         "on SIGTERM, how long requests in flight may take");
    eddy_options_define_logging(o);
    return o;
}
/* quote:end options */

/* shared_port - with several processes and --port 0, every worker must
 * bind the same port: find a free one here, before forking. */
static int shared_port(const char *address)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1, port = -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    if (inet_pton(AF_INET, address, &a.sin_addr) == 1 &&
        bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_options *opts = define_options(&cfg);
    if (!opts) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    /* quote:begin config */
    int first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) { /* it printed the help, or what is wrong with an option */
        eddy_options_free(opts);
        return first == EDDY_OPTIONS_HELP ? 0 : 2;
    }
    cfg.address = opt.address;
    cfg.port = (int)opt.port;
    cfg.access_log = opt.access_log;
    cfg.gzip = opt.gzip;
    cfg.max_body_bytes = (size_t)opt.max_body;
    cfg.max_header_bytes = (size_t)opt.max_header_bytes;
    cfg.max_connections = (int)opt.max_connections;
    cfg.idle_timeout_ms = opt.idle_ms;
    cfg.header_timeout_ms = opt.header_ms;
    cfg.body_timeout_ms = opt.body_ms;
    cfg.stop_timeout_ms = opt.stop_ms;

    int worker = 0;
    if (opt.processes != 1) {
        /* Tornado's recipe: fork first, then each worker makes its own
         * loop and server; SO_REUSEPORT lets them all bind the port. */
        if (cfg.port == 0 && (cfg.port = shared_port(cfg.address)) < 0) {
            fprintf(stderr, "cannot find a free port on %s\n", cfg.address);
            return 1;
        }
        cfg.reuse_port = 1;
        /* The parent stays inside, watching the workers, and returns
         * EDDY_FORK_PARENT_DONE once they have all stopped. */
        worker = eddy_fork_processes((int)opt.processes);
        if (worker == EDDY_FORK_PARENT_DONE) {
            eddy_options_free(opts);
            return 0;
        }
        if (worker < 0) {
            perror("fork");
            return 1;
        }
    }
    struct app app;
    app_init(&app);
    eddy_server *s = eddy_server_new(&cfg, app_handle, &app);
    if (!s || eddy_server_listen(s) < 0) {
        fprintf(stderr, "server: %s\n", s ? eddy_server_error(s) : "out of memory");
        return 1;
    }
    /* quote:end config */
    if (opt.processes != 1)
        printf("worker %d (pid %d): ", worker, (int)getpid());
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(s));
    int rc = eddy_server_run(s); /* until SIGTERM/SIGINT, then a graceful stop */
    if (opt.processes != 1)
        printf("worker %d: ", worker);
    printf("stopped after %ld request(s)\n", atomic_load(&app.requests));
    if (rc < 0)
        fprintf(stderr, "server: %s\n", eddy_server_error(s));
    eddy_server_free(s);
    eddy_loop_free();
    eddy_options_free(opts); /* opt.address points into it */
    return rc < 0 ? 1 : 0;
}
