/*
 * upload_server - the server bench/18-upload.sh posts a large upload to.
 *
 * One route, POST /upload: a multipart form whose "file" field the
 * framework streams to a spool file in --upload-dir as it arrives (never
 * whole in memory), which the handler then saves under --save-dir with
 * eddy_upload_save, atomically and off the loop, answering the saved
 * name and size. GET / answers "ready", for the script to wait on.
 *
 *   upload_server --port N --save-dir DIR [--upload-dir DIR] [any server option]
 */
#include <eddy/eddy.h>

#include <errno.h>
#include <string.h>

static const char *save_dir;

static void ready_get(eddy_req *r) { eddy_write_str(r, "ready\n"); }

static void upload_post(eddy_req *r)
{
    const eddy_upload *u = eddy_get_upload(r, "file");
    if (!u) {
        eddy_send_error(r, 400, "no file field");
        return;
    }
    char name[128];
    int rc = eddy_upload_save(r, u, save_dir, name, sizeof name);
    if (rc) {
        eddy_send_error(r, 500, strerror(rc));
        return;
    }
    eddy_writef(r, "%s %llu\n", name, (unsigned long long)u->size);
}

static const eddy_handler ready = {.get = ready_get};
static const eddy_handler upload = {.post = upload_post};

int main(int argc, char **argv)
{
    eddy_options *opts = eddy_options_new();
    eddy_app *app = eddy_app_new();
    if (!opts || !app)
        return 1;
    eddy_option_string(opts, "save-dir", &save_dir, "/tmp", "where uploads are saved");
    eddy_route(app, "/", &ready, NULL);
    eddy_route(app, "/upload", &upload, NULL);
    return eddy_app_run_options(app, opts, argc, argv);
}
