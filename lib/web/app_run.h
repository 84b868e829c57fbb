/*
 * app_run - main() for the common case: options, workers, listen, run.
 *
 * Tornado's hello world defines a handler, makes an Application and
 * starts it in a few lines, because tornado.options and the IOLoop are
 * there already. eddy_app_run is the same shortcut in C:
 *
 *     static void main_get(eddy_req *r) { eddy_write_str(r, "Hello, world\n"); }
 *     static const eddy_handler main_handler = {.get = main_get};
 *
 *     int main(int argc, char **argv)
 *     {
 *         eddy_app *app = eddy_app_new();
 *         eddy_route(app, "/", &main_handler, NULL);
 *         return eddy_app_run(app, argc, argv);
 *     }
 *
 * It does what lesson 13's api.c writes out by hand: defines the standard
 * server options (eddy_server_options: --port, --address, --processes,
 * --access-log, limits, timeouts) and the limits of forms and uploads
 * (eddy_body_options in body.h: --max-form-parts, --upload-dir, ...),
 * parses the command line, applies them, forks the
 * workers --processes asks for (eddy_fork_processes: each worker has its
 * own loop and server, all on one port), listens, prints
 * "listening on http://ADDRESS:PORT/" on stdout, serves until SIGTERM or
 * SIGINT stops it gracefully, frees everything and returns the status for
 * main() to exit with:
 *
 *     0  stopped cleanly, or --help was printed
 *     1  the server could not start or failed (the reason is logged)
 *     2  the command line was wrong (the message is on stderr)
 *
 * A program needing options of its own, used by its handlers, defines
 * them in a set and passes it to eddy_app_run_options. One that needs
 * their values before serving (to size a thread pool, load data) parses
 * them itself and does the rest by hand, as api.c does.
 */
#ifndef EDDY_APP_RUN_H
#define EDDY_APP_RUN_H

#include <eddy/web/handler.h>
#include <eddy/web/options.h>

/* eddy_app_run - run app as described above, with the standard server
 * options plus --config=FILE (read options from a file, see options.h)
 * and --logging=LEVEL. Takes app: it is freed before returning, as is
 * this thread's loop, and the thread pool is shut down (the program's
 * own data, eddy_app_set_data, is still the program's to free). A
 * NULL app (eddy_app_new ran out of memory) returns 1. Positional
 * arguments are refused: a server has none. */
int eddy_app_run(eddy_app *app, int argc, char **argv);

/* eddy_app_run_options - eddy_app_run with opts, a set holding the
 * program's own options (and --logging or --config if it wants them):
 * the standard server options are added to it, then all is as above.
 * Takes opts too, freed last: string options stay valid while the app
 * serves. */
int eddy_app_run_options(eddy_app *app, eddy_options *opts, int argc, char **argv);

#endif
