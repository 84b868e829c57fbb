/*
 * pages_inbox - the visitor's notifications: comments on their posts,
 * replies and likes, answers and replies to answers, newest first, a
 * page at a time. A page shown marks its messages read (they keep their
 * highlight on that view); "Mark all read" clears the rest.
 *
 *   GET  /inbox              ?kind=comments|replies|answers, ?page=N (from 1)
 *   POST /inbox/read         mark every message read
 */
#include "models.h"
#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PAGE_SIZE = 20 };

/* kind_condition - the message types a tab shows (NULL: all); kind is
 * reset to "" when it names no tab. */
static eddy_cond *kind_condition(eddy_query *q, const char **kind)
{
    eddy_cond *t = NULL;
    if (strcmp(*kind, "comments") == 0) {
        t = eddy_orm_eq(q, "message_type", EDDY_DB_INT(FORUM_MSG_COMMENT));
    } else if (strcmp(*kind, "replies") == 0) { /* the course's "likes and replies" tab */
        t = eddy_orm_or(
            q, eddy_orm_eq(q, "message_type", EDDY_DB_INT(FORUM_MSG_REPLY)),
            eddy_orm_or(q, eddy_orm_eq(q, "message_type", EDDY_DB_INT(FORUM_MSG_LIKE)),
                        eddy_orm_eq(q, "message_type", EDDY_DB_INT(FORUM_MSG_ANSWER_REPLY))));
    } else if (strcmp(*kind, "answers") == 0) {
        t = eddy_orm_eq(q, "message_type", EDDY_DB_INT(FORUM_MSG_ANSWER));
    } else {
        *kind = "";
    }
    return t;
}

static const char *what(int64_t type)
{
    switch (type) {
    case FORUM_MSG_COMMENT:
        return "commented on your post";
    case FORUM_MSG_REPLY:
        return "replied to your comment";
    case FORUM_MSG_LIKE:
        return "liked your comment";
    case FORUM_MSG_ANSWER:
        return "answered your question";
    case FORUM_MSG_ANSWER_REPLY:
        return "replied to your answer";
    default:
        return "sent you a message";
    }
}

/* mark_read - the user's messages read: with upto > 0 only ids up to it
 * (the page just shown); 0 or an errno value. */
static int mark_read(eddy_req *r, int64_t me, int64_t from, int64_t upto)
{
    eddy_query *q = eddy_orm_update(&forum_message);
    eddy_orm_set(q, "is_read", EDDY_DB_INT(1));
    eddy_cond *c = eddy_orm_and(q, eddy_orm_eq(q, "receiver", EDDY_DB_INT(me)),
                                eddy_orm_eq(q, "is_read", EDDY_DB_INT(0)));
    if (upto > 0)
        c = eddy_orm_and(q, c,
                         eddy_orm_and(q, eddy_orm_ge(q, "id", EDDY_DB_INT(from)),
                                      eddy_orm_le(q, "id", EDDY_DB_INT(upto))));
    eddy_orm_where(q, c);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    eddy_db_result_free(res);
    return rc;
}

static void inbox_get(eddy_req *r)
{
    int64_t me = page_require_user(r);
    if (!me)
        return;
    const char *kind = eddy_get_query_argument(r, "kind", "");
    long page = strtol(eddy_get_query_argument(r, "page", "1"), NULL, 10);
    if (page < 1 || page > 100000)
        page = 1;
    eddy_query *q = eddy_orm_select(&forum_message);
    eddy_orm_join(q, "sender");
    eddy_cond *c = eddy_orm_eq(q, "receiver", EDDY_DB_INT(me));
    eddy_cond *t = kind_condition(q, &kind);
    eddy_orm_where(q, t ? eddy_orm_and(q, c, t) : c);
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, PAGE_SIZE + 1,
                   (int64_t)(page - 1) * PAGE_SIZE); /* one more: is there a next? */
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (page_db_failed(r, rc, res, NULL))
        return;
    size_t rows = eddy_db_rows(res), shown = rows > PAGE_SIZE ? PAGE_SIZE : rows;
    json_t *list = json_array();
    int64_t newest = 0, oldest = 0;
    for (size_t i = 0; i < shown; i++) {
        const char *m = eddy_db_text(res, i, "message");
        const char *p = eddy_db_text(res, i, "parent_content");
        int64_t id = eddy_db_int(res, i, "id");
        newest = i == 0 ? id : newest;
        oldest = id;
        json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:b}", "id", (json_int_t)id,
                                              "sender_name", page_name(r, res, i, "sender"), "what",
                                              what(eddy_db_int(res, i, "message_type")), "message",
                                              m ? m : "", "parent_content", p ? p : "", "add_time",
                                              page_time(r, res, i, "add_time"), "is_read",
                                              (int)eddy_db_int(res, i, "is_read")));
    }
    eddy_db_result_free(res);
    char prev[64] = "", next[64] = "";
    if (page > 1)
        snprintf(prev, sizeof prev, "/inbox?kind=%s&page=%ld", kind, page - 1);
    if (rows > PAGE_SIZE)
        snprintf(next, sizeof next, "/inbox?kind=%s&page=%ld", kind, page + 1);
    json_t *ctx = json_pack("{s:o,s:s,s:s,s:s}", "messages", list, "kind", kind, "prev_url", prev,
                            "next_url", next);
    page_render(r, 200, "inbox.html", ctx); /* the count on this page is before reading */
    if (shown && (rc = mark_read(r, me, oldest, newest)) != 0)
        eddy_warn("messages of user %lld could not be marked read: %s", (long long)me,
                  strerror(rc));
}

static void read_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    if (!me)
        return;
    int rc = mark_read(r, me, 0, 0);
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_see_other(r, "/inbox");
}

static const eddy_handler inbox_page = {.get = inbox_get};
static const eddy_handler read_page = {.post = read_post};

int pages_routes_inbox(eddy_app *app, forum *f)
{
    (void)f;
    if (eddy_route(app, "/inbox", &inbox_page, "inbox") < 0 ||
        eddy_route(app, "/inbox/read", &read_page, "inbox_read") < 0)
        return -1;
    return 0;
}
