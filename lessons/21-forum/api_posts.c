/*
 * api_posts - posts in a group, their comments, replies to comments
 * (楼中楼) and likes: the course's community API (FORUM_API.md §1.5),
 * with its gaps closed.
 *
 * Only approved members of a group read or write its posts, comments and
 * replies (the course checked the post list alone); a group's list holds
 * that group's posts only; post_nums counts them; a like taken back
 * lowers like_nums again, and nobody likes their own comment (400, the
 * course allowed it); a reply names whom it answers and notifies
 * them; replying to a reply stays in the same thread (one level of
 * nesting, as the course's pages show it). Every change that concerns
 * someone else lands in their inbox and on their open pages (forum_notify).
 */
#include "content.h"
#include "content_write.h"
#include "forum.h"
#include "markdown.h"
#include "models.h"

#include <eddy/data/orm.h>
#include <eddy/web/app_db.h>
#include <eddy/web/form.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ forms */

static const eddy_form_field post_fields[] = {
    {"title", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请输入标题"), EDDY_MAX_LENGTH(200, NULL))},
    {"content", EDDY_FORM_TEXT, .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请输入内容"))},
    {.name = NULL}};
static const eddy_form_def post_form = {.name = "api_post", .fields = post_fields};

static const eddy_form_field comment_fields[] = {
    {"content", EDDY_FORM_TEXT,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请输入评论内容"),
                                   EDDY_LENGTH(3, 1000, "评论长度为3到1000个字"))},
    {.name = NULL}};
static const eddy_form_def comment_form = {.name = "api_comment", .fields = comment_fields};

static const eddy_form_field reply_fields[] = {
    {"replyed_user", EDDY_FORM_INTEGER,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请选择回复的用户"))},
    {"content", EDDY_FORM_TEXT,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请输入回复内容"),
                                   EDDY_LENGTH(3, 1000, "回复长度为3到1000个字"))},
    {.name = NULL}};
/* One reply form for comments and answers (api_questions.c too). */
const eddy_form_def forum_api_reply_form = {.name = "api_reply", .fields = reply_fields};

/* ------------------------------------------------------------ loading */

/* require_member - 0 when user is an approved member of group, else -1
 * after answering 403 (or the database's failure). */
static int require_member(eddy_req *r, int64_t user, int64_t group)
{
    int member = content_is_member(r, user, group);
    if (member < 0)
        return -1;
    if (!member) {
        content_send_status(r, 403, "只有小组成员才能查看和发帖");
        return -1;
    }
    return 0;
}

/* load_post_as_member - the post (every field) when the caller may read
 * it; -1 after answering 404/403. */
static int load_post_as_member(eddy_req *r, int64_t user, int64_t post, eddy_db_result **out)
{
    if (content_load_row(r, &forum_post, post, out) < 0)
        return -1;
    if (require_member(r, user, eddy_db_int(*out, 0, "group")) < 0) {
        eddy_db_result_free(*out);
        return -1;
    }
    return 0;
}

/* load_comment_as_member - the comment with its post joined
 * ("post.group", "post.title"), when the caller may read it. */
static int load_comment_as_member(eddy_req *r, int64_t user, int64_t comment,
                                  eddy_db_result **out)
{
    eddy_query *q = eddy_orm_select(&forum_comment);
    eddy_orm_join(q, "post");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(comment)));
    int rc = eddy_orm_run(eddy_req_db(r), q, out);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, *out);
        return -1;
    }
    if (eddy_db_rows(*out) == 0) {
        eddy_db_result_free(*out);
        content_send_status(r, 404, "not found");
        return -1;
    }
    if (require_member(r, user, eddy_db_int(*out, 0, "post.group")) < 0) {
        eddy_db_result_free(*out);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ posts */

static json_t *post_json(const eddy_db_result *res, size_t i, int with_html)
{
    const char *content = eddy_db_text(res, i, "content");
    json_t *o = json_pack("{s:I, s:o?, s:s?, s:s?, s:I, s:I, s:b, s:b, s:o}", "id",
                          (json_int_t)eddy_db_int(res, i, "id"), "user",
                          content_user_json(res, i, "user"), "title",
                          eddy_db_text(res, i, "title"), "content", content, "comment_nums",
                          (json_int_t)eddy_db_int(res, i, "comment_nums"), "group",
                          (json_int_t)eddy_db_int(res, i, "group"), "is_hot",
                          (int)eddy_db_int(res, i, "is_hot"), "is_excellent",
                          (int)eddy_db_int(res, i, "is_excellent"), "add_time",
                          content_time(res, i, "add_time", with_html));
    if (o && with_html) {
        char *html = forum_markdown_html(content, content ? strlen(content) : 0);
        json_object_set_new(o, "content_html", html ? json_string(html) : json_null());
        free(html);
    }
    return o;
}

static void group_posts_get(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long group = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (group < 0 || content_load_row(r, &forum_group, group, &res) < 0)
        return;
    eddy_db_result_free(res);
    if (require_member(r, me, group) < 0)
        return;
    int64_t limit, offset;
    content_page(r, 20, 100, &limit, &offset);
    const char *cate = eddy_get_query_argument(r, "cate", "");
    eddy_query *q = eddy_orm_select(&forum_post);
    eddy_orm_join(q, "user");
    eddy_orm_where(q, eddy_orm_eq(q, "group", EDDY_DB_INT(group)));
    if (strcmp(cate, "hot") == 0)
        eddy_orm_where(q, eddy_orm_eq(q, "is_hot", EDDY_DB_INT(1)));
    else if (strcmp(cate, "excellent") == 0)
        eddy_orm_where(q, eddy_orm_eq(q, "is_excellent", EDDY_DB_INT(1)));
    eddy_orm_order_by(q, "add_time", true);
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, limit, offset);
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++)
        json_array_append_new(list, post_json(res, i, 0));
    eddy_db_result_free(res);
    eddy_send_json(r, list);
}

static void group_posts_post(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long group = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (group < 0 || content_load_row(r, &forum_group, group, &res) < 0)
        return;
    eddy_db_result_free(res);
    if (require_member(r, me, group) < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &post_form);
    if (!f)
        return;
    forum_new_post p = {.user = me,
                        .group = group,
                        .title = eddy_form_value(f, "title"),
                        .content = eddy_form_value(f, "content")};
    eddy_db_result *error;
    int rc = forum_add_post(r, &p, &error);
    if (rc) {
        eddy_send_db_error(r, rc, error);
        return;
    }
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)p.id));
}

static void post_get(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long post = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (post < 0 || load_post_as_member(r, me, post, &res) < 0)
        return;
    eddy_db_result_free(res);
    eddy_query *q = eddy_orm_select(&forum_post);
    eddy_orm_join(q, "user");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(post)));
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *o = eddy_db_rows(res) ? post_json(res, 0, 1) : NULL;
    eddy_db_result_free(res);
    if (!o) {
        content_send_status(r, 404, "not found");
        return;
    }
    eddy_send_json(r, o);
}

/* ------------------------------------------------------------ comments */

static json_t *comment_json(const eddy_db_result *res, size_t i)
{
    return json_pack("{s:I, s:o?, s:o?, s:s?, s:I, s:I, s:o}", "id",
                     (json_int_t)eddy_db_int(res, i, "id"), "user",
                     content_user_json(res, i, "user"), "reply_user",
                     content_user_json(res, i, "reply_user"), "content",
                     eddy_db_text(res, i, "content"), "reply_nums",
                     (json_int_t)eddy_db_int(res, i, "reply_nums"), "like_nums",
                     (json_int_t)eddy_db_int(res, i, "like_nums"), "add_time",
                     content_time(res, i, "add_time", 0));
}

/* liked_in_post - the ids of the comments of post that user likes, as a
 * JSON object used as a set ("12": true). */
static json_t *liked_in_post(eddy_req *r, int64_t user, int64_t post)
{
    eddy_query *q = eddy_orm_select(&forum_comment_like);
    eddy_orm_join(q, "post_comment");
    eddy_orm_where(q, eddy_orm_eq(q, "user", EDDY_DB_INT(user)));
    eddy_orm_where(q, eddy_orm_eq(q, "post_comment.post", EDDY_DB_INT(post)));
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    json_t *set = json_object();
    for (size_t i = 0; rc == 0 && i < eddy_db_rows(res); i++) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)eddy_db_int(res, i, "post_comment"));
        json_object_set_new(set, key, json_true());
    }
    eddy_db_result_free(res);
    return set;
}

static void comments_get(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long post = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (post < 0 || load_post_as_member(r, me, post, &res) < 0)
        return;
    eddy_db_result_free(res);
    int64_t limit, offset;
    content_page(r, 50, 200, &limit, &offset);
    eddy_query *q = eddy_orm_select(&forum_comment);
    eddy_orm_join(q, "user");
    eddy_orm_where(q, eddy_orm_eq(q, "post", EDDY_DB_INT(post)));
    eddy_orm_where(q, eddy_orm_is_null(q, "parent_comment"));
    eddy_orm_order_by(q, "add_time", true);
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, limit, offset);
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *liked = liked_in_post(r, me, post);
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++) {
        json_t *c = comment_json(res, i);
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)eddy_db_int(res, i, "id"));
        json_object_set_new(c, "has_liked", json_boolean(json_object_get(liked, key) != NULL));
        json_array_append_new(list, c);
    }
    json_decref(liked);
    eddy_db_result_free(res);
    eddy_send_json(r, list);
}

static void comments_post(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long post = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (post < 0 || load_post_as_member(r, me, post, &res) < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &comment_form);
    if (!f) {
        eddy_db_result_free(res);
        return;
    }
    forum_new_comment c = {.user = me,
                           .post = post,
                           .content = eddy_form_value(f, "content"),
                           .notify_user = eddy_db_int(res, 0, "user"),
                           .about = eddy_strdup(r, eddy_db_text(res, 0, "title"))};
    eddy_db_result_free(res);
    eddy_db_result *error;
    int rc = forum_add_comment(r, &c, &error);
    if (rc) {
        eddy_send_db_error(r, rc, error);
        return;
    }
    eddy_send_json(r, json_pack("{s:I, s:{s:I}}", "id", (json_int_t)c.id, "user", "id",
                                (json_int_t)me));
}

/* ------------------------------------------------------------ replies */

static void replies_get(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long comment = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (comment < 0 || load_comment_as_member(r, me, comment, &res) < 0)
        return;
    eddy_db_result_free(res);
    int64_t limit, offset;
    content_page(r, 50, 200, &limit, &offset);
    eddy_query *q = eddy_orm_select(&forum_comment);
    eddy_orm_join(q, "user");
    eddy_orm_join(q, "reply_user");
    eddy_orm_where(q, eddy_orm_eq(q, "parent_comment", EDDY_DB_INT(comment)));
    eddy_orm_order_by(q, "id", false);
    eddy_orm_limit(q, limit, offset);
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++)
        json_array_append_new(list, comment_json(res, i));
    eddy_db_result_free(res);
    eddy_send_json(r, list);
}

static void replies_post(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long comment = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (comment < 0 || load_comment_as_member(r, me, comment, &res) < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &forum_api_reply_form);
    if (!f) {
        eddy_db_result_free(res);
        return;
    }
    int64_t replied = content_require_reply_target(r, f);
    if (replied < 0) {
        eddy_db_result_free(res);
        return;
    }
    /* A reply to a reply joins the thread of the top-level comment. */
    int64_t top = eddy_db_is_null(res, 0, "parent_comment") ? comment
                                                             : eddy_db_int(res, 0, "parent_comment");
    int64_t post = eddy_db_int(res, 0, "post");
    const char *parent_text = eddy_strdup(r, eddy_db_text(res, 0, "content"));
    eddy_db_result_free(res);
    forum_new_comment c = {.user = me,
                           .post = post,
                           .parent = top,
                           .reply_user = replied,
                           .content = eddy_form_value(f, "content"),
                           .notify_user = replied,
                           .about = parent_text};
    eddy_db_result *error;
    int rc = forum_add_comment(r, &c, &error);
    if (rc) {
        eddy_send_db_error(r, rc, error);
        return;
    }
    eddy_send_json(r, json_pack("{s:I, s:{s:I}, s:I}", "id", (json_int_t)c.id, "user", "id",
                                (json_int_t)me, "parent_comment", (json_int_t)top));
}

/* ------------------------------------------------------------ likes */

static void likes_post(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long comment = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (comment < 0 || load_comment_as_member(r, me, comment, &res) < 0)
        return;
    forum_like l = {.user = me,
                    .comment = comment,
                    .author = eddy_db_int(res, 0, "user"),
                    .about = eddy_strdup(r, eddy_db_text(res, 0, "content"))};
    eddy_db_result_free(res);
    eddy_db_result *error;
    int rc = forum_toggle_like(r, &l, &error);
    if (rc == EPERM) {
        forum_send_field_error(r, 400, "non_fields", "不能给自己的评论点赞");
        return;
    }
    if (rc) {
        eddy_send_db_error(r, rc, error);
        return;
    }
    eddy_send_json(r, json_pack("{s:I, s:I, s:b}", "id", (json_int_t)l.id, "like_nums",
                                (json_int_t)l.like_nums, "has_liked", (int)l.liked));
}

/* ------------------------------------------------------------ routes */

static const eddy_handler group_posts = {.get = group_posts_get, .post = group_posts_post};
static const eddy_handler post_detail = {.get = post_get};
static const eddy_handler post_comments = {.get = comments_get, .post = comments_post};
static const eddy_handler comment_replies = {.get = replies_get, .post = replies_post};
static const eddy_handler comment_likes = {.post = likes_post};

int forum_routes_posts(eddy_app *app, forum *f)
{
    (void)f;
    if (forum_api_route(app, "/groups/([0-9]+)/posts/", &group_posts, "api_group_posts") < 0 ||
        forum_api_route(app, "/posts/([0-9]+)/", &post_detail, "api_post") < 0 ||
        forum_api_route(app, "/posts/([0-9]+)/comments/", &post_comments, "api_post_comments") < 0 ||
        forum_api_route(app, "/comments/([0-9]+)/replys/", &comment_replies, "api_comment_replies") < 0 ||
        forum_api_route(app, "/comments/([0-9]+)/likes/", &comment_likes, "api_comment_likes") < 0)
        return -1;
    return 0;
}
