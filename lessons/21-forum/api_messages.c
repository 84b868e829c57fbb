/*
 * api_messages - the inbox: what others did to a user's posts, comments,
 * questions and answers (FORUM_API.md §1.10), with what the course left
 * out: a read flag, pages, a count of unread messages, marking read, and
 * deleting. Rows are written by forum_notify (content.c), which also
 * pushes each one live (live.c).
 *
 *   GET    /messages/?message_type=1&message_type=3&unread=1&page=2&limit=20
 *          newest first; X-Total-Count and X-Unread-Count say how many
 *   GET    /messages/unread/          {"unread": n}
 *   POST   /messages/read/            {"ids": [1, 2]} or {} for all: marked read
 *   PATCH  /messages/{id}/            marked read;   DELETE: removed
 *
 * A user only ever sees and changes their own messages: another user's
 * message id answers 404, exactly as one that does not exist.
 */
#include "content.h"
#include "forum.h"
#include "models.h"

#include <eddy/data/orm.h>
#include <eddy/web/app_db.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* type_filter - the message_type arguments as one condition (NULL for
 * none); -1 after answering 400 for a value that is not a type. */
static int type_filter(eddy_req *r, eddy_query *q, eddy_cond **out)
{
    size_t n = 0;
    const char **types = eddy_get_arguments(r, "message_type", &n);
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        char *end;
        long t = strtol(types[i], &end, 10);
        if (*types[i] == '\0' || *end || t < FORUM_MSG_COMMENT || t > FORUM_MSG_ANSWER_REPLY) {
            forum_send_field_error(r, 400, "message_type", "消息类型错误");
            return -1;
        }
        eddy_cond *c = eddy_orm_eq(q, "message_type", EDDY_DB_INT(t));
        *out = *out ? eddy_orm_or(q, *out, c) : c;
    }
    return 0;
}

/* unread_count - the caller's unread messages, or -1. */
static int64_t unread_count(eddy_req *r, int64_t me)
{
    eddy_query *q = eddy_orm_select(&forum_message);
    eddy_orm_where(q, eddy_orm_eq(q, "receiver", EDDY_DB_INT(me)));
    eddy_orm_where(q, eddy_orm_eq(q, "is_read", EDDY_DB_INT(0)));
    int64_t n = 0;
    int rc = eddy_orm_count(eddy_req_db(r), q, &n);
    eddy_query_free(q);
    return rc ? -1 : n;
}

static json_t *message_json(const eddy_db_result *res, size_t i)
{
    return json_pack("{s:I, s:o?, s:s?, s:I, s:s?, s:o, s:b}", "id",
                     (json_int_t)eddy_db_int(res, i, "id"), "sender",
                     content_user_json(res, i, "sender"), "message",
                     eddy_db_text(res, i, "message"), "message_type",
                     (json_int_t)eddy_db_int(res, i, "message_type"), "parent_content",
                     eddy_db_text(res, i, "parent_content"), "add_time",
                     content_time(res, i, "add_time", 0), "is_read",
                     (int)eddy_db_int(res, i, "is_read"));
}

static void messages_get(eddy_req *r)
{
    int64_t me = content_require_user(r);
    if (me < 0)
        return;
    int64_t limit, offset;
    content_page(r, 20, 100, &limit, &offset);
    eddy_query *q = eddy_orm_select(&forum_message);
    eddy_cond *types;
    if (type_filter(r, q, &types) < 0) {
        eddy_query_free(q);
        return;
    }
    eddy_orm_join(q, "sender");
    eddy_orm_where(q, eddy_orm_eq(q, "receiver", EDDY_DB_INT(me)));
    if (types)
        eddy_orm_where(q, types);
    const char *unread = eddy_get_query_argument(r, "unread", "");
    if (strcmp(unread, "1") == 0 || strcmp(unread, "true") == 0)
        eddy_orm_where(q, eddy_orm_eq(q, "is_read", EDDY_DB_INT(0)));
    int64_t total = 0;
    int rc = eddy_orm_count(eddy_req_db(r), q, &total);
    eddy_orm_order_by(q, "add_time", true);
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, limit, offset);
    eddy_db_result *res = NULL;
    if (rc == 0)
        rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    int64_t unread_n = rc ? -1 : unread_count(r, me);
    if (rc || unread_n < 0) {
        eddy_send_db_error(r, rc ? rc : EIO, res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++)
        json_array_append_new(list, message_json(res, i));
    eddy_db_result_free(res);
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)total);
    eddy_response_header(r, "X-Total-Count", text);
    snprintf(text, sizeof text, "%lld", (long long)unread_n);
    eddy_response_header(r, "X-Unread-Count", text);
    eddy_send_json(r, list);
}

static void unread_get(eddy_req *r)
{
    int64_t me = content_require_user(r);
    if (me < 0)
        return;
    int64_t n = unread_count(r, me);
    if (n < 0) {
        eddy_send_db_error(r, EIO, NULL);
        return;
    }
    eddy_send_json(r, json_pack("{s:I}", "unread", (json_int_t)n));
}

/* tell_pages - the caller's other open pages learn the new unread count,
 * so a badge read in one tab clears in the others. */
static void tell_pages(eddy_req *r, int64_t me, int64_t unread)
{
    char text[64];
    int n = snprintf(text, sizeof text, "{\"event\":\"read\",\"unread\":%lld}", (long long)unread);
    forum_live_publish(forum_of(r), me, text, (size_t)n);
}

static void read_post(eddy_req *r)
{
    int64_t me = content_require_user(r);
    if (me < 0)
        return;
    size_t n = 0;
    const char **ids = eddy_get_arguments(r, "ids", &n);
    eddy_query *q = eddy_orm_update(&forum_message);
    eddy_orm_set(q, "is_read", EDDY_DB_INT(1));
    eddy_orm_where(q, eddy_orm_eq(q, "receiver", EDDY_DB_INT(me)));
    eddy_cond *which = NULL;
    for (size_t i = 0; i < n; i++) {
        char *end;
        long long id = strtoll(ids[i], &end, 10);
        if (*ids[i] == '\0' || *end || id <= 0) {
            eddy_query_free(q);
            forum_send_field_error(r, 400, "ids", "消息编号错误");
            return;
        }
        eddy_cond *c = eddy_orm_eq(q, "id", EDDY_DB_INT(id));
        which = which ? eddy_orm_or(q, which, c) : c;
    }
    if (which)
        eddy_orm_where(q, which);
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    int64_t updated = eddy_db_affected(res);
    eddy_db_result_free(res);
    int64_t unread = unread_count(r, me);
    if (unread >= 0)
        tell_pages(r, me, unread);
    eddy_send_json(r, json_pack("{s:I, s:I}", "updated", (json_int_t)updated, "unread",
                                (json_int_t)(unread < 0 ? 0 : unread)));
}

/* one_message - run q (an update or delete of forum_message) on the
 * caller's message from the path; 404 when it is not theirs. */
static void one_message(eddy_req *r, eddy_query *q)
{
    int64_t me = content_require_user(r);
    long id = me < 0 ? -1 : eddy_require_path_long(r, 1);
    if (id < 0) {
        eddy_query_free(q);
        return;
    }
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_orm_where(q, eddy_orm_eq(q, "receiver", EDDY_DB_INT(me)));
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    int64_t changed = eddy_db_affected(res);
    eddy_db_result_free(res);
    if (changed == 0) {
        forum_send_field_error(r, 404, "non_fields", "消息不存在");
        return;
    }
    int64_t unread = unread_count(r, me);
    if (unread >= 0)
        tell_pages(r, me, unread);
    eddy_send_json(r, json_pack("{s:I, s:I}", "id", (json_int_t)id, "unread",
                                (json_int_t)(unread < 0 ? 0 : unread)));
}

static void message_patch(eddy_req *r)
{
    eddy_query *q = eddy_orm_update(&forum_message);
    eddy_orm_set(q, "is_read", EDDY_DB_INT(1));
    one_message(r, q);
}

static void message_delete(eddy_req *r)
{
    one_message(r, eddy_orm_delete(&forum_message));
}

static const eddy_handler inbox = {.get = messages_get};
static const eddy_handler inbox_unread = {.get = unread_get};
static const eddy_handler inbox_read = {.post = read_post};
static const eddy_handler inbox_one = {.patch = message_patch, .delete_ = message_delete};

int forum_routes_messages(eddy_app *app, forum *f)
{
    (void)f;
    if (forum_api_route(app, "/messages/", &inbox, "api_messages") < 0 ||
        forum_api_route(app, "/messages/unread/", &inbox_unread, "api_messages_unread") < 0 ||
        forum_api_route(app, "/messages/read/", &inbox_read, "api_messages_read") < 0 ||
        forum_api_route(app, "/messages/([0-9]+)/", &inbox_one, "api_message") < 0)
        return -1;
    return 0;
}
