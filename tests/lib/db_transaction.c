/*
 * Tests of lib/data/db's transactions when they collide: two tasks that
 * deadlock on purpose on MariaDB both end committed (the loser is run
 * again), and a transaction that fails says why with the database's own
 * code and message, on both drivers.
 *
 * The deadlock is the classic one: task A updates row 1 then row 2, task
 * B row 2 then row 1, each pausing between its two updates so that both
 * hold their first lock when they ask for their second. InnoDB then
 * picks one as the victim (error 1213) and rolls it back.
 */
#include "db_checks.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

/* One side of the deadlock: its order of rows and what came of it. */
struct side {
    eddy_db *db;
    int64_t first, second;
    int runs; /* how many times fn started: more than 1 when it was run again */
    int rc;   /* the transaction's outcome */
    eddy_db_result *error;
    int *left;
};

static int bump_row(eddy_db *db, int64_t id)
{
    return eddy_db_exec(db, "UPDATE dl SET v = v + 1 WHERE id = ?", EDDY_DB_PARAMS(EDDY_DB_INT(id)),
                        NULL, NULL);
}

static int cross(eddy_db *db, void *arg)
{
    struct side *s = arg;
    s->runs++;
    int rc = bump_row(db, s->first);
    if (rc == 0 && s->runs == 1)
        rc = eddy_sleep(150); /* both now hold their first row: the next updates cross */
    if (rc == 0)
        rc = bump_row(db, s->second);
    return rc;
}

static void run_side(void *arg)
{
    struct side *s = arg;
    s->rc = eddy_db_transaction_result(s->db, cross, s, &s->error);
    --*s->left;
}

/* collide - run A (1 then 2) and B (2 then 1) at once and wait for both. */
static void collide(eddy_db *db, struct side *a, struct side *b)
{
    db_do(db, "DROP TABLE IF EXISTS dl");
    db_do(db, "CREATE TABLE dl (id BIGINT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB");
    db_do(db, "INSERT INTO dl (id, v) VALUES (1, 0), (2, 0)");
    int left = 2;
    *a = (struct side){.db = db, .first = 1, .second = 2, .rc = -1, .left = &left};
    *b = (struct side){.db = db, .first = 2, .second = 1, .rc = -1, .left = &left};
    cr_assert_not_null(eddy_task_spawn(run_side, a));
    cr_assert_not_null(eddy_task_spawn(run_side, b));
    for (int waited = 0; left > 0 && waited < 20000; waited += 10)
        eddy_sleep(10);
    cr_assert_eq(left, 0, "both transactions ended");
}

DB_CHECK(two_tasks_that_deadlock_both_commit)
{
    struct side a, b;
    collide(db, &a, &b);
    cr_assert_eq(a.rc, 0, "A: %d %s", a.rc, eddy_db_errmsg(a.error));
    cr_assert_eq(b.rc, 0, "B: %d %s", b.rc, eddy_db_errmsg(b.error));
    cr_assert_null(a.error);
    cr_assert_null(b.error);
    cr_assert_eq(a.runs + b.runs, 3, "one of them lost the deadlock and ran again (A %d, B %d)",
                 a.runs, b.runs);
    cr_assert_eq(db_count(db, "SELECT v FROM dl WHERE id = 1"), 2, "each added one to row 1");
    cr_assert_eq(db_count(db, "SELECT v FROM dl WHERE id = 2"), 2, "and one to row 2");
}

Test(db_mariadb, two_tasks_that_deadlock_both_commit, .timeout = 60)
{
    db_run_mariadb(two_tasks_that_deadlock_both_commit_check, NULL,
                   "two_tasks_that_deadlock_both_commit");
}

DB_CHECK(without_retries_the_loser_gets_the_servers_deadlock_error)
{
    struct side a, b;
    collide(db, &a, &b);
    struct side *loser = a.rc ? &a : &b, *winner = a.rc ? &b : &a;
    cr_assert_eq(winner->rc, 0, "%s", eddy_db_errmsg(winner->error));
    cr_assert_eq(loser->rc, EIO, "the loser fails: %d", loser->rc);
    cr_assert_eq(loser->runs, 1, "and is not run again");
    cr_assert_not_null(loser->error, "with the reason");
    cr_assert_eq(eddy_db_errcode(loser->error), 1213, "the server's code, not %d",
                 eddy_db_errcode(loser->error));
    cr_assert_not_null(strstr(eddy_db_errmsg(loser->error), "Deadlock"), "the server's message: %s",
                       eddy_db_errmsg(loser->error));
    eddy_db_result_free(loser->error);
    cr_assert_eq(db_count(db, "SELECT v FROM dl WHERE id = 1"), 1, "only the winner's update");
}

Test(db_mariadb, without_retries_the_loser_gets_the_servers_deadlock_error, .timeout = 60)
{
    eddy_db_options o = {.transaction_retries = -1};
    db_run_mariadb(without_retries_the_loser_gets_the_servers_deadlock_error_check, &o,
                   "without_retries_the_loser_gets_the_servers_deadlock_error");
}

/* ------------------------------------------------------------ why it failed */

static int insert_twice(eddy_db *db, void *arg)
{
    (void)arg;
    int rc = eddy_db_exec(db, "INSERT INTO uq (id) VALUES (7)", NULL, 0, NULL, NULL);
    return rc ? rc : eddy_db_exec(db, "INSERT INTO uq (id) VALUES (7)", NULL, 0, NULL, NULL);
}

static int refuse(eddy_db *db, void *arg)
{
    (void)db, (void)arg;
    return EPERM;
}

DB_CHECK(a_failed_transaction_carries_the_databases_code_and_message)
{
    db_do(db, "DROP TABLE IF EXISTS uq");
    db_do(db, "CREATE TABLE uq (id BIGINT PRIMARY KEY)");
    eddy_db_result *error = NULL;
    int rc = eddy_db_transaction_result(db, insert_twice, NULL, &error);
    cr_assert_eq(rc, EIO);
    cr_assert_not_null(error);
    bool sqlite = strcmp(eddy_db_dialect(db), "sqlite") == 0;
    /* SQLITE_CONSTRAINT_PRIMARYKEY, ER_DUP_ENTRY */
    cr_assert_eq(eddy_db_errcode(error), sqlite ? 1555 : 1062, "code %d: %s",
                 eddy_db_errcode(error), eddy_db_errmsg(error));
    cr_assert_not_null(strcasestr(eddy_db_errmsg(error), sqlite ? "UNIQUE" : "Duplicate"), "%s",
                       eddy_db_errmsg(error));
    eddy_db_result_free(error);
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM uq"), 0, "rolled back");

    rc = eddy_db_transaction_result(db, refuse, NULL, &error);
    cr_assert_eq(rc, EPERM, "fn's own error comes back");
    cr_assert_not_null(error);
    cr_assert_eq(eddy_db_errcode(error), 0, "no statement failed: no database code");
    cr_assert_not_null(strstr(eddy_db_errmsg(error), strerror(EPERM)), "%s", eddy_db_errmsg(error));
    eddy_db_result_free(error);

    rc = eddy_db_transaction_result(db, refuse, NULL, NULL); /* nobody asks why: fine too */
    cr_assert_eq(rc, EPERM);
}
DB_TEST(a_failed_transaction_carries_the_databases_code_and_message)
