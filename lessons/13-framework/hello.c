/*
 * hello - lesson 13: Tornado's "hello, world" in C.
 *
 * The whole framework in a few lines: a handler table with a get
 * function, an app with one route, the standard server options (--port,
 * --address, --processes, --access-log, limits...), then listen and run.
 * With --processes N the program forks N workers first (0: one per core),
 * each with its own loop, all listening on one port.
 */
#include <eddy/eddy.h>

#include <stdio.h>

/* quote:begin hello */
static void main_get(eddy_req *r)
{
    eddy_write_str(r, "Hello, world\n");
}

static const eddy_handler main_handler = {.get = main_get};

int main(int argc, char **argv)
{
    eddy_server_option_values v;
    eddy_options *opts = eddy_options_new();
    eddy_server_options(opts, &v);
    eddy_options_parse_command_line(opts, argc, argv);
    int worker = v.processes != 1 ? eddy_fork_processes((int)v.processes) : 0;
    if (worker < 0) /* the parent once its workers have stopped, or fork failed */
        return worker == EDDY_FORK_PARENT_DONE ? 0 : 1;

    eddy_app *app = eddy_app_new();
    eddy_route(app, "/", &main_handler, NULL);
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&v, &cfg);
    eddy_server *s = eddy_app_listen(app, &cfg);
    if (!s)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(s));
    return eddy_server_run(s) < 0;
}
/* quote:end hello */
