/*
 * body_form - reading a multipart/form-data body as it arrives; see body.h.
 *
 * The server streams the body (server.h, eddy_request_read_body) and
 * each piece goes straight to the multipart parser, whose callbacks keep
 * text fields in memory and files in memory up to the spool threshold,
 * then in a temporary file in the upload folder. Writes to that file go
 * through the thread pool in blocks of SPOOL_BLOCK bytes, and while one
 * is on its way no more of the body is read: TCP holds the client back,
 * and the process's memory stays one block per upload however large the
 * file is.
 */
#include <eddy/web/body.h>

#include "body_internal.h"

#include <eddy/base/log.h>
#include <eddy/base/sniff.h>
#include <eddy/data/file.h>
#include <eddy/http/multipart.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    SPOOL_BLOCK = 256 * 1024, /* bytes gathered before a write to the spool file */
    SNIFF_BYTES = 512,        /* what eddy_sniff_content_type looks at */
};

/* The parse of one body: the parser and the part being read. */
struct reader {
    eddy_body *b;
    eddy_multipart *m;
    struct upload *up;     /* the file part being read, or NULL */
    const char *text_name; /* the text part being read (in the arena), or NULL */
    eddy_buf text;
};

/* spool_fail - an upload could not be written: stop the parse with 500. */
static int spool_fail(struct reader *rd, int rc)
{
    eddy_warn("upload %s: cannot write to %s: %s", rd->up->pub.name,
              rd->up->spool_path ? rd->up->spool_path : rd->b->limits.upload_dir, strerror(rc));
    eddy_multipart_fail(rd->m, rc == ENOSPC ? 507 : 500, "cannot store the upload");
    return -1;
}

/* start_spool - the upload has outgrown memory: a temporary file in the
 * upload folder, named by the library, never after the client's name. */
static int start_spool(struct reader *rd)
{
    struct upload *up = rd->up;
    char name[64];
    if (eddy_body_random_name(name, sizeof name, "eddy-upload-", ".tmp") < 0)
        return spool_fail(rd, EIO);
    size_t plen = strlen(rd->b->limits.upload_dir) + 1 + strlen(name) + 1;
    if (!(up->spool_path = malloc(plen)))
        return spool_fail(rd, ENOMEM);
    snprintf(up->spool_path, plen, "%s/%s", rd->b->limits.upload_dir, name);
    int rc = eddy_file_open(up->spool_path, O_WRONLY | O_CREAT | O_EXCL, 0600, &up->spool_fd);
    if (rc) {
        free(up->spool_path);
        up->spool_path = NULL;
        return spool_fail(rd, rc);
    }
    up->pub.sniffed_type = eddy_sniff_content_type(
        up->bytes.data, up->bytes.len < SNIFF_BYTES ? up->bytes.len : SNIFF_BYTES);
    return 0;
}

/* write_spool - what is gathered in memory, to the spool file. */
static int write_spool(struct reader *rd)
{
    struct upload *up = rd->up;
    if (!up->bytes.len)
        return 0;
    int rc = eddy_file_append(up->spool_fd, up->bytes.data, up->bytes.len);
    if (rc)
        return spool_fail(rd, rc);
    eddy_buf_clear(&up->bytes);
    return 0;
}

static int part_begin(void *arg, const eddy_multipart_part *part)
{
    struct reader *rd = arg;
    eddy_arena *a = eddy_request_arena(rd->b->req);
    if (part->has_filename) {
        if (!(rd->up = eddy_body_add_upload(rd->b, part->name, part->filename,
                                            part->content_type))) {
            eddy_multipart_fail(rd->m, 503, "out of memory");
            return -1;
        }
        return 0;
    }
    if (!(rd->text_name = eddy_arena_strndup(a, part->name.p, part->name.len))) {
        eddy_multipart_fail(rd->m, 503, "out of memory");
        return -1;
    }
    eddy_buf_clear(&rd->text);
    return 0;
}

static int part_data(void *arg, const char *data, size_t len)
{
    struct reader *rd = arg;
    struct upload *up = rd->up;
    eddy_buf *into = up ? &up->bytes : &rd->text;
    if (eddy_buf_append(into, data, len) < 0) {
        eddy_multipart_fail(rd->m, 503, "out of memory");
        return -1;
    }
    if (!up)
        return 0;
    up->pub.size += len;
    if (up->spool_fd < 0 && up->bytes.len > rd->b->limits.spool_threshold &&
        start_spool(rd) < 0)
        return -1;
    if (up->spool_fd >= 0 && up->bytes.len >= SPOOL_BLOCK)
        return write_spool(rd);
    return 0;
}

static int part_end(void *arg)
{
    struct reader *rd = arg;
    struct upload *up = rd->up;
    if (!up) {
        int rc = eddy_body_add_field(rd->b, rd->text_name, strlen(rd->text_name),
                                     rd->text.data ? rd->text.data : "", rd->text.len);
        rd->text_name = NULL;
        if (rc < 0)
            eddy_multipart_fail(rd->m, 503, "out of memory");
        return rc;
    }
    rd->up = NULL;
    if (up->spool_fd >= 0) {
        rd->up = up; /* for spool_fail's message */
        if (write_spool(rd) < 0)
            return -1;
        rd->up = NULL;
        int fd = up->spool_fd;
        up->spool_fd = -1;
        int rc = eddy_file_close(fd);
        if (rc) {
            rd->up = up;
            return spool_fail(rd, rc);
        }
        up->pub.spool_path = up->spool_path;
        eddy_buf_free(&up->bytes);
        return 0;
    }
    static const unsigned char empty[1];
    up->pub.data = up->bytes.data ? (const unsigned char *)up->bytes.data : empty;
    up->pub.sniffed_type = eddy_sniff_content_type(
        up->pub.data, up->bytes.len < SNIFF_BYTES ? up->bytes.len : SNIFF_BYTES);
    return 0;
}

/* ------------------------------------------------------------ reading */

/* answer - refuse the body: the status and reason to the client, one
 * line to the log. -1, for the caller to return. */
static int answer(eddy_req *r, int status, const char *reason)
{
    eddy_str method = eddy_request_method(r), path = eddy_request_path(r);
    eddy_warn("%d %.*s %.*s from %s: %s", status, (int)method.len, method.p, (int)path.len,
              path.p, eddy_request_remote_ip(r), reason);
    eddy_send_error(r, status, reason);
    return -1;
}

/* set_up - the parser for r's body in the arena; NULL (after answering,
 * if may_answer) when there can be none. */
static eddy_multipart *set_up(eddy_body *b, struct reader *rd, int may_answer)
{
    eddy_req *r = b->req;
    const eddy_str *type = eddy_request_header(r, "content-type");
    eddy_str boundary;
    if (!type || eddy_multipart_boundary(*type, &boundary) < 0) {
        if (may_answer)
            answer(r, 400, "multipart/form-data without a valid boundary");
        return NULL;
    }
    eddy_multipart *m = eddy_arena_alloc(eddy_request_arena(r), sizeof *m);
    if (!m) {
        if (may_answer)
            answer(r, 503, "out of memory");
        return NULL;
    }
    eddy_multipart_limits lim = {b->limits.max_parts, b->limits.max_part_bytes,
                                 b->limits.max_part_header_bytes, b->limits.max_body_bytes};
    *rd = (struct reader){.b = b, .m = m};
    eddy_multipart_callbacks cb = {part_begin, part_data, part_end, rd};
    eddy_multipart_init(m, boundary, &lim, &cb);
    return m;
}

/* finish_reading - after the last piece (or a failure): what the reader
 * holds goes; a file cut short keeps its spool path, to be removed. */
static void finish_reading(struct reader *rd)
{
    eddy_buf_free(&rd->text);
    if (rd->up && rd->up->spool_fd >= 0) {
        eddy_file_close(rd->up->spool_fd);
        rd->up->spool_fd = -1;
    }
}

int eddy_body_read_form(eddy_req *r, eddy_body *b)
{
    b->form_read = 1;
    const eddy_http_message *head = eddy_request_head(r);
    if (head->body == EDDY_BODY_LENGTH && head->content_length > b->limits.max_body_bytes)
        return answer(r, 413, "multipart body too large");
    struct reader rd;
    eddy_multipart *m = set_up(b, &rd, 1);
    if (!m)
        return -1;
    int rc = 0;
    for (;;) {
        eddy_str piece;
        int err = eddy_request_read_body(r, &piece);
        if (err == ETIMEDOUT) {
            rc = answer(r, 408, "request body not received in time");
            break;
        }
        if (err == EBADMSG) {
            rc = answer(r, 400, "malformed chunked body");
            break;
        }
        if (err) {
            rc = -1; /* the client is gone: nobody to answer */
            break;
        }
        if (piece.len == 0) {
            if (eddy_multipart_finish(m) < 0)
                rc = answer(r, m->error_status, m->error_reason);
            break;
        }
        if (eddy_multipart_feed(m, piece.p, piece.len) < 0) {
            rc = eddy_response_finished(r) ? -1 : answer(r, m->error_status, m->error_reason);
            break;
        }
    }
    finish_reading(&rd);
    return rc;
}

void eddy_body_parse_buffered(eddy_body *b)
{
    b->form_read = 1;
    struct reader rd;
    eddy_multipart *m = set_up(b, &rd, 0);
    if (!m)
        return;
    eddy_str body = eddy_request_body(b->req);
    if (eddy_multipart_feed(m, body.p, body.len) < 0 || eddy_multipart_finish(m) < 0)
        eddy_warn("multipart body of %.*s: %s", (int)eddy_request_path(b->req).len,
                  eddy_request_path(b->req).p, m->error_reason);
    finish_reading(&rd);
}

int eddy_body_is_form(const eddy_req *r)
{
    const eddy_str *type = eddy_request_header(r, "content-type");
    return type && type->len >= 19 && strncasecmp(type->p, "multipart/form-data", 19) == 0;
}
