/*
 * Exercise 21 tests: forum_decide_member() on an SQLite database made
 * from the forum's own models.
 *
 * A group with its creator and one applicant; the tests decide on the
 * application as the owner would (agree, agree again, refuse, agree after
 * a refusal, refuse while pending) and read back the member row and the
 * group's member_nums: the count must always equal the agreed members,
 * and a decision sent twice must count once. The last test sends two
 * decisions at the same time from two tasks, as two tabs would.
 */
#include "membership.h"
#include "models.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static eddy_db *db;
static int64_t group_id, member_id;

/* run - fn in a task on this thread's loop, until it is done. */
static void run(void (*fn)(void *), void *arg)
{
    eddy_task_spawn(fn, arg);
    eddy_loop_run();
}

static void setup_task(void *arg)
{
    (void)arg;
    int64_t owner, applicant;
    cr_assert_eq(forum_create_tables(db), 0);
    cr_assert_eq(eddy_orm_insert(db, &forum_user,
                                 (eddy_orm_value[]){{"mobile", EDDY_DB_STR("13800000001")},
                                                    {"password", EDDY_DB_STR("x")}},
                                 2, &owner),
                 0);
    cr_assert_eq(eddy_orm_insert(db, &forum_user,
                                 (eddy_orm_value[]){{"mobile", EDDY_DB_STR("13800000002")},
                                                    {"password", EDDY_DB_STR("x")}},
                                 2, &applicant),
                 0);
    cr_assert_eq(eddy_orm_insert(db, &forum_group,
                                 (eddy_orm_value[]){{"creator", EDDY_DB_INT(owner)},
                                                    {"name", EDDY_DB_STR("Hikers")},
                                                    {"desc", EDDY_DB_STR("d")},
                                                    {"notice", EDDY_DB_STR("n")},
                                                    {"member_nums", EDDY_DB_INT(1)}},
                                 5, &group_id),
                 0);
    cr_assert_eq(eddy_orm_insert(db, &forum_member,
                                 (eddy_orm_value[]){{"user", EDDY_DB_INT(owner)},
                                                    {"community", EDDY_DB_INT(group_id)},
                                                    {"status", EDDY_DB_STR("agree")},
                                                    {"apply_reason", EDDY_DB_STR("")}},
                                 4, NULL),
                 0);
    cr_assert_eq(eddy_orm_insert(db, &forum_member,
                                 (eddy_orm_value[]){{"user", EDDY_DB_INT(applicant)},
                                                    {"community", EDDY_DB_INT(group_id)},
                                                    {"apply_reason", EDDY_DB_STR("please")}},
                                 3, &member_id),
                 0);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/eddy-ex21-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char url[128];
    snprintf(url, sizeof url, "sqlite://%s/forum.db", dir);
    db = eddy_db_open(url, NULL);
    cr_assert_not_null(db);
    run(setup_task, NULL);
}

static void teardown(void)
{
    eddy_db_close(db);
    eddy_thread_pool_shutdown();
    eddy_loop_free();
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

struct decision {
    bool agree;
    const char *msg;
    int rc;
};

static void decide_task(void *arg)
{
    struct decision *d = arg;
    d->rc = forum_decide_member(db, member_id, group_id, d->agree, d->msg);
}

/* decide - one decision, asserted to succeed. */
static void decide(bool agree, const char *msg)
{
    struct decision d = {agree, msg, -1};
    run(decide_task, &d);
    cr_assert_eq(d.rc, 0, "forum_decide_member returned %d (%s)", d.rc, strerror(d.rc));
}

struct state {
    char status[16], msg[64];
    int64_t members;
};

static void state_task(void *arg)
{
    struct state *s = arg;
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_get(db, &forum_member, member_id, &res), 0);
    snprintf(s->status, sizeof s->status, "%s",
             eddy_db_is_null(res, 0, "status") ? "pending" : eddy_db_text(res, 0, "status"));
    const char *msg = eddy_db_text(res, 0, "handle_msg");
    snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "(null)");
    eddy_db_result_free(res);
    cr_assert_eq(eddy_orm_get(db, &forum_group, group_id, &res), 0);
    s->members = eddy_db_int(res, 0, "member_nums");
    eddy_db_result_free(res);
}

/* expect - the applicant's row and the group's count are as given. */
static void expect(const char *status, int64_t members)
{
    struct state s;
    run(state_task, &s);
    cr_assert_str_eq(s.status, status);
    cr_assert_eq(s.members, members, "member_nums is %lld, expected %lld", (long long)s.members,
                 (long long)members);
}

TestSuite(ex21, .init = setup, .fini = teardown);

Test(ex21, agree_counts_the_member)
{
    decide(true, "welcome");
    expect("agree", 2);
    struct state s;
    run(state_task, &s);
    cr_assert_str_eq(s.msg, "welcome");
}

Test(ex21, agree_twice_counts_once)
{
    decide(true, NULL);
    decide(true, NULL);
    expect("agree", 2);
}

Test(ex21, refuse_pending_counts_nobody)
{
    decide(false, "sorry");
    expect("refuse", 1);
    decide(false, NULL);
    expect("refuse", 1);
}

Test(ex21, refuse_after_agree_takes_one_away)
{
    decide(true, NULL);
    decide(false, NULL);
    expect("refuse", 1);
    decide(true, NULL); /* and back again */
    expect("agree", 2);
}

static void both_task(void *arg)
{
    struct decision *d = arg;
    d->rc = forum_decide_member(db, member_id, group_id, true, NULL);
}

Test(ex21, two_decisions_at_once_count_once)
{
    struct decision a = {true, NULL, -1}, b = {true, NULL, -1};
    eddy_task_spawn(both_task, &a); /* both start before either finishes */
    eddy_task_spawn(both_task, &b);
    eddy_loop_run();
    cr_assert_eq(a.rc, 0);
    cr_assert_eq(b.rc, 0);
    expect("agree", 2);
}
