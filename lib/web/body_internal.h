/*
 * body_internal - what the files of the body module share: the state one
 * request's body leaves behind. body.c has the getters, JSON fields,
 * saving and the limits; body_form.c reads a multipart form.
 */
#ifndef EDDY_BODY_INTERNAL_H
#define EDDY_BODY_INTERNAL_H

#include <eddy/base/buf.h>
#include <eddy/web/body.h>

/* One upload while it arrives and after. */
struct upload {
    eddy_upload pub;       /* what the getters hand out */
    eddy_buf bytes;        /* in memory, or waiting to be written to the spool */
    int spool_fd;          /* -1 until the upload goes to disk */
    char *spool_path;      /* malloc'd, so it survives to be removed */
};

struct eddy_body {
    eddy_req *req;
    eddy_body_limits limits;
    int form_read;         /* the multipart form was parsed (streamed or buffered) */
    int json_read;         /* the JSON body's members were taken */
    eddy_body_field *fields; /* malloc'd; names and values in the arena */
    size_t field_count, field_cap;
    struct upload **uploads; /* malloc'd; each malloc'd */
    size_t upload_count, upload_cap;
};

/* eddy_body_add_field - keep name=value (copied to the arena). 0 or -1. */
int eddy_body_add_field(eddy_body *b, const char *name, size_t name_len, const char *value,
                        size_t value_len);

/* eddy_body_add_upload - a new upload of field name, kept. NULL on ENOMEM. */
struct upload *eddy_body_add_upload(eddy_body *b, eddy_str name, eddy_str filename,
                                    eddy_str content_type);

/* eddy_body_random_name - prefix, 32 random hex digits, ext into out.
 * 0, or -1 when out is too small or no randomness can be had. */
int eddy_body_random_name(char *out, size_t cap, const char *prefix, const char *ext);

/* eddy_body_parse_buffered - the fields and files of a multipart body the
 * server read whole (a server not set up to stream); no answer is sent
 * for a bad one, as getters answer nothing. */
void eddy_body_parse_buffered(eddy_body *b);

#endif
