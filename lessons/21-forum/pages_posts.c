/*
 * pages_posts - a post's page: the post in Markdown, its comments newest
 * first, each comment's replies (楼中楼) naming whom they answer, likes;
 * and the forms that comment, reply and like. Only the members of the
 * post's group read or write here (the course let anyone with a token).
 *
 *   GET  /post/ID               the post and its comments (?page=N, fifty
 *                               comments a page, each with its replies)
 *   POST /post/ID/comment       a comment; the post's author is notified
 *   POST /comment/ID/reply      a reply to a comment (or to a reply: it
 *                               joins the same thread), naming replyed_user
 *   POST /comment/ID/like       like, or take the like back; with
 *                               Accept: application/json the answer is
 *                               {"like_nums", "has_liked"} (forum.js),
 *                               otherwise 303 back to the comment; one's
 *                               own comment: 400, nothing written
 *
 * Each form's 303 lands on the page of comments that shows what it
 * wrote or liked (?page=N), anchored on it (#cID).
 */
#include "content.h"
#include "content_write.h"
#include "models.h"
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const eddy_form_field comment_fields[] = {
    {"content", EDDY_FORM_TEXT, .label = "Your comment",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(3, 1000, NULL))},
    {.name = NULL}};
static const eddy_form_def comment_form = {"comment", comment_fields, .submit = "Comment"};

/* ------------------------------------------------------------ reading */

/* The post's page reads in three queries, written by hand to join what
 * the ORM would fetch one query at a time: the post with its author, its
 * group, the reader's membership, unread count and own row (the session's
 * user: no query of its own); a page of comments with whether the reader
 * liked each; their replies. Columns are read by position (the enums),
 * not by name. */

static const char post_page_sql[] =
    "SELECT p.title, p.content, p.add_time, p.comment_nums, u.id, u.nick_name, u.mobile, "
    "g.id, g.name, "
    "(SELECT CASE WHEN m.status IS NULL OR m.status = '' THEN 'pending' ELSE m.status END "
    "FROM community_group_member m WHERE m.user_id = ? AND m.community_id = p.group_id LIMIT 1), "
    "(SELECT COUNT(*) FROM message n WHERE n.receiver_id = ? AND n.is_read = 0), "
    FORUM_READER_COLUMNS("r") " "
    "FROM post p JOIN `user` u ON u.id = p.user_id JOIN community_group g ON g.id = p.group_id "
    "LEFT JOIN `user` r ON r.id = ? WHERE p.id = ?";
enum { P_TITLE, P_CONTENT, P_ADD_TIME, P_COMMENTS, P_USER_ID, P_USER_NICK, P_USER_MOBILE,
       P_GROUP_ID, P_GROUP_NAME, P_STATUS, P_UNREAD };

/* A page of comments and their replies go to the template as the rows
 * the queries read (page_render_rows), named by the columns' aliases:
 * no JSON is made per comment, and what the page shows of each is a
 * column the template writes as it is, with no helper call per row: the
 * author's name (pages.h's PAGE_NAME_MYSQL) and the time to the minute (page_time's
 * text) are made by the query, in the database's dialect. The replies are the comments'
 * children ("comments.replies", template.h): their first column is the
 * comment they belong to, and they come ordered by it. */

/* COMMENT_COLUMNS - what a comment and a reply show: its text, time
 * (minute is the dialect's "YYYY-MM-DD HH:MM" of a DATETIME, page_time's
 * text), author's id and name (PAGE_NAME_MYSQL or PAGE_NAME_SQLITE). */
#define COMMENT_COLUMNS(NAME, minute)                                                              \
    "c.content AS content, " minute " AS add_time, u.id AS user_id, " NAME("u") " AS author_name"
#define MYSQL_MINUTE "DATE_FORMAT(c.add_time, '%Y-%m-%d %H:%i')"
#define SQLITE_MINUTE "strftime('%Y-%m-%d %H:%M', c.add_time)"

/* THREADS_SQL - a page of comments, newest first, with whether the
 * reader liked each, then their replies, oldest first in each thread,
 * in one statement: the two halves go to the template as two results
 * (eddy_db_result_split), for one round trip to the database instead of
 * two. Both halves find the page by the same subquery: the post's
 * top-level comments, one more than a page (that one says a later page
 * exists) for the comments, the page itself for the replies, every
 * reply hanging on a top-level comment of the same post (content_write.c
 * gives a reply to a reply its thread's top comment). Column 0 is the
 * key the replies hang on (their comment); "seq" orders the rows, the
 * comments' below zero (-2^40 - id: newest first) before the replies'
 * (their comment's id). The aliases are the first half's; what a reply
 * does not show is NULL. */
#define PAGE_OF_COMMENTS                                                                           \
    "(SELECT id FROM post_comment WHERE post_id = ? AND parent_comment_id IS NULL "                \
    "ORDER BY id DESC LIMIT ? OFFSET ?) pg "
#define THREADS_SQL(NAME, minute)                                                                  \
    "SELECT c.id AS parent, -1099511627776 - c.id AS seq, c.id AS id, c.like_nums AS like_nums, " \
    COMMENT_COLUMNS(NAME, minute) ", "                                                             \
    "(SELECT COUNT(*) FROM comment_like l WHERE l.post_comment_id = c.id AND l.user_id = ?) "    \
    "AS has_liked, NULL AS reply_id, NULL AS reply_name "                                         \
    "FROM " PAGE_OF_COMMENTS "JOIN post_comment c ON c.id = pg.id JOIN `user` u ON u.id = c.user_id " \
    "UNION ALL "                                                                                   \
    "SELECT c.parent_comment_id, c.parent_comment_id, c.id, NULL, "                                \
    COMMENT_COLUMNS(NAME, minute) ", NULL, ru.id, " NAME("ru") " "                                 \
    "FROM " PAGE_OF_COMMENTS "JOIN post_comment c ON c.parent_comment_id = pg.id "               \
    "JOIN `user` u ON u.id = c.user_id LEFT JOIN `user` ru ON ru.id = c.reply_user_id "           \
    "ORDER BY seq, id LIMIT 5051"

enum { C_KEY, C_SEQ, C_ID };

static int64_t int_at(const eddy_db_result *res, size_t row, int col)
{
    const eddy_db_value *v = eddy_db_value_at(res, row, (size_t)col);
    return v->type == EDDY_DB_INTEGER || v->type == EDDY_DB_DATETIME ? v->i
           : v->type == EDDY_DB_TEXT                                ? strtoll(v->p, NULL, 10)
                                                                    : 0;
}

static const char *text_at(const eddy_db_result *res, size_t row, int col)
{
    const eddy_db_value *v = eddy_db_value_at(res, row, (size_t)col);
    return v->type == EDDY_DB_TEXT || v->type == EDDY_DB_BLOB ? v->p : NULL;
}

/* read_post - the post's row for the reader *me, who must be an approved
 * member of its group; false after answering 404, 403 or an error. *me 0:
 * the session's user, not loaded yet, read by the same query (the sign-in
 * guard then finds that row: forum_keep_reader) and set. */
static bool read_post(eddy_req *r, int64_t id, int64_t *me, eddy_db_result **res)
{
    int64_t reader = *me ? *me : page_session_id(r);
    if (!reader && !(reader = *me = page_require_user(r))) /* nobody: to the sign-in page */
        return false;
    eddy_db_value params[] = {EDDY_DB_INT(reader), EDDY_DB_INT(reader), EDDY_DB_INT(reader),
                              EDDY_DB_INT(id)};
    int rc = eddy_db_query(eddy_req_db(r), res, post_page_sql, params, 4);
    if (rc == 0 && !*me) { /* the guard, answered from the row when there is one */
        if (eddy_db_rows(*res))
            forum_keep_reader(r, *res, 0);
        if (!(*me = page_require_user(r)) || *me != reader) {
            eddy_db_result_free(*res);
            return *me && read_post(r, id, me, res); /* the cookie changed its mind: again */
        }
    }
    if (rc == 0 && eddy_db_rows(*res) == 0)
        rc = ENOENT;
    if (page_db_failed(r, rc, *res, "No such post"))
        return false;
    const char *standing = text_at(*res, 0, P_STATUS);
    if (!standing || strcmp(standing, FORUM_MEMBER_AGREE) != 0) {
        eddy_db_result_free(*res);
        eddy_send_error(r, 403, "Only the group's members may do that");
        return false;
    }
    return true;
}

/* COMMENTS_PER_PAGE - top-level comments on one page of a post, each
 * shown with all its replies: fifty, so that a lively discussion reads
 * on one page as the course's (which shows every comment) does, while a
 * post with thousands still costs one bounded page. */
enum { COMMENTS_PER_PAGE = 50 };

/* post_comments - one page (from 1) of the post's comments, newest
 * first, with whether the user liked each, into *comments (at most
 * COMMENTS_PER_PAGE + 1 rows: one more says a later page exists); their
 * replies, oldest first in each thread (a conversation), into *replies;
 * one statement (THREADS_SQL). 0 or an errno value, both NULL then. */
static int post_comments(eddy_req *r, int64_t post, int64_t user, long page,
                         eddy_db_result **comments, eddy_db_result **replies)
{
    int64_t offset = (int64_t)(page - 1) * COMMENTS_PER_PAGE;
    eddy_db_value params[] = {EDDY_DB_INT(user),   EDDY_DB_INT(post),
                              EDDY_DB_INT(COMMENTS_PER_PAGE + 1), EDDY_DB_INT(offset),
                              EDDY_DB_INT(post),   EDDY_DB_INT(COMMENTS_PER_PAGE),
                              EDDY_DB_INT(offset)};
    *replies = NULL;
    int rc = eddy_db_query(eddy_req_db(r), comments,
                           page_mysql(r) ? THREADS_SQL(PAGE_NAME_MYSQL, MYSQL_MINUTE)
                                         : THREADS_SQL(PAGE_NAME_SQLITE, SQLITE_MINUTE),
                           params, 7);
    size_t shown = 0; /* the comments come first, then the replies */
    while (rc == 0 && shown < eddy_db_rows(*comments) && int_at(*comments, shown, C_SEQ) < 0)
        shown++;
    if (rc == 0)
        rc = eddy_db_result_split(*comments, shown, replies);
    if (rc) {
        eddy_db_result_free(*comments);
        *comments = NULL;
    }
    return rc;
}

/* show_post - the post's page for member me (0: the session's user, not
 * loaded yet), with the forms the request made; reply_to names the
 * comment whose reply form has errors, page the page of comments (0: the
 * one ?page= asks for). */
static void show_post(eddy_req *r, int status, int64_t me, int64_t id, int64_t reply_to, long page)
{
    eddy_db_result *res;
    if (!read_post(r, id, &me, &res))
        return;
    const char *title = text_at(res, 0, P_TITLE);
    const char *group = text_at(res, 0, P_GROUP_NAME);
    json_t *post = json_pack(
        "{s:I,s:s,s:s,s:I,s:s,s:I,s:s,s:s,s:I}", "id", (json_int_t)id, "title", title ? title : "",
        "content_html", page_content_html(r, text_at(res, 0, P_CONTENT)), "user_id",
        (json_int_t)int_at(res, 0, P_USER_ID), "author_name",
        page_user_name(r, text_at(res, 0, P_USER_NICK), text_at(res, 0, P_USER_MOBILE)),
        "group_id", (json_int_t)int_at(res, 0, P_GROUP_ID), "group_name", group ? group : "",
        "add_time", page_time_of(r, eddy_db_value_at(res, 0, P_ADD_TIME)), "comment_nums",
        (json_int_t)int_at(res, 0, P_COMMENTS));
    json_int_t unread = int_at(res, 0, P_UNREAD);
    eddy_db_result_free(res);
    if (page == 0)
        page = strtol(eddy_get_query_argument(r, "page", "1"), NULL, 10);
    if (page < 1 || page > 100000)
        page = 1;
    eddy_db_result *comments, *replies;
    int rc = post_comments(r, id, me, page, &comments, &replies);
    if (page_db_failed(r, rc, NULL, NULL)) {
        json_decref(post);
        return;
    }
    size_t shown = eddy_db_rows(comments);
    bool more = shown > COMMENTS_PER_PAGE;
    if (!eddy_form_get(r, "comment"))
        eddy_form_new(r, &comment_form);
    char sid[24], action[64];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    snprintf(action, sizeof action, "/comment/%lld/reply", (long long)reply_to);
    /* the row past the page (there is a later one) is not shown: the
     * loop stops at its id */
    page_render_rows(
        r, status, "post.html",
        json_pack("{s:o,s:b,s:I,s:s,s:I,s:s,s:i,s:i,s:I,s:I}", "post", post, "any_comments",
                  shown > 0, "past_last",
                  (json_int_t)(more ? int_at(comments, COMMENTS_PER_PAGE, C_ID) : 0), "str_id",
                  sid, "reply_to", (json_int_t)reply_to, "reply_action", action, "prev_page",
                  (int)(page - 1), "next_page", more ? (int)(page + 1) : 0, "unread", unread,
                  "me", (json_int_t)me),
        (eddy_template_rows[]){{"comments", comments}, {"comments.replies", replies}, {NULL, NULL}});
    eddy_db_result_free(comments);
    eddy_db_result_free(replies);
}

static void post_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id >= 0)
        show_post(r, 200, 0, id, 0, 0);
}

/* ------------------------------------------------------------ writing */

/* OWN_COMMENT - why a like of one's own comment is refused. */
#define OWN_COMMENT "You cannot like your own comment."

/* thread_page - the page of post's comments (from 1; newest first,
 * COMMENTS_PER_PAGE a page) that shows the thread whose top comment is
 * top. A failed count says 1: the write it follows is done anyway. */
static long thread_page(eddy_req *r, int64_t post, int64_t top)
{
    eddy_query *q = eddy_orm_select(&forum_comment);
    eddy_orm_where(q, eddy_orm_and(q, eddy_orm_eq(q, "post", EDDY_DB_INT(post)),
                                   eddy_orm_is_null(q, "parent_comment")));
    eddy_orm_where(q, eddy_orm_gt(q, "id", EDDY_DB_INT(top)));
    int64_t newer = 0;
    if (eddy_orm_count(eddy_req_db(r), q, &newer) != 0)
        newer = 0;
    eddy_query_free(q);
    return (long)(newer / COMMENTS_PER_PAGE + 1);
}

/* see_comment - 303 to comment id where it is shown: the page of its
 * thread (top), anchored on it. A reply to an old comment lands beside
 * it, not on page 1. */
static void see_comment(eddy_req *r, int64_t post, int64_t top, int64_t id)
{
    long page = thread_page(r, post, top);
    if (page > 1)
        page_see_other(r, "/post/%lld?page=%ld#c%lld", (long long)post, page, (long long)id);
    else
        page_see_other(r, "/post/%lld#c%lld", (long long)post, (long long)id);
}

static void comment_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    long id = me ? eddy_require_path_long(r, 1) : -1;
    eddy_db_result *res;
    if (id < 0 || !read_post(r, id, &me, &res))
        return;
    int64_t author = int_at(res, 0, P_USER_ID);
    const char *title = text_at(res, 0, P_TITLE);
    title = eddy_strdup(r, title ? title : "");
    eddy_db_result_free(res);
    eddy_form *f = eddy_form_from_request(r, &comment_form);
    if (page_form_failed(r, f))
        return;
    if (!eddy_form_validate(f)) {
        show_post(r, 400, me, id, 0, 1);
        return;
    }
    forum_new_comment c = {.user = me,
                           .post = id,
                           .content = eddy_form_value(f, "content"),
                           .notify_user = author,
                           .about = title};
    eddy_db_result *error;
    int rc = forum_add_comment(r, &c, &error);
    if (page_db_failed(r, rc, error, NULL))
        return;
    see_comment(r, id, c.id, c.id);
}

/* load_comment - comment id: its post, its group, its thread's top
 * comment, its author and text; false after answering. */
struct comment_row {
    int64_t post, group, top, author;
    const char *content;
};

static bool load_comment(eddy_req *r, int64_t id, struct comment_row *c)
{
    eddy_query *q = eddy_orm_select(&forum_comment);
    eddy_orm_join(q, "post");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc == 0 && eddy_db_rows(res) == 0)
        rc = ENOENT;
    if (page_db_failed(r, rc, res, "No such comment"))
        return false;
    c->post = eddy_db_int(res, 0, "post.id");
    c->group = eddy_db_int(res, 0, "post.group");
    c->top = eddy_db_is_null(res, 0, "parent_comment") ? id : eddy_db_int(res, 0, "parent_comment");
    c->author = eddy_db_int(res, 0, "user");
    const char *content = eddy_db_text(res, 0, "content");
    c->content = eddy_strdup(r, content ? content : "");
    eddy_db_result_free(res);
    return true;
}

static void reply_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    long id = me ? eddy_require_path_long(r, 1) : -1;
    struct comment_row parent;
    if (id < 0 || !load_comment(r, id, &parent) || !page_require_member(r, parent.group, me))
        return;
    eddy_form *f = eddy_form_from_request(r, &page_reply_form);
    if (page_form_failed(r, f))
        return;
    int64_t to = eddy_form_validate(f) ? eddy_form_int(f, "replyed_user", 0) : 0;
    bool exists = false;
    int rc = to ? content_user_exists(r, to, &exists) : 0;
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    if (to && !exists)
        eddy_form_add_error(f, "replyed_user", "No such user.");
    if (eddy_form_has_errors(f)) {
        show_post(r, 400, me, parent.post, parent.top, thread_page(r, parent.post, parent.top));
        return;
    }
    forum_new_comment c = {.user = me,
                           .post = parent.post,
                           .parent = parent.top,
                           .reply_user = to,
                           .content = eddy_form_value(f, "content"),
                           .notify_user = to,
                           .about = parent.content};
    eddy_db_result *error;
    rc = forum_add_comment(r, &c, &error);
    if (page_db_failed(r, rc, error, NULL))
        return;
    see_comment(r, parent.post, parent.top, c.id);
}

static void like_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    long id = me ? eddy_require_path_long(r, 1) : -1;
    struct comment_row c;
    if (id < 0 || !load_comment(r, id, &c) || !page_require_member(r, c.group, me))
        return;
    forum_like l = {.user = me, .comment = id, .author = c.author, .about = c.content};
    eddy_db_result *error;
    int rc = forum_toggle_like(r, &l, &error);
    const char *accept = eddy_header(r, "Accept");
    bool json = accept && strstr(accept, "application/json");
    if (rc == EPERM) { /* the page offers no button; a forged form gets this */
        if (json) {
            eddy_response_status(r, 400);
            eddy_send_json(r, json_pack("{s:s}", "non_fields", OWN_COMMENT));
        } else {
            eddy_send_error(r, 400, OWN_COMMENT);
        }
        return;
    }
    if (page_db_failed(r, rc, error, NULL))
        return;
    if (json) {
        eddy_send_json(
            r, json_pack("{s:I,s:b}", "like_nums", (json_int_t)l.like_nums, "has_liked", (int)l.liked));
        return;
    }
    see_comment(r, c.post, c.top, id);
}

/* ------------------------------------------------------------ routes */

static const eddy_handler post_page = {.get = post_get};
static const eddy_handler comment_page = {.post = comment_post};
static const eddy_handler reply_page = {.post = reply_post};
static const eddy_handler like_page = {.post = like_post};

int pages_routes_posts(eddy_app *app, forum *f)
{
    (void)f;
    if (eddy_route(app, "/post/([0-9]+)", &post_page, "post") < 0 ||
        eddy_route(app, "/post/([0-9]+)/comment", &comment_page, "post_comment") < 0 ||
        eddy_route(app, "/comment/([0-9]+)/reply", &reply_page, "comment_reply") < 0 ||
        eddy_route(app, "/comment/([0-9]+)/like", &like_page, "comment_like") < 0)
        return -1;
    return 0;
}
