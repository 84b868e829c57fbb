/*
 * pages_groups - the group pages: the list with its category filter and
 * order, creating a group with a cover, a group's page (apply to join,
 * or, as a member, its posts and the form to write one), and the owner's
 * review of applications.
 *
 *   GET  /                     the groups (?c=category, ?o=new|hot, ?page=N)
 *   GET  /group/new, POST      create a group; the creator is its first member
 *   GET  /group/ID             the group; members see its posts (?cate=hot|excellent)
 *   POST /group/ID/apply       apply to join, with a reason
 *   POST /group/ID/post        a new post (members only)
 *   GET  /applications         applications waiting on the visitor's groups
 *   POST /applications/ID      agree or refuse one (its group's owner only)
 *
 * The owner edits or deletes a group in pages_group_admin.c.
 *
 * The course's defects are not repeated here: a member is counted when
 * approved (not when applying), only the owner reviews, posts are listed
 * per group and counted. Each change that touches two rows is one
 * transaction, so a count never drifts from the rows it counts.
 */
#include "content_write.h"
#include "media.h"
#include "membership.h"
#include "models.h"
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The course's categories (FORUM_API.md §1.4); FORUM_ALL in a list means all. */
const eddy_form_choice page_group_categories[] = {
    {"教育同盟", NULL}, {"同城交易", NULL}, {"程序设计", NULL}, {"生活兴趣", NULL}, {NULL, NULL}};
const char *const page_group_category_values[] = {"教育同盟", "同城交易", "程序设计", "生活兴趣",
                                                  NULL};

static const eddy_form_field group_fields[] = {
    {"name", EDDY_FORM_STRING, .label = "Name",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(100, NULL))},
    {"category", EDDY_FORM_SELECT, .label = "Category", .choices = page_group_categories,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL),
                                   EDDY_ANY_OF(page_group_category_values, NULL))},
    {"desc", EDDY_FORM_TEXT, .label = "What the group is about",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(2000, NULL))},
    {"notice", EDDY_FORM_TEXT, .label = "Notice to members",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(2000, NULL))},
    {"front_image", EDDY_FORM_FILE, .label = "Cover image (PNG, JPEG or GIF, at most 2 MB)",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("Choose a cover image.")),
     .accept = "image/png image/jpeg image/gif", .max_bytes = 2 * 1024 * 1024,
     .flags = EDDY_FORM_NO_SAVE},
    {.name = NULL}};
static const eddy_form_def group_form = {"group", group_fields, .submit = "Create the group"};

static const eddy_form_field apply_fields[] = {
    {"apply_reason", EDDY_FORM_TEXT, .label = "Why you want to join",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(200, NULL))},
    {.name = NULL}};
static const eddy_form_def apply_form = {"apply", apply_fields, .submit = "Apply"};

static const eddy_form_field post_fields[] = {
    {"title", EDDY_FORM_STRING, .label = "Title",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(200, NULL))},
    {"content", EDDY_FORM_TEXT, .label = "Text",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(20000, NULL))},
    {.name = NULL}};
static const eddy_form_def post_form = {"post", post_fields, .submit = "Post"};

/* ------------------------------------------------------------ the list */

enum { GROUPS_PER_PAGE = 20 };

/* GROUPS_SQL - a page of the group list: the columns the page shows,
 * the creator's name made by the query (pages.h's PAGE_NAME_MYSQL)
 * rather than by a call per row; filtered (WHERE, or "") and ordered by
 * a column, newest first; one more row than a page. */
#define GROUPS_SQL(NAME, where, order)                                                             \
    "SELECT g.id AS id, g.name AS name, g.category AS category, g.front_image AS front_image, "   \
    "g.member_nums AS member_nums, g.post_nums AS post_nums, " NAME("u") " AS creator_name "     \
    "FROM community_group g LEFT JOIN `user` u ON u.id = g.creator_id" where " ORDER BY g." order \
    " DESC, g.id DESC LIMIT ? OFFSET ?"
#define GROUPS_SQLS(NAME)                                                                          \
    {GROUPS_SQL(NAME, "", "add_time"), GROUPS_SQL(NAME, "", "member_nums"),                       \
     GROUPS_SQL(NAME, " WHERE g.category = ?", "add_time"),                                      \
     GROUPS_SQL(NAME, " WHERE g.category = ?", "member_nums")}
static const char *const groups_sql[2][4] = {GROUPS_SQLS(PAGE_NAME_SQLITE),
                                             GROUPS_SQLS(PAGE_NAME_MYSQL)};

/* group_list - the page from offset of the group list in category c (or
 * every one) and order o ("new" or "hot"). 0 or an errno value. */
static int group_list(eddy_req *r, const char *c, const char *o, int64_t offset,
                      eddy_db_result **res)
{
    bool every = strcmp(c, FORUM_ALL) == 0, hot = strcmp(o, "hot") == 0;
    eddy_db_value params[] = {EDDY_DB_STR(c), EDDY_DB_INT(GROUPS_PER_PAGE + 1),
                              EDDY_DB_INT(offset)};
    return eddy_db_query(eddy_req_db(r), res, groups_sql[page_mysql(r)][!every * 2 + hot],
                         params + every, 3 - every);
}

static void groups_get(eddy_req *r)
{
    const char *c = eddy_get_query_argument(r, "c", FORUM_ALL);
    const char *o = eddy_get_query_argument(r, "o", "new");
    if (strcmp(o, "hot") != 0)
        o = "new";
    long page = strtol(eddy_get_query_argument(r, "page", "1"), NULL, 10);
    if (page < 1 || page > 100000)
        page = 1;
    eddy_db_result *res;
    int rc = group_list(r, c, o, (int64_t)(page - 1) * GROUPS_PER_PAGE, &res);
    if (page_db_failed(r, rc, res, NULL))
        return;
    /* the rows go to the template as they are (no JSON per group); one
     * more than a page was read to know whether a next page exists, and
     * the loop stops at that one (past_last) */
    size_t n = eddy_db_rows(res);
    bool more = n > GROUPS_PER_PAGE;
    static json_t *choices;
    json_t *cats = page_filter_choices(&choices, page_group_category_values);
    page_render_rows(
        r, 200, "groups.html",
        json_pack("{s:o,s:s,s:s,s:i,s:i,s:I,s:b}", "categories", cats, "category", c, "order", o,
                  "prev_page", (int)(page - 1), "next_page", more ? (int)(page + 1) : 0,
                  "past_last", more ? (json_int_t)eddy_db_int(res, GROUPS_PER_PAGE, "id") : 0,
                  "any_groups", n > 0),
        (eddy_template_rows[]){{"groups", res}, {NULL, NULL}});
    eddy_db_result_free(res);
}

/* ------------------------------------------------------------ creating */

struct new_group {
    eddy_form *form;
    int64_t creator, id;
    const char *cover;
};

/* create_group - the group and its creator's membership (agreed, so
 * counted: member_nums starts at 1), in one transaction. */
static int create_group(eddy_db *db, void *arg)
{
    struct new_group *g = arg;
    eddy_orm_value v[8];
    size_t n = eddy_form_orm_values(g->form, &forum_group, v, 5); /* name, category, desc, notice */
    v[n++] = (eddy_orm_value){"creator", EDDY_DB_INT(g->creator)};
    v[n++] = (eddy_orm_value){"front_image", EDDY_DB_STR(g->cover)};
    v[n++] = (eddy_orm_value){"member_nums", EDDY_DB_INT(1)};
    int rc = eddy_orm_insert(db, &forum_group, v, n, &g->id);
    if (rc)
        return rc;
    eddy_orm_value m[] = {{"user", EDDY_DB_INT(g->creator)},
                          {"community", EDDY_DB_INT(g->id)},
                          {"status", EDDY_DB_STR(FORUM_MEMBER_AGREE)},
                          {"apply_reason", EDDY_DB_STR("")}};
    return eddy_orm_insert(db, &forum_member, m, 4, NULL);
}

static void group_new_get(eddy_req *r)
{
    if (!page_require_user(r) || page_form_failed(r, eddy_form_new(r, &group_form)))
        return;
    page_render(r, 200, "group_new.html", NULL);
}

static void group_new_post(eddy_req *r)
{
    struct new_group g = {.creator = page_require_user(r)};
    if (!g.creator)
        return;
    g.form = eddy_form_from_request(r, &group_form);
    if (page_form_failed(r, g.form))
        return;
    if (!eddy_form_validate(g.form)) {
        page_render(r, 400, "group_new.html", NULL);
        return;
    }
    char cover[128];
    if (page_save_image(r, g.form, "front_image", cover, sizeof cover) < 0)
        return;
    g.cover = cover;
    int rc = eddy_db_transaction(eddy_req_db(r), create_group, &g);
    if (rc)
        forum_forget_image(r, cover); /* no row names it */
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_see_other(r, "/group/%lld", (long long)g.id);
}

/* ------------------------------------------------------------ one group */

/* load_group - group id with its creator's name, into *out; false
 * after answering (404 for no such group). */
static bool load_group(eddy_req *r, int64_t id, json_t **out)
{
    eddy_query *q = eddy_orm_select(&forum_group);
    eddy_orm_join(q, "creator");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc == 0 && eddy_db_rows(res) == 0)
        rc = ENOENT;
    if (page_db_failed(r, rc, res, "No such group"))
        return false;
    static const char *const hide[] = {"creator", NULL};
    *out = eddy_orm_row_json(&forum_group, res, 0, &(eddy_json_options){.exclude = hide});
    json_object_set_new(*out, "creator_id", json_integer(eddy_db_int(res, 0, "creator.id")));
    json_object_set_new(*out, "creator_name", json_string(page_name(r, res, 0, "creator")));
    json_object_set_new(*out, "desc_html",
                        json_string(page_text_html(r, eddy_db_text(res, 0, "desc"))));
    eddy_db_result_free(res);
    return true;
}

/* membership - the user's status in group and the owner's message,
 * into ctx. 0 or an errno value. */
static int membership(eddy_req *r, int64_t group, int64_t user, json_t *ctx)
{
    const char *status, *msg;
    int rc = page_member_status(r, group, user, &status, &msg);
    json_object_set_new(ctx, "status", json_string(status));
    json_object_set_new(ctx, "handle_msg", json_string(msg));
    return rc;
}

/* group_posts - the group's posts, newest first, as JSON for the page. */
static int group_posts(eddy_req *r, int64_t group, const char *cate, json_t **out)
{
    eddy_query *q = eddy_orm_select(&forum_post);
    eddy_orm_join(q, "user");
    eddy_cond *c = eddy_orm_eq(q, "group", EDDY_DB_INT(group));
    if (strcmp(cate, "hot") == 0)
        c = eddy_orm_and(q, c, eddy_orm_eq(q, "is_hot", EDDY_DB_INT(1)));
    else if (strcmp(cate, "excellent") == 0)
        c = eddy_orm_and(q, c, eddy_orm_eq(q, "is_excellent", EDDY_DB_INT(1)));
    eddy_orm_where(q, c);
    eddy_orm_order_by(q, "add_time", true);
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, 100, 0);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_db_result_free(res);
        return rc;
    }
    *out = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++) {
        const char *title = eddy_db_text(res, i, "title");
        json_array_append_new(
            *out,
            json_pack("{s:I,s:s,s:s,s:s,s:I,s:b,s:b}", "id", (json_int_t)eddy_db_int(res, i, "id"),
                      "title", title ? title : "", "author_name", page_name(r, res, i, "user"),
                      "add_time", page_time(r, res, i, "add_time"), "comment_nums",
                      (json_int_t)eddy_db_int(res, i, "comment_nums"), "is_hot",
                      (int)eddy_db_int(res, i, "is_hot"), "is_excellent",
                      (int)eddy_db_int(res, i, "is_excellent")));
    }
    eddy_db_result_free(res);
    return 0;
}

/* show_group - the group's page for the visitor, with whatever forms
 * the request made (errors and values kept). */
static void show_group(eddy_req *r, int status, int64_t id)
{
    json_t *group;
    if (!load_group(r, id, &group))
        return;
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    const char *cate = eddy_get_query_argument(r, "cate", "");
    json_t *ctx =
        json_pack("{s:o,s:s,s:s,s:b}", "group", group, "str_id", sid, "cate", cate, "is_owner", 0);
    int64_t me = page_user_id(r);
    int rc = 0;
    if (me) {
        json_object_set_new(
            ctx, "is_owner",
            json_boolean(json_integer_value(json_object_get(group, "creator_id")) == me));
        rc = membership(r, id, me, ctx);
    }
    const char *st = json_string_value(json_object_get(ctx, "status"));
    json_t *posts = NULL;
    if (rc == 0 && st && strcmp(st, FORUM_MEMBER_AGREE) == 0) {
        rc = group_posts(r, id, cate, &posts);
        if (rc == 0)
            json_object_set_new(ctx, "posts", posts);
        if (!eddy_form_get(r, "post"))
            eddy_form_new(r, &post_form);
    } else if (!eddy_form_get(r, "apply")) {
        eddy_form_new(r, &apply_form);
    }
    if (rc) {
        json_decref(ctx);
        page_db_failed(r, rc, NULL, NULL);
        return;
    }
    page_render(r, status, "group.html", ctx);
}

static void group_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id >= 0)
        show_group(r, 200, id);
}

static void apply_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    long id = me ? eddy_require_path_long(r, 1) : -1;
    if (id < 0)
        return;
    eddy_form *f = eddy_form_from_request(r, &apply_form);
    if (page_form_failed(r, f))
        return;
    if (!eddy_form_validate(f)) {
        show_group(r, 400, id);
        return;
    }
    json_t *group;
    if (!load_group(r, id, &group)) /* 404 for a group that is not there */
        return;
    json_decref(group);
    json_t *mine = json_object();
    int rc = membership(r, id, me, mine);
    bool fresh = rc == 0 && strcmp(json_string_value(json_object_get(mine, "status")), "none") == 0;
    json_decref(mine);
    if (rc == 0 && fresh) {
        eddy_orm_value v[] = {{"user", EDDY_DB_INT(me)},
                              {"community", EDDY_DB_INT(id)},
                              {"apply_reason", EDDY_DB_STR(eddy_form_value(f, "apply_reason"))}};
        rc = eddy_orm_insert(eddy_req_db(r), &forum_member, v, 3, NULL);
    }
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_flash(r, fresh ? "Your application is sent; the owner will review it."
                        : "You have already applied to this group.");
    page_see_other(r, "/group/%ld", id);
}

static void post_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    long id = me ? eddy_require_path_long(r, 1) : -1;
    if (id < 0 || !page_require_member(r, id, me))
        return;
    eddy_form *f = eddy_form_from_request(r, &post_form);
    if (page_form_failed(r, f))
        return;
    if (!eddy_form_validate(f)) {
        show_group(r, 400, id);
        return;
    }
    forum_new_post p = {.user = me,
                        .group = id,
                        .title = eddy_form_value(f, "title"),
                        .content = eddy_form_value(f, "content")};
    eddy_db_result *error;
    int rc = forum_add_post(r, &p, &error);
    if (page_db_failed(r, rc, error, NULL))
        return;
    page_see_other(r, "/post/%lld", (long long)p.id);
}

/* ------------------------------------------------------------ review */

static void applications_get(eddy_req *r)
{
    int64_t me = page_require_user(r);
    if (!me)
        return;
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_join(q, "user");
    eddy_orm_join(q, "community");
    eddy_orm_where(q, eddy_orm_and(q, eddy_orm_eq(q, "community.creator", EDDY_DB_INT(me)),
                                   eddy_orm_is_null(q, "status")));
    eddy_orm_order_by(q, "add_time", false);
    eddy_orm_limit(q, 200, 0);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (page_db_failed(r, rc, res, NULL))
        return;
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++) {
        const char *reason = eddy_db_text(res, i, "apply_reason");
        const char *group = eddy_db_text(res, i, "community.name");
        json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:I,s:s,s:s}", "id",
                                              (json_int_t)eddy_db_int(res, i, "id"), "nick_name",
                                              page_name(r, res, i, "user"), "apply_reason",
                                              reason ? reason : "", "group_id",
                                              (json_int_t)eddy_db_int(res, i, "community.id"),
                                              "group_name", group ? group : "", "add_time",
                                              page_time(r, res, i, "add_time")));
    }
    eddy_db_result_free(res);
    page_render(r, 200, "applications.html", json_pack("{s:o}", "applications", list));
}

static void application_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    long id = me ? eddy_require_path_long(r, 1) : -1;
    if (id < 0)
        return;
    const char *status = eddy_get_body_argument(r, "status", "");
    const char *msg = eddy_get_body_argument(r, "handle_msg", "");
    if (strcmp(status, FORUM_MEMBER_AGREE) != 0 && strcmp(status, FORUM_MEMBER_REFUSE) != 0) {
        eddy_send_error(r, 400, "Agree or refuse");
        return;
    }
    /* the application, only if it is to a group the visitor owns: any
     * other id is answered as if it did not exist */
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_join(q, "community");
    eddy_orm_where(q, eddy_orm_and(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)),
                                   eddy_orm_eq(q, "community.creator", EDDY_DB_INT(me))));
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc == 0 && eddy_db_rows(res) == 0)
        rc = ENOENT;
    if (page_db_failed(r, rc, res, "No such application"))
        return;
    int64_t group = eddy_db_int(res, 0, "community.id");
    bool agree = strcmp(status, FORUM_MEMBER_AGREE) == 0;
    eddy_db_result_free(res);
    /* membership.c: the row and the group's count move together, once */
    rc = forum_decide_member(eddy_req_db(r), id, group, agree, strlen(msg) > 200 ? "" : msg);
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_flash(r, agree ? "Application agreed." : "Application refused.");
    page_see_other(r, "/applications");
}

/* ------------------------------------------------------------ routes */

static const eddy_handler groups_page = {.get = groups_get};
static const eddy_handler group_new_page = {.get = group_new_get, .post = group_new_post};
static const eddy_handler group_page = {.get = group_get};
static const eddy_handler apply_page = {.post = apply_post};
static const eddy_handler post_new_page = {.post = post_post};
static const eddy_handler applications_page = {.get = applications_get};
static const eddy_handler application_page = {.post = application_post};

int pages_routes_groups(eddy_app *app, forum *f)
{
    (void)f;
    if (eddy_route(app, "/", &groups_page, "home") < 0 ||
        eddy_route(app, "/group/new", &group_new_page, "group_new") < 0 ||
        eddy_route(app, "/group/([0-9]+)", &group_page, "group") < 0 ||
        eddy_route(app, "/group/([0-9]+)/apply", &apply_page, "group_apply") < 0 ||
        eddy_route(app, "/group/([0-9]+)/post", &post_new_page, "group_post") < 0 ||
        eddy_route(app, "/applications", &applications_page, "applications") < 0 ||
        eddy_route(app, "/applications/([0-9]+)", &application_page, "application") < 0)
        return -1;
    return 0;
}
