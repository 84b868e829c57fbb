/*
 * db_checks - the database suites' shared machinery; see db_checks.h.
 */
#include "db_checks.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run {
    db_check_fn check;
    eddy_db *db;
    int done;
};

static void run_task(void *arg)
{
    struct run *r = arg;
    r->check(r->db);
    r->done = 1;
}

static void run_check(const char *url, db_check_fn check, const eddy_db_options *o)
{
    eddy_db *db = eddy_db_open(url, o);
    cr_assert_not_null(db, "eddy_db_open(%s): %s", url, strerror(errno));
    struct run r = {check, db, 0};
    cr_assert_not_null(eddy_task_spawn(run_task, &r));
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert(r.done, "the check did not finish");
    eddy_db_close(db);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
}

void db_run_sqlite(db_check_fn check, const eddy_db_options *o)
{
    char dir[] = "/tmp/eddy-db-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char url[128], path[128];
    snprintf(url, sizeof url, "sqlite://%s/test.db", dir);
    run_check(url, check, o);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/test.db%s", dir, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
}

void db_run_mariadb(db_check_fn check, const eddy_db_options *o, const char *name)
{
    const char *why = NULL;
    const char *url = mariadb_database(name, &why);
    if (!url)
        cr_skip_test("MariaDB: %s", why);
    run_check(url, check, o);
}

const char *db_id_column(eddy_db *db)
{
    return strcmp(eddy_db_dialect(db), "sqlite") == 0
               ? "id INTEGER PRIMARY KEY AUTOINCREMENT"
               : "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
}

void db_do(eddy_db *db, const char *sql)
{
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, sql, NULL, 0);
    cr_assert_eq(rc, 0, "%s: %s", sql, eddy_db_errmsg(res));
    eddy_db_result_free(res);
}

int64_t db_count(eddy_db *db, const char *sql)
{
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, sql, NULL, 0);
    cr_assert_eq(rc, 0, "%s: %s", sql, eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 1);
    int64_t n = eddy_db_value_at(res, 0, 0)->i;
    eddy_db_result_free(res);
    return n;
}

struct sleeper {
    eddy_db *db;
    double seconds;
    int *left;
    int rc;
};

static void sleeper(void *arg)
{
    struct sleeper *s = arg;
    eddy_db_result *res;
    s->rc = eddy_db_query(s->db, &res, "SELECT sleep(?)", EDDY_DB_PARAMS(EDDY_DB_REAL(s->seconds)));
    eddy_db_result_free(res);
    --*s->left;
}

/* wait_for_zero - sleep in small steps until *left is 0. */
static void wait_for_zero(int *left)
{
    while (*left > 0)
        eddy_sleep(5);
}

long long db_concurrent_sleeps(eddy_db *db, int n, double seconds)
{
    struct sleeper s[64];
    int left = n;
    long long t0 = th_now_ms();
    for (int i = 0; i < n; i++) {
        s[i] = (struct sleeper){db, seconds, &left, -1};
        cr_assert_not_null(eddy_task_spawn(sleeper, &s[i]));
    }
    wait_for_zero(&left);
    long long took = th_now_ms() - t0;
    for (int i = 0; i < n; i++)
        cr_assert_eq(s[i].rc, 0, "sleeper %d: %d", i, s[i].rc);
    return took;
}

long long db_timer_lateness_during_slow_query(eddy_db *db, double seconds)
{
    /* Open the connection first, so the slow part is the query itself. */
    cr_assert_eq(db_count(db, "SELECT 1"), 1);
    int left = 1;
    struct sleeper s = {db, seconds, &left, -1};
    cr_assert_not_null(eddy_task_spawn(sleeper, &s));
    long long t0 = th_now_ms();
    eddy_sleep(50); /* the sleeper starts now, and the loop should still fire this */
    long long late = th_now_ms() - t0 - 50;
    wait_for_zero(&left);
    cr_assert_eq(s.rc, 0);
    return late;
}

void db_check_acquire_timeout(eddy_db *db)
{
    int left = 1;
    struct sleeper s = {db, 0.5, &left, -1};
    cr_assert_not_null(eddy_task_spawn(sleeper, &s));
    eddy_sleep(30); /* it has the one connection now */
    eddy_db_result *res;
    long long t0 = th_now_ms();
    int rc = eddy_db_query(db, &res, "SELECT 1", NULL, 0);
    long long took = th_now_ms() - t0;
    cr_assert_eq(rc, ETIMEDOUT, "got %d: %s", rc, eddy_db_errmsg(res));
    cr_assert_not_null(strstr(eddy_db_errmsg(res), "no database connection free within 100 ms"),
                       "%s", eddy_db_errmsg(res));
    cr_assert(took >= 90 && took < 400 + th_slack_ms(), "gave up after %lld ms", took);
    eddy_db_result_free(res);
    wait_for_zero(&left);
    cr_assert_eq(s.rc, 0);
    cr_assert_eq(db_count(db, "SELECT 1"), 1, "and the connection is back for the next one");
}
