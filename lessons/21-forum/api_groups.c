/*
 * api_groups - the groups API (小组): the list with its category filter
 * and new/hot order, creating a group with a cover, its detail, editing
 * and deleting it, applying to join, and the owner's review.
 *
 *   GET    /groups/?c=CATEGORY&o=new|hot&limit=N   public list
 *   POST   /groups/                 multipart: name, category, desc, notice, front_image
 *   GET    /groups/ID/              detail, and the caller's own standing
 *   PATCH  /groups/ID/              the owner only: any of desc, notice, name,
 *                                   category, front_image
 *   DELETE /groups/ID/              the owner only; members and posts go with it
 *   POST   /groups/ID/members/      {apply_reason}: apply (again after a refusal)
 *   GET    /applys/                 pending applications to the caller's groups
 *   PATCH  /members/ID/             the owner only: {status: agree|refuse, handle_msg}
 *
 * Where the course's code was loose this file is strict (FORUM_API.md
 * §1.9): the creator is a member from the start, member_nums counts
 * approved members only and changes when a decision changes it, and only
 * a group's creator may edit it, delete it or decide on its applications
 * (anyone else gets 403, so an id guessed in a URL reaches nothing).
 */
#include "content_write.h"
#include "forum.h"
#include "media.h"
#include "membership.h"
#include "models.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUPS_MAX_LIST 100

static const char *const group_categories[] = {"教育同盟", "同城交易", "程序设计", "生活兴趣",
                                               NULL};

/* The cover: an image judged by its bytes, 2 MB at most. */
#define COVER_TYPES     "image/png image/jpeg image/gif image/webp"
#define COVER_MAX_BYTES (2u * 1024 * 1024)

static const eddy_form_field group_fields[] = {
    {"name", EDDY_FORM_STRING,
     .validators =
         EDDY_VALIDATORS(EDDY_REQUIRED("Please name the group."), EDDY_MAX_LENGTH(100, NULL))},
    {"category", EDDY_FORM_STRING,
     .validators =
         EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_ANY_OF(group_categories, "Not a category."))},
    {"desc", EDDY_FORM_TEXT,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(5000, NULL))},
    {"notice", EDDY_FORM_TEXT,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(5000, NULL))},
    {"front_image", EDDY_FORM_FILE, .accept = COVER_TYPES, .max_bytes = COVER_MAX_BYTES,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("Please upload an image."))},
    {.name = NULL}};
static const eddy_form_def group_form = {"group", group_fields, .submit = NULL};

/* The same fields for an edit: each optional, the same limits. */
static const eddy_form_field group_edit_fields[] = {
    {"name", EDDY_FORM_STRING, .validators = EDDY_VALIDATORS(EDDY_MAX_LENGTH(100, NULL))},
    {"category", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_ANY_OF(group_categories, "Not a category."))},
    {"desc", EDDY_FORM_TEXT, .validators = EDDY_VALIDATORS(EDDY_MAX_LENGTH(5000, NULL))},
    {"notice", EDDY_FORM_TEXT, .validators = EDDY_VALIDATORS(EDDY_MAX_LENGTH(5000, NULL))},
    {"front_image", EDDY_FORM_FILE, .accept = COVER_TYPES, .max_bytes = COVER_MAX_BYTES},
    {.name = NULL}};
static const eddy_form_def group_edit_form = {"group_edit", group_edit_fields, .submit = NULL};

static const eddy_form_field apply_fields[] = {
    {"apply_reason", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(200, NULL))},
    {.name = NULL}};
static const eddy_form_def apply_form = {"apply", apply_fields, .submit = NULL};

static const char *const decisions[] = {FORUM_MEMBER_AGREE, FORUM_MEMBER_REFUSE, NULL};
static const eddy_form_field decide_fields[] = {
    {"status", EDDY_FORM_STRING,
     .validators =
         EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_ANY_OF(decisions, "Either agree or refuse."))},
    {"handle_msg", EDDY_FORM_STRING, .validators = EDDY_VALIDATORS(EDDY_MAX_LENGTH(200, NULL))},
    {.name = NULL}};
static const eddy_form_def decide_form = {"decide", decide_fields, .submit = NULL};

/* ------------------------------------------------------------ reading */

/* media_urls - a group's cover and its creator's head as URLs, for the
 * JSON (eddy_json_options.replace; arg is the request). */
static bool media_urls(void *arg, const char *prefix, const char *field, const eddy_db_value *v,
                       eddy_db_value *out)
{
    bool cover = !prefix && strcmp(field, "front_image") == 0;
    if (!cover && !(prefix && strcmp(prefix, "creator") == 0 && strcmp(field, "head_url") == 0))
        return false;
    const char *name = v->type == EDDY_DB_TEXT || v->type == EDDY_DB_BLOB ? v->p : NULL;
    const char *url = forum_media_url(arg, name, cover);
    *out = url ? EDDY_DB_STR(url) : EDDY_DB_NULLV;
    return true;
}

/* group_options - a group row (creator joined) as the course's
 * model_to_dict, the creator reduced to what anyone may see. */
static eddy_json_options group_options(eddy_req *r)
{
    static const char *const private_fields[] = {"creator.mobile", "creator.address",
                                                 "creator.desc", "creator.gender", NULL};
    static const char *const media_fields[] = {"front_image", "creator.head_url", NULL};
    return (eddy_json_options){.recurse = true, .exclude = private_fields, .replace = media_urls,
                               .replace_arg = r, .replace_only = media_fields};
}

static json_t *group_json(eddy_req *r, const eddy_db_result *res, size_t row)
{
    eddy_json_options o = group_options(r);
    return eddy_orm_row_json(&forum_group, res, row, &o);
}

/* GROUP_LIST_SQL - a page of the public list: the group and, of its
 * creator, only what the JSON shows (group_options leaves the rest out),
 * under the names the ORM's join gives them ("creator.nick_name"), so
 * the model writes the rows as it writes any joined result. Written
 * once, in the quoting both dialects read, instead of built per request;
 * filtered (WHERE, or "") and ordered (a column first, or ""). */
#define GROUP_LIST_SQL(where, order)                                                               \
    "SELECT `t`.`id` AS `id`, `t`.`creator_id` AS `creator`, `t`.`name` AS `name`, "            \
    "`t`.`category` AS `category`, `t`.`front_image` AS `front_image`, `t`.`desc` AS `desc`, "  \
    "`t`.`notice` AS `notice`, `t`.`member_nums` AS `member_nums`, "                             \
    "`t`.`post_nums` AS `post_nums`, `t`.`add_time` AS `add_time`, `j0`.`id` AS `creator.id`, "  \
    "`j0`.`nick_name` AS `creator.nick_name`, `j0`.`head_url` AS `creator.head_url`, "           \
    "`j0`.`add_time` AS `creator.add_time` FROM `community_group` AS `t` "                       \
    "JOIN `user` AS `j0` ON `j0`.`id` = `t`.`creator_id`" where " ORDER BY " order                 \
    "`t`.`add_time` DESC, `t`.`id` DESC LIMIT ? OFFSET ?"
static const char *const group_list_sql[4] = {
    GROUP_LIST_SQL("", ""), GROUP_LIST_SQL("", "`t`.`member_nums` DESC, "),
    GROUP_LIST_SQL(" WHERE `t`.`category` = ?", ""),
    GROUP_LIST_SQL(" WHERE `t`.`category` = ?", "`t`.`member_nums` DESC, ")};

static void groups_get(eddy_req *r)
{
    const char *c = eddy_get_query_argument(r, "c", "");
    const char *o = eddy_get_query_argument(r, "o", "new");
    long limit = atol(eddy_get_query_argument(r, "limit", "20"));
    long offset = atol(eddy_get_query_argument(r, "offset", "0"));
    if (limit <= 0 || limit > GROUPS_MAX_LIST)
        limit = limit <= 0 ? 20 : GROUPS_MAX_LIST;
    if (offset < 0)
        offset = 0;
    bool some = *c && strcmp(c, FORUM_ALL) != 0;
    bool hot = strcmp(o, "hot") == 0;
    eddy_db_value params[] = {EDDY_DB_STR(c), EDDY_DB_INT(limit), EDDY_DB_INT(offset)};
    eddy_db_result *res;
    int rc = eddy_db_query(eddy_req_db(r), &res, group_list_sql[some * 2 + hot], params + !some,
                           3 - !some);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    /* the list's text straight from the rows into the response: no tree
     * to build and free, no copy */
    eddy_json_options jo = group_options(r);
    eddy_buf *body = eddy_response_body(r);
    rc = body ? eddy_orm_rows_json_to(&forum_group, res, &jo, body) : -1;
    eddy_db_result_free(res);
    if (rc == 0)
        eddy_response_set_header(r, "Content-Type", "application/json; charset=UTF-8");
    else
        eddy_send_error(r, 500, NULL); /* it replaces whatever part was written */
}

/* load_group - group id (creator joined) into *res; false after
 * answering 404 or a database error. */
static bool load_group(eddy_req *r, int64_t id, eddy_db_result **res)
{
    eddy_query *q = eddy_orm_select(&forum_group);
    eddy_orm_join(q, "creator");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    int rc = eddy_orm_run(eddy_req_db(r), q, res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, *res);
        return false;
    }
    if (eddy_db_rows(*res) == 0) {
        eddy_db_result_free(*res);
        forum_send_field_error(r, 404, "non_fields", "No such group.");
        return false;
    }
    return true;
}

/* member_status - the caller's row in group: "agree", "refuse",
 * "pending", or "" when none (NULL after answering a database error). */
static const char *member_status(eddy_req *r, int64_t group, int64_t user)
{
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_where(q, eddy_orm_eq(q, "community", EDDY_DB_INT(group)));
    eddy_orm_where(q, eddy_orm_eq(q, "user", EDDY_DB_INT(user)));
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return NULL;
    }
    const char *status = "";
    if (eddy_db_rows(res))
        status = eddy_db_is_null(res, 0, "status") ? "pending"
                                                   : eddy_strdup(r, eddy_db_text(res, 0, "status"));
    eddy_db_result_free(res);
    return status;
}

static void group_get(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    long id = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res;
    if (id < 0 || !load_group(r, id, &res))
        return;
    json_t *g = group_json(r, res, 0);
    int64_t creator = eddy_db_int(res, 0, "creator");
    eddy_db_result_free(res);
    const char *status = member_status(r, id, me);
    if (!status) {
        json_decref(g);
        return;
    }
    /* beyond the course: what the caller may do here */
    json_object_set_new(g, "is_owner", json_boolean(creator == me));
    json_object_set_new(g, "my_status", *status ? json_string(status) : json_null());
    eddy_send_json(r, g);
}

/* ------------------------------------------------------------ creating */

/* create_group - the group and its creator's membership, together. */
struct new_group {
    eddy_orm_value values[8];
    size_t n;
    int64_t creator, id;
};

static int create_group(eddy_db *db, void *arg)
{
    struct new_group *g = arg;
    int rc = eddy_orm_insert(db, &forum_group, g->values, g->n, &g->id);
    if (rc)
        return rc;
    /* the creator is a member from the start (the course left them out) */
    return eddy_orm_insert(db, &forum_member,
                           (eddy_orm_value[]){{"user", EDDY_DB_INT(g->creator)},
                                              {"community", EDDY_DB_INT(g->id)},
                                              {"status", EDDY_DB_STR(FORUM_MEMBER_AGREE)},
                                              {"apply_reason", EDDY_DB_STR("")},
                                              {"handle_time", EDDY_DB_TIME(eddy_db_now())}},
                           5, NULL);
}

static void groups_post(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    if (me < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &group_form);
    if (!f)
        return;
    const char *cover = forum_save_upload(r, eddy_form_upload(f, "front_image"));
    if (!cover)
        return;
    struct new_group g = {.creator = me};
    g.n = eddy_form_orm_values(f, &forum_group, g.values, 6);
    g.values[g.n++] = (eddy_orm_value){"creator", EDDY_DB_INT(me)};
    g.values[g.n++] = (eddy_orm_value){"front_image", EDDY_DB_STR(cover)};
    g.values[g.n++] = (eddy_orm_value){"member_nums", EDDY_DB_INT(1)};
    int rc = eddy_db_transaction(eddy_req_db(r), create_group, &g);
    if (rc) {
        forum_forget_image(r, cover); /* no row names it */
        eddy_send_db_error(r, rc, NULL);
        return;
    }
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)g.id));
}

/* ------------------------------------------------------------ the owner's */

/* owned_group - group id when the caller (me) created it, its row in
 * *res; false after answering 404, 403 or an error. */
static bool owned_group(eddy_req *r, int64_t me, int64_t id, eddy_db_result **res)
{
    if (!load_group(r, id, res))
        return false;
    if (eddy_db_int(*res, 0, "creator") != me) {
        eddy_db_result_free(*res);
        forum_send_field_error(r, 403, "non_fields", "Only the group's creator may do this.");
        return false;
    }
    return true;
}

static void group_patch(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    long id = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res;
    if (id < 0 || !owned_group(r, me, id, &res))
        return;
    eddy_db_result_free(res);
    eddy_form *f = eddy_require_valid_form(r, &group_edit_form);
    if (!f)
        return;
    forum_group_change c = {.name = eddy_form_value(f, "name"),
                            .category = eddy_form_value(f, "category"),
                            .desc = eddy_form_value(f, "desc"),
                            .notice = eddy_form_value(f, "notice")};
    const eddy_upload *u = eddy_form_upload(f, "front_image");
    if (u && u->size && !(c.front_image = forum_save_upload(r, u)))
        return; /* 500 sent, the reason logged */
    int rc = forum_update_group(r, id, &c);
    if (rc == EINVAL) { /* nothing to set: nothing was sent */
        forum_send_field_error(r, 400, "non_fields", "Nothing to change.");
        return;
    }
    if (rc) {
        eddy_send_db_error(r, rc, NULL);
        return;
    }
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}

static void group_delete(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    long id = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res;
    if (id < 0 || !owned_group(r, me, id, &res))
        return;
    eddy_db_result_free(res);
    int64_t rows = 0;
    int rc = forum_delete_group(r, id, &rows); /* members and posts cascade */
    if (rc) {
        eddy_send_db_error(r, rc, NULL);
        return;
    }
    eddy_send_json(r, json_pack("{s:I}", "res", (json_int_t)rows));
}

/* ------------------------------------------------------------ joining */

static void members_post(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    long id = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res;
    if (id < 0 || !load_group(r, id, &res))
        return;
    eddy_db_result_free(res);
    eddy_form *f = eddy_require_valid_form(r, &apply_form);
    if (!f)
        return;
    const char *reason = eddy_form_value(f, "apply_reason");
    eddy_db *db = eddy_req_db(r);
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_where(q, eddy_orm_eq(q, "community", EDDY_DB_INT(id)));
    eddy_orm_where(q, eddy_orm_eq(q, "user", EDDY_DB_INT(me)));
    int rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    int64_t member = 0;
    if (eddy_db_rows(res)) {
        member = eddy_db_int(res, 0, "id");
        const char *status = eddy_db_text(res, 0, "status");
        bool refused = status && strcmp(status, FORUM_MEMBER_REFUSE) == 0;
        eddy_db_result_free(res);
        if (!refused) {
            forum_send_field_error(r, 400, "non_fields", "You have joined or applied already.");
            return;
        }
        /* a refused applicant may try again: the row goes back to pending */
        q = eddy_orm_update(&forum_member);
        eddy_orm_set(q, "status", EDDY_DB_NULLV);
        eddy_orm_set(q, "handle_msg", EDDY_DB_NULLV);
        eddy_orm_set(q, "apply_reason", EDDY_DB_STR(reason));
        eddy_orm_set(q, "handle_time", EDDY_DB_NULLV);
        eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(member)));
        rc = eddy_orm_run(db, q, &res);
        eddy_query_free(q);
        if (rc) {
            eddy_send_db_error(r, rc, res);
            return;
        }
        eddy_db_result_free(res);
    } else {
        eddy_db_result_free(res);
        rc = eddy_orm_insert(db, &forum_member,
                             (eddy_orm_value[]){{"user", EDDY_DB_INT(me)},
                                                {"community", EDDY_DB_INT(id)},
                                                {"apply_reason", EDDY_DB_STR(reason)}},
                             3, &member);
        if (rc) {
            eddy_send_db_error(r, rc, NULL);
            return;
        }
    }
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)member));
}

static void applys_get(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    if (me < 0)
        return;
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_join(q, "user");
    eddy_orm_join(q, "community");
    eddy_orm_where(q, eddy_orm_eq(q, "community.creator", EDDY_DB_INT(me)));
    eddy_orm_where(q, eddy_orm_is_null(q, "status"));
    eddy_orm_order_by(q, "add_time", true);
    eddy_orm_limit(q, 200, 0);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++) {
        const char *head = forum_media_url(r, eddy_db_text(res, i, "user.head_url"), false);
        const char *nick = eddy_db_text(res, i, "user.nick_name");
        json_t *a = eddy_orm_row_json(&forum_member, res, i, &(eddy_json_options){0});
        json_object_set_new(a, "user",
                            json_pack("{s:I,s:s?,s:s?}", "id",
                                      (json_int_t)eddy_db_int(res, i, "user.id"), "nick_name", nick,
                                      "head_url", head));
        json_object_set_new(a, "group", json_string(eddy_db_text(res, i, "community.name")));
        json_object_set_new(a, "group_id", json_integer(eddy_db_int(res, i, "community.id")));
        json_object_del(a, "community");
        json_array_append_new(list, a);
    }
    eddy_db_result_free(res);
    eddy_send_json(r, list);
}

/* quote:begin member_patch */
static void member_patch(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    long id = me < 0 ? -1 : eddy_require_path_long(r, 1);
    if (id < 0)
        return;
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_join(q, "community");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_db_result *res;
    eddy_db *db = eddy_req_db(r);
    int rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    if (eddy_db_rows(res) == 0) {
        eddy_db_result_free(res);
        forum_send_field_error(r, 404, "non_fields", "No such application.");
        return;
    }
    int64_t group = eddy_db_int(res, 0, "community.id");
    int64_t owner = eddy_db_int(res, 0, "community.creator");
    int64_t user = eddy_db_int(res, 0, "user");
    eddy_db_result_free(res);
    if (owner != me) {
        forum_send_field_error(r, 403, "non_fields", "Only the group's creator may decide.");
        return;
    }
    if (user == owner) {
        forum_send_field_error(r, 400, "non_fields", "The creator is always a member.");
        return;
    }
    eddy_form *f = eddy_require_valid_form(r, &decide_form);
    if (!f)
        return;
    bool agree = strcmp(eddy_form_value(f, "status"), FORUM_MEMBER_AGREE) == 0;
    rc = forum_decide_member(db, id, group, agree, eddy_form_value(f, "handle_msg"));
    if (rc) {
        eddy_send_db_error(r, rc, NULL);
        return;
    }
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}
/* quote:end member_patch */

static const eddy_handler groups = {.get = groups_get, .post = groups_post};
static const eddy_handler group = {.get = group_get, .patch = group_patch, .delete_ = group_delete};
static const eddy_handler members = {.post = members_post};
static const eddy_handler applys = {.get = applys_get};
static const eddy_handler member = {.patch = member_patch};

int forum_routes_groups(eddy_app *app, forum *f)
{
    (void)f;
    return forum_api_route(app, "/groups/", &groups, "api_groups") < 0 ||
                   forum_api_route(app, "/groups/([0-9]+)/", &group, "api_group") < 0 ||
                   forum_api_route(app, "/groups/([0-9]+)/members/", &members, "api_members") < 0 ||
                   forum_api_route(app, "/applys/", &applys, "api_applys") < 0 ||
                   forum_api_route(app, "/members/([0-9]+)/", &member, "api_member") < 0
               ? -1
               : 0;
}
