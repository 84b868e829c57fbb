/*
 * static - files under a folder, served the way browsers and caches expect
 * (Tornado's StaticFileHandler and static_url).
 *
 * An eddy_static is a root folder plus options; routed on an app, it
 * answers GET and HEAD with the file the route's first capture names:
 *
 *     eddy_static_options o = {.max_age = 3600};
 *     eddy_static *files = eddy_static_new("./static", &o);
 *     eddy_static_route(app, "/static/(.*)", files, "static");
 *     ...
 *     eddy_app_free(app);
 *     eddy_static_free(files);       (after the app: requests use it)
 *
 * and a page links to a file with its version, so the file may be cached
 * for a year and still be fetched anew the moment it changes:
 *
 *     eddy_writef(r, "<link rel=stylesheet href=\"%s\">",
 *                 eddy_static_url(r, "app.css"));  -> /static/app.css?v=1f0c...
 *
 * A response carries Content-Type (from the extension), Content-Length,
 * ETag (from size and modification time), Last-Modified, Accept-Ranges,
 * Cache-Control, and answers If-None-Match / If-Modified-Since with 304,
 * a single Range with 206 (416 when it starts past the end; several ranges
 * get the whole file, as in Tornado). A folder URL serves its index.html;
 * without its trailing slash it is redirected (301) to it. The bytes go
 * out with eddy_send_file (sendfile; never the whole file in memory, and
 * never gzipped, so lengths, ranges and the strong ETag all describe the
 * bytes on the wire); opening and measuring the file run on the thread
 * pool, so the loop never waits for the disk.
 *
 * What it never serves: anything outside the root. A path with a ".."
 * or "." segment, a backslash, an encoded NUL, or an absolute path gets
 * 403; so does a file reached through a symlink that leaves the root (the
 * path is resolved with realpath and must stay under the resolved root;
 * the opened file is checked again). Percent-decoding is done exactly
 * once, so "%252e%252e" is a file literally named "%2e%2e" (likely 404).
 * Dotfiles (any segment starting with '.') are 404 unless allowed, so
 * they look absent; a missing file, or anything that is not a regular
 * file or folder, is 404.
 */
#ifndef EDDY_STATIC_H
#define EDDY_STATIC_H

#include <eddy/base/buf.h>
#include <eddy/base/http_fields.h> /* dates, ranges, content types it reads and writes */
#include <eddy/web/handler.h>

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct eddy_static_options {
    /* The file served for a folder URL; NULL: "index.html"; "": none
     * (folders are 403). */
    const char *default_filename;
    /* Cache-Control max-age, in seconds, for URLs without ?v=; 0 sends
     * "no-cache" (the browser revalidates each time, cheaply, with the
     * ETag). URLs with ?v= are cached for a year, immutable. */
    long max_age;
    /* Serve files and folders whose name starts with '.'; default no. */
    bool serve_dotfiles;
    /* Recompute a versioned URL's hash when the file has changed since
     * (costs a stat per eddy_static_url); otherwise it is computed once. */
    bool debug;
    /* What eddy_static_url puts before the path; NULL: "/static/". */
    const char *url_prefix;
} eddy_static_options;

typedef struct eddy_static eddy_static;

/* eddy_static_new - files under root (which must be a folder; it is
 * resolved now, so a later symlink swap of root itself changes nothing).
 * opts may be NULL for the defaults; its strings are copied. NULL with a
 * logged error and errno set if root cannot be resolved or is not a
 * folder, or memory runs out. Call it at start-up: it touches the disk. */
eddy_static *eddy_static_new(const char *root, const eddy_static_options *opts);

/* eddy_static_free - after every app routing to s has been freed. */
void eddy_static_free(eddy_static *s);

/* eddy_static_route - route pattern on app to s (GET and HEAD). The
 * pattern's first capture is the file's path under the root, e.g.
 * "/static/(.*)". The first static routed on an app is the one
 * eddy_static_url(r, ...) and eddy_app_static use. 0, or -1 with
 * eddy_app_error(). */
int eddy_static_route(eddy_app *app, const char *pattern, eddy_static *s, const char *name);

/* eddy_app_static - the first static routed on app, or NULL. */
eddy_static *eddy_app_static(const eddy_app *app);

/* eddy_static_url_to - append url_prefix + path (percent-encoded) +
 * "?v=" + the first 16 hex digits of the SHA-256 of the file's content to
 * out. The hash is computed once and cached (in debug mode, again when the
 * file's size or mtime changes); inside a task the hashing runs on the
 * thread pool. A file that is missing or outside the root gets its URL
 * without ?v= and a logged warning, as in Tornado. 0, or -1 if out of
 * memory. Safe from several threads. For template engines and other code
 * without a request. */
int eddy_static_url_to(eddy_static *s, const char *path, eddy_buf *out);

/* eddy_static_url - the same for a handler, from the request's app's
 * static (eddy_app_static), in the request's arena (not to be freed).
 * NULL if the app has no static or memory runs out. */
const char *eddy_static_url(eddy_req *r, const char *path);

#endif
