/*
 * db - one async database API, on SQLite or MariaDB (aiomysql's place).
 *
 * A program opens a pool from a URL and queries it from its tasks; a query
 * suspends the task and the loop serves everyone else until the rows are
 * there:
 *
 *     eddy_db *db = eddy_db_open("sqlite:///var/lib/board.db", NULL);
 *     ...
 *     eddy_db_result *res;
 *     int rc = eddy_db_query(db, &res, "SELECT id, name FROM message WHERE id > ? LIMIT 20",
 *                            EDDY_DB_PARAMS(EDDY_DB_INT(last_seen)));
 *     if (rc) { ... eddy_db_errmsg(res) ...; eddy_db_result_free(res); return; }
 *     for (size_t i = 0; i < eddy_db_rows(res); i++)
 *         printf("%s\n", eddy_db_text(res, i, "name"));
 *     eddy_db_result_free(res);
 *
 * URLs: "sqlite:///path/to/file.db" (absolute), "sqlite://relative.db",
 * "sqlite::memory:" and "mysql://user:password@host:port/database"
 * (port 3306 when left out). Values reach the database only as bound
 * parameters ("?" in the SQL): there is no call that pastes a value into
 * SQL, so a value can never be read as SQL.
 *
 * Two drivers behind one small table of operations (db_internal.h):
 * SQLite runs each query on the thread pool (eddy_run_blocking), in WAL
 * mode with one writer connection and several readers; MariaDB speaks
 * MariaDB Connector/C's non-blocking API, each wait being an
 * eddy_wait_fd on the connection's socket. Either way the loop thread
 * never blocks. Each connection keeps its prepared statements, so a query
 * the program runs again is not parsed again.
 *
 * The pool holds up to max_connections connections, opened when first
 * needed; a task that finds them all busy waits in line (FIFO) up to
 * acquire_timeout_ms. SQLite's reads wait for a thread of the pool
 * instead, as long (a read no thread has started by then is taken back,
 * not run: ETIMEDOUT), and the thread that runs one takes a reader for
 * it (waiting as long again if max_connections are busy): no more
 * readers are open than threads run reads at once. A connection whose
 * server went away is dropped and the next query opens a new one: the
 * program recovers when the server is back.
 *
 * Errors follow the wait rule (lib/README.md): a query returns 0 or an
 * errno value, and the details (the server's code and message) are on
 * the result, which is set even when the query failed:
 *   EIO           the database refused the statement (syntax, a
 *                 constraint, a type): the client's or the program's fault
 *   ECONNREFUSED  the database cannot be reached, or the connection broke:
 *                 answer 503 and try again later
 *   ETIMEDOUT     no connection was free within acquire_timeout_ms
 *   ECANCELED     the task was cancelled (the client went away)
 *   EINVAL        a parameter or URL the API cannot use
 *   ENOMEM        out of memory (the result may then be NULL)
 *   EPERM         called outside a task where it would have to wait
 */
#ifndef EDDY_DB_H
#define EDDY_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eddy_db eddy_db;
typedef struct eddy_db_result eddy_db_result;

/* ------------------------------------------------------------ values */

typedef enum eddy_db_type {
    EDDY_DB_NULL,
    EDDY_DB_INTEGER,
    EDDY_DB_DOUBLE,
    EDDY_DB_TEXT,
    EDDY_DB_BLOB,
    EDDY_DB_DATETIME, /* microseconds since 1970-01-01 00:00:00 UTC */
} eddy_db_type;

/* eddy_db_value - a parameter or a column's value. Text and blobs point
 * at bytes the caller (for a parameter) or the result (for a column)
 * owns; text is UTF-8 and may hold NUL bytes only as a blob. i and d
 * share their place (read the one type says): a result holds a value
 * per cell, and every byte of them is written by the driver and read
 * by the page a while later. */
typedef struct eddy_db_value {
    eddy_db_type type;
    union {
        int64_t i; /* INTEGER, DATETIME */
        double d;  /* DOUBLE */
    };
    const char *p; /* TEXT (NUL-terminated in a result), BLOB */
    size_t len;
} eddy_db_value;

#define EDDY_DB_NULLV      ((eddy_db_value){.type = EDDY_DB_NULL})
#define EDDY_DB_INT(v)     ((eddy_db_value){.type = EDDY_DB_INTEGER, .i = (int64_t)(v)})
#define EDDY_DB_REAL(v)    ((eddy_db_value){.type = EDDY_DB_DOUBLE, .d = (double)(v)})
#define EDDY_DB_STR(s)     ((eddy_db_value){.type = EDDY_DB_TEXT, .p = (s), .len = eddy_db_strlen(s)})
#define EDDY_DB_STRN(s, n) ((eddy_db_value){.type = EDDY_DB_TEXT, .p = (s), .len = (n)})
#define EDDY_DB_BYTES(b, n)                                                                        \
    ((eddy_db_value){.type = EDDY_DB_BLOB, .p = (const char *)(b), .len = (n)})
#define EDDY_DB_TIME(us) ((eddy_db_value){.type = EDDY_DB_DATETIME, .i = (int64_t)(us)})

/* EDDY_DB_PARAMS(v, ...) - the two arguments (array, count) the query
 * calls take, from a list of values; with no parameters pass NULL, 0. */
#define EDDY_DB_PARAMS(...)                                                                        \
    (const eddy_db_value[]){__VA_ARGS__},                                                          \
        (sizeof((const eddy_db_value[]){__VA_ARGS__}) / sizeof(eddy_db_value))

/* eddy_db_strlen - strlen that takes NULL (an EDDY_DB_STR of NULL is NULL). */
size_t eddy_db_strlen(const char *s);

/* eddy_db_now - the current time as a DATETIME value's microseconds. */
int64_t eddy_db_now(void);

/* eddy_db_format_time - us as "YYYY-MM-DD HH:MM:SS[.ffffff]" (sep ' ')
 * or ISO 8601 "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (sep 'T'); out holds 32.
 * Returns the length written (before the NUL). */
size_t eddy_db_format_time(int64_t us, char sep, char out[32]);

/* eddy_db_parse_time - "YYYY-MM-DD[ T]HH:MM:SS[.f...][Z]" or
 * "YYYY-MM-DD" to microseconds; 0, or -1 when it is not a date. */
int eddy_db_parse_time(const char *s, size_t len, int64_t *us);

/* ------------------------------------------------------------ the pool */

/* eddy_db_options - a field left 0 takes its default. */
typedef struct eddy_db_options {
    int max_connections;     /* the pool's size (default 8; SQLite: readers, plus one writer) */
    long acquire_timeout_ms; /* waiting for a free connection (default 5000; < 0: forever) */
    long connect_timeout_ms; /* MariaDB: opening a connection (default 3000) */
    long busy_timeout_ms;    /* SQLite: waiting for another process's lock (default 5000) */
    bool blocking;           /* for teaching only: wait the way a blocking driver does, on
                                the loop thread, stalling everyone else (lesson 16) */
    bool sqlite_one_process; /* SQLite: only this process opens the file while the pool is
                                open, so reads take no file lock (see db_sqlite.c); another
                                process (a --processes worker, the sqlite3 shell) gets
                                "database is locked" until the pool is closed */
    int transaction_retries; /* eddy_db_transaction: how many times a transaction that lost
                                to another (a deadlock) runs again (default
                                EDDY_DB_TRANSACTION_RETRIES; < 0: never) */
} eddy_db_options;

/* A transaction that loses a deadlock (MariaDB 1213, a lock wait timeout
 * 1205; SQLite busy or locked) has been undone by the database and runs
 * again from the start, this many times at most by default, after a
 * randomised pause of 1 to EDDY_DB_RETRY_PAUSE_MS << (attempt - 1) ms, so
 * the two that collided do not collide again in step. */
enum { EDDY_DB_TRANSACTION_RETRIES = 5, EDDY_DB_RETRY_PAUSE_MS = 4 };

/* eddy_db_open - a pool for url (options NULL: the defaults). Opens no
 * connection yet, except for SQLite, whose file (and WAL mode) is set up
 * here, so a bad path is reported at once. NULL with errno (EINVAL for a
 * URL it cannot read, EPROTONOSUPPORT for an unknown scheme) and a logged
 * message. Call it from the thread whose loop will use the pool. */
eddy_db *eddy_db_open(const char *url, const eddy_db_options *options);

/* eddy_db_close - close every connection and free the pool; queries
 * still running must have finished. NULL is a no-op. */
void eddy_db_close(eddy_db *db);

/* eddy_db_dialect - "sqlite" or "mysql": for the few statements that
 * differ (CREATE TABLE's key column, mostly). */
const char *eddy_db_dialect(const eddy_db *db);

/* eddy_db_url_redacted - the URL with the password replaced by "***", for logs. */
const char *eddy_db_url_redacted(const eddy_db *db);

/* ------------------------------------------------------------ queries */

/* eddy_db_query - run sql with params[0..n) bound to its "?" marks and
 * wait for the outcome; *out gets the result (rows, or the affected rows
 * and last insert id), or the error's details; free it with
 * eddy_db_result_free. 0 or an errno value (see the top of this file).
 * MariaDB takes at most 64 parameters in one statement (EINVAL beyond).
 * Inside eddy_db_transaction the statement runs on the transaction's
 * connection. */
int eddy_db_query(eddy_db *db, eddy_db_result **out, const char *sql, const eddy_db_value *params,
                  size_t n);

/* eddy_db_exec - eddy_db_query for a statement whose rows nobody reads:
 * the result is freed here; *affected and *last_id (either may be NULL)
 * are filled on success. On failure the error is logged (the URL without
 * its password, the server's code and message). */
int eddy_db_exec(eddy_db *db, const char *sql, const eddy_db_value *params, size_t n,
                 int64_t *affected, int64_t *last_id);

/* eddy_db_begin - start a transaction in this task: one connection is
 * held for it, and every query this task makes on db runs on it until
 * eddy_db_commit or eddy_db_rollback, which give it back (a commit that
 * fails is rolled back). Every begin needs one of the two, on every path:
 * eddy_db_transaction below does that for you. EINVAL for a second begin
 * in the same task (they do not nest), or an end without a begin. */
int eddy_db_begin(eddy_db *db);
int eddy_db_commit(eddy_db *db);
int eddy_db_rollback(eddy_db *db);

/* eddy_db_transaction - run fn(db, arg) inside one transaction: BEGIN,
 * then fn, whose queries on db all run on the transaction's connection;
 * COMMIT if fn returned 0, else ROLLBACK. Returns fn's value when it was
 * not 0 (the rollback's own error, if any, is logged), else the commit's.
 * A transaction does not nest: a second one in the same task is EINVAL.
 *
 * When a statement (or the commit) lost to another transaction - a
 * deadlock - the database has undone the whole transaction, so it is
 * rolled back (even if fn went on and returned 0) and run again from
 * BEGIN, up to transaction_retries times (see EDDY_DB_TRANSACTION_RETRIES).
 * fn must therefore be safe to run again: it should set what it hands
 * back through arg on each run, and do nothing outside the database that
 * cannot be done twice (notify after the transaction, not inside). */
int eddy_db_transaction(eddy_db *db, int (*fn)(eddy_db *db, void *arg), void *arg);

/* eddy_db_transaction_result - eddy_db_transaction that also says why it
 * failed: *error gets NULL on success, else a result holding the code and
 * message of the statement that failed (the server's, e.g. 1213 "Deadlock
 * found ..."), or of this library (code 0) when no statement did; pass it
 * to eddy_db_errmsg / eddy_send_db_error, then free it. */
int eddy_db_transaction_result(eddy_db *db, int (*fn)(eddy_db *db, void *arg), void *arg,
                               eddy_db_result **error);

/* ------------------------------------------------------------ results */

void eddy_db_result_free(eddy_db_result *res);

size_t eddy_db_rows(const eddy_db_result *res);
size_t eddy_db_columns(const eddy_db_result *res);
const char *eddy_db_column_name(const eddy_db_result *res, size_t col);

/* eddy_db_column_index - the index of the column named name, or -1. */
int eddy_db_column_index(const eddy_db_result *res, const char *name);

/* eddy_db_value_at - row's value in column col; a NULL value when out of
 * range. eddy_db_value_of - the same by column name. */
const eddy_db_value *eddy_db_value_at(const eddy_db_result *res, size_t row, size_t col);
const eddy_db_value *eddy_db_value_of(const eddy_db_result *res, size_t row, const char *name);

/* eddy_db_row_values - row's eddy_db_columns() values, in column order,
 * or NULL when out of range: for a caller that reads many columns of one
 * row (a template's loop), without a call and a range check for each.
 * The rows follow one another in one array: row r's values are those of
 * row 0 plus r * eddy_db_columns(). */
const eddy_db_value *eddy_db_row_values(const eddy_db_result *res, size_t row);

/* Typed reads by column name, with a default for NULL or a missing
 * column. Text comes from TEXT or BLOB columns and lives in the result;
 * an integer is read from INTEGER, DOUBLE (truncated) or DATETIME columns. */
int64_t eddy_db_int(const eddy_db_result *res, size_t row, const char *name);
double eddy_db_double(const eddy_db_result *res, size_t row, const char *name);
const char *eddy_db_text(const eddy_db_result *res, size_t row, const char *name);
bool eddy_db_is_null(const eddy_db_result *res, size_t row, const char *name);

/* For a statement without rows: what it changed. */
int64_t eddy_db_affected(const eddy_db_result *res);
int64_t eddy_db_last_id(const eddy_db_result *res);

/* The error of a failed query: the server's (or SQLite's) code, or 0 for
 * an error of this library; the message ("" if none). Both take NULL
 * (ENOMEM left no result): then 0 and "out of memory". */
int eddy_db_errcode(const eddy_db_result *res);
const char *eddy_db_errmsg(const eddy_db_result *res);

/* eddy_db_result_new_error - a result holding only an error, for a layer
 * above (the ORM) that refuses a query before the database sees it; NULL
 * when out of memory. */
eddy_db_result *eddy_db_result_new_error(int code, const char *message);

/* eddy_db_result_split - rows at.. of res moved into a result of their
 * own, *tail (the same columns, its own copy of their text), res keeping
 * rows ..at: one statement that returns two kinds of row (a UNION ALL of
 * a page of rows and what hangs on them, each half in its own order)
 * read as two results, for one round trip instead of two. 0, or ENOMEM
 * (res unchanged, *tail NULL). Free both. */
int eddy_db_result_split(eddy_db_result *res, size_t at, eddy_db_result **tail);

/* ------------------------------------------------------------ as JSON */

/* eddy_db_value_json - a value as JSON: numbers, strings, null; a
 * date-time as ISO 8601 ("2026-12-06T05:19:29Z", with microseconds when
 * it has them); a blob (or text that is not UTF-8) in base64. New reference. */
json_t *eddy_db_value_json(const eddy_db_value *v);

/* eddy_db_row_json - row as an object of its columns; eddy_db_rows_json -
 * every row, as an array. New references (NULL when out of memory). */
json_t *eddy_db_row_json(const eddy_db_result *res, size_t row);
json_t *eddy_db_rows_json(const eddy_db_result *res);

#endif
