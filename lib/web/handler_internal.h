/*
 * handler_internal - what the files of the handler module share: the app
 * and the per-request state the framework keeps in the request's arena.
 * Only lib/web/handler*.c include it.
 */
#ifndef EDDY_HANDLER_INTERNAL_H
#define EDDY_HANDLER_INTERNAL_H

#include <eddy/web/body.h>
#include <eddy/web/handler.h>
#include <eddy/web/router.h>

/* A module's state on the app or on one request (see eddy_app_set_slot). */
struct slot {
    const char *name;
    void *value;
    eddy_slot_free_fn free_fn;
    struct slot *next;
};

struct eddy_app {
    eddy_router *router;
    void (*write_error)(eddy_req *r, int status, const char *reason);
    void *data;
    struct slot *slots; /* newest first, so they are freed in reverse order */
    eddy_method_fn checks[EDDY_APP_MAX_CHECKS]; /* eddy_app_add_check, in order */
    size_t check_count;
    char error[256];
};

struct pair {
    const char *name, *value;
};

struct pairs {
    struct pair *items;
    size_t count;
    int parsed;
};

struct req_state {
    eddy_app *app;
    const eddy_handler *handler;
    eddy_str captures[EDDY_ROUTE_MAX_CAPTURES];
    const char *path_args[EDDY_ROUTE_MAX_CAPTURES]; /* the captures, decoded */
    size_t capture_count;
    struct pairs query, body, cookies;
    json_t *json;
    int json_parsed;
    const char *path;
    struct slot *slots; /* in the arena; values freed when the request ends */
    eddy_body *form;    /* multipart and JSON fields, uploads (body.c) */
};

/* eddy_handler_state - the framework's state for r (NULL outside an app). */
static inline struct req_state *eddy_handler_state(const eddy_req *r)
{
    return eddy_request_data(r);
}

/* eddy_handler_decode - s percent-decoded into the arena, NUL-terminated;
 * NULL when it does not decode or holds an encoded NUL. */
const char *eddy_handler_decode(eddy_req *r, eddy_str s, int plus_is_space);

#endif
