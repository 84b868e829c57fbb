/*
 * seed - the demo data made on the first start with --demo: a few users
 * (one of them the demo login main() prints), a group in each category
 * with members and one pending application, posts with comments, a reply
 * and a like, and questions with answers. Enough for every page to show
 * something, and for the owner's review to have work waiting.
 *
 * It runs only when the database has no user yet, so a restart (or a
 * second process) never duplicates it; and through the ORM alone, so it
 * works the same on SQLite and MariaDB.
 */
#include "forum.h"
#include "models.h"

#include <stdlib.h>

static const struct {
    const char *mobile, *nick, *gender, *address, *desc;
} demo_users[] = {
    {FORUM_DEMO_MOBILE, "Ada", "female", "Hangzhou", "Writes servers in C for fun."},
    {"13800000002", "Lin", "male", "Beijing", "Learning event loops."},
    {"13800000003", "Mei", "female", "Shanghai", "Sells second-hand books."},
    {"13800000004", "Tao", "male", "Shenzhen", "Asks good questions."},
};
#define N_USERS (sizeof demo_users / sizeof demo_users[0])

static const struct {
    int creator; /* index into demo_users */
    const char *name, *category, *desc, *notice;
} demo_groups[] = {
    {0, "C network programming", "程序设计",
     "From one blocking socket to ten thousand connections.", "Be kind; post code that compiles."},
    {1, "Study partners", "教育同盟", "Find someone to work through the course with.",
     "Say which lesson you are on."},
    {2, "Book swap", "同城交易", "Second-hand books, swapped or sold in town.",
     "No shipping; meet in public places."},
    {3, "Weekend hikes", "生活兴趣", "Short hikes for people who sit all week.", "Bring water."},
};

/* insert - one row; 0 or an errno value. */
#define INSERT(db, model, id, ...)                                                                 \
    eddy_orm_insert((db), &(model), (eddy_orm_value[]){__VA_ARGS__},                               \
                    sizeof((eddy_orm_value[]){__VA_ARGS__}) / sizeof(eddy_orm_value), (id))

static int seed_users(eddy_db *db, const eddy_password_params *params, int64_t *ids)
{
    char *hash;
    /* one hash for every demo user: they share the demo password */
    int rc = eddy_password_hash(FORUM_DEMO_PASSWORD, params, &hash);
    if (rc)
        return rc;
    for (size_t i = 0; i < N_USERS && !rc; i++)
        rc = INSERT(db, forum_user, &ids[i], {"mobile", EDDY_DB_STR(demo_users[i].mobile)},
                    {"password", EDDY_DB_STR(hash)}, {"nick_name", EDDY_DB_STR(demo_users[i].nick)},
                    {"gender", EDDY_DB_STR(demo_users[i].gender)},
                    {"address", EDDY_DB_STR(demo_users[i].address)},
                    {"desc", EDDY_DB_STR(demo_users[i].desc)});
    free(hash);
    return rc;
}

/* member - user in group with status (NULL: pending). */
static int member(eddy_db *db, int64_t user, int64_t group, const char *status, const char *reason)
{
    return INSERT(db, forum_member, NULL, {"user", EDDY_DB_INT(user)},
                  {"community", EDDY_DB_INT(group)},
                  {"status", status ? EDDY_DB_STR(status) : EDDY_DB_NULLV},
                  {"apply_reason", EDDY_DB_STR(reason)},
                  {"handle_time", status ? EDDY_DB_TIME(eddy_db_now()) : EDDY_DB_NULLV});
}

static int seed_groups(eddy_db *db, const int64_t *users, int64_t *groups)
{
    int rc = 0;
    for (size_t g = 0; g < sizeof demo_groups / sizeof demo_groups[0] && !rc; g++) {
        int64_t creator = users[demo_groups[g].creator];
        /* every other demo user is a member, except one who is still waiting */
        size_t waiting = (demo_groups[g].creator + 1) % N_USERS;
        rc = INSERT(db, forum_group, &groups[g], {"creator", EDDY_DB_INT(creator)},
                    {"name", EDDY_DB_STR(demo_groups[g].name)},
                    {"category", EDDY_DB_STR(demo_groups[g].category)},
                    {"desc", EDDY_DB_STR(demo_groups[g].desc)},
                    {"notice", EDDY_DB_STR(demo_groups[g].notice)},
                    {"member_nums", EDDY_DB_INT(N_USERS - 1)}, {"post_nums", EDDY_DB_INT(0)});
        for (size_t u = 0; u < N_USERS && !rc; u++)
            rc = member(db, users[u], groups[g], u == waiting ? NULL : FORUM_MEMBER_AGREE,
                        u == waiting ? "I would like to join." : "");
    }
    return rc;
}

/* post - a post by user in group, counted in the group. */
static int post(eddy_db *db, int64_t user, int64_t group, const char *title, const char *content,
                bool hot, int64_t *id)
{
    int rc = INSERT(db, forum_post, id, {"user", EDDY_DB_INT(user)}, {"group", EDDY_DB_INT(group)},
                    {"title", EDDY_DB_STR(title)}, {"content", EDDY_DB_STR(content)},
                    {"is_hot", EDDY_DB_INT(hot)});
    if (rc)
        return rc;
    eddy_query *q = eddy_orm_update(&forum_group);
    eddy_orm_increment(q, "post_nums", 1);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(group)));
    eddy_db_result *res;
    rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    eddy_db_result_free(res);
    return rc;
}

static int seed_posts(eddy_db *db, const int64_t *users, const int64_t *groups)
{
    int64_t p1, p2, c1, reply;
    int rc = post(db, users[0], groups[0], "Why epoll beats select",
                  "select copies the whole set of descriptors into the kernel on every call; "
                  "epoll keeps it there.\n\nSee lesson 07 for the numbers.",
                  true, &p1);
    if (!rc)
        rc = post(db, users[1], groups[0], "My first coroutine switch",
                  "Twelve instructions of assembly, and the stack is somebody else's.", false, &p2);
    if (!rc)
        rc = INSERT(db, forum_comment, &c1, {"user", EDDY_DB_INT(users[1])},
                    {"post", EDDY_DB_INT(p1)}, {"content", EDDY_DB_STR("What about io_uring?")},
                    {"reply_nums", EDDY_DB_INT(1)}, {"like_nums", EDDY_DB_INT(1)});
    if (!rc)
        rc = INSERT(db, forum_comment, &reply, {"user", EDDY_DB_INT(users[0])},
                    {"post", EDDY_DB_INT(p1)}, {"parent_comment", EDDY_DB_INT(c1)},
                    {"reply_user", EDDY_DB_INT(users[1])},
                    {"content", EDDY_DB_STR("A later lesson, perhaps.")});
    if (!rc)
        rc = INSERT(db, forum_comment_like, NULL, {"user", EDDY_DB_INT(users[0])},
                    {"post_comment", EDDY_DB_INT(c1)});
    if (!rc) { /* the post's comments count: the comment and the reply */
        eddy_query *q = eddy_orm_update(&forum_post);
        eddy_orm_set(q, "comment_nums", EDDY_DB_INT(2));
        eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(p1)));
        eddy_db_result *res;
        rc = eddy_orm_run(db, q, &res);
        eddy_query_free(q);
        eddy_db_result_free(res);
    }
    if (!rc)
        rc = INSERT(db, forum_message, NULL, {"sender", EDDY_DB_INT(users[1])},
                    {"receiver", EDDY_DB_INT(users[0])},
                    {"message_type", EDDY_DB_INT(FORUM_MSG_COMMENT)},
                    {"message", EDDY_DB_STR("What about io_uring?")},
                    {"parent_content", EDDY_DB_STR("Why epoll beats select")});
    return rc;
}

static int seed_questions(eddy_db *db, const int64_t *users)
{
    int64_t q1, a1;
    int rc = INSERT(db, forum_question, &q1, {"user", EDDY_DB_INT(users[3])},
                    {"category", EDDY_DB_STR("技术问答")},
                    {"title", EDDY_DB_STR("How many connections can one process hold?")},
                    {"content", EDDY_DB_STR("Is the limit memory, file descriptors, or the CPU?")},
                    {"answer_nums", EDDY_DB_INT(1)});
    if (!rc)
        rc = INSERT(db, forum_answer, &a1, {"user", EDDY_DB_INT(users[0])},
                    {"question", EDDY_DB_INT(q1)},
                    {"content", EDDY_DB_STR("Idle ones: mostly memory. Raise ulimit -n first.")});
    if (!rc)
        rc = INSERT(db, forum_question, NULL, {"user", EDDY_DB_INT(users[1])},
                    {"category", EDDY_DB_STR("技术分享")},
                    {"title", EDDY_DB_STR("Notes on reading the HTTP/1.1 RFCs")},
                    {"content", EDDY_DB_STR("RFC 9112 first, then 9110; skip the history.")});
    return rc;
}

int forum_seed(eddy_db *db, const eddy_password_params *params, bool *created)
{
    *created = false;
    eddy_query *q = eddy_orm_select(&forum_user);
    int64_t users = 0;
    int rc = eddy_orm_count(db, q, &users);
    eddy_query_free(q);
    if (rc || users > 0)
        return rc;
    int64_t user_ids[N_USERS], group_ids[sizeof demo_groups / sizeof demo_groups[0]];
    rc = seed_users(db, params, user_ids);
    if (!rc)
        rc = seed_groups(db, user_ids, group_ids);
    if (!rc)
        rc = seed_posts(db, user_ids, group_ids);
    if (!rc)
        rc = seed_questions(db, user_ids);
    *created = rc == 0;
    return rc;
}
