/*
 * content - the helpers the content features share (content.h): the
 * caller, group membership, users and times as the API shows them, pages,
 * and notifications.
 */
#include "content.h"
#include "forum.h"
#include "models.h"

#include <eddy/base/log.h>
#include <eddy/data/orm.h>
#include <eddy/web/app_db.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t content_require_user(eddy_req *r)
{
    return forum_api_user(r);
}

int64_t content_optional_user(eddy_req *r)
{
    /* Only a caller that sent a token is asked who it is; a bad token is
     * still refused (401), never taken for nobody. */
    if (!eddy_header(r, "tsessionid") && !eddy_header(r, "Authorization"))
        return 0;
    return forum_api_user(r);
}

int content_load_row(eddy_req *r, const eddy_model *m, int64_t id, eddy_db_result **out)
{
    int rc = eddy_orm_get_or_none(eddy_req_db(r), m, id, out);
    if (rc) {
        eddy_send_db_error(r, rc, *out);
        *out = NULL;
        return -1;
    }
    if (eddy_db_rows(*out) == 0) {
        eddy_db_result_free(*out);
        *out = NULL;
        content_send_status(r, 404, "not found");
        return -1;
    }
    return 0;
}

int content_user_exists(eddy_req *r, int64_t id, bool *yes)
{
    eddy_query *q = eddy_orm_select(&forum_user);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    int64_t n = 0;
    int rc = eddy_orm_count(eddy_req_db(r), q, &n);
    eddy_query_free(q);
    *yes = rc == 0 && n > 0;
    return rc;
}

int64_t content_require_reply_target(eddy_req *r, eddy_form *f)
{
    int64_t replied = eddy_form_int(f, "replyed_user", 0);
    bool exists = false;
    int rc = replied > 0 ? content_user_exists(r, replied, &exists) : 0;
    if (rc) {
        eddy_send_db_error(r, rc, NULL);
        return -1;
    }
    if (!exists) {
        forum_send_field_error(r, 400, "replyed_user", "用户不存在");
        return -1;
    }
    return replied;
}

int content_is_member(eddy_req *r, int64_t user, int64_t group)
{
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_where(q, eddy_orm_eq(q, "user", EDDY_DB_INT(user)));
    eddy_orm_where(q, eddy_orm_eq(q, "community", EDDY_DB_INT(group)));
    eddy_orm_where(q, eddy_orm_eq(q, "status", EDDY_DB_STR("agree")));
    int64_t count = 0;
    int rc = eddy_orm_count(eddy_req_db(r), q, &count);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, NULL);
        return -1;
    }
    return count > 0;
}

/* masked_mobile - a user without a nick name is shown by their mobile
 * number, as the course's login does, but masked ("138****0001"): the
 * number itself is nobody else's business. */
static const char *masked_mobile(const char *mobile, char out[16])
{
    size_t n = mobile ? strlen(mobile) : 0;
    if (n < 7)
        return "user";
    snprintf(out, 16, "%.3s****%s", mobile, mobile + n - 4);
    return out;
}

json_t *content_user_json(const eddy_db_result *res, size_t row, const char *prefix)
{
    char col[64];
    snprintf(col, sizeof col, "%s.id", prefix);
    if (eddy_db_is_null(res, row, col))
        return NULL;
    int64_t id = eddy_db_int(res, row, col);
    snprintf(col, sizeof col, "%s.nick_name", prefix);
    const char *nick = eddy_db_text(res, row, col);
    char masked[16];
    if (!nick || !*nick) {
        snprintf(col, sizeof col, "%s.mobile", prefix);
        nick = masked_mobile(eddy_db_text(res, row, col), masked);
    }
    snprintf(col, sizeof col, "%s.head_url", prefix);
    const char *head = eddy_db_text(res, row, col);
    char head_url[256] = "";
    if (head && *head)
        snprintf(head_url, sizeof head_url, "/media/%s", head);
    return json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)id, "nick_name", nick, "head_url",
                     *head_url ? head_url : NULL);
}

json_t *content_time(const eddy_db_result *res, size_t row, const char *column, int date_only)
{
    const eddy_db_value *v = eddy_db_value_of(res, row, column);
    if (!v || v->type == EDDY_DB_NULL)
        return json_null();
    char text[32];
    if (v->type == EDDY_DB_TEXT) /* a raw query whose column lost its declared type */
        snprintf(text, sizeof text, "%.19s", v->p);
    else
        eddy_db_format_time(v->i, ' ', text);
    text[date_only ? 10 : 19] = '\0';
    return json_string(text);
}

void content_page(eddy_req *r, int64_t def, int64_t max, int64_t *limit, int64_t *offset)
{
    long long page = strtoll(eddy_get_query_argument(r, "page", "1"), NULL, 10);
    long long n = strtoll(eddy_get_query_argument(r, "limit", ""), NULL, 10);
    if (page < 1 || page > 1000000)
        page = 1;
    if (n < 1)
        n = def;
    if (n > max)
        n = max;
    *limit = n;
    *offset = (page - 1) * n;
}

void content_send_status(eddy_req *r, int status, const char *reason)
{
    eddy_response_status(r, status);
    eddy_send_json(r, json_pack("{s:s}", "non_fields", reason));
}

/* A notification as the inbox lists it and the live socket pushes it. */
static json_t *notification_json(eddy_req *r, int64_t id, int64_t sender, int type,
                                 const char *message, const char *parent_content)
{
    eddy_query *q = eddy_orm_select(&forum_user);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(sender)));
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    json_t *who = NULL;
    if (rc == 0 && eddy_db_rows(res) == 1) {
        const char *nick = eddy_db_text(res, 0, "nick_name");
        char masked[16];
        const char *head = eddy_db_text(res, 0, "head_url");
        char head_url[256] = "";
        if (head && *head)
            snprintf(head_url, sizeof head_url, "/media/%s", head);
        who = json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)sender, "nick_name",
                        nick && *nick ? nick : masked_mobile(eddy_db_text(res, 0, "mobile"), masked),
                        "head_url",
                        *head_url ? head_url : NULL);
    }
    eddy_db_result_free(res);
    char now[32];
    eddy_db_format_time(eddy_db_now(), ' ', now);
    now[19] = '\0';
    return json_pack("{s:s, s:I, s:o?, s:s?, s:i, s:s?, s:s, s:b}", "event", "message", "id",
                     (json_int_t)id, "sender", who,
                     "message", message, "message_type", type, "parent_content", parent_content,
                     "add_time", now, "is_read", 0);
}

/* clip - text cut to at most max characters (not bytes), for the inbox's
 * 500-character columns; in the request's arena. */
static const char *clip(eddy_req *r, const char *text, size_t max)
{
    if (!text)
        return NULL;
    size_t chars = 0, i = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0) != 0x80 && chars++ == max)
            break;
    }
    if (!text[i])
        return text;
    char *cut = eddy_alloc(r, i + 1);
    if (!cut)
        return NULL;
    memcpy(cut, text, i);
    cut[i] = '\0';
    return cut;
}

int forum_notify(eddy_req *r, int64_t sender, int64_t receiver, int type, const char *message,
                 const char *parent_content)
{
    if (sender == receiver || receiver <= 0)
        return 0;
    message = clip(r, message, 500);
    parent_content = clip(r, parent_content, 500);
    eddy_orm_value v[] = {
        {"sender", EDDY_DB_INT(sender)},
        {"receiver", EDDY_DB_INT(receiver)},
        {"message_type", EDDY_DB_INT(type)},
        {"message", EDDY_DB_STR(message)},
        {"parent_content", EDDY_DB_STR(parent_content)},
    };
    int64_t id = 0;
    int rc = eddy_orm_insert(eddy_req_db(r), &forum_message, v, sizeof v / sizeof v[0], &id);
    if (rc) {
        eddy_warn("notify: inbox row for user %lld not written (%d)", (long long)receiver, rc);
        return rc;
    }
    json_t *note = notification_json(r, id, sender, type, message, parent_content);
    char *text = note ? json_dumps(note, JSON_COMPACT) : NULL;
    json_decref(note);
    if (text && forum_live_publish(forum_of(r), receiver, text, strlen(text)) < 0)
        eddy_warn("notify: live push to user %lld failed", (long long)receiver);
    free(text);
    return 0;
}
