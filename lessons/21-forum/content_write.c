/*
 * content_write - comments, replies, likes and answers written once for
 * both faces (content_write.h): each is a transaction that keeps the
 * counters in step with the rows, followed by the notification.
 */
#include "content_write.h"

#include "content.h"
#include "media.h"
#include "models.h"

#include <eddy/data/orm.h>
#include <eddy/web/app_db.h>

#include <errno.h>
#include <string.h>

/* bump - add by to a counter of row id (inside the caller's transaction). */
static int bump(eddy_db *db, const eddy_model *m, const char *field, int64_t id, int64_t by)
{
    eddy_query *q = eddy_orm_update(m);
    eddy_orm_increment(q, field, by);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    eddy_db_result_free(res);
    return rc;
}

/* notify - forum_notify, whose failure does not undo what happened. */
static void notify(eddy_req *r, int64_t from, int64_t to, int type, const char *message,
                   const char *about)
{
    int rc = forum_notify(r, from, to, type, message, about);
    if (rc)
        eddy_warn("a notification of type %d to user %lld was lost: %s", type, (long long)to,
                  strerror(rc));
}

/* ------------------------------------------------------------ groups */

/* group_sets - the text fields of an edit that name a value. */
static void group_sets(eddy_query *q, void *arg)
{
    const forum_group_change *c = arg;
    const char *const fields[][2] = {
        {"name", c->name}, {"category", c->category}, {"desc", c->desc}, {"notice", c->notice}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i][1] && *fields[i][1])
            eddy_orm_set(q, fields[i][0], EDDY_DB_STR(fields[i][1]));
}

int forum_update_group(eddy_req *r, int64_t id, const forum_group_change *c)
{
    const char *const values[] = {c->name, c->category, c->desc, c->notice, c->front_image};
    bool any = false;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        any = any || (values[i] && *values[i]);
    if (!any)
        return EINVAL;
    /* a new cover replaces the old one, whose file goes once no row names it */
    return forum_set_image(r, &forum_group, id, "front_image", c->front_image, group_sets,
                           (void *)c);
}

int forum_delete_group(eddy_req *r, int64_t id, int64_t *deleted)
{
    return forum_delete_with_image(r, &forum_group, id, "front_image", deleted);
}

/* ------------------------------------------------------------ posts */

static int insert_post(eddy_db *db, void *arg)
{
    forum_new_post *p = arg;
    eddy_orm_value v[] = {{"user", EDDY_DB_INT(p->user)},
                          {"group", EDDY_DB_INT(p->group)},
                          {"title", EDDY_DB_STR(p->title)},
                          {"content", EDDY_DB_STR(p->content)}};
    /* the group's row first (see content_write.h): the insert's foreign key
     * check then finds it locked by this transaction already */
    int rc = bump(db, &forum_group, "post_nums", p->group, 1);
    if (rc == 0)
        rc = eddy_orm_insert(db, &forum_post, v, sizeof v / sizeof v[0], &p->id);
    return rc;
}

int forum_add_post(eddy_req *r, forum_new_post *p, eddy_db_result **error)
{
    return eddy_db_transaction_result(eddy_req_db(r), insert_post, p, error);
}

/* ------------------------------------------------------------ comments */

/* quote:begin add_comment */
static int insert_comment(eddy_db *db, void *arg)
{
    forum_new_comment *c = arg;
    eddy_orm_value v[5] = {{"user", EDDY_DB_INT(c->user)},
                           {"post", EDDY_DB_INT(c->post)},
                           {"content", EDDY_DB_STR(c->content)}};
    size_t n = 3;
    if (c->parent) {
        v[n++] = (eddy_orm_value){"parent_comment", EDDY_DB_INT(c->parent)};
        v[n++] = (eddy_orm_value){"reply_user", EDDY_DB_INT(c->reply_user)};
    }
    /* the counted row first, then the row that points at it (content_write.h) */
    int rc = c->parent ? bump(db, &forum_comment, "reply_nums", c->parent, 1)
                       : bump(db, &forum_post, "comment_nums", c->post, 1);
    if (rc == 0)
        rc = eddy_orm_insert(db, &forum_comment, v, n, &c->id);
    return rc;
}

int forum_add_comment(eddy_req *r, forum_new_comment *c, eddy_db_result **error)
{
    int rc = eddy_db_transaction_result(eddy_req_db(r), insert_comment, c, error);
    if (rc == 0)
        notify(r, c->user, c->notify_user, c->parent ? FORUM_MSG_REPLY : FORUM_MSG_COMMENT,
               c->content, c->about);
    return rc;
}
/* quote:end add_comment */

/* ------------------------------------------------------------ likes */

/* toggle - locks the comment first (an update that changes nothing but
 * takes the row's lock: see content_write.h), then takes a like back: a
 * DELETE that found a row means the user had liked it, and two requests
 * at once cannot both take back the same like. */
static int toggle(eddy_db *db, void *arg)
{
    forum_like *l = arg;
    int rc = bump(db, &forum_comment, "like_nums", l->comment, 0);
    if (rc)
        return rc;
    eddy_query *q = eddy_orm_delete(&forum_comment_like);
    eddy_orm_where(q, eddy_orm_and(q, eddy_orm_eq(q, "user", EDDY_DB_INT(l->user)),
                                   eddy_orm_eq(q, "post_comment", EDDY_DB_INT(l->comment))));
    eddy_db_result *res = NULL;
    rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    int64_t removed = rc == 0 ? eddy_db_affected(res) : 0;
    eddy_db_result_free(res);
    res = NULL;
    if (rc)
        return rc;
    l->liked = removed == 0;
    l->id = -1;
    if (l->liked) {
        eddy_orm_value v[] = {{"user", EDDY_DB_INT(l->user)},
                              {"post_comment", EDDY_DB_INT(l->comment)}};
        rc = eddy_orm_insert(db, &forum_comment_like, v, 2, &l->id);
    }
    if (rc == 0)
        rc = bump(db, &forum_comment, "like_nums", l->comment, l->liked ? 1 : -removed);
    if (rc == 0)
        rc = eddy_orm_get(db, &forum_comment, l->comment, &res);
    if (rc == 0)
        l->like_nums = eddy_db_int(res, 0, "like_nums");
    eddy_db_result_free(res);
    return rc;
}

int forum_toggle_like(eddy_req *r, forum_like *l, eddy_db_result **error)
{
    *error = NULL;
    if (l->user == l->author)
        return EPERM;
    int rc = eddy_db_transaction_result(eddy_req_db(r), toggle, l, error);
    if (rc == 0 && l->liked)
        notify(r, l->user, l->author, FORUM_MSG_LIKE, "赞了你的评论", l->about);
    return rc;
}

/* ------------------------------------------------------------ answers */

static int insert_answer(eddy_db *db, void *arg)
{
    forum_new_answer *a = arg;
    eddy_orm_value v[5] = {{"user", EDDY_DB_INT(a->user)},
                           {"question", EDDY_DB_INT(a->question)},
                           {"content", EDDY_DB_STR(a->content)}};
    size_t n = 3;
    if (a->parent) {
        v[n++] = (eddy_orm_value){"parent_answer", EDDY_DB_INT(a->parent)};
        v[n++] = (eddy_orm_value){"reply_user", EDDY_DB_INT(a->reply_user)};
    }
    /* the counted row first, then the row that points at it (content_write.h) */
    int rc = a->parent ? bump(db, &forum_answer, "reply_nums", a->parent, 1)
                       : bump(db, &forum_question, "answer_nums", a->question, 1);
    if (rc == 0)
        rc = eddy_orm_insert(db, &forum_answer, v, n, &a->id);
    return rc;
}

int forum_add_answer(eddy_req *r, forum_new_answer *a, eddy_db_result **error)
{
    int rc = eddy_db_transaction_result(eddy_req_db(r), insert_answer, a, error);
    if (rc == 0)
        notify(r, a->user, a->notify_user, a->parent ? FORUM_MSG_ANSWER_REPLY : FORUM_MSG_ANSWER,
               a->content, a->about);
    return rc;
}
