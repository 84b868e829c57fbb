/*
 * db_checks - what the database suites share: running one check on both
 * drivers, and the small helpers the checks are written with.
 *
 *     DB_CHECK(name) { ... uses db ... }
 *     DB_TEST(name)                        runs it on SQLite and on MariaDB
 *     DB_TEST_OPTS(name, .max_connections = 2)   the same with pool options
 *
 * A check runs inside a task on the test's loop, so it may wait; SQLite
 * gets a new file in a temporary folder, MariaDB a new database named
 * after the check on the private server (mariadb_server.h).
 */
#ifndef TEST_DB_CHECKS_H
#define TEST_DB_CHECKS_H

#include "harness.h"
#include "mariadb_server.h"

#include <eddy/async/future.h>
#include <eddy/data/db.h>

typedef void (*db_check_fn)(eddy_db *db);

/* db_run_sqlite / db_run_mariadb - open a pool, run check in a task,
 * close everything (MariaDB: skip the test when there is no server). */
void db_run_sqlite(db_check_fn check, const eddy_db_options *o);
void db_run_mariadb(db_check_fn check, const eddy_db_options *o, const char *name);

#define DB_CHECK(name) static void name##_check(eddy_db *db)
#define DB_TEST_OPTS(name, ...)                                                                    \
    Test(db_sqlite, name, .timeout = 60)                                                           \
    {                                                                                              \
        eddy_db_options o_ = {__VA_ARGS__};                                                        \
        db_run_sqlite(name##_check, &o_);                                                          \
    }                                                                                              \
    Test(db_mariadb, name, .timeout = 60)                                                          \
    {                                                                                              \
        eddy_db_options o_ = {__VA_ARGS__};                                                        \
        db_run_mariadb(name##_check, &o_, #name);                                                  \
    }
#define DB_TEST(name) DB_TEST_OPTS(name, .max_connections = 0)

/* db_id_column - the dialect's auto-increment key column "id". */
const char *db_id_column(eddy_db *db);

/* db_do - run sql (no parameters) and fail the test if it fails. */
void db_do(eddy_db *db, const char *sql);

/* db_count - the first column of the first row of sql, as an integer. */
int64_t db_count(eddy_db *db, const char *sql);

/* db_concurrent_sleeps - n tasks each running SELECT sleep(seconds) at
 * once; the milliseconds until the last finished. */
long long db_concurrent_sleeps(eddy_db *db, int n, double seconds);

/* db_timer_lateness_during_slow_query - how late a 50 ms sleep of this
 * task ends while another task runs SELECT sleep(seconds). */
long long db_timer_lateness_during_slow_query(eddy_db *db, double seconds);

/* db_check_acquire_timeout - with a pool of one busy connection, a query
 * gives up after the acquire timeout with ETIMEDOUT, and works after. */
void db_check_acquire_timeout(eddy_db *db);

#endif
