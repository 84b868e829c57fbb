/*
 * body - one way to read a request's fields and files, whatever the body
 * is: a urlencoded form, a multipart/form-data form with uploads, or a
 * JSON object.
 *
 * eddy_get_argument, eddy_get_arguments and eddy_get_body_argument
 * (handler.h) see the fields of all three: urlencoded pairs, the text
 * parts of a multipart form, and the top-level members of a JSON object
 * (strings as they are; numbers, true and false as their JSON text; null
 * as missing; an array as one value per scalar in it). Files come from
 * eddy_get_upload and eddy_get_uploads.
 *
 * A multipart body is never held whole: the server hands it over as it
 * arrives and the framework parses it before the handler's prepare runs.
 * Text fields and small files are kept in the request's arena; a file
 * larger than the spool threshold goes to a temporary file in the upload
 * folder, which is removed when the request ends (keep it with
 * eddy_upload_save). Every limit below is answered before the handler
 * runs, 413 for a size or a count and 400 for a malformed body, with the
 * reason on the page and one log line.
 *
 * The client's file name is data, never a path: it comes sanitised (no
 * path separators, no control characters, at most 255 bytes) and the
 * library never builds a path from it; eddy_upload_save makes a name of
 * its own.
 */
#ifndef EDDY_BODY_H
#define EDDY_BODY_H

#include <eddy/http/server.h>
#include <eddy/web/options.h>

#include <stddef.h>
#include <stdint.h>

typedef struct eddy_app eddy_app;

typedef struct eddy_upload {
    const char *name;          /* the form field */
    const char *filename;      /* the client's file name, sanitised: data, never a path */
    const char *content_type;  /* as the client declared it */
    const char *sniffed_type;  /* from the first bytes, "application/octet-stream" if unknown */
    uint64_t size;
    const unsigned char *data; /* the bytes when held in memory, else NULL */
    const char *spool_path;    /* the temporary file when spooled, else NULL */
} eddy_upload;

/* eddy_get_upload - the first upload of field name; NULL when none. */
const eddy_upload *eddy_get_upload(eddy_req *r, const char *name);

/* eddy_get_uploads - every upload of field name, in the order sent;
 * *count gets the number (0, and NULL returned, when none). */
const eddy_upload *const *eddy_get_uploads(eddy_req *r, const char *name, size_t *count);

/* eddy_upload_save - save u under dir with a generated random name
 * (plus an extension from sniffed_type), atomically, off the loop.
 * The generated file name (not a path) goes to name_out.
 * A wait: 0 or an errno value (ENAMETOOLONG when name_cap is too small
 * for the name, EINVAL for a NULL upload or folder). */
int eddy_upload_save(eddy_req *r, const eddy_upload *u, const char *dir, char *name_out,
                     size_t name_cap);

/* ------------------------------------------------------------ limits */

typedef struct eddy_body_limits {
    uint64_t max_parts;        /* parts in one multipart body, default 100 */
    uint64_t max_part_bytes;   /* one part's content, default 100 MiB */
    uint64_t max_part_header_bytes; /* one part's header block, default 8 KiB (at most 16 KiB) */
    uint64_t max_body_bytes;   /* a whole multipart body, default 1 GiB */
    uint64_t spool_threshold;  /* a file larger than this goes to disk, default 64 KiB */
    const char *upload_dir;    /* where spooled files go, default $TMPDIR or /tmp;
                                  not copied: keep it alive with the app */
} eddy_body_limits;

/* eddy_body_limits_defaults - fill l with the defaults above. */
void eddy_body_limits_defaults(eddy_body_limits *l);

/* eddy_app_set_body_limits - the app's limits (a copy is kept; without
 * this call, the defaults). 0, or -1 with eddy_app_error(). */
int eddy_app_set_body_limits(eddy_app *app, const eddy_body_limits *l);

/* eddy_app_body_limits - the limits set on app, or NULL if none were. */
const eddy_body_limits *eddy_app_body_limits(const eddy_app *app);

/* The same as options: --max-form-parts, --max-part-bytes,
 * --max-part-header-bytes, --max-form-bytes, --spool-threshold,
 * --upload-dir, with the values of defaults (NULL: the defaults above)
 * when not given. Define them, parse, then apply; eddy_app_run does it
 * for the app's own limits. */
typedef struct eddy_body_option_values {
    int64_t max_parts, max_part_bytes, max_part_header_bytes, max_body_bytes, spool_threshold;
    const char *upload_dir;
} eddy_body_option_values;

int eddy_body_options(eddy_options *o, eddy_body_option_values *v,
                      const eddy_body_limits *defaults);
void eddy_body_options_apply(const eddy_body_option_values *v, eddy_body_limits *l);

/* ------------------------------------------------------------ for the framework
 *
 * What handler.c and handler_request.c call; a handler does not need
 * these. The framework keeps one eddy_body per request, created on first
 * use, and hands it out with eddy_req_body (defined in handler.c, so this
 * module needs nothing from the handler's). */

typedef struct eddy_body eddy_body;

typedef struct eddy_body_field {
    const char *name, *value;
} eddy_body_field;

/* eddy_req_body - r's body state; NULL outside an app or out of memory. */
eddy_body *eddy_req_body(eddy_req *r);

/* eddy_body_new - a body state in r's arena, with the app's limits
 * (NULL: defaults; the struct must outlive the request). NULL on ENOMEM. */
eddy_body *eddy_body_new(eddy_req *r, const eddy_body_limits *limits);

/* eddy_body_is_form - the request's Content-Type is multipart/form-data. */
int eddy_body_is_form(const eddy_req *r);

/* eddy_body_read_form - read a streamed multipart body to its end, keep
 * its fields and uploads. 0, or -1 after answering 400/413 (or when the
 * client is gone). */
int eddy_body_read_form(eddy_req *r, eddy_body *b);

/* eddy_body_fields - the fields of a multipart or JSON body (parsed on
 * first use, in the arena); NULL and *count 0 when there are none. The
 * urlencoded form is the handler's own business. */
const eddy_body_field *eddy_body_fields(eddy_req *r, eddy_body *b, size_t *count);

/* eddy_body_release - remove the spooled files (when the request ends). */
void eddy_body_release(eddy_body *b);

#endif
