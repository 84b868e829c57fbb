/*
 * Tests of lib/data/db: one suite, run against both drivers.
 *
 * Every check is written once, as a function of an open pool, and
 * DB_TEST runs it twice: on SQLite (a new file per test) and on MariaDB
 * (the private mariadbd the PRE_ALL hook started; when there is none,
 * those tests skip, saying why). The checks look at what a program
 * sees: rows read back, values byte for byte, errors with the server's
 * code and message, how long concurrent queries take, and that the loop
 * keeps running while a query waits.
 */
#include "db_checks.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <errno.h>
#include <eddy/async/pool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    mariadb_suite_start("lib db");
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    mariadb_suite_stop();
}

/* ------------------------------------------------------------ values */

DB_CHECK(typed_columns_come_back_typed)
{
    db_do(db, "DROP TABLE IF EXISTS typed");
    char create[256];
    snprintf(create, sizeof create,
             "CREATE TABLE typed (%s, n BIGINT, x DOUBLE, s LONGTEXT, b LONGBLOB, t DATETIME(6))",
             db_id_column(db));
    db_do(db, create);
    int64_t when = 1795000000123456; /* 2026-11-18 ... .123456 UTC */
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, "INSERT INTO typed (n, x, s, b, t) VALUES (?, ?, ?, ?, ?)",
                           EDDY_DB_PARAMS(EDDY_DB_INT(-42), EDDY_DB_REAL(2.5), EDDY_DB_STR("text"),
                                          EDDY_DB_BYTES("a\0b", 3), EDDY_DB_TIME(when)));
    cr_assert_eq(rc, 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_affected(res), 1);
    cr_assert_eq(eddy_db_last_id(res), 1);
    eddy_db_result_free(res);
    db_do(db, "INSERT INTO typed (n) VALUES (NULL)");

    rc = eddy_db_query(db, &res, "SELECT id, n, x, s, b, t FROM typed ORDER BY id", NULL, 0);
    cr_assert_eq(rc, 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 2);
    cr_assert_eq(eddy_db_columns(res), 6);
    cr_assert_str_eq(eddy_db_column_name(res, 3), "s");
    cr_assert_eq(eddy_db_column_index(res, "t"), 5);
    cr_assert_eq(eddy_db_column_index(res, "nope"), -1);
    cr_assert_eq(eddy_db_value_of(res, 0, "n")->type, EDDY_DB_INTEGER);
    cr_assert_eq(eddy_db_int(res, 0, "n"), -42);
    cr_assert_eq(eddy_db_value_of(res, 0, "x")->type, EDDY_DB_DOUBLE);
    cr_assert_float_eq(eddy_db_double(res, 0, "x"), 2.5, 1e-9);
    cr_assert_eq(eddy_db_value_of(res, 0, "s")->type, EDDY_DB_TEXT);
    cr_assert_str_eq(eddy_db_text(res, 0, "s"), "text");
    const eddy_db_value *b = eddy_db_value_of(res, 0, "b");
    cr_assert_eq(b->type, EDDY_DB_BLOB);
    cr_assert(b->len == 3 && memcmp(b->p, "a\0b", 3) == 0, "the blob kept its NUL");
    const eddy_db_value *t = eddy_db_value_of(res, 0, "t");
    cr_assert_eq(t->type, EDDY_DB_DATETIME);
    cr_assert_eq(t->i, when, "microseconds kept: %lld", (long long)t->i);
    for (int c = 1; c < 6; c++)
        cr_assert_eq(eddy_db_value_at(res, 1, (size_t)c)->type, EDDY_DB_NULL, "column %d", c);
    cr_assert(eddy_db_is_null(res, 1, "s"));
    const eddy_db_value *row0 = eddy_db_row_values(res, 0);
    cr_assert(row0 && row0[1].type == EDDY_DB_INTEGER && row0[1].i == -42, "a row's values in order");
    cr_assert_eq(row0[3].len, 4);
    cr_assert_null(eddy_db_row_values(res, 2), "past the last row");
    cr_assert_null(eddy_db_text(res, 1, "s"));
    cr_assert_eq(eddy_db_int(res, 1, "n"), 0, "NULL reads as the default");

    json_t *row = eddy_db_row_json(res, 0);
    char *text = json_dumps(row, JSON_SORT_KEYS | JSON_COMPACT);
    cr_assert_str_eq(text, "{\"b\":\"YQBi\",\"id\":1,\"n\":-42,\"s\":\"text\","
                           "\"t\":\"2026-11-18T11:06:40.123456Z\",\"x\":2.5}");
    free(text);
    json_decref(row);
    eddy_db_result_free(res);
}
DB_TEST(typed_columns_come_back_typed)

DB_CHECK(hostile_values_round_trip_and_injection_stays_data)
{
    db_do(db, "DROP TABLE IF EXISTS hostile");
    char create[256];
    snprintf(create, sizeof create, "CREATE TABLE hostile (%s, s LONGTEXT, b LONGBLOB)",
             db_id_column(db));
    db_do(db, create);
    size_t big_len = 1024 * 1024;
    char *big = malloc(big_len + 1);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)('a' + i % 26);
    big[big_len] = '\0';
    char *bytes = malloc(256);
    for (int i = 0; i < 256; i++)
        bytes[i] = (char)i; /* every byte, NUL first */
    const char *texts[] = {
        "it's \"quoted\" `back` \\slash\\",
        "'; DROP TABLE hostile; --",
        "' OR '1'='1",
        "\xf0\x9f\x98\x80 emoji \xe4\xb8\xad\xe6\x96\x87 \xc3\xa9",
        "",
        big,
    };
    size_t n = sizeof texts / sizeof texts[0];
    for (size_t i = 0; i < n; i++) {
        int64_t id = 0;
        int rc = eddy_db_exec(db, "INSERT INTO hostile (s, b) VALUES (?, ?)",
                              EDDY_DB_PARAMS(EDDY_DB_STR(texts[i]), EDDY_DB_BYTES(bytes, 256)),
                              NULL, &id);
        cr_assert_eq(rc, 0, "insert %zu", i);
        cr_assert_eq(id, (int64_t)i + 1);
    }
    eddy_db_result *res;
    for (size_t i = 0; i < n; i++) {
        int rc = eddy_db_query(db, &res, "SELECT s, b FROM hostile WHERE s = ?",
                               EDDY_DB_PARAMS(EDDY_DB_STR(texts[i])));
        cr_assert_eq(rc, 0, "%s", eddy_db_errmsg(res));
        cr_assert_eq(eddy_db_rows(res), 1, "value %zu found by itself", i);
        const eddy_db_value *s = eddy_db_value_of(res, 0, "s");
        cr_assert_eq(s->len, strlen(texts[i]));
        cr_assert(memcmp(s->p, texts[i], s->len) == 0, "value %zu came back changed", i);
        const eddy_db_value *b = eddy_db_value_of(res, 0, "b");
        cr_assert(b->len == 256 && memcmp(b->p, bytes, 256) == 0, "the bytes came back changed");
        eddy_db_result_free(res);
    }
    /* The injection attempts were data: the table is there, with all its rows. */
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM hostile"), (int64_t)n);
    int rc = eddy_db_query(db, &res, "SELECT id FROM hostile WHERE s = ?",
                           EDDY_DB_PARAMS(EDDY_DB_STR("nothing' OR '1'='1")));
    cr_assert_eq(rc, 0);
    cr_assert_eq(eddy_db_rows(res), 0, "a quote in a value does not widen the WHERE");
    eddy_db_result_free(res);
    free(big);
    free(bytes);
}
DB_TEST(hostile_values_round_trip_and_injection_stays_data)

/* One statement of two kinds of row (a UNION ALL, as a page of comments
 * and their replies) read as two results: the tail keeps its columns
 * and its own copy of the text and bytes after the first result is
 * freed and its memory reused by another query. */
DB_CHECK(a_result_splits_in_two_and_the_tail_owns_its_rows)
{
    db_do(db, "DROP TABLE IF EXISTS thread");
    char create[256];
    snprintf(create, sizeof create, "CREATE TABLE thread (%s, parent BIGINT, s LONGTEXT, b LONGBLOB)",
             db_id_column(db));
    db_do(db, create);
    db_do(db, "INSERT INTO thread (parent, s, b) VALUES (NULL, 'first', NULL), (NULL, 'second', NULL)");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(eddy_db_exec(db, "INSERT INTO thread (parent, s, b) VALUES (?, ?, ?)",
                                  EDDY_DB_PARAMS(EDDY_DB_INT(1 + i % 2), EDDY_DB_STR("reply \xe2\x86\x92 'x'"),
                                                 EDDY_DB_BYTES("a\0b", 3)),
                                  NULL, NULL),
                     0);
    eddy_db_result *res, *tail, *other;
    int rc = eddy_db_query(db, &res,
                           "SELECT 0 AS part, id, s, b FROM thread WHERE parent IS NULL UNION ALL "
                           "SELECT 1, id, s, b FROM thread WHERE parent IS NOT NULL ORDER BY part, id",
                           NULL, 0);
    cr_assert_eq(rc, 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 5);
    cr_assert_eq(eddy_db_result_split(res, 2, &tail), 0);
    cr_assert_eq(eddy_db_rows(res), 2, "the head keeps the rows before the split");
    cr_assert_str_eq(eddy_db_text(res, 1, "s"), "second");
    cr_assert_eq(eddy_db_value_at(res, 2, 1)->type, EDDY_DB_NULL, "and no more");
    eddy_db_result_free(res);
    rc = eddy_db_query(db, &other,
                       "SELECT 0 AS part, id, UPPER(s) AS s, 'xyz' AS b FROM thread UNION ALL "
                       "SELECT 1, id, UPPER(s), 'XYZ' FROM thread ORDER BY part, id",
                       NULL, 0);
    cr_assert_eq(rc, 0, "%s", eddy_db_errmsg(other));

    cr_assert_eq(eddy_db_rows(tail), 3);
    cr_assert_eq(eddy_db_columns(tail), 4);
    cr_assert_str_eq(eddy_db_column_name(tail, 2), "s");
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(eddy_db_int(tail, i, "part"), 1);
        cr_assert_eq(eddy_db_int(tail, i, "id"), (int64_t)i + 3);
        cr_assert_str_eq(eddy_db_text(tail, i, "s"), "reply \xe2\x86\x92 'x'");
        const eddy_db_value *b = eddy_db_value_of(tail, i, "b");
        cr_assert(b->type == EDDY_DB_BLOB && b->len == 3 && memcmp(b->p, "a\0b", 3) == 0,
                  "the bytes came over with their NUL");
    }
    eddy_db_result_free(other);

    /* past the end: an empty tail with the same columns, the head whole */
    eddy_db_result *empty;
    cr_assert_eq(eddy_db_result_split(tail, 9, &empty), 0);
    cr_assert_eq(eddy_db_rows(tail), 3);
    cr_assert_eq(eddy_db_rows(empty), 0);
    cr_assert_eq(eddy_db_column_index(empty, "b"), 3);
    eddy_db_result_free(empty);
    eddy_db_result_free(tail);
}
DB_TEST(a_result_splits_in_two_and_the_tail_owns_its_rows)

/* ------------------------------------------------------------ errors */

DB_CHECK(errors_carry_the_servers_code_and_message)
{
    db_do(db, "DROP TABLE IF EXISTS uniq");
    char create[256];
    snprintf(create, sizeof create, "CREATE TABLE uniq (%s, name VARCHAR(20) NOT NULL UNIQUE)",
             db_id_column(db));
    db_do(db, create);
    bool sqlite = strcmp(eddy_db_dialect(db), "sqlite") == 0;
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, "SELEC nonsense", NULL, 0);
    cr_assert_eq(rc, EIO);
    cr_assert_eq(eddy_db_errcode(res), sqlite ? 1 : 1064, "code %d", eddy_db_errcode(res));
    cr_assert_not_null(strstr(eddy_db_errmsg(res), sqlite ? "syntax error" : "SQL syntax"), "%s",
                       eddy_db_errmsg(res));
    eddy_db_result_free(res);

    db_do(db, "INSERT INTO uniq (name) VALUES ('ann')");
    rc = eddy_db_query(db, &res, "INSERT INTO uniq (name) VALUES (?)",
                       EDDY_DB_PARAMS(EDDY_DB_STR("ann")));
    cr_assert_eq(rc, EIO);
    cr_assert_eq(eddy_db_errcode(res), sqlite ? 2067 : 1062, "code %d", eddy_db_errcode(res));
    cr_assert_not_null(strstr(eddy_db_errmsg(res), sqlite ? "UNIQUE" : "Duplicate"), "%s",
                       eddy_db_errmsg(res));
    eddy_db_result_free(res);

    rc = eddy_db_query(db, &res, "SELECT ? + ?", EDDY_DB_PARAMS(EDDY_DB_INT(1)));
    cr_assert_eq(rc, EINVAL, "two marks, one value");
    cr_assert_not_null(strstr(eddy_db_errmsg(res), "2 parameters, 1 given"), "%s",
                       eddy_db_errmsg(res));
    eddy_db_result_free(res);

    /* The connection that saw the errors still works. */
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM uniq"), 1);
}
DB_TEST(errors_carry_the_servers_code_and_message)

DB_CHECK(foreign_keys_are_enforced)
{
    db_do(db, "DROP TABLE IF EXISTS fk_child");
    db_do(db, "DROP TABLE IF EXISTS fk_parent");
    char sql[512];
    snprintf(sql, sizeof sql, "CREATE TABLE fk_parent (%s)", db_id_column(db));
    db_do(db, sql);
    snprintf(sql, sizeof sql,
             "CREATE TABLE fk_child (%s, parent_id BIGINT NOT NULL, "
             "FOREIGN KEY (parent_id) REFERENCES fk_parent (id) ON DELETE CASCADE)",
             db_id_column(db));
    db_do(db, sql);
    db_do(db, "INSERT INTO fk_parent (id) VALUES (1)");
    db_do(db, "INSERT INTO fk_child (parent_id) VALUES (1)");
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, "INSERT INTO fk_child (parent_id) VALUES (?)",
                           EDDY_DB_PARAMS(EDDY_DB_INT(99)));
    cr_assert_eq(rc, EIO, "a child of no parent is refused");
    cr_assert_not_null(strcasestr(eddy_db_errmsg(res), "foreign key"), "%s", eddy_db_errmsg(res));
    eddy_db_result_free(res);
    db_do(db, "DELETE FROM fk_parent WHERE id = 1");
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM fk_child"), 0, "ON DELETE CASCADE");
}
DB_TEST(foreign_keys_are_enforced)

/* ------------------------------------------------------------ transactions */

static int add_two_then(eddy_db *db, void *arg)
{
    int fail_after = *(int *)arg;
    if (eddy_db_exec(db, "INSERT INTO tx (v) VALUES (?)", EDDY_DB_PARAMS(EDDY_DB_INT(1)), NULL,
                     NULL))
        return -1;
    if (eddy_db_exec(db, "INSERT INTO tx (v) VALUES (?)", EDDY_DB_PARAMS(EDDY_DB_INT(2)), NULL,
                     NULL))
        return -1;
    /* Inside, the transaction sees its own rows. */
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM tx"), fail_after ? 4 : 2);
    return fail_after ? EIO : 0;
}

DB_CHECK(a_transaction_commits_or_rolls_back_as_a_whole)
{
    db_do(db, "DROP TABLE IF EXISTS tx");
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE TABLE tx (%s, v BIGINT)", db_id_column(db));
    db_do(db, sql);
    int fail = 0;
    cr_assert_eq(eddy_db_transaction(db, add_two_then, &fail), 0);
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM tx"), 2, "committed");
    fail = 1;
    cr_assert_eq(eddy_db_transaction(db, add_two_then, &fail), EIO, "fn's error comes back");
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM tx"), 2, "rolled back: neither row is there");
}
DB_TEST(a_transaction_commits_or_rolls_back_as_a_whole)

DB_CHECK(begin_commit_and_rollback_by_hand)
{
    db_do(db, "DROP TABLE IF EXISTS tx2");
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE TABLE tx2 (%s, v BIGINT)", db_id_column(db));
    db_do(db, sql);
    cr_assert_eq(eddy_db_commit(db), EINVAL, "no transaction to end");
    cr_assert_eq(eddy_db_begin(db), 0);
    cr_assert_eq(eddy_db_begin(db), EINVAL, "transactions do not nest");
    db_do(db, "INSERT INTO tx2 (v) VALUES (1)");
    cr_assert_eq(eddy_db_rollback(db), 0);
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM tx2"), 0, "rolled back");
    cr_assert_eq(eddy_db_begin(db), 0);
    db_do(db, "INSERT INTO tx2 (v) VALUES (2)");
    cr_assert_eq(eddy_db_commit(db), 0);
    cr_assert_eq(db_count(db, "SELECT v FROM tx2"), 2, "committed");
}
DB_TEST(begin_commit_and_rollback_by_hand)

/* On MariaDB the statement cache can be watched: the server counts the
 * statements a session prepared. Five runs of one query prepare it once. */
DB_CHECK(a_statement_is_prepared_once_per_connection)
{
    if (strcmp(eddy_db_dialect(db), "mysql") != 0)
        return; /* SQLite's cache is the same code, but nothing outside shows it */
    const char *status = "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'";
    eddy_db_result *res;
    cr_assert_eq(eddy_db_query(db, &res, status, NULL, 0), 0, "%s", eddy_db_errmsg(res));
    int64_t before = strtoll(eddy_db_text(res, 0, "Value"), NULL, 10);
    eddy_db_result_free(res);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(db_count(db, "SELECT 40 + 2"), 42);
    cr_assert_eq(eddy_db_query(db, &res, status, NULL, 0), 0, "%s", eddy_db_errmsg(res));
    int64_t after = strtoll(eddy_db_text(res, 0, "Value"), NULL, 10);
    eddy_db_result_free(res);
    cr_assert_eq(after - before, 1, "prepared %lld times for five runs",
                 (long long)(after - before));
}
DB_TEST_OPTS(a_statement_is_prepared_once_per_connection, .max_connections = 1)

/* ------------------------------------------------------------ the pool */

DB_CHECK(the_pool_runs_queries_side_by_side_and_queues_the_rest)
{
    /* Pool of 2 (SQLite: 2 readers), 6 queries of 150 ms: 3 rounds. */
    long long ms = db_concurrent_sleeps(db, 6, 0.15);
    cr_assert_geq(ms, 440, "6 queries on 2 connections cannot take %lld ms", ms);
    cr_assert_lt(ms, 900 + th_slack_ms(), "6 x 150 ms on 2 connections took %lld ms", ms);
}
DB_TEST_OPTS(the_pool_runs_queries_side_by_side_and_queues_the_rest, .max_connections = 2)

DB_CHECK(a_task_waits_no_longer_than_the_acquire_timeout)
{
    db_check_acquire_timeout(db);
}
DB_TEST_OPTS(a_task_waits_no_longer_than_the_acquire_timeout, .max_connections = 1,
             .acquire_timeout_ms = 100)

/* SQLite's reads wait for a pool thread rather than a reader: with the
 * one thread busy, a read gives up after the acquire timeout just the
 * same, and is not run late. */
Test(db_sqlite, a_read_waits_for_a_thread_no_longer_than_the_acquire_timeout, .timeout = 60)
{
    cr_assert_eq(eddy_thread_pool_set_size(1), 0);
    db_run_sqlite(a_task_waits_no_longer_than_the_acquire_timeout_check,
                  &(eddy_db_options){.max_connections = 8, .acquire_timeout_ms = 100});
}

DB_CHECK(the_loop_keeps_running_while_a_query_waits)
{
    long long late = db_timer_lateness_during_slow_query(db, 0.4);
    cr_assert_lt(late, 100 + th_slack_ms(), "a 50 ms timer fired %lld ms late", late);
}
DB_TEST(the_loop_keeps_running_while_a_query_waits)

DB_CHECK(the_blocking_mode_stalls_the_loop)
{
    long long late = db_timer_lateness_during_slow_query(db, 0.4);
    cr_assert_geq(late, 250, "blocking: the 50 ms timer should wait for the query (%lld ms)", late);
}
DB_TEST_OPTS(the_blocking_mode_stalls_the_loop, .blocking = true)

/* The server closes a connection left idle (wait_timeout): the pool
 * notices before using it and the next query runs on a new one. */
DB_CHECK(a_connection_the_server_closed_while_idle_is_replaced)
{
    if (strcmp(eddy_db_dialect(db), "mysql") != 0)
        return; /* a file is not closed under SQLite's feet */
    int64_t first = db_count(db, "SELECT CONNECTION_ID()");
    db_do(db, "SET SESSION wait_timeout = 1");
    cr_assert_eq(eddy_sleep(2000), 0);
    int64_t second = db_count(db, "SELECT CONNECTION_ID()");
    cr_assert_neq(second, first, "the query ran on a new connection");
}
DB_TEST_OPTS(a_connection_the_server_closed_while_idle_is_replaced, .max_connections = 1)

/* ------------------------------------------------------------ SQLite in one process */

/* other_process_count - another program on the same file (Python's
 * sqlite3, a process that shares no memory with this one: a forked child
 * would inherit SQLite's record of the locks this process holds) counts
 * the rows of t: the count, or -1 when SQLite says "database is locked". */
static int other_process_count(const char *path)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        cr_skip_test("no /usr/bin/python3 to play the other process");
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import sqlite3, sys\n"
             "try: print(sqlite3.connect(sys.argv[1], timeout=0)"
             ".execute(\"SELECT COUNT(*) FROM t\").fetchone()[0])\n"
             "except sqlite3.OperationalError as e: print(e)' '%s' 2>&1",
             path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char line[256] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    pclose(p);
    if (strstr(line, "database is locked"))
        return -1;
    char *end;
    long n = strtol(line, &end, 10);
    cr_assert(end != line, "the other process said: %s", line);
    return (int)n;
}

static bool expect_others_locked_out;

/* A pool in one-process mode still works as a pool: what the writer
 * commits, every reader sees at once, readers run side by side; another
 * process is refused until the pool is closed (and is not refused when
 * the mode is off). */
DB_CHECK(one_process_mode_shares_the_file_inside_the_process_only)
{
    db_do(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
    for (int i = 1; i <= 5; i++) {
        db_do(db, "INSERT INTO t (v) VALUES (1)");
        cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM t"), i, "a reader sees the last commit");
    }
    long long ms = db_concurrent_sleeps(db, 4, 0.15);
    cr_assert_lt(ms, 450 + th_slack_ms(), "4 x 150 ms on 4 readers took %lld ms", ms);
    const char *url = eddy_db_url_redacted(db);
    const char *path = strstr(url, "://") + 3;
    int seen = other_process_count(path);
    if (expect_others_locked_out)
        cr_assert_eq(seen, -1, "another process read %d rows", seen);
    else
        cr_assert_eq(seen, 5, "another process sees the rows");
}

Test(db_sqlite, one_process_mode_keeps_other_processes_out, .timeout = 60)
{
    expect_others_locked_out = true;
    db_run_sqlite(one_process_mode_shares_the_file_inside_the_process_only_check,
                  &(eddy_db_options){.max_connections = 4, .sqlite_one_process = true});
}

Test(db_sqlite, shared_mode_lets_other_processes_read, .timeout = 60)
{
    expect_others_locked_out = false;
    db_run_sqlite(one_process_mode_shares_the_file_inside_the_process_only_check,
                  &(eddy_db_options){.max_connections = 4});
}

/* files_open - how many of this process's descriptors are open on path. */
static int files_open(const char *path)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char link[320], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len > 0 && (target[len] = '\0', strcmp(target, path) == 0))
            n++;
    }
    closedir(d);
    return n;
}

/* A read takes a reader only while it runs, on the thread that runs it:
 * thirty reads at once on a pool of eight readers and three threads run
 * three at a time, and only three readers are ever opened (each holds
 * the file open), not eight that would wait their turn for a thread. */
DB_CHECK(reads_open_no_more_readers_than_threads_run_them)
{
    db_do(db, "CREATE TABLE t (id INTEGER PRIMARY KEY)"); /* the writer: one file open */
    const char *url = eddy_db_url_redacted(db);
    const char *path = strstr(url, "://") + 3;
    long long ms = db_concurrent_sleeps(db, 30, 0.05);
    cr_assert_geq(ms, 480, "30 x 50 ms on 3 threads cannot take %lld ms", ms);
    cr_assert_lt(ms, 1500 + th_slack_ms(), "30 x 50 ms on 3 threads took %lld ms", ms);
    int open = files_open(path);
    cr_assert_eq(open, 4, "the file is open %d times: the writer and three readers", open);
}

Test(db_sqlite, reads_open_no_more_readers_than_threads_run_them, .timeout = 60)
{
    cr_assert_eq(eddy_thread_pool_set_size(3), 0);
    db_run_sqlite(reads_open_no_more_readers_than_threads_run_them_check,
                  &(eddy_db_options){.max_connections = 8});
}

/* Which columns hold dates is worked out once per prepared statement;
 * when the table is made again with other types, SQLite prepares the
 * cached statement anew and the dates must follow the new declaration. */
DB_CHECK(a_cached_statement_follows_a_changed_schema)
{
    db_do(db, "CREATE TABLE d (x TEXT)");
    db_do(db, "INSERT INTO d VALUES ('2024-01-02 03:04:05')");
    eddy_db_result *res;
    cr_assert_eq(eddy_db_query(db, &res, "SELECT x FROM d", NULL, 0), 0);
    cr_assert_eq(eddy_db_value_at(res, 0, 0)->type, EDDY_DB_TEXT, "declared TEXT: text");
    eddy_db_result_free(res);
    db_do(db, "DROP TABLE d");
    db_do(db, "CREATE TABLE d (x DATETIME)");
    db_do(db, "INSERT INTO d VALUES ('2024-01-02 03:04:05')");
    cr_assert_eq(eddy_db_query(db, &res, "SELECT x FROM d", NULL, 0), 0, "%s", eddy_db_errmsg(res));
    const eddy_db_value *v = eddy_db_value_at(res, 0, 0);
    cr_assert_eq(v->type, EDDY_DB_DATETIME, "declared DATETIME now: a time");
    char out[32];
    eddy_db_format_time(v->i, ' ', out);
    cr_assert_str_eq(out, "2024-01-02 03:04:05");
    eddy_db_result_free(res);
}

Test(db_sqlite, a_cached_statement_follows_a_changed_schema)
{
    db_run_sqlite(a_cached_statement_follows_a_changed_schema_check,
                  &(eddy_db_options){.max_connections = 1});
}

/* Every kind of column MariaDB sends, read back as a program sees it:
 * the integers of each width, signed and unsigned (a TINYINT UNSIGNED of
 * 200 is 200, a BIGINT UNSIGNED past the signed range keeps its bits),
 * YEAR, FLOAT, DOUBLE, DECIMAL (its digits, as bytes), the date types as
 * times, TIME as text, BIT and binary strings as bytes, ENUM, SET and JSON
 * as text; NULL in each; and a row whose text is longer than a packet's
 * first kilobytes. */
static void every_mariadb_column_type_check(eddy_db *db)
{
    db_do(db, "DROP TABLE IF EXISTS kinds");
    db_do(db, "CREATE TABLE kinds (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, "
              "si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED, "
              "ii INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, yr YEAR, fl FLOAT, fl2 FLOAT, "
              "db DOUBLE, de DECIMAL(10,2), da DATE, dt DATETIME, dt6 DATETIME(6), "
              "ts TIMESTAMP(3) NULL, tm TIME, tm3 TIME(3), tm6 TIME(6), bt BIT(12), ch CHAR(3), "
              "vb VARBINARY(8), en ENUM('red','green'), st SET('a','b'), js JSON, "
              "lt LONGTEXT)");
    db_do(db, "INSERT INTO kinds VALUES (1, -128, 200, -32768, 65535, -8388608, 16777215, "
              "-2147483648, 4294967295, -9223372036854775808, 18446744073709551615, 2155, 1.5, 0.1, "
              "-0.25, -12345678.91, '2024-02-29', '1999-12-31 23:59:59', "
              "'2026-11-18 11:06:40.123456', '2001-02-03 04:05:06.789', '-838:59:59', '01:02:03.456', "
              "'12:34:56.000001', b'101000000001', 'abc', X'00FF10', 'green', 'a,b', "
              "'{\"k\": [1, 2]}', REPEAT('x', 70000))");
    db_do(db, "INSERT INTO kinds (id) VALUES (2)");
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, "SELECT * FROM kinds ORDER BY id", NULL, 0);
    cr_assert_eq(rc, 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 2);
    const struct {
        const char *col;
        long long i;
    } ints[] = {
        {"ti", -128},
        {"tu", 200},
        {"si", -32768},
        {"su", 65535},
        {"mi", -8388608},
        {"mu", 16777215},
        {"ii", -2147483648LL},
        {"iu", 4294967295LL},
        {"bi", INT64_MIN},
        {"bu", -1}, /* 2^64 - 1: its bits */
        {"yr", 2155},
    };
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        const eddy_db_value *v = eddy_db_value_of(res, 0, ints[k].col);
        cr_assert_eq(v->type, EDDY_DB_INTEGER, "%s", ints[k].col);
        cr_assert_eq(v->i, ints[k].i, "%s: %lld", ints[k].col, (long long)v->i);
    }
    cr_assert_eq(eddy_db_value_of(res, 0, "fl")->type, EDDY_DB_DOUBLE);
    cr_assert_float_eq(eddy_db_double(res, 0, "fl"), 1.5, 1e-12);
    cr_assert(eddy_db_double(res, 0, "fl2") == (double)0.1f, "a FLOAT is the float's value");
    cr_assert_float_eq(eddy_db_double(res, 0, "db"), -0.25, 1e-12);
    const eddy_db_value *de = eddy_db_value_of(res, 0, "de");
    cr_assert(de->len == 12 && memcmp(de->p, "-12345678.91", 12) == 0, "DECIMAL's digits");
    const struct {
        const char *col, *text;
    } times[] = {
        {"da", "2024-02-29 00:00:00"},
        {"dt", "1999-12-31 23:59:59"},
        {"dt6", "2026-11-18 11:06:40.123456"},
        {"ts", "2001-02-03 04:05:06.789000"},
    };
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        const eddy_db_value *v = eddy_db_value_of(res, 0, times[k].col);
        cr_assert_eq(v->type, EDDY_DB_DATETIME, "%s", times[k].col);
        char out[32];
        eddy_db_format_time(v->i, ' ', out);
        cr_assert_str_eq(out, times[k].text, "%s", times[k].col);
    }
    const struct {
        const char *col;
        eddy_db_type type;
        const char *bytes;
        size_t len;
    } texts[] = {
        {"tm", EDDY_DB_BLOB, "-838:59:59", 10},
        {"tm3", EDDY_DB_BLOB, "01:02:03.456", 12},
        {"tm6", EDDY_DB_BLOB, "12:34:56.000001", 15},
        {"bt", EDDY_DB_BLOB, "\x0a\x01", 2},
        {"ch", EDDY_DB_TEXT, "abc", 3},
        {"vb", EDDY_DB_BLOB, "\0\xff\x10", 3},
        {"en", EDDY_DB_TEXT, "green", 5},
        {"st", EDDY_DB_TEXT, "a,b", 3},
        {"js", EDDY_DB_TEXT, "{\"k\": [1, 2]}", 13},
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        const eddy_db_value *v = eddy_db_value_of(res, 0, texts[k].col);
        cr_assert_eq(v->type, texts[k].type, "%s: type %d", texts[k].col, (int)v->type);
        cr_assert(v->len == texts[k].len && memcmp(v->p, texts[k].bytes, v->len) == 0,
                  "%s: %.*s", texts[k].col, (int)v->len, (const char *)v->p);
    }
    const eddy_db_value *lt = eddy_db_value_of(res, 0, "lt");
    cr_assert_eq(lt->len, 70000);
    cr_assert(lt->p[0] == 'x' && lt->p[69999] == 'x' && lt->p[70000] == '\0');
    for (size_t c = 1; c < eddy_db_columns(res); c++)
        cr_assert_eq(eddy_db_value_at(res, 1, c)->type, EDDY_DB_NULL, "row 2, column %zu", c);
    eddy_db_result_free(res);
}

Test(db_mariadb, every_column_type_reads_as_its_value, .timeout = 60)
{
    db_run_mariadb(every_mariadb_column_type_check, &(eddy_db_options){0}, "column_types");
}

/* ------------------------------------------------------------ URLs */

Test(db_url, bad_urls_are_refused_with_errno)
{
    errno = 0;
    cr_assert_null(eddy_db_open("postgres://x/y", NULL));
    cr_assert_eq(errno, EPROTONOSUPPORT);
    cr_assert_null(eddy_db_open("mysql://user@host:99999/db", NULL));
    cr_assert_eq(errno, EINVAL);
    cr_assert_null(eddy_db_open("mysql://user@host:3306", NULL), "no database name");
    cr_assert_eq(errno, EINVAL);
    cr_assert_null(eddy_db_open("sqlite:///no/such/folder/x.db", NULL));
    eddy_db *db = eddy_db_open("mysql://ann:s%40cret@127.0.0.1/forum", NULL);
    cr_assert_not_null(db, "opening a MariaDB pool connects to nothing yet");
    cr_assert_str_eq(eddy_db_url_redacted(db), "mysql://ann:***@127.0.0.1/forum");
    cr_assert_str_eq(eddy_db_dialect(db), "mysql");
    eddy_db_close(db);
    db = eddy_db_open("sqlite::memory:", NULL);
    cr_assert_not_null(db);
    cr_assert_str_eq(eddy_db_dialect(db), "sqlite");
    eddy_db_close(db);
}

/* The text of a time against gmtime_r's reading of it, for times spread
 * over the years a DATETIME holds, in an order that changes the day on
 * almost every call and again on the same day. */
Test(db_url, times_format_as_gmtime_reads_them)
{
    uint64_t x = 88172645463325252u;
    int64_t us = 0;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (i % 3 == 2) /* another time of the last one's day */
            us = us - us % 86400000000 + (int64_t)(x % 86400000000u);
        else /* from 0001-01-01 to 9999-12-31 */
            us = -62135596800000000 + (int64_t)(x % 315537897600000000u);
        if (i % 5 == 4)
            us -= us % 1000000; /* whole seconds: no fraction written */
        time_t secs = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
        long micro = (long)(us - (int64_t)secs * 1000000);
        struct tm tm;
        cr_assert_not_null(gmtime_r(&secs, &tm));
        char want[40], got[32];
        int n = snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (micro)
            n += snprintf(want + n, sizeof want - (size_t)n, ".%06ld", micro);
        snprintf(want + n, sizeof want - (size_t)n, "Z");
        eddy_db_format_time(us, 'T', got);
        cr_assert_str_eq(got, want, "%lld", (long long)us);
    }
}

Test(db_url, times_format_and_parse_both_ways)
{
    char out[32];
    eddy_db_format_time(0, 'T', out);
    cr_assert_str_eq(out, "1970-01-01T00:00:00Z");
    cr_assert_eq(eddy_db_format_time(1795000000123456, ' ', out), 26, "the length written");
    cr_assert_str_eq(out, "2026-11-18 11:06:40.123456");
    int64_t us;
    cr_assert_eq(eddy_db_parse_time(out, strlen(out), &us), 0);
    cr_assert_eq(us, 1795000000123456);
    cr_assert_eq(eddy_db_parse_time("2026-11-18T11:06:40Z", 20, &us), 0);
    cr_assert_eq(us, 1795000000000000);
    cr_assert_eq(eddy_db_parse_time("2026-11-18", 10, &us), 0);
    cr_assert_eq(eddy_db_parse_time("yesterday", 9, &us), -1);
    /* The calendar's corners: a leap day, the last microsecond of a
     * century year that is not leap, and a second before 1970. */
    const char *corners[] = {"2024-02-29T23:59:59.999999Z", "2100-02-28T23:59:59.999999Z",
                             "2000-02-29T12:00:00Z", "1969-12-31T23:59:59Z"};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(eddy_db_parse_time(corners[i], strlen(corners[i]), &us), 0, "%s", corners[i]);
        eddy_db_format_time(us, 'T', out);
        cr_assert_str_eq(out, corners[i]);
    }
    cr_assert_eq(eddy_db_parse_time("1969-12-31T23:59:59Z", 20, &us), 0);
    cr_assert_eq(us, -1000000);
    eddy_db_format_time(4102444799999999, ' ', out); /* 2099-12-31 23:59:59.999999 */
    cr_assert_str_eq(out, "2099-12-31 23:59:59.999999");
    cr_assert_eq(eddy_db_parse_time("2026-13-01 00:00:00", 19, &us), -1);
    /* Fractions of any length: six digits (the usual), fewer, more (cut
     * to the microsecond), and none after the point. */
    const struct {
        const char *text;
        int64_t us;
    } fractions[] = {{"2026-11-18 11:06:40.123456", 1795000000123456},
                     {"2026-11-18T11:06:40.123456Z", 1795000000123456},
                     {"2026-11-18 11:06:40.5", 1795000000500000},
                     {"2026-11-18 11:06:40.0000015", 1795000000000001},
                     {"2026-11-18 11:06:40.1234567Z", 1795000000123456},
                     {"2026-11-18 11:06:40.", 1795000000000000}};
    for (size_t i = 0; i < sizeof fractions / sizeof *fractions; i++) {
        cr_assert_eq(eddy_db_parse_time(fractions[i].text, strlen(fractions[i].text), &us), 0,
                     "%s", fractions[i].text);
        cr_assert_eq(us, fractions[i].us, "%s: %lld", fractions[i].text, (long long)us);
    }
    cr_assert_eq(eddy_db_parse_time("2026-11-18 11:06:40.12a456", 26, &us), -1);
    /* The time and its fraction are read eight bytes at a time: a wrong
     * byte anywhere in them is still refused, and the one after the
     * fraction still counts. */
    const char *bad[] = {"2026-11-18 11:06:4:", "2026-11-18 11-06-40", "2026-11-18 1/:06:40",
                         "2026-11-18 11:06:4\xff", "2026-11-18 \xfa" "1:06:40",
                         "2026-11-18 11:06:40.12345/", "2026-11-18 11:06:40.\xfa" "23456",
                         "2026-11-18 11:06:40.123456x", "2026-11-18 11:6:040", "2026-11-18 11:60:00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(eddy_db_parse_time(bad[i], strlen(bad[i]), &us), -1, "%s", bad[i]);
    cr_assert_eq(eddy_db_parse_time("2026-11-18 23:59:60.000001", 26, &us), 0, "a leap second");
    cr_assert_eq(us, 1795046400000001);
    /* Two times of one day (its date is kept from the first), the day
     * before, and a time past year 9999 (clamped, and not kept). */
    eddy_db_format_time(1795000000123456 + 3600000000, ' ', out);
    cr_assert_str_eq(out, "2026-11-18 12:06:40.123456");
    eddy_db_format_time(1795000000000000 - 86400000000, 'T', out);
    cr_assert_str_eq(out, "2026-11-17T11:06:40Z");
    eddy_db_format_time(INT64_C(300000000000000000), ' ', out);
    cr_assert_str_eq(out, "9999-01-01 00:00:00");
    cr_assert_eq(eddy_db_format_time(1795000000000000, ' ', out), 19);
    cr_assert_str_eq(out, "2026-11-18 11:06:40");
    /* Parsing keeps the last date too: the same day again, with other
     * times, a bad time on it, and the date alone. */
    const char *same_day[] = {"2026-11-18 11:06:40", "2026-11-18T00:00:01.5Z", "2026-11-18"};
    const int64_t want[] = {1795000000000000, 1794960001500000, 1794960000000000};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(eddy_db_parse_time(same_day[i], strlen(same_day[i]), &us), 0, "%s",
                     same_day[i]);
        cr_assert_eq(us, want[i], "%s", same_day[i]);
    }
    cr_assert_eq(eddy_db_parse_time("2026-11-18 24:00:00", 19, &us), -1);
    cr_assert_eq(eddy_db_parse_time("2026-11-18 11:06", 16, &us), -1);
    cr_assert_eq(eddy_db_parse_time("2026-11-19 00:00:00", 19, &us), 0);
    cr_assert_eq(us, 1795046400000000);
}
