/*
 * body - the body's fields and files, whatever its kind; see body.h.
 * body_form.c reads a multipart form; this file keeps what it found,
 * takes the members of a JSON object, hands out uploads, saves them, and
 * owns the limits and their options.
 */
#include <eddy/web/body.h>

#include "body_internal.h"

#include <eddy/base/log.h>
#include <eddy/base/sniff.h>
#include <eddy/data/file.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

enum { FILENAME_MAX_BYTES = 255 };

/* ------------------------------------------------------------ limits */

void eddy_body_limits_defaults(eddy_body_limits *l)
{
    const char *tmp = getenv("TMPDIR");
    *l = (eddy_body_limits){
        .max_parts = 100,
        .max_part_bytes = 100 * 1024 * 1024,
        .max_part_header_bytes = 8 * 1024,
        .max_body_bytes = 1024 * 1024 * 1024,
        .spool_threshold = 64 * 1024,
        .upload_dir = tmp && *tmp == '/' ? tmp : "/tmp",
    };
}

int eddy_body_options(eddy_options *o, eddy_body_option_values *v,
                      const eddy_body_limits *defaults)
{
    eddy_body_limits d;
    if (defaults)
        d = *defaults;
    else
        eddy_body_limits_defaults(&d);
    int rc = 0;
    rc |= eddy_options_group(o, "forms");
    rc |= eddy_option_int(o, "max-form-parts", &v->max_parts, (int64_t)d.max_parts,
                          "parts in one multipart form at most (413 beyond)");
    rc |= eddy_option_range(o, "max-form-parts", 1, 1000000);
    rc |= eddy_option_int(o, "max-part-bytes", &v->max_part_bytes, (int64_t)d.max_part_bytes,
                          "one field or file of a form at most, in bytes (413 beyond)");
    rc |= eddy_option_range(o, "max-part-bytes", 0, (int64_t)1 << 50);
    rc |= eddy_option_int(o, "max-part-header-bytes", &v->max_part_header_bytes,
                          (int64_t)d.max_part_header_bytes,
                          "one part's headers at most, in bytes (413 beyond)");
    rc |= eddy_option_range(o, "max-part-header-bytes", 64, 16 * 1024);
    rc |= eddy_option_int(o, "max-form-bytes", &v->max_body_bytes, (int64_t)d.max_body_bytes,
                          "a whole multipart form at most, in bytes (413 beyond)");
    rc |= eddy_option_range(o, "max-form-bytes", 0, (int64_t)1 << 50);
    rc |= eddy_option_int(o, "spool-threshold", &v->spool_threshold, (int64_t)d.spool_threshold,
                          "uploads larger than this many bytes wait on disk, not in memory");
    rc |= eddy_option_range(o, "spool-threshold", 0, (int64_t)1 << 40);
    rc |= eddy_option_string(o, "upload-dir", &v->upload_dir, d.upload_dir,
                             "folder for uploads waiting on disk");
    rc |= eddy_options_group(o, NULL);
    return rc ? -1 : 0;
}

void eddy_body_options_apply(const eddy_body_option_values *v, eddy_body_limits *l)
{
    l->max_parts = (uint64_t)v->max_parts;
    l->max_part_bytes = (uint64_t)v->max_part_bytes;
    l->max_part_header_bytes = (uint64_t)v->max_part_header_bytes;
    l->max_body_bytes = (uint64_t)v->max_body_bytes;
    l->spool_threshold = (uint64_t)v->spool_threshold;
    l->upload_dir = v->upload_dir;
}

/* ------------------------------------------------------------ the state */

eddy_body *eddy_body_new(eddy_req *r, const eddy_body_limits *limits)
{
    eddy_body *b = eddy_arena_alloc(eddy_request_arena(r), sizeof *b);
    if (!b)
        return NULL;
    memset(b, 0, sizeof *b);
    b->req = r;
    if (limits)
        b->limits = *limits;
    else
        eddy_body_limits_defaults(&b->limits);
    return b;
}

int eddy_body_add_field(eddy_body *b, const char *name, size_t name_len, const char *value,
                        size_t value_len)
{
    eddy_arena *a = eddy_request_arena(b->req);
    if (b->field_count == b->field_cap) {
        size_t cap = b->field_cap ? b->field_cap * 2 : 16;
        eddy_body_field *more = realloc(b->fields, cap * sizeof *more);
        if (!more)
            return -1;
        b->fields = more;
        b->field_cap = cap;
    }
    const char *n = eddy_arena_strndup(a, name, name_len);
    const char *v = eddy_arena_strndup(a, value, value_len);
    if (!n || !v)
        return -1;
    b->fields[b->field_count++] = (eddy_body_field){n, v};
    return 0;
}

/* sanitise_filename - the client's file name as data: its last path
 * component (after '/' or '\\', which browsers on Windows send), without
 * control bytes, at most FILENAME_MAX_BYTES without cutting a UTF-8
 * sequence; "." and ".." become empty. */
static const char *sanitise_filename(eddy_arena *a, eddy_str in)
{
    size_t start = 0;
    for (size_t i = 0; i < in.len; i++)
        if (in.p[i] == '/' || in.p[i] == '\\')
            start = i + 1;
    char *out = eddy_arena_alloc(a, in.len - start + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = start; i < in.len; i++) {
        unsigned char c = (unsigned char)in.p[i];
        if (c < 0x20 || c == 0x7f)
            continue;
        out[n++] = (char)c;
    }
    if (n > FILENAME_MAX_BYTES) {
        n = FILENAME_MAX_BYTES;
        while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
            n--; /* out[n] continues a sequence: cut before the sequence */
    }
    out[n] = '\0';
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        out[0] = '\0';
    return out;
}

struct upload *eddy_body_add_upload(eddy_body *b, eddy_str name, eddy_str filename,
                                    eddy_str content_type)
{
    eddy_arena *a = eddy_request_arena(b->req);
    if (b->upload_count == b->upload_cap) {
        size_t cap = b->upload_cap ? b->upload_cap * 2 : 4;
        struct upload **more = realloc(b->uploads, cap * sizeof *more);
        if (!more)
            return NULL;
        b->uploads = more;
        b->upload_cap = cap;
    }
    struct upload *up = calloc(1, sizeof *up);
    if (!up)
        return NULL;
    up->spool_fd = -1;
    up->pub.name = eddy_arena_strndup(a, name.p, name.len);
    up->pub.filename = sanitise_filename(a, filename);
    up->pub.content_type = content_type.len
                               ? eddy_arena_strndup(a, content_type.p, content_type.len)
                               : "application/octet-stream";
    up->pub.sniffed_type = "application/octet-stream";
    if (!up->pub.name || !up->pub.filename || !up->pub.content_type) {
        free(up);
        return NULL;
    }
    b->uploads[b->upload_count++] = up;
    return up;
}

void eddy_body_release(eddy_body *b)
{
    for (size_t i = 0; i < b->upload_count; i++) {
        struct upload *up = b->uploads[i];
        if (up->spool_fd >= 0)
            close(up->spool_fd);
        if (up->spool_path && eddy_file_remove(up->spool_path) == ECANCELED)
            unlink(up->spool_path); /* the task was cancelled: remove it anyway */
        free(up->spool_path);
        eddy_buf_free(&up->bytes);
        free(up);
    }
    free(b->uploads);
    free(b->fields);
    b->uploads = NULL;
    b->fields = NULL;
    b->upload_count = b->field_count = 0;
}

/* ------------------------------------------------------------ JSON members */

/* add_json - one JSON value as a field: strings as they are, numbers and
 * booleans as their JSON text, null as nothing; arrays give a field per
 * scalar in them (nested ones once only). */
static void add_json(eddy_body *b, const char *name, json_t *v, int in_array)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        eddy_body_add_field(b, name, strlen(name), json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
    case JSON_REAL:
    case JSON_TRUE:
    case JSON_FALSE: {
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (text)
            eddy_body_add_field(b, name, strlen(name), text, strlen(text));
        free(text);
        break;
    }
    case JSON_ARRAY:
        if (!in_array) {
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
                add_json(b, name, item, 1);
        }
        break;
    default: /* null, and objects: no single value to give */
        break;
    }
}

static void read_json(eddy_body *b)
{
    b->json_read = 1;
    eddy_str body = eddy_request_body(b->req);
    json_t *root = json_loadb(body.p, body.len, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(root)) {
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v)
            add_json(b, key, v, 0);
    }
    json_decref(root);
}

static int is_json(const eddy_req *r)
{
    const eddy_str *type = eddy_request_header(r, "content-type");
    return type && type->len >= 16 && strncasecmp(type->p, "application/json", 16) == 0 &&
           (type->len == 16 || type->p[16] == ';' || type->p[16] == ' ');
}

/* ensure_read - the fields and files of whatever kind the body is. */
static void ensure_read(eddy_req *r, eddy_body *b)
{
    if (!b->form_read && !eddy_request_streaming(r) && eddy_body_is_form(r))
        eddy_body_parse_buffered(b);
    else if (!b->json_read && !b->form_read && is_json(r))
        read_json(b);
}

const eddy_body_field *eddy_body_fields(eddy_req *r, eddy_body *b, size_t *count)
{
    ensure_read(r, b);
    *count = b->field_count;
    return b->field_count ? b->fields : NULL;
}

/* ------------------------------------------------------------ uploads */

const eddy_upload *eddy_get_upload(eddy_req *r, const char *name)
{
    eddy_body *b = eddy_req_body(r);
    if (!b)
        return NULL;
    ensure_read(r, b);
    for (size_t i = 0; i < b->upload_count; i++)
        if (strcmp(b->uploads[i]->pub.name, name) == 0)
            return &b->uploads[i]->pub;
    return NULL;
}

const eddy_upload *const *eddy_get_uploads(eddy_req *r, const char *name, size_t *count)
{
    *count = 0;
    eddy_body *b = eddy_req_body(r);
    if (!b)
        return NULL;
    ensure_read(r, b);
    size_t n = 0;
    for (size_t i = 0; i < b->upload_count; i++)
        n += strcmp(b->uploads[i]->pub.name, name) == 0;
    if (!n)
        return NULL;
    const eddy_upload **out = eddy_arena_alloc(eddy_request_arena(r), (n + 1) * sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0, k = 0; i < b->upload_count; i++)
        if (strcmp(b->uploads[i]->pub.name, name) == 0)
            out[k++] = &b->uploads[i]->pub;
    out[n] = NULL;
    *count = n;
    return out;
}

int eddy_body_random_name(char *out, size_t cap, const char *prefix, const char *ext)
{
    unsigned char bytes[16];
    size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        got += (size_t)n;
    }
    char hex[2 * sizeof bytes + 1];
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    int n = snprintf(out, cap, "%s%s%s", prefix, hex, ext);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int eddy_upload_save(eddy_req *r, const eddy_upload *u, const char *dir, char *name_out,
                     size_t name_cap)
{
    (void)r;
    if (!u || !dir || !name_out)
        return EINVAL;
    char name[80], path[4096];
    if (eddy_body_random_name(name, sizeof name, "", eddy_sniff_extension(u->sniffed_type)) < 0)
        return EIO;
    if (strlen(name) >= name_cap)
        return ENAMETOOLONG;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return ENAMETOOLONG;
    int rc;
    if (u->spool_path) {
        int fd;
        if ((rc = eddy_file_open(u->spool_path, O_RDONLY, 0, &fd)) != 0)
            return rc;
        rc = eddy_file_save_from_fd(path, fd, 0644);
        eddy_file_close(fd);
    } else {
        rc = eddy_file_save(path, u->data ? (const void *)u->data : "", (size_t)u->size, 0644);
    }
    if (!rc)
        memcpy(name_out, name, strlen(name) + 1);
    return rc;
}
