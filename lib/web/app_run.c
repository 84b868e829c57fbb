/*
 * app_run - main() for the common case; see app_run.h.
 *
 * The steps are those a program writes by hand (lesson 13's api.c), in
 * the order that matters: the options first, so that --help or a typo
 * ends the program before anything is bound; then the fork, before any
 * loop or server exists, so that each worker makes its own; then listen,
 * print and run. On the way out the server goes before the app whose
 * handlers it calls, and the options go last, since the server's address
 * points into them.
 */
#include <eddy/web/app_run.h>

#include <eddy/async/future.h>
#include <eddy/base/log.h>
#include <eddy/http/server.h>
#include <eddy/web/websocket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* prog_name - argv[0]'s base name, for messages. */
static const char *prog_name(int argc, char **argv)
{
    if (argc < 1 || !argv[0])
        return "server";
    const char *slash = strrchr(argv[0], '/');
    return slash ? slash + 1 : argv[0];
}

/* usage_error - a wrong command line, told as lib/options tells one; 2. */
static int usage_error(int argc, char **argv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int usage_error(int argc, char **argv, const char *fmt, ...)
{
    const char *prog = prog_name(argc, argv);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nRun %s --help to see the options.\n", prog);
    va_end(ap);
    return 2;
}

/* serve - fork the workers, listen, say where, run until stopped; the
 * status for main(). */
static int serve(eddy_app *app, const eddy_server_option_values *v)
{
    /* The parent stays inside eddy_fork_processes, looking after the
     * workers, and comes back once they have all stopped; each worker
     * comes back at once with its index and goes on to serve. */
    if (v->processes != 1) {
        int worker = eddy_fork_processes((int)v->processes);
        if (worker == EDDY_FORK_PARENT_DONE)
            return 0;
        if (worker < 0) {
            eddy_error("fork: %s", strerror(errno));
            return 1;
        }
    }
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(v, &cfg);
    eddy_server *s = eddy_app_listen(app, &cfg);
    if (!s)
        return 1; /* the reason is logged */
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(s));
    fflush(stdout); /* now, even into a pipe: whoever waits for the line can connect */
    int rc = eddy_server_run(s);
    if (rc < 0)
        eddy_error("%s", eddy_server_error(s));
    eddy_ws_close_all(); /* WebSockets are no longer the server's: they go now (1001) */
    eddy_server_free(s);
    return rc < 0 ? 1 : 0;
}

/* run - eddy_app_run_options; with_logging adds --logging after the
 * server options, so that --help lists it last, as its own group. */
static int run(eddy_app *app, eddy_options *opts, int argc, char **argv, bool with_logging)
{
    int status = 1, first;
    eddy_server_option_values v;
    if (!app || !opts) {
        eddy_error("cannot start the server: out of memory");
        goto out;
    }
    /* A failed definition is remembered by the set and reported by the
     * parse, so none is checked here. */
    eddy_server_options(opts, &v);
    if (with_logging)
        eddy_options_define_logging(opts);

    first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) {
        status = first == EDDY_OPTIONS_HELP ? 0 : 2; /* printed already */
        goto out;
    }
    if (first < argc) {
        status = usage_error(argc, argv, "unexpected argument \"%s\" (a server takes options only)",
                             argv[first]);
        goto out;
    }
    if (v.processes != 1 && v.port == 0) {
        status = usage_error(argc, argv, "--processes needs a fixed --port: workers share one");
        goto out;
    }
    status = serve(app, &v);
out:
    eddy_app_free(app);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
    eddy_options_free(opts);
    return status;
}

int eddy_app_run_options(eddy_app *app, eddy_options *opts, int argc, char **argv)
{
    return run(app, opts, argc, argv, false);
}

int eddy_app_run(eddy_app *app, int argc, char **argv)
{
    eddy_options *opts = eddy_options_new();
    if (opts)
        eddy_option_config(opts, "config", NULL, "read options from this file");
    return run(app, opts, argc, argv, true);
}
