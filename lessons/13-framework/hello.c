/*
 * hello - lesson 13: Tornado's "hello, world" in C.
 *
 * The whole framework in a few lines: a handler table with a get
 * function, an app with one route, and eddy_app_run, which does the rest
 * of main() the way every server wants it: the standard server options
 * (--port, --address, --processes, --access-log, limits...), --config and
 * --logging, worker processes when --processes asks (0: one per core),
 * listen, print the URL, run until SIGTERM or Ctrl-C, and the exit
 * status. api.c, the lesson's other program, writes those steps out by
 * hand because it has more to do between them.
 */
#include <eddy/eddy.h>

/* quote:begin hello */
static void main_get(eddy_req *r)
{
    eddy_write_str(r, "Hello, world\n");
}

static const eddy_handler main_handler = {.get = main_get};

int main(int argc, char **argv)
{
    eddy_app *app = eddy_app_new();
    eddy_route(app, "/", &main_handler, NULL);
    return eddy_app_run(app, argc, argv);
}
/* quote:end hello */
